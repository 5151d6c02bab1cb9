#include "core/awards/award_decider.h"

#include <cstdio>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/awards/award_lifecycle.h"
#include "core/awards/award_rules.h"
#include "core/awards/restatement.h"
#include "core/domain/period.h"
#include "core/program/holdout.h"
#include "core/scoring/scorecard.h"

namespace plaudit {
namespace {

// 128 random bits as hex: unique per reward, fixed once committed.
std::string NewIdempotencyKey() {
  thread_local absl::BitGen rng;
  char buffer[33];
  std::snprintf(buffer, sizeof(buffer), "%016llx%016llx",
                static_cast<unsigned long long>(absl::Uniform<uint64_t>(rng)),
                static_cast<unsigned long long>(absl::Uniform<uint64_t>(rng)));
  return buffer;
}

// A tier's own rewards, or the award's when the tier has none (or there are no tiers).
const std::vector<RewardSpec>& RewardsFor(const AwardRule& award, const Winner& winner) {
  for (const Tier& tier : award.tiers) {
    if (tier.name == winner.tier && !tier.rewards.empty()) return tier.rewards;
  }
  return award.rewards;
}

// How many approvals an award worth `value` needs, and from whom.
void ApprovalRequirement(const ApprovalPolicy& policy, double value, AwardRecord& award) {
  award.approvals_needed = policy.by == ApprovalBy::kAuto ? 0 : 1;
  award.approver_role = policy.by == ApprovalBy::kAdmin ? Role::kAdmin : Role::kManager;
  if (policy.two_approvers_above.has_value() && value > *policy.two_approvers_above) {
    award.approvals_needed = 2;
  }
}

}  // namespace

ThresholdSet TopBoxThresholds(const ProgramSpec& program) {
  ThresholdSet thresholds;
  auto add = [&thresholds](const auto& measure) {
    if (measure.top_box.has_value()) thresholds.emplace(measure.metric, measure.top_box->at_least);
  };
  for (const ScorecardMetric& metric : program.metrics) add(metric);
  for (const Gate& gate : program.gates) add(gate);
  for (const Hold& hold : program.holds) {
    for (const HoldCondition& condition : hold.when) add(condition.measure);
  }
  auto add_rule = [&add](const AwardRule& rule) {
    if (rule.min_metric.has_value()) add(*rule.min_metric);
    if (rule.target.has_value()) add(*rule.target);
    if (rule.improvement_metric.has_value()) add(*rule.improvement_metric);
  };
  add_rule(program.award);
  for (const AwardRule& base : program.award.streak_of) add_rule(base);
  return thresholds;
}

absl::StatusOr<AggregateTable> LoadAggregates(Store& store, const ProgramSpec& program,
                                              const PeriodWindow& window) {
  auto rolled = store.RolledUpAggregates(
      program.time_zone, std::string(CadenceName(program.cadence)), window.label,
      absl::ToUnixMicros(window.start), absl::ToUnixMicros(window.end), TopBoxThresholds(program));
  if (!rolled.ok()) return rolled.status();
  if (!rolled->has_value()) return LoadAggregatesFromEvents(store, program, window);
  AggregateTable table;
  for (AggregateRow& row : **rolled) table[row.agent_id][row.metric] = std::move(row.aggregate);
  return table;
}

absl::StatusOr<AggregateTable> LoadAggregatesFromEvents(Store& store, const ProgramSpec& program,
                                                        const PeriodWindow& window) {
  const int64_t start_us = absl::ToUnixMicros(window.start);
  const int64_t end_us = absl::ToUnixMicros(window.end);
  auto rows = store.Aggregate(start_us, end_us);
  if (!rows.ok()) return rows.status();
  AggregateTable table;
  for (AggregateRow& row : *rows) table[row.agent_id][row.metric] = std::move(row.aggregate);
  for (const auto& [metric, at_least] : TopBoxThresholds(program)) {
    auto counts = store.CountAtLeast(start_us, end_us, metric, at_least);
    if (!counts.ok()) return counts.status();
    // Events written between the two reads can make a count exceed its agent's samples (or
    // appear without them); ReduceMeasure() caps a count at the samples.
    for (const auto& [agent_id, count] : *counts) {
      table[agent_id][metric].at_least[at_least] = count;
    }
  }
  return table;
}

std::string AwardId(const std::string& program_id, const std::string& period,
                    const std::string& agent_id) {
  return absl::StrCat(program_id, ".", period, ".", agent_id);
}

std::string TeamAwardId(const std::string& program_id, const std::string& period,
                        const std::string& team) {
  return absl::StrCat(program_id, ".", period, ".team.", team);
}

absl::StatusOr<std::vector<EarlierPeriod>> LoadEarlierPeriods(Store& store,
                                                              const ProgramSpec& program,
                                                              const PeriodWindow& window) {
  std::vector<EarlierPeriod> earlier;
  PeriodWindow before = window;
  for (int k = 0; k < EarlierPeriodsNeeded(program); ++k) {
    before = PreviousPeriod(program.cadence, before, program.zone);
    auto table = LoadAggregates(store, program, before);
    if (!table.ok()) return table.status();
    earlier.push_back(EarlierPeriod{before, *std::move(table)});
  }
  return earlier;
}

struct AwardDecider::Snapshot {
  int64_t generation = 0;
  absl::Time computed_at;
  Basis basis;
  std::shared_ptr<const std::vector<Agent>> agents;
  AggregateTable table;
  std::vector<EarlierPeriod> earlier;
  std::shared_ptr<const DecisionRecord> decision;
  // The evaluation's winners (its standings are the decision's), for explanations.
  std::vector<Winner> winners;
  mutable absl::Mutex mu;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const AwardExplanation>> explanations
      ABSL_GUARDED_BY(mu);
  // BuildExplainIndex() of the decision's standings, made by the first explanation.
  mutable std::shared_ptr<const ExplainIndex> explain_index ABSL_GUARDED_BY(mu);
};

struct AwardDecider::Slot {
  absl::Mutex mu;
  absl::CondVar done;
  std::shared_ptr<const Snapshot> snapshot ABSL_GUARDED_BY(mu);
  bool computing ABSL_GUARDED_BY(mu) = false;
  uint64_t last_used = 0;  // guarded by AwardDecider::slots_mu_
};

absl::StatusOr<ProgramSpec> AwardDecider::ParseProgram(const std::string& yaml) const {
  return ParseProgramYaml(yaml, reward_types_());
}

Telemetry::Histogram* AwardDecider::EvaluationHistogram(Telemetry* telemetry) {
  if (telemetry == nullptr) return nullptr;
  return telemetry->AddHistogram(
      "plaudit_standings_evaluation_seconds",
      "Time to compute a program period's standings from its aggregates (leaderboards, "
      "explanations and decisions), by program.",
      {"program"}, Telemetry::LatencyBounds());
}

absl::StatusOr<DecisionRecord> AwardDecider::Compute(const ProgramSpec& spec,
                                                     const std::string& program_id, int64_t version,
                                                     const PeriodWindow& window, absl::Time now,
                                                     bool with_keys) {
  const absl::Time started = absl::Now();
  auto agents = Agents();
  if (!agents.ok()) return agents.status();
  auto table = LoadAggregates(*store_, spec, window);
  if (!table.ok()) return table.status();
  auto earlier = LoadEarlierPeriods(*store_, spec, window);
  if (!earlier.ok()) return earlier.status();
  DecisionRecord decision =
      Decide(spec, program_id, version, window, now, with_keys, **agents, *table, *earlier);
  if (evaluation_seconds_ != nullptr) {
    evaluation_seconds_->Observe({program_id}, absl::ToDoubleSeconds(absl::Now() - started));
  }
  return decision;
}

DecisionRecord AwardDecider::Decide(const ProgramSpec& spec, const std::string& program_id,
                                    int64_t version, const PeriodWindow& window, absl::Time now,
                                    bool with_keys, const std::vector<Agent>& agents,
                                    const AggregateTable& table,
                                    const std::vector<EarlierPeriod>& earlier,
                                    std::vector<Winner>* winners) {
  Evaluation evaluation = EvaluateProgram(spec, window, agents, table, earlier);
  if (winners != nullptr) *winners = evaluation.winners;

  DecisionRecord decision;
  decision.program_id = program_id;
  decision.period = window.label;
  decision.program_version = version;
  decision.decided_us = absl::ToUnixMicros(now);
  decision.budget = spec.budget;
  decision.standings = std::move(evaluation.standings);
  // The holdout: its winners' awards are recorded, never rewarded.
  std::set<std::string> held_out;
  if (spec.holdout.has_value() &&
      HoldoutApplies(*spec.holdout, spec.cadence, spec.zone, window.start)) {
    std::vector<HoldoutCandidate> candidates;
    for (const Standing& s : decision.standings) {
      if (s.eligible) candidates.push_back({CompetitorId(s), s.peer_group});
    }
    held_out = HoldoutMembers(*spec.holdout, candidates);
  }
  for (const Winner& winner : evaluation.winners) {
    AwardRecord award;
    const bool team_award = !winner.team.empty() && winner.agent_id.empty();
    award.id = team_award ? TeamAwardId(program_id, window.label, winner.team)
                          : AwardId(program_id, window.label, winner.agent_id);
    award.program_id = program_id;
    award.period = window.label;
    award.agent_id = winner.agent_id;
    award.team = team_award ? winner.team : "";
    award.rank = winner.rank;
    award.program_version = decision.program_version;
    award.decided_us = decision.decided_us;
    award.tier = winner.tier;
    if (held_out.contains(team_award ? winner.team : winner.agent_id)) {
      award.state = AwardState::kHoldout;
      award.state_reason = absl::StrCat(
          "holdout: rank ", winner.rank, ", not rewarded (the program's holdout",
          spec.holdout->until.empty() ? "" : absl::StrCat(" until ", spec.holdout->until), ")");
      decision.awards.push_back(std::move(award));
      continue;
    }
    if (!winner.holds.empty()) {
      award.state = AwardState::kHeld;
      award.state_reason = absl::StrJoin(winner.holds, "; ");
    } else {
      award.state = AwardState::kProposed;
      award.state_reason = absl::StrCat("decided: rank ", winner.rank);
    }
    // A team award to its members gives each eligible member every reward, told apart by the
    // member's id; to the team, one of each with no agent (the fulfilment engine sends the team).
    std::vector<std::string> recipients = {winner.agent_id};
    const bool to_members = team_award && spec.award.rewards_to == RewardsTo::kMembers;
    if (to_members) recipients = winner.members;
    for (const RewardSpec& reward : RewardsFor(spec.award, winner)) {
      award.value += RewardValue(reward, spec.budget) * static_cast<double>(recipients.size());
    }
    ApprovalRequirement(spec.approval, award.value, award);
    std::map<std::string, int> seen;
    for (const RewardSpec& reward : RewardsFor(spec.award, winner)) {
      int n = ++seen[reward.type];
      for (const std::string& recipient : recipients) {
        FulfilmentRecord f;
        f.id = absl::StrCat(award.id, ".", reward.type, n > 1 ? absl::StrCat("-", n) : "",
                            to_members ? absl::StrCat(".", recipient) : "");
        f.award_id = award.id;
        f.agent_id = recipient;
        f.type = reward.type;
        f.params = reward.params;
        f.value = RewardValue(reward, spec.budget);
        f.face_value = reward.face_value;
        f.state = FulfilmentState::kWaiting;
        f.idempotency_key = with_keys ? NewIdempotencyKey() : "";
        f.next_attempt_us = decision.decided_us;
        f.updated_us = decision.decided_us;
        award.fulfilments.push_back(std::move(f));
      }
    }
    decision.awards.push_back(std::move(award));
  }
  return decision;
}

absl::StatusOr<DecisionRecord> AwardDecider::Simulate(const std::string& yaml,
                                                      const std::string& period) {
  auto spec = ParseProgram(yaml);
  if (!spec.ok()) return spec.status();
  auto window = ParsePeriod(spec->cadence, period, spec->zone);
  if (!window.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message()));
  }
  return Compute(*spec, spec->id, 0, *window, clock_->Now(), /*with_keys=*/false);
}

absl::StatusOr<AwardDecider::Basis> AwardDecider::BasisFor(const std::string& program_id,
                                                           const std::string& period,
                                                           std::optional<int64_t> version) const {
  auto program = store_->GetProgram(program_id);
  if (!program.ok()) return program.status();
  if (!program->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("program_id: program \"", program_id, "\" not found (apply it first)"));
  }
  Basis basis;
  basis.version = (*program)->version;
  basis.program_disabled = (*program)->disabled;
  auto spec = ParseCached((*program)->yaml);
  if (!spec.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("program ", program_id, " cannot be evaluated: ", spec.status().message()));
  }
  auto window = ParsePeriod((*spec)->cadence, period, (*spec)->zone);
  if (!window.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message()));
  }
  // A period is judged by the version in force when it closed (its end plus close_after):
  // applying a new version later never changes how an earlier period is decided.
  absl::StatusOr<std::optional<ProgramRecord>> chosen =
      version.has_value() ? store_->GetProgramVersion(program_id, *version)
                          : store_->ProgramVersionAt(
                                program_id, absl::ToUnixMicros(window->end + (*spec)->close_after));
  if (!chosen.ok()) return chosen.status();
  if (chosen->has_value() && (*chosen)->version != basis.version) {
    basis.version = (*chosen)->version;
    spec = ParseCached((*chosen)->yaml);
    if (!spec.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("program ", program_id, " version ", basis.version, " (in force for ",
                       period, ") cannot be evaluated: ", spec.status().message()));
    }
    window = ParsePeriod((*spec)->cadence, period, (*spec)->zone);
    if (!window.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message(),
                                                     " (under version ", basis.version, ")"));
    }
  }
  basis.spec = **spec;
  basis.window = *std::move(window);
  // Periods are read from rollups from now on (filled in once when the program predates them).
  absl::Status rolled_up =
      store_->EnsureRollup(basis.spec.time_zone, std::string(CadenceName(basis.spec.cadence)),
                           TopBoxThresholds(basis.spec));
  if (!rolled_up.ok()) return rolled_up;
  return basis;
}

absl::StatusOr<std::string> AwardDecider::ResolvePeriod(const std::string& program_id,
                                                        const std::string& period) const {
  if (period != "current") return period;
  auto program = store_->GetProgram(program_id);
  if (!program.ok()) return program.status();
  if (!program->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("program_id: program \"", program_id, "\" not found (apply it first)"));
  }
  auto spec = ParseCached((*program)->yaml);
  if (!spec.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("program ", program_id, " cannot be evaluated: ", spec.status().message()));
  }
  return PeriodContaining((*spec)->cadence, clock_->Now(), (*spec)->zone).label;
}

absl::StatusOr<AwardExplanation> AwardDecider::Explain(const std::string& program_id,
                                                       const std::string& period,
                                                       const std::string& agent_id) {
  auto committed = store_->DecisionVersion(program_id, period);
  if (!committed.ok()) return committed.status();
  auto snapshot = SnapshotOf(program_id, period);
  if (!snapshot.ok()) return snapshot.status();
  const Snapshot& snap = **snapshot;
  if (committed->has_value() && **committed != snap.basis.version) {
    // Decided under a version other than the one now in force for it: explained on that one.
    auto basis = BasisFor(program_id, period, *committed);
    if (!basis.ok()) return basis.status();
    auto agents = Agents();
    if (!agents.ok()) return agents.status();
    auto table = LoadAggregates(*store_, basis->spec, basis->window);
    if (!table.ok()) return table.status();
    auto earlier = LoadEarlierPeriods(*store_, basis->spec, basis->window);
    if (!earlier.ok()) return earlier.status();
    return ExplainAward(basis->spec, basis->window, **agents, *table, agent_id, *earlier);
  }
  std::shared_ptr<const ExplainIndex> index;
  {
    absl::MutexLock lock(&snap.mu);
    auto it = snap.explanations.find(agent_id);
    if (it != snap.explanations.end()) return *it->second;
    index = snap.explain_index;
  }
  if (index == nullptr) {
    // Built outside the lock; two callers at once build it twice, and one is kept.
    index = BuildExplainIndex(snap.basis.spec, snap.decision->standings);
    absl::MutexLock lock(&snap.mu);
    if (snap.explain_index == nullptr) snap.explain_index = index;
  }
  auto explanation = ExplainAward(snap.basis.spec, snap.basis.window, *snap.agents, snap.table,
                                  agent_id, snap.decision->standings, snap.winners, index.get());
  if (!explanation.ok()) return explanation.status();
  absl::MutexLock lock(&snap.mu);
  if (static_cast<int>(snap.explanations.size()) < options_.max_cached_explanations) {
    snap.explanations[agent_id] = std::make_shared<const AwardExplanation>(*explanation);
  }
  return explanation;
}

absl::StatusOr<AwardDecider::Restatement> AwardDecider::Restate(const std::string& program_id,
                                                                const std::string& period) {
  auto committed = store_->GetDecision(program_id, period);
  if (!committed.ok()) return committed.status();
  if (!committed->has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("restate: ", period, " has no committed decision to restate"));
  }
  auto basis = BasisFor(program_id, period, (*committed)->program_version);
  if (!basis.ok()) return basis.status();
  auto now = Compute(basis->spec, program_id, basis->version, basis->window, clock_->Now(),
                     /*with_keys=*/false);
  if (!now.ok()) return now.status();
  Restatement restatement;
  restatement.committed = **std::move(committed);
  restatement.now = *std::move(now);
  restatement.differences = RestatementDifferences(restatement.committed, restatement.now);
  return restatement;
}

absl::StatusOr<AwardDecider::Result> AwardDecider::Evaluate(const std::string& program_id,
                                                            const std::string& period, bool dry_run,
                                                            const std::string& actor) {
  // A committed decision is returned as stored, whatever has changed since (plugins, program).
  if (!dry_run) {
    auto existing = store_->GetDecision(program_id, period, /*with_standings=*/false);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return Result{**std::move(existing), false};
  }
  auto basis = BasisFor(program_id, period);
  if (!basis.ok()) return basis.status();
  absl::Time now = clock_->Now();
  if (!dry_run && basis->program_disabled) {
    return absl::FailedPreconditionError(
        absl::StrCat("program ", program_id,
                     " is disabled: it decides nothing until enabled (plaudit programs enable ",
                     program_id, "); evaluate it with --dry-run meanwhile"));
  }
  if (!dry_run && basis->window.end > now) {
    return absl::FailedPreconditionError(
        absl::StrCat("period: ", period, " has not ended yet (it ends ",
                     absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", basis->window.end, basis->spec.zone),
                     "); evaluate it with --dry-run until then"));
  }
  auto decision = Compute(basis->spec, program_id, basis->version, basis->window, now, !dry_run);
  if (!decision.ok()) return decision.status();
  if (dry_run) return Result{*std::move(decision), false};
  if (!actor.empty()) decision->decided_by = actor;
  auto committed = store_->CommitDecision(*decision, PlanAutoApproval);
  if (!committed.ok()) return committed.status();
  return Result{std::move(committed->first), committed->second};
}

}  // namespace plaudit

namespace plaudit {

AwardDecider::~AwardDecider() = default;

absl::StatusOr<std::shared_ptr<const ProgramSpec>> AwardDecider::ParseCached(
    const std::string& yaml) const {
  std::set<std::string> types = reward_types_();
  {
    absl::MutexLock lock(&specs_mu_);
    auto it = specs_.find(yaml);
    if (it != specs_.end() && it->second.first == types) return it->second.second;
  }
  auto spec = ParseProgramYaml(yaml, types);
  if (!spec.ok()) return spec.status();
  auto shared = std::make_shared<const ProgramSpec>(*std::move(spec));
  absl::MutexLock lock(&specs_mu_);
  // Programs are few; a bound keeps a stream of drafts from growing it.
  if (specs_.size() >= 256) specs_.clear();
  specs_[yaml] = {std::move(types), shared};
  return shared;
}

absl::StatusOr<std::shared_ptr<const std::vector<Agent>>> AwardDecider::Agents() {
  const int64_t generation = store_->agents_generation();
  {
    absl::MutexLock lock(&agents_mu_);
    if (agents_ != nullptr && agents_generation_ == generation) return agents_;
  }
  auto agents = store_->ListAgents();
  if (!agents.ok()) return agents.status();
  auto shared = std::make_shared<const std::vector<Agent>>(*std::move(agents));
  absl::MutexLock lock(&agents_mu_);
  agents_ = shared;
  agents_generation_ = generation;
  directory_ = nullptr;
  return shared;
}

absl::StatusOr<std::shared_ptr<const AwardDecider::AgentDirectory>> AwardDecider::Directory() {
  auto agents = Agents();
  if (!agents.ok()) return agents.status();
  {
    absl::MutexLock lock(&agents_mu_);
    if (directory_ != nullptr && directory_->agents == *agents) return directory_;
  }
  auto directory = std::make_shared<AgentDirectory>();
  directory->agents = *agents;
  directory->by_id.reserve(directory->agents->size());
  for (const Agent& agent : *directory->agents) directory->by_id.emplace(agent.id, &agent);
  absl::MutexLock lock(&agents_mu_);
  if (agents_ == directory->agents) directory_ = directory;
  return std::shared_ptr<const AgentDirectory>(std::move(directory));
}

absl::Status AwardDecider::KeepRolledUp(const ProgramSpec& spec) {
  return store_->EnsureRollup(spec.time_zone, std::string(CadenceName(spec.cadence)),
                              TopBoxThresholds(spec));
}

absl::Status AwardDecider::KeepAllRolledUp() {
  auto programs = store_->ListPrograms();
  if (!programs.ok()) return programs.status();
  for (const ProgramRecord& program : *programs) {
    auto spec = ParseCached(program.yaml);
    // A program that no longer parses (a plugin gone) is reported when it is evaluated.
    if (!spec.ok()) continue;
    if (absl::Status kept = KeepRolledUp(**spec); !kept.ok()) return kept;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const AwardDecider::Snapshot>> AwardDecider::ComputeSnapshot(
    const std::string& program_id, const std::string& period, int64_t generation) {
  auto basis = BasisFor(program_id, period);
  if (!basis.ok()) return basis.status();
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->generation = generation;
  snapshot->basis = *std::move(basis);
  auto agents = Agents();
  if (!agents.ok()) return agents.status();
  snapshot->agents = *std::move(agents);
  const ProgramSpec& spec = snapshot->basis.spec;
  auto table = LoadAggregates(*store_, spec, snapshot->basis.window);
  if (!table.ok()) return table.status();
  snapshot->table = *std::move(table);
  auto earlier = LoadEarlierPeriods(*store_, spec, snapshot->basis.window);
  if (!earlier.ok()) return earlier.status();
  snapshot->earlier = *std::move(earlier);
  auto decision = Decide(spec, program_id, snapshot->basis.version, snapshot->basis.window,
                         clock_->Now(), /*with_keys=*/false, *snapshot->agents, snapshot->table,
                         snapshot->earlier, &snapshot->winners);
  snapshot->decision = std::make_shared<const DecisionRecord>(std::move(decision));
  snapshot->computed_at = absl::Now();
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

absl::StatusOr<std::shared_ptr<const AwardDecider::Snapshot>> AwardDecider::SnapshotOf(
    const std::string& program_id, const std::string& period) {
  // Read before anything is: a write after this point makes the snapshot stale, not wrong.
  const int64_t generation = store_->standings_generation();
  std::shared_ptr<Slot> slot;
  {
    absl::MutexLock lock(&slots_mu_);
    std::shared_ptr<Slot>& found = slots_[{program_id, period}];
    if (found == nullptr) found = std::make_shared<Slot>();
    found->last_used = ++slot_clock_;
    slot = found;
    if (slots_.size() > static_cast<size_t>(std::max(1, options_.max_cached_standings))) {
      auto oldest = slots_.begin();
      for (auto it = slots_.begin(); it != slots_.end(); ++it) {
        if (it->second->last_used < oldest->second->last_used) oldest = it;
      }
      slots_.erase(oldest);
    }
  }
  slot->mu.Lock();
  while (true) {
    const std::shared_ptr<const Snapshot>& have = slot->snapshot;
    if (have != nullptr && have->generation >= generation) {
      auto answer = have;
      slot->mu.Unlock();
      return answer;
    }
    if (!slot->computing) break;
    if (have != nullptr && absl::Now() - have->computed_at <= options_.max_staleness) {
      auto answer = have;
      slot->mu.Unlock();
      return answer;
    }
    slot->done.Wait(&slot->mu);
  }
  slot->computing = true;
  slot->mu.Unlock();
  auto computed = ComputeSnapshot(program_id, period, store_->standings_generation());
  slot->mu.Lock();
  slot->computing = false;
  if (computed.ok()) slot->snapshot = *computed;
  slot->done.SignalAll();
  slot->mu.Unlock();
  return computed;
}

absl::StatusOr<std::shared_ptr<const DecisionRecord>> AwardDecider::Leaderboard(
    const std::string& program_id, const std::string& period) {
  auto snapshot = SnapshotOf(program_id, period);
  if (!snapshot.ok()) return snapshot.status();
  return (*snapshot)->decision;
}

}  // namespace plaudit

#include "core/awards/award_decider.h"

#include <cstdio>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/awards/award_lifecycle.h"
#include "core/awards/award_rules.h"
#include "core/awards/restatement.h"
#include "core/domain/period.h"
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

// The (metric, at_least) of every top_box measure of the program, each once.
std::set<std::pair<std::string, double>> TopBoxThresholds(const ProgramSpec& program) {
  std::set<std::pair<std::string, double>> thresholds;
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

// How many approvals an award worth `value` needs, and from whom.
void ApprovalRequirement(const ApprovalPolicy& policy, double value, AwardRecord& award) {
  award.approvals_needed = policy.by == ApprovalBy::kAuto ? 0 : 1;
  award.approver_role = policy.by == ApprovalBy::kAdmin ? Role::kAdmin : Role::kManager;
  if (policy.two_approvers_above.has_value() && value > *policy.two_approvers_above) {
    award.approvals_needed = 2;
  }
}

}  // namespace

absl::StatusOr<AggregateTable> LoadAggregates(Store& store, const ProgramSpec& program,
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

absl::StatusOr<ProgramSpec> AwardDecider::ParseProgram(const std::string& yaml) const {
  return ParseProgramYaml(yaml, reward_types_());
}

absl::StatusOr<DecisionRecord> AwardDecider::Compute(const ProgramSpec& spec,
                                                     const std::string& program_id, int64_t version,
                                                     const PeriodWindow& window, absl::Time now,
                                                     bool with_keys) {
  auto agents = store_->ListAgents();
  if (!agents.ok()) return agents.status();
  auto table = LoadAggregates(*store_, spec, window);
  if (!table.ok()) return table.status();
  auto earlier = LoadEarlierPeriods(*store_, spec, window);
  if (!earlier.ok()) return earlier.status();
  Evaluation evaluation = EvaluateProgram(spec, window, *agents, *table, *earlier);

  DecisionRecord decision;
  decision.program_id = program_id;
  decision.period = window.label;
  decision.program_version = version;
  decision.decided_us = absl::ToUnixMicros(now);
  decision.budget = spec.budget;
  decision.standings = std::move(evaluation.standings);
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
  auto spec = ParseProgram((*program)->yaml);
  if (!spec.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("program ", program_id, " cannot be evaluated: ", spec.status().message()));
  }
  auto window = ParsePeriod(spec->cadence, period, spec->zone);
  if (!window.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message()));
  }
  // A period is judged by the version in force when it closed (its end plus close_after):
  // applying a new version later never changes how an earlier period is decided.
  absl::StatusOr<std::optional<ProgramRecord>> chosen =
      version.has_value() ? store_->GetProgramVersion(program_id, *version)
                          : store_->ProgramVersionAt(
                                program_id, absl::ToUnixMicros(window->end + spec->close_after));
  if (!chosen.ok()) return chosen.status();
  if (chosen->has_value() && (*chosen)->version != basis.version) {
    basis.version = (*chosen)->version;
    spec = ParseProgram((*chosen)->yaml);
    if (!spec.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("program ", program_id, " version ", basis.version, " (in force for ",
                       period, ") cannot be evaluated: ", spec.status().message()));
    }
    window = ParsePeriod(spec->cadence, period, spec->zone);
    if (!window.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message(),
                                                     " (under version ", basis.version, ")"));
    }
  }
  basis.spec = *std::move(spec);
  basis.window = *std::move(window);
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
  auto spec = ParseProgram((*program)->yaml);
  if (!spec.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("program ", program_id, " cannot be evaluated: ", spec.status().message()));
  }
  return PeriodContaining(spec->cadence, clock_->Now(), spec->zone).label;
}

absl::StatusOr<AwardExplanation> AwardDecider::Explain(const std::string& program_id,
                                                       const std::string& period,
                                                       const std::string& agent_id) {
  auto committed = store_->GetDecision(program_id, period, /*with_standings=*/false);
  if (!committed.ok()) return committed.status();
  std::optional<int64_t> version;
  if (committed->has_value()) version = (*committed)->program_version;
  auto basis = BasisFor(program_id, period, version);
  if (!basis.ok()) return basis.status();
  auto agents = store_->ListAgents();
  if (!agents.ok()) return agents.status();
  auto table = LoadAggregates(*store_, basis->spec, basis->window);
  if (!table.ok()) return table.status();
  auto earlier = LoadEarlierPeriods(*store_, basis->spec, basis->window);
  if (!earlier.ok()) return earlier.status();
  return ExplainAward(basis->spec, basis->window, *agents, *table, agent_id, *earlier);
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

#include "core/awards/award_decider.h"

#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "core/scoring/period.h"
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

}  // namespace

std::string AwardId(const std::string& program_id, const std::string& period,
                    const std::string& agent_id) {
  return absl::StrCat(program_id, ".", period, ".", agent_id);
}

absl::StatusOr<ProgramSpec> AwardDecider::ParseProgram(const std::string& yaml) const {
  return ParseProgramYaml(yaml, reward_types_());
}

absl::StatusOr<AwardDecider::Result> AwardDecider::Evaluate(const std::string& program_id,
                                                            const std::string& period,
                                                            bool dry_run) {
  auto program = store_->GetProgram(program_id);
  if (!program.ok()) return program.status();
  if (!program->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("program_id: program \"", program_id, "\" not found (apply it first)"));
  }
  // A committed decision is returned as stored, whatever has changed since (plugins, program).
  if (!dry_run) {
    auto existing = store_->GetDecision(program_id, period);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return Result{**std::move(existing), false};
  }
  auto spec = ParseProgram((*program)->yaml);
  if (!spec.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("program ", program_id, " cannot be evaluated: ", spec.status().message()));
  }
  auto window = ParsePeriod(spec->cadence, period, spec->zone);
  if (!window.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message()));
  }
  absl::Time now = clock_->Now();
  if (!dry_run && window->end > now) {
    return absl::FailedPreconditionError(
        absl::StrCat("period: ", period, " has not ended yet (it ends ",
                     absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", window->end, spec->zone),
                     "); evaluate it with --dry-run until then"));
  }

  auto agents = store_->ListAgents();
  if (!agents.ok()) return agents.status();
  auto rows = store_->Aggregate(absl::ToUnixMicros(window->start), absl::ToUnixMicros(window->end));
  if (!rows.ok()) return rows.status();
  AggregateTable table;
  for (AggregateRow& row : *rows) table[row.agent_id][row.metric] = row.aggregate;
  Evaluation evaluation = EvaluateProgram(*spec, *window, *agents, table);

  DecisionRecord decision;
  decision.program_id = program_id;
  decision.period = period;
  decision.program_version = (*program)->version;
  decision.decided_us = absl::ToUnixMicros(now);
  decision.standings = std::move(evaluation.standings);
  for (const Winner& winner : evaluation.winners) {
    AwardRecord award;
    award.id = AwardId(program_id, period, winner.agent_id);
    award.program_id = program_id;
    award.period = period;
    award.agent_id = winner.agent_id;
    award.rank = winner.rank;
    award.program_version = decision.program_version;
    award.decided_us = decision.decided_us;
    award.tier = winner.tier;
    std::map<std::string, int> seen;
    for (const RewardSpec& reward : RewardsFor(spec->award, winner)) {
      FulfilmentRecord f;
      int n = ++seen[reward.type];
      f.id = absl::StrCat(award.id, ".", reward.type, n > 1 ? absl::StrCat("-", n) : "");
      f.award_id = award.id;
      f.agent_id = winner.agent_id;
      f.type = reward.type;
      f.params = reward.params;
      f.state = FulfilmentState::kPending;
      f.idempotency_key = dry_run ? "" : NewIdempotencyKey();
      f.next_attempt_us = decision.decided_us;
      f.updated_us = decision.decided_us;
      award.fulfilments.push_back(std::move(f));
    }
    decision.awards.push_back(std::move(award));
  }
  if (dry_run) return Result{std::move(decision), false};
  auto committed = store_->CommitDecision(decision);
  if (!committed.ok()) return committed.status();
  return Result{std::move(committed->first), committed->second};
}

}  // namespace plaudit

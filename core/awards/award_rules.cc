#include "core/awards/award_rules.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/awards/holds.h"

namespace plaudit {

bool ReachesMinimum(double value, double min) { return value >= min || TiedValues(value, min); }

namespace {

Winner WinnerOf(const Standing& standing, std::string tier = "") {
  Winner winner;
  winner.agent_id = standing.agent_id;
  winner.rank = standing.rank;
  winner.tier = std::move(tier);
  winner.team = standing.team;
  winner.members = standing.members;
  return winner;
}

std::vector<Winner> PickTopN(const AwardRule& award, const std::vector<Standing>& ranked) {
  std::vector<Winner> winners;
  if (award.n <= 0) return winners;
  std::map<std::string, int> taken;
  for (const Standing& standing : ranked) {
    if (!standing.eligible) break;
    const std::string key = award.per_peer_group ? standing.peer_group : std::string();
    int& count = taken[key];
    if (count >= award.n) continue;
    ++count;
    winners.push_back(WinnerOf(standing));
  }
  return winners;
}

// Whether the competitor's aggregate of `criterion` reaches criterion.min.
bool ReachesMin(const Gate& criterion, const AggregateTable& aggregates, const Standing& standing) {
  const std::optional<double> value = GateAggregate(criterion, aggregates, CompetitorId(standing));
  return value.has_value() && criterion.min.has_value() && ReachesMinimum(*value, *criterion.min);
}

std::vector<Winner> PickThreshold(const AwardRule& award, const std::vector<Standing>& ranked,
                                  const AggregateTable& aggregates) {
  std::vector<Winner> winners;
  for (const Standing& standing : ranked) {
    if (!standing.eligible) break;
    bool reached = false;
    if (award.min_metric.has_value()) {
      reached = ReachesMin(*award.min_metric, aggregates, standing);
    } else if (award.min_score.has_value()) {
      reached = ReachesMinimum(standing.score, *award.min_score);
    }
    if (reached) winners.push_back(WinnerOf(standing));
  }
  return winners;
}

std::vector<Winner> PickTarget(const AwardRule& award, const std::vector<Standing>& ranked,
                               const AggregateTable& aggregates) {
  std::vector<Winner> winners;
  if (!award.target.has_value()) return winners;
  for (const Standing& standing : ranked) {
    if (!standing.eligible) break;
    if (ReachesMin(*award.target, aggregates, standing)) winners.push_back(WinnerOf(standing));
  }
  return winners;
}

std::vector<Winner> PickTiers(const AwardRule& award, const std::vector<Standing>& ranked) {
  std::vector<Winner> winners;
  for (const Standing& standing : ranked) {
    if (!standing.eligible) break;
    // Tiers are best first, so the first one reached is the highest.
    for (const Tier& tier : award.tiers) {
      if (ReachesMinimum(standing.score, tier.min_score)) {
        winners.push_back(WinnerOf(standing, tier.name));
        break;
      }
    }
  }
  return winners;
}

// The n largest improvements above 0; equal improvements (within 1e-9) keep rank order, then
// id, like top_n's ties. Winners are listed in rank order.
std::vector<Winner> PickMostImproved(const AwardRule& award, const std::vector<Standing>& ranked) {
  std::vector<const Standing*> improved;
  for (const Standing& standing : ranked) {
    if (!standing.eligible) break;
    if (standing.improvement.has_value() && *standing.improvement > 0) {
      improved.push_back(&standing);
    }
  }
  // `ranked` is in rank order, so a stable sort keeps it among equal improvements.
  std::stable_sort(improved.begin(), improved.end(), [](const Standing* a, const Standing* b) {
    if (TiedValues(*a->improvement, *b->improvement)) return false;
    return *a->improvement > *b->improvement;
  });
  if (improved.size() > static_cast<size_t>(std::max(award.n, 0))) improved.resize(award.n);
  std::sort(improved.begin(), improved.end(),
            [](const Standing* a, const Standing* b) { return a->rank < b->rank; });
  std::vector<Winner> winners;
  for (const Standing* standing : improved) winners.push_back(WinnerOf(*standing));
  return winners;
}

std::vector<Winner> PickWinners(const AwardRule& award, const std::vector<Standing>& ranked,
                                const AggregateTable& aggregates) {
  if (award.rule == "top_n") return PickTopN(award, ranked);
  if (award.rule == "threshold") return PickThreshold(award, ranked, aggregates);
  if (award.rule == "tiers") return PickTiers(award, ranked);
  if (award.rule == "target") return PickTarget(award, ranked, aggregates);
  if (award.rule == "most_improved") return PickMostImproved(award, ranked);
  if (award.rule == "streak" && !award.streak_of.empty()) {
    std::vector<Winner> winners;
    for (Winner& winner : PickWinners(award.streak_of.front(), ranked, aggregates)) {
      for (const Standing& standing : ranked) {
        if (CompetitorId(standing) != (winner.agent_id.empty() ? winner.team : winner.agent_id)) {
          continue;
        }
        if (standing.earlier_streak + 1 >= award.streak_periods) {
          winners.push_back(std::move(winner));
        }
        break;
      }
    }
    return winners;
  }
  return {};
}

// The rule whose target a standing's progress is measured against: the award's, or the base
// rule's of a streak.
const Gate* TargetOf(const AwardRule& award) {
  if (award.target.has_value()) return &*award.target;
  if (!award.streak_of.empty() && award.streak_of.front().target.has_value()) {
    return &*award.streak_of.front().target;
  }
  return nullptr;
}

// What most_improved compares: the score, or the award metric's aggregate.
std::optional<double> ImprovementBasis(const AwardRule& award, const Standing& standing,
                                       const AggregateTable& aggregates) {
  if (!standing.eligible) return std::nullopt;
  if (!award.improvement_metric.has_value()) return standing.score;
  const std::optional<double> value =
      GateAggregate(*award.improvement_metric, aggregates, CompetitorId(standing));
  if (!value.has_value() || !std::isfinite(*value)) return std::nullopt;
  return value;
}

// Sets what the award rule shows per standing before and after winners are picked.
void SetRuleProgress(const AwardRule& award, const AggregateTable& aggregates,
                     std::vector<Standing>& standings) {
  const Gate* target = TargetOf(award);
  for (Standing& standing : standings) {
    standing.target_progress.reset();
    standing.improvement.reset();
    if (target != nullptr && target->min.has_value() && *target->min != 0) {
      const std::optional<double> value =
          GateAggregate(*target, aggregates, CompetitorId(standing));
      if (value.has_value()) standing.target_progress = *value / *target->min;
    }
    if (award.rule == "most_improved" && standing.previous.has_value()) {
      const std::optional<double> now = ImprovementBasis(award, standing, aggregates);
      if (now.has_value()) {
        const bool lower_is_better = award.improvement_metric.has_value() &&
                                     award.improvement_direction == Direction::kLowerIsBetter;
        // Scores equal within the ranking tolerance have not improved, whatever the last bit.
        standing.improvement = TiedValues(*now, *standing.previous) ? 0.0
                               : lower_is_better                    ? *standing.previous - *now
                                                                    : *now - *standing.previous;
      }
    }
  }
}

// The program with the award rule replaced, for scoring an earlier period the same way.
ProgramSpec WithRule(const ProgramSpec& program, const AwardRule& rule) {
  ProgramSpec copy = program;
  copy.award = rule;
  copy.holds.clear();
  return copy;
}

// Standings, ranked, of the current period without looking back, and the aggregates they were
// ranked on (per team under scope team).
Evaluation EvaluateWithin(const ProgramSpec& program, const PeriodWindow& period,
                          const std::vector<Agent>& agents, const AggregateTable& aggregates,
                          const std::map<std::string, Standing>* carried, AggregateTable* used) {
  Field field = AssessField(program, period, agents, aggregates);
  const AggregateTable& table = program.scope == Scope::kTeam ? field.team_aggregates : aggregates;
  if (carried != nullptr) {
    for (Standing& standing : field.standings) {
      auto it = carried->find(CompetitorId(standing));
      if (it == carried->end()) continue;
      standing.previous = it->second.previous;
      standing.earlier_streak = it->second.earlier_streak;
    }
  }
  Evaluation evaluation = RankStandings(program, std::move(field.standings), table);
  if (used != nullptr) *used = program.scope == Scope::kTeam ? field.team_aggregates : aggregates;
  return evaluation;
}

}  // namespace

Evaluation EvaluateProgram(const ProgramSpec& program, const PeriodWindow& period,
                           const std::vector<Agent>& agents, const AggregateTable& aggregates,
                           const std::vector<EarlierPeriod>& earlier) {
  const AwardRule& award = program.award;
  // What the look-back rules carry into this period's standings, by competitor id.
  std::map<std::string, Standing> carried;
  if (award.rule == "most_improved" && !earlier.empty()) {
    AwardRule plain;
    AggregateTable used;
    const Evaluation before = EvaluateWithin(WithRule(program, plain), earlier.front().period,
                                             agents, earlier.front().aggregates, nullptr, &used);
    for (const Standing& standing : before.standings) {
      carried[CompetitorId(standing)].previous = ImprovementBasis(award, standing, used);
    }
  }
  if (award.rule == "streak" && !award.streak_of.empty()) {
    const ProgramSpec base = WithRule(program, award.streak_of.front());
    // Runs still unbroken going back from the previous period.
    std::map<std::string, bool> running;
    for (size_t k = 0; k + 1 < static_cast<size_t>(award.streak_periods); ++k) {
      if (k >= earlier.size()) break;
      const Evaluation before =
          EvaluateWithin(base, earlier[k].period, agents, earlier[k].aggregates, nullptr, nullptr);
      std::map<std::string, bool> won;
      for (const Winner& winner : before.winners) {
        won[winner.agent_id.empty() ? winner.team : winner.agent_id] = true;
      }
      for (const Standing& standing : before.standings) {
        const std::string& id = CompetitorId(standing);
        auto run = running.try_emplace(id, true).first;
        if (!run->second || !won.contains(id)) {
          run->second = false;
          continue;
        }
        ++carried[id].earlier_streak;
      }
    }
  }
  return EvaluateWithin(program, period, agents, aggregates, &carried, nullptr);
}

Evaluation RankStandings(const ProgramSpec& program, std::vector<Standing> standings,
                         const AggregateTable& aggregates) {
  for (Standing& standing : standings) standing.streak = 0;
  ScoreAndRank(program, standings);
  SetRuleProgress(program.award, aggregates, standings);

  Evaluation evaluation;
  evaluation.winners = PickWinners(program.award, standings, aggregates);
  if (program.award.rule == "streak") {
    for (const Winner& winner : evaluation.winners) {
      for (Standing& standing : standings) {
        if (CompetitorId(standing) == (winner.agent_id.empty() ? winner.team : winner.agent_id)) {
          standing.streak = standing.earlier_streak + 1;
        }
      }
    }
  }
  for (Winner& winner : evaluation.winners) {
    winner.holds = MatchedHolds(program, standings, aggregates,
                                winner.agent_id.empty() ? winner.team : winner.agent_id);
  }
  evaluation.standings = std::move(standings);
  return evaluation;
}

}  // namespace plaudit

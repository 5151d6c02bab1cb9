// Scores agents on a program's balanced scorecard for one period and ranks them: aggregation,
// eligibility, normalisation within peer groups, the weighted score and the rank. Which of them
// win is the award rules' (core/awards/award_rules.h). Pure functions of their inputs: the same
// inputs give the same standings; thread-safe.
#ifndef PLAUDIT_CORE_SCORING_SCORECARD_H_
#define PLAUDIT_CORE_SCORING_SCORECARD_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/domain/agent.h"
#include "core/domain/period.h"
#include "core/program/program_spec.h"

namespace plaudit {

// What an agent's events of one metric in the period add up to.
struct MetricAggregate {
  int64_t samples = 0;
  double sum = 0;
  double min = 0;
  double max = 0;
  // Threshold -> how many of the events have value >= threshold, for the thresholds of the
  // program's top_box measures of this metric. An absent threshold counts 0.
  std::map<double, int64_t> at_least;
};

// agent id -> metric name -> aggregate. Absent entries mean no events.
using AggregateTable =
    absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, MetricAggregate>>;

struct MetricStanding {
  std::string metric;
  // The aggregate after smoothing (for top_box: the share, or its Wilson lower bound); 0 when
  // there is none.
  double value = 0;
  int64_t samples = 0;
  // Within the peer group, direction applied; 0 for ineligible agents.
  double normalized = 0;
};

struct Standing {
  // Empty under scope team, where `team` names the competitor.
  std::string agent_id;
  std::string peer_group;
  bool eligible = false;
  // Why the agent is not eligible, in a readable sentence each.
  std::vector<std::string> reasons;
  // 1-based among all eligible agents; 0 when ineligible.
  int rank = 0;
  double score = 0;
  // One per scorecard metric, in scorecard order.
  std::vector<MetricStanding> metrics;
  // Scope team: the team competing, and its eligible members (active, tenure reached), whose
  // events make up its aggregates; empty under scope agent.
  std::string team;
  std::vector<std::string> members;
  // Rule target (or a streak of it): the target aggregate divided by the target, 1 or more when
  // reached; unset when there is no aggregate.
  std::optional<double> target_progress;
  // Rule most_improved: the previous period's score, or its aggregate of the award's metric;
  // unset when not eligible then (or without a value).
  std::optional<double> previous;
  // Rule most_improved: how much better than `previous`, direction applied (a lower aht is an
  // improvement); unset when `previous` is, or the competitor is not eligible now.
  std::optional<double> improvement;
  // Rule streak: consecutive periods won by the streak's base rule that end with the period
  // before this one, and (after ranking) with this one (0 when not won now).
  int earlier_streak = 0;
  int streak = 0;
};

// The ranking's tolerance: two values tie when they differ by at most a relative 1e-9 of the
// larger magnitude, or by at most 1e-12 absolutely (values that are mathematically 0 come out of
// a z-score or a Wilson bound as residues like -1.9e-16 and 4.9e-17). Tied values are equal in
// ranking, normalisation, minimums and holds, so rounding never picks a winner.
bool TiedValues(double a, double b);

// The value as normalisation and ranking sort it: NaN as the worst value (-infinity), so that
// sorting always sees a strict weak order.
inline double OrderKey(double value) {
  return std::isnan(value) ? -std::numeric_limits<double>::infinity() : value;
}

// The id a standing competes under: the agent, or under scope team the team. Aggregates,
// winners and explanations are keyed by it.
inline const std::string& CompetitorId(const Standing& standing) {
  return standing.agent_id.empty() ? standing.team : standing.agent_id;
}

// Under scope team, each team's aggregates: its eligible members' events pooled, as the teams
// are ranked on. Empty under scope agent, whose competitors' aggregates are `aggregates`.
AggregateTable TeamAggregates(const ProgramSpec& program, const PeriodWindow& period,
                              const std::vector<Agent>& agents, const AggregateTable& aggregates);

// Pools members' events: samples, sums and at-least counts add up, min of mins, max of maxes.
// A team's mean is then the mean of all its members' events, not the mean of member means.
MetricAggregate MergeAggregates(const MetricAggregate& a, const MetricAggregate& b);

// The competitors of a period and what each stands on: the agents as given, or under scope team
// each team with its eligible members' events pooled (in `team_aggregates`). Each standing has
// its peer group, eligibility with every reason, and its metric values; nothing is ranked yet.
struct Field {
  std::vector<Standing> standings;
  // Per team under scope team; empty under scope agent.
  AggregateTable team_aggregates;
};
Field AssessField(const ProgramSpec& program, const PeriodWindow& period,
                  const std::vector<Agent>& agents, const AggregateTable& aggregates);

// Normalises the metric values of the eligible standings within their peer groups, scores them
// (the weighted mean of normalised values) and ranks them: eligible standings by score
// descending, ties (TiedValues()) by the first metric's normalised value and then by id; ranks
// 1..n without gaps; then the ineligible ones by id with rank 0. Scores, ranks and normalised
// values are recomputed from scratch.
void ScoreAndRank(const ProgramSpec& program, std::vector<Standing>& standings);

// Orders eligible standings as ScoreAndRank() ranks them, by the scores and normalised values
// they hold (nothing is normalised or scored again): score descending, ties by the first
// metric's normalised value, then by id.
void OrderByScore(std::vector<Standing>::iterator begin, std::vector<Standing>::iterator end);

// A gate's (or min_metric's) aggregate for one agent; no value when it needs events and there
// are none, or when a ratio's denominator sums to 0.
std::optional<double> GateAggregate(const Gate& gate, const AggregateTable& aggregates,
                                    const std::string& agent_id);

// The lower bound of the 95% Wilson score interval of `successes` out of `trials` (> 0):
// (p + z²/2n - z·sqrt(p(1 - p)/n + z²/4n²)) / (1 + z²/n) with z = 1.959963984540054.
double WilsonLower95(int64_t successes, int64_t trials);

// Normalisation of one peer group's values, direction already applied (higher is better).
// Percentile: (others strictly worse + 0.5 x others equal) / (n - 1), 1.0 when n == 1; values
// within a relative 1e-9 are equal. O(n log n).
std::vector<double> PercentileScores(const std::vector<double>& values);
// (v - mean) / population stddev; all 0 when the stddev is 0.
std::vector<double> ZScores(const std::vector<double>& values);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_SCORING_SCORECARD_H_

// Scores agents on a program's balanced scorecard for one period and picks the winners. A pure
// function of (program, period, agents, aggregates): the same inputs give the same standings.
#ifndef PLAUDIT_CORE_SCORING_SCORECARD_H_
#define PLAUDIT_CORE_SCORING_SCORECARD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/awards/program_spec.h"
#include "core/domain/agent.h"
#include "core/scoring/period.h"

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
};

struct Winner {
  std::string agent_id;
  int rank = 0;
  // The tier reached under rule tiers; empty otherwise.
  std::string tier;
  // Why the award is held for human review (one readable sentence per hold that matched);
  // empty when it is not held.
  std::vector<std::string> holds;
};

struct Evaluation {
  // Eligible agents by rank, then ineligible agents by id.
  std::vector<Standing> standings;
  // In rank order. top_n: the n best (per peer group); threshold: every eligible agent whose
  // score or min_metric aggregate reaches the minimum; tiers: every eligible agent reaching a tier,
  // with the highest tier reached. A value within a relative 1e-9 of a minimum reaches it.
  std::vector<Winner> winners;
};

Evaluation EvaluateProgram(const ProgramSpec& program, const PeriodWindow& period,
                           const std::vector<Agent>& agents, const AggregateTable& aggregates);

// The second half of EvaluateProgram(): normalises the metric values of the eligible standings
// within their peer groups, scores, ranks and picks the winners. `standings` carry the agent,
// peer group, eligibility and metric values as EvaluateProgram() sets them; the rest is
// recomputed. `aggregates` are read only for a threshold's min_metric. Lets a caller ask what
// the outcome would be with one value changed (core/scoring/explain.h).
Evaluation RankStandings(const ProgramSpec& program, std::vector<Standing> standings,
                         const AggregateTable& aggregates);

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

// Explains one agent's award outcome for a program and period: how each scorecard metric made up
// the score, the gates, the rank against the award's cut-off, and per metric the smallest change
// of the agent's value that would have changed the outcome with everything else equal. A pure
// function of the same inputs as EvaluateProgram(); thread-safe.
//
// The what-ifs re-run the ranking (RankStandings()) with the one value changed. Percentile
// normalisation moves in steps, so the candidates are the other competitors' values of that
// metric (tying and just beating each) and the metric's bounds, searched by bisection since a
// better value never makes the outcome worse; zscore and none bisect on the value itself. Each
// re-run is O(n log n) in the competitors, and a metric takes O(log n) of them (percentile) or
// at most ~130 (zscore, none).
#ifndef PLAUDIT_CORE_AWARDS_EXPLAIN_H_
#define PLAUDIT_CORE_AWARDS_EXPLAIN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/awards/award_rules.h"
#include "core/domain/agent.h"
#include "core/domain/period.h"
#include "core/program/program_spec.h"
#include "core/scoring/scorecard.h"

namespace plaudit {

// The smallest change of one metric's value that would change the outcome.
struct MetricWhatIf {
  // False: no change of this metric alone can; `reason` says why.
  bool possible = false;
  // The value to reach, in the metric's own units (as aggregated: a mean, a share, ...).
  double target = 0;
  // True: the value must be strictly better than `target` (beat a competitor's equal value);
  // false: reaching `target` is enough.
  bool beyond = false;
  // target - value: positive means raise, negative means lower.
  double change = 0;
  // Why no change can, e.g. "already winning", "even the best value is not enough".
  std::string reason;
};

struct MetricExplanation {
  // As in the standings: the metric, or "numerator/denominator".
  std::string metric;
  std::string aggregation;
  Direction direction = Direction::kHigherIsBetter;
  double value = 0;
  int64_t samples = 0;
  int64_t min_samples = 0;
  double normalized = 0;
  double weight = 0;
  // weight x normalized / sum of weights: the contributions add up to the score.
  double contribution = 0;
  MetricWhatIf what_if;
};

struct GateExplanation {
  // "gate complaints sum".
  std::string label;
  // No value: the agent has no events for it (which fails the gate).
  std::optional<double> value;
  std::optional<double> min;
  std::optional<double> max;
  bool passed = false;
};

struct AwardExplanation {
  std::string agent_id;
  std::string peer_group;
  bool eligible = false;
  std::vector<std::string> reasons;
  // What would make an ineligible agent eligible, where a metric can ("csat: needs 20 samples,
  // has 12 (8 more)", "gate complaints sum: needs at most 2, has 3").
  std::vector<std::string> fixes;
  // 1-based among all eligible agents; 0 when ineligible.
  int rank = 0;
  double score = 0;
  std::vector<MetricExplanation> metrics;
  std::vector<GateExplanation> gates;

  // "top_n", "threshold", "tiers", "target", "most_improved" or "streak".
  std::string rule;
  bool won = false;
  // The tier reached under rule tiers; empty otherwise.
  std::string tier;
  // The score the agent must reach: top_n, the score of the n-th best it competes with (none
  // when fewer than n compete); threshold, min_score (or min_metric's min, on that aggregate
  // rather than the score); tiers, the lowest tier's min_score.
  std::optional<double> cutoff;
  // What the cut-off is, e.g. "score of rank 1 of 3 in peer group phone".
  std::string cutoff_basis;
  // Tiers: the tier above the agent's and its min_score; empty at the highest tier.
  std::string next_tier;
  std::optional<double> next_tier_min;
  // The competitors the cut-off is taken among (the peer group's or all eligible agents).
  int competitors = 0;
  // The holds the award matched (one sentence each), when won; such an award is held for review.
  std::vector<std::string> holds;
  // As in the standings: rule target's progress, most_improved's previous value and
  // improvement, streak's run of periods won.
  std::optional<double> target_progress;
  std::optional<double> previous;
  std::optional<double> improvement;
  int streak = 0;
};

// NOT_FOUND when `agent_id` is not among `agents` (under scope team: when no agent is in the
// team `agent_id`). `earlier` as for EvaluateProgram().
absl::StatusOr<AwardExplanation> ExplainAward(const ProgramSpec& program,
                                              const PeriodWindow& period,
                                              const std::vector<Agent>& agents,
                                              const AggregateTable& aggregates,
                                              const std::string& agent_id,
                                              const std::vector<EarlierPeriod>& earlier = {});

// The same from EvaluateProgram()'s standings and winners of that program, period, agents and
// aggregates, already computed (a leaderboard's), which it does not compute again: explaining one
// agent then costs their peer group's what-if, not everyone's evaluation. NOT_FOUND when
// `agent_id` has no standing among them.
//
// `index`, when given, is BuildExplainIndex() of these standings: with it a what-if under
// top_n, threshold (by min_score), tiers, streak or most_improved (by score), under any
// normalisation, tells most outcomes from sorted values, scores and each group's
// mean and spread instead of ranking the peer group again for each value it tries, with the
// same answers.
class ExplainIndex;
absl::StatusOr<AwardExplanation> ExplainAward(
    const ProgramSpec& program, const PeriodWindow& period, const std::vector<Agent>& agents,
    const AggregateTable& aggregates, const std::string& agent_id,
    const std::vector<Standing>& standings, const std::vector<Winner>& winners,
    const ExplainIndex* index = nullptr);

// What explaining many agents of one evaluation shares: each peer group's eligible values per
// metric and scores, sorted, and per metric their mean and spread. Refers to `standings`, which
// must outlive it. Read-only once built.
std::shared_ptr<const ExplainIndex> BuildExplainIndex(const ProgramSpec& program,
                                                      const std::vector<Standing>& standings);

// How the what-if probes of this process were answered so far: told from an index, or by ranking
// every competitor again. For tests and benchmarks.
struct ExplainProbeCounts {
  uint64_t told = 0;
  uint64_t ranked = 0;
};
ExplainProbeCounts ProbeCounts();

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_EXPLAIN_H_

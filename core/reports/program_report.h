// What a program did over a range of its periods, from the store alone: who took part, what it
// spent against its budget, whether its rewards arrived, and whether its winners come from each
// group in proportion (fairness.h). Tenure bands are counted at the period's first day: under 6
// months, 6-12 months, 1-2 years, 2-5 years, 5 years or more. An agent's shift in a period is when
// most of their events happened, in the program's zone: day (06-14), evening (14-22) or night
// (22-06); "no events" without any. Each figure per period and overall
// (the periods' counts added up, delivery times taken over all of them). Reproducible: the same
// store gives the same report.
#ifndef PLAUDIT_CORE_REPORTS_PROGRAM_REPORT_H_
#define PLAUDIT_CORE_REPORTS_PROGRAM_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/program/program_spec.h"
#include "core/reports/effect.h"
#include "core/reports/fairness.h"
#include "core/store/store.h"

namespace plaudit {

// A team's or channel's agents in a period's decision.
struct GroupShare {
  std::string group;
  // Agents ranked (standings that name them), eligible among them, and rewarded (an award that
  // was not rejected or cancelled names them, or their team under scope team).
  int64_t ranked = 0;
  int64_t eligible = 0;
  int64_t rewarded = 0;
};

struct TeamPraise {
  std::string team;
  int64_t given = 0;
  int64_t received = 0;
};

struct Participation {
  // Agents in the decision's standings, the eligible among them, and the agents rewarded.
  int64_t ranked = 0;
  int64_t eligible = 0;
  int64_t rewarded = 0;
  // Awards decided, and among them the would-be awards of holdout agents (never rewarded).
  int64_t awards = 0;
  int64_t holdout_awards = 0;
  // By team and by channel, in name order.
  std::vector<GroupShare> teams;
  std::vector<GroupShare> channels;
  // Praise sent within the period's time range, by the giver's and the recipient's team.
  std::vector<TeamPraise> praise;
};

// One reward type's rewards, what they cost and whether they arrived and were used.
struct RewardTypeCount {
  std::string type;
  int64_t rewards = 0;
  int64_t fulfilled = 0;
  // Fulfilled rewards whose vendor reported them redeemed (gift-card codes spent).
  int64_t redeemed = 0;
  // In the budget's unit: the value of the rewards of awards that stand (as Spend::awarded), and
  // of those fulfilled (what they settled); per fulfilled reward.
  double value = 0;
  double settled = 0;
  double per_reward = 0;
  // The fulfilled rewards' face values outside the budget.
  double face_value = 0;
  // Rewards decided before each reward's value was kept (in an award of several): in none of the
  // sums above.
  int64_t unknown_value = 0;
};

struct Spend {
  // From the period's budget; empty unit without one.
  std::string unit;
  std::string currency;
  std::string mode;
  double budget = 0;
  double reserved = 0;
  double settled = 0;
  double remaining = 0;
  // The awards that stand (not rejected, cancelled or over budget), their value, and per award.
  int64_t standing_awards = 0;
  double awarded = 0;
  double per_award = 0;
  int64_t held_awards = 0;
  int64_t over_budget_awards = 0;
  int64_t flagged_awards = 0;
  // The fulfilled rewards' face values outside the budget (their `face_value`s), in the currency
  // of value_per_unit.
  double face_value = 0;
  // Rewards by type, in type order.
  std::vector<RewardTypeCount> reward_types;
};

struct Delivery {
  int64_t fulfilled = 0;
  int64_t failed = 0;
  int64_t pending = 0;
  int64_t waiting = 0;
  int64_t cancelled = 0;
  // Fulfilled rewards whose vendor reported them redeemed.
  int64_t redeemed = 0;
  // Calls beyond each reward's first.
  int64_t retries = 0;
  // Hours from the decision to a fulfilled reward's fulfilment: median and 90th percentile
  // (nearest rank), over `timed` rewards; 0 when none.
  int64_t timed = 0;
  double median_hours = 0;
  double p90_hours = 0;
  // The hours of each fulfilled reward, for the overall figures.
  std::vector<double> hours;
};

// A winner whose scorecard moved both ways since the period before: one metric at least
// kGamingChange better and another at least kGamingChange worse, each in its catalogue direction.
struct GamingSignal {
  std::string period;
  std::string award_id;
  std::string agent_id;
  // "aht_seconds 312 -> 280 (10% better)".
  std::vector<std::string> improved;
  std::vector<std::string> worsened;
};

// An award a hold held for review, and what came of it.
struct HeldAward {
  std::string period;
  std::string award_id;
  // The agent, or the team of a team award.
  std::string winner;
  // The holds it matched, as the decision recorded them.
  std::string reason;
  // "released" (approved since), "upheld" (rejected or cancelled), "pending review" (still held),
  // or the award's state otherwise.
  std::string outcome;
};

struct Gaming {
  std::vector<GamingSignal> signals;
  std::vector<HeldAward> holds;
  int64_t released = 0;
  int64_t upheld = 0;
  int64_t pending = 0;
};

// How far a metric must move, relative to its value the period before, to count in a signal.
inline constexpr double kGamingChange = 0.10;

// How the eligible competitors' scores spread in one peer group: count, min, quartiles (nearest
// rank), max.
struct ScoreSpread {
  std::string peer_group;
  int64_t count = 0;
  double min = 0;
  double q1 = 0;
  double median = 0;
  double q3 = 0;
  double max = 0;
};

struct PeriodReport {
  // The period label, or "overall".
  std::string period;
  // Whether the period has a committed decision.
  bool decided = false;
  Participation participation;
  Spend spend;
  Delivery delivery;
  // Winners against eligible agents by channel, team, peer group, tenure band and shift (in that
  // order): each eligible agent of a decision counts once per period.
  std::vector<FairnessTest> fairness;
  Gaming gaming;
  // By peer group, in name order.
  std::vector<ScoreSpread> scores;
};

// What the owner asks the effect section for: the program's scorecard metrics, and the value of one
// unit of each (in the metric's better direction: a second less of aht_seconds).
struct EffectRequest {
  std::vector<ScorecardMetric> metrics;
  std::map<std::string, double> value_per_unit;
  // The program's holdout (its current version's): with one, agents held out in any period after
  // the start are the control group and the estimate a difference in differences.
  std::optional<HoldoutSpec> holdout;
};

// The program's effect on one metric, and the value it created where the owner gave one.
struct MetricEffect {
  std::string metric;
  std::string aggregation;
  EffectEstimate estimate;
  // In the metric's better direction: estimate x +1 or -1.
  double improvement = 0;
  double improvement_low = 0;
  double improvement_high = 0;
  // value_per_unit x improvement x the treated agent-periods after the start; unset without a
  // value per unit.
  std::optional<double> value_created;
  double value_low = 0;
  double value_high = 0;
  // Why the metric has no estimate, when it has none.
  std::string skipped;
};

struct EffectSection {
  // When the program's first version was applied, and the periods compared (the period holding
  // the start belongs to neither).
  int64_t started_us = 0;
  std::vector<std::string> before;
  std::vector<std::string> after;
  std::vector<MetricEffect> metrics;
  // The value created by all metrics with a value per unit (point estimate), the cost, and
  // value / cost with the interval of each metric's value summed (a conservative bound). The cost
  // is the settled budget when it is money, plus the fulfilled rewards' face values outside it,
  // over the report's periods; in the budget's currency (empty when no budget is in money).
  double value_created = 0;
  double value_low = 0;
  double value_high = 0;
  double cost = 0;
  double cost_budget = 0;
  double cost_face_value = 0;
  std::string cost_unit;
  std::optional<double> return_ratio;
  double return_low = 0;
  double return_high = 0;
  std::string caveat;
};

struct ProgramReport {
  std::string program_id;
  std::string name;
  std::string from;
  std::string to;
  std::vector<PeriodReport> periods;
  PeriodReport overall;
  // With an EffectRequest.
  std::optional<EffectSection> effect;
};

// At most this many periods in one report.
inline constexpr int kMaxReportPeriods = 400;

// The report of `program_id` for the periods `from` to `to` (labels of its cadence, inclusive).
// NOT_FOUND for an unknown program; INVALID_ARGUMENT naming the field for a bad label, `to`
// before `from`, or more than kMaxReportPeriods periods.
// With `effect`, also the program's effect on each scorecard metric: each agent's mean of the
// metric's per-period aggregate over the report's periods before the program's first version was
// applied against those after, compared as before/after (no holdout yet), and the value created.
absl::StatusOr<ProgramReport> BuildProgramReport(
    Store& store, const std::string& program_id, const std::string& from, const std::string& to,
    const std::optional<EffectRequest>& effect = std::nullopt);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_REPORTS_PROGRAM_REPORT_H_

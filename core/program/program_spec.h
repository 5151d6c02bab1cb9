// An award program as written in its YAML: who is eligible, the balanced scorecard, the gates and
// the award rule. ParseProgramYaml() validates strictly: an unknown key, metric, aggregation or
// reward type is an error naming its line and field.
#ifndef PLAUDIT_CORE_PROGRAM_PROGRAM_SPEC_H_
#define PLAUDIT_CORE_PROGRAM_PROGRAM_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/domain/metric_catalogue.h"
#include "core/domain/period.h"

namespace plaudit {

enum class Aggregation { kSum, kCount, kMean, kMin, kMax, kRatio, kTopBox };
enum class Normalization { kPercentile, kZScore, kNone };
enum class PeerGroupBy { kAll, kChannel, kTeam };
// Who competes: each agent, or each team with the events of its eligible members pooled.
enum class Scope { kAgent, kTeam };
// Who a team award's rewards go to: one per eligible member, or one to the team itself.
enum class RewardsTo { kMembers, kTeam };

std::string_view AggregationName(Aggregation aggregation);

// How a scorecard metric or gate appears in standings and reasons: its metric, or for a ratio
// "numerator/denominator".
template <typename MetricOrGate>
std::string MeasureLabel(const MetricOrGate& m) {
  return m.ratio.has_value() ? m.metric + "/" + m.ratio->denominator : m.metric;
}

struct Smoothing {
  double prior_mean = 0;
  double prior_weight = 0;
};

// aggregation ratio: sum(numerator) / sum(denominator) x per; the numerator is the metric.
struct Ratio {
  std::string denominator;
  double per = 1;
};

enum class Confidence {
  // The plain share.
  kNone,
  // The lower bound of the 95% Wilson score interval of the share: few events rank below many
  // events with a slightly lower share.
  kWilsonLower95,
};

// aggregation top_box: the share of the metric's events with value >= at_least, in [0, 1].
struct TopBox {
  double at_least = 0;
  Confidence confidence = Confidence::kNone;
};

struct ScorecardMetric {
  // The metric, or the numerator of a ratio.
  std::string metric;
  Aggregation aggregation = Aggregation::kSum;
  Direction direction = Direction::kHigherIsBetter;
  double weight = 1.0;
  int64_t min_samples = 0;
  // Only with kMean.
  std::optional<Smoothing> smoothing;
  // Set exactly with kRatio.
  std::optional<Ratio> ratio;
  // Set exactly with kTopBox.
  std::optional<TopBox> top_box;
};

struct Gate {
  std::string metric;
  Aggregation aggregation = Aggregation::kSum;
  std::optional<double> min;
  std::optional<double> max;
  // Set exactly with kRatio.
  std::optional<Ratio> ratio;
  // Set exactly with kTopBox.
  std::optional<TopBox> top_box;
};

// One condition of a hold: where a winner's aggregate of a measure stands.
struct HoldCondition {
  enum class Kind { kBestPercent, kWorstPercent, kMin, kMax };
  // The measure, named as in a gate; its own min and max stay unset.
  Gate measure;
  // The catalogue's direction of the metric (a ratio's numerator): what "best" means.
  Direction direction = Direction::kHigherIsBetter;
  Kind kind = Kind::kMin;
  // P of best_percent and worst_percent, in (0, 100]; X of min and max.
  double bound = 0;
};

// A gaming guard: a winner matching every condition of a hold keeps its win and rank, but its
// award is held for human review.
struct Hold {
  std::string name;
  std::vector<HoldCondition> when;
};

struct RewardSpec {
  std::string type;
  // Every other key of the reward's YAML map except `value` and `face_value`, as text ("hours" ->
  // "8"); what the fulfilment plugin receives.
  std::map<std::string, std::string> params;
  // What the reward costs in the program's budget unit (`value:`); budgets and the two-approver
  // threshold add these up. Unset when the YAML gives none.
  std::optional<double> value;
  // What the reward costs in money beyond what the budget counts (`face_value:`), in the currency
  // of value_per_unit: a day of leave's wages, a parking space's rent. The return on the program
  // (plaudit report --effect) counts it with the settled budget. 0 when the YAML gives none.
  double face_value = 0;
  // Where the reward is written, for errors found after parsing it.
  std::string path;
  int line = 0;
};

// One level of a tiers award, e.g. {name: gold, min_score: 0.9}.
struct Tier {
  std::string name;
  double min_score = 0;
  // Empty: the award's own rewards.
  std::vector<RewardSpec> rewards;
};

struct AwardRule {
  // "top_n": the n best (of each peer group with per_peer_group).
  // "threshold": every eligible agent with score >= min_score, or whose min_metric aggregate
  // reaches min_metric.min (its direction ignored).
  // "tiers": every eligible agent reaching a tier gets the highest one reached.
  // "target": every eligible agent whose `target` aggregate reaches target.min.
  // "most_improved": the n largest improvements (> 0) over the previous period.
  // "streak": every agent that won by `streak_of` in this period and the streak_periods - 1
  // before it.
  std::string rule = "top_n";
  // top_n and most_improved.
  int n = 1;
  bool per_peer_group = false;
  std::optional<double> min_score;
  // Only the min bound is set.
  std::optional<Gate> min_metric;
  // Best first: min_score strictly descending.
  std::vector<Tier> tiers;
  // Rule target: the measure and, as its min, the target (at_least, or share_at_least for
  // top_box). Never has a max.
  std::optional<Gate> target;
  // Rule most_improved: the measure whose aggregate must improve (direction applied); unset:
  // the score must.
  std::optional<Gate> improvement_metric;
  Direction improvement_direction = Direction::kHigherIsBetter;
  // Rule streak: how many consecutive periods, this one last, and the rule won each time (never
  // itself a streak; its own rewards are unused).
  int streak_periods = 1;
  std::vector<AwardRule> streak_of;
  std::vector<RewardSpec> rewards;
  // Scope team: who the rewards go to.
  RewardsTo rewards_to = RewardsTo::kMembers;
};

// Who must approve an award before its rewards are fulfilled.
enum class ApprovalBy {
  // Approved when decided.
  kAuto,
  // A manager or an admin.
  kManager,
  kAdmin,
};
std::string_view ApprovalByName(ApprovalBy by);

struct ApprovalPolicy {
  ApprovalBy by = ApprovalBy::kAuto;
  // An award worth more than this (the sum of its rewards' values) needs two different
  // approvers (managers or admins; admins when `by` is admin), even when `by` is auto.
  std::optional<double> two_approvers_above;
};

enum class BudgetMode {
  // Never exceeded: awards that do not fit are left over_budget, in rank order.
  kFixed,
  // Exceeding it grants the award and flags it.
  kFlexible,
};
enum class BudgetUnit { kMoney, kHours, kItems };
std::string_view BudgetModeName(BudgetMode mode);
std::string_view BudgetUnitName(BudgetUnit unit);

// What a program may spend per period.
struct BudgetSpec {
  BudgetMode mode = BudgetMode::kFixed;
  BudgetUnit unit = BudgetUnit::kMoney;
  // ISO 4217 code ("EUR"); only with kMoney.
  std::string currency;
  double amount = 0;
};

// What a reward costs: its `value`, or 1 for an item budget that gives none.
double RewardValue(const RewardSpec& reward, const std::optional<BudgetSpec>& budget);

// A holdout: a stable, random share of each peer group's eligible agents who are scored and shown
// their standing but not rewarded, so that the program's effect can be measured against them
// (core/program/holdout.h says who).
struct HoldoutSpec {
  // In (0, 0.5].
  double share = 0;
  uint64_t seed = 0;
  // The last period of the evaluation, a label of the program's cadence; empty: no end.
  std::string until;
};

struct ProgramSpec {
  std::string id;
  std::string name;
  Cadence cadence = Cadence::kMonthly;
  std::string time_zone = "UTC";
  // How long after a period ends plauditd waits for late data before deciding it by itself.
  absl::Duration close_after = absl::Hours(48);
  absl::TimeZone zone;
  int64_t min_tenure_days = 0;
  PeerGroupBy peer_group = PeerGroupBy::kAll;
  Normalization normalization = Normalization::kPercentile;
  std::vector<ScorecardMetric> metrics;
  std::vector<Gate> gates;
  // Checked for winners only, in order.
  std::vector<Hold> holds;
  Scope scope = Scope::kAgent;
  // Scope team: a team with fewer eligible members is ineligible.
  int64_t min_team_size = 1;
  AwardRule award;
  ApprovalPolicy approval;
  std::optional<BudgetSpec> budget;
  std::optional<HoldoutSpec> holdout;
  // What one unit of a scorecard metric is worth to the owner, in its better direction (a second
  // less of aht_seconds): for the value a program report's effect estimate created.
  std::map<std::string, double> value_per_unit;
};

// How many periods before the decided one a program's rule looks at: 1 for most_improved,
// streak_periods - 1 for streak, else 0.
int EarlierPeriodsNeeded(const ProgramSpec& program);

// Parses and validates a program. `reward_types` lists the reward types that some loaded
// fulfilment plugin serves. Errors are INVALID_ARGUMENT with a message such as
// `line 14: scorecard.metrics[1].aggregation: unknown aggregation "median" (expected sum,
// count, mean, min, max, ratio or top_box)`.
absl::StatusOr<ProgramSpec> ParseProgramYaml(std::string_view yaml,
                                             const std::set<std::string>& reward_types);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_PROGRAM_PROGRAM_SPEC_H_

// An award program as written in its YAML: who is eligible, the balanced scorecard, the gates and
// the award rule. ParseProgramYaml() validates strictly: an unknown key, metric, aggregation or
// reward type is an error naming its line and field.
#ifndef PLAUDIT_CORE_AWARDS_PROGRAM_SPEC_H_
#define PLAUDIT_CORE_AWARDS_PROGRAM_SPEC_H_

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

namespace plaudit {

enum class Aggregation { kSum, kCount, kMean, kMin, kMax };
enum class Normalization { kPercentile, kZScore, kNone };
enum class PeerGroupBy { kAll, kChannel, kTeam };

std::string_view AggregationName(Aggregation aggregation);

struct Smoothing {
  double prior_mean = 0;
  double prior_weight = 0;
};

struct ScorecardMetric {
  std::string metric;
  Aggregation aggregation = Aggregation::kSum;
  Direction direction = Direction::kHigherIsBetter;
  double weight = 1.0;
  int64_t min_samples = 0;
  // Only with kMean.
  std::optional<Smoothing> smoothing;
};

struct Gate {
  std::string metric;
  Aggregation aggregation = Aggregation::kSum;
  std::optional<double> min;
  std::optional<double> max;
};

struct RewardSpec {
  std::string type;
  // Every other key of the reward's YAML map, as text ("hours" -> "8").
  std::map<std::string, std::string> params;
};

struct AwardRule {
  // Only "top_n" for now.
  std::string rule = "top_n";
  int n = 1;
  bool per_peer_group = false;
  std::vector<RewardSpec> rewards;
};

struct ProgramSpec {
  std::string id;
  std::string name;
  // Only "monthly" for now.
  std::string cadence = "monthly";
  std::string time_zone = "UTC";
  absl::TimeZone zone;
  int64_t min_tenure_days = 0;
  PeerGroupBy peer_group = PeerGroupBy::kAll;
  Normalization normalization = Normalization::kPercentile;
  std::vector<ScorecardMetric> metrics;
  std::vector<Gate> gates;
  AwardRule award;
};

// Parses and validates a program. `reward_types` lists the reward types that some loaded
// fulfilment plugin serves. Errors are INVALID_ARGUMENT with a message such as
// `line 14: scorecard.metrics[1].aggregation: unknown aggregation "median" (expected sum,
// count, mean, min or max)`.
absl::StatusOr<ProgramSpec> ParseProgramYaml(std::string_view yaml,
                                             const std::set<std::string>& reward_types);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_PROGRAM_SPEC_H_

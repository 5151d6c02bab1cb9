// The built-in metric catalogue: every metric Plaudit accepts, its valid range and which way is
// better. Immutable; safe to use from any thread.
#ifndef PLAUDIT_CORE_DOMAIN_METRIC_CATALOGUE_H_
#define PLAUDIT_CORE_DOMAIN_METRIC_CATALOGUE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plaudit {

enum class Direction { kHigherIsBetter, kLowerIsBetter };

struct MetricSpec {
  std::string name;
  std::string description;
  Direction direction = Direction::kHigherIsBetter;
  std::optional<double> min;
  std::optional<double> max;
};

// Every built-in metric, in catalogue order.
const std::vector<MetricSpec>& BuiltInMetrics();

// The metric named `name`, or nullptr.
const MetricSpec* FindMetric(std::string_view name);

// "higher_is_better" / "lower_is_better".
std::string_view DirectionName(Direction direction);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_METRIC_CATALOGUE_H_

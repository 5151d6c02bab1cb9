// The built-in metric catalogue: every metric Plaudit accepts, its valid range and which way is
// better. Every metric has an upper bound per event, so no aggregate of finitely many events can
// overflow to infinity. Immutable; safe to use from any thread.
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
  double min = 0;
  double max = 0;
};

// Every built-in metric, in catalogue order.
const std::vector<MetricSpec>& BuiltInMetrics();

// The metric named `name`, or nullptr.
const MetricSpec* FindMetric(std::string_view name);

// "higher_is_better" / "lower_is_better".
std::string_view DirectionName(Direction direction);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_METRIC_CATALOGUE_H_

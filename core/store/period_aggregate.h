// One event added into a period aggregate cell: count, exact sum, minimum and maximum, and the
// at-least counts of `thresholds` (ascending; null for none). Shared by both backends' rollups so
// that they keep the same figures.
#ifndef PLAUDIT_CORE_STORE_PERIOD_AGGREGATE_H_
#define PLAUDIT_CORE_STORE_PERIOD_AGGREGATE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "core/scoring/exact_sum.h"

namespace plaudit {

inline void AddToAggregate(double value, const std::vector<double>* thresholds, int64_t& samples,
                           ExactSum& sum, double& min, double& max,
                           std::map<double, int64_t>& at_least) {
  if (samples == 0) {
    min = value;
    max = value;
  } else {
    min = std::min(min, value);
    max = std::max(max, value);
  }
  ++samples;
  sum.Add(value);
  if (thresholds == nullptr) return;
  for (double threshold : *thresholds) {
    if (value >= threshold) ++at_least[threshold];
  }
}

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_PERIOD_AGGREGATE_H_

#include "bench/latency_summary.h"

#include <algorithm>
#include <cmath>

namespace plaudit::bench {

double NearestRank(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto n = static_cast<double>(sorted.size());
  // The epsilon keeps 0.99 * 100 from rounding up to rank 100 through binary fractions.
  auto rank = static_cast<size_t>(std::ceil(fraction * n - 1e-9));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

LatencySummary Summarize(std::vector<double> latencies_ms) {
  std::sort(latencies_ms.begin(), latencies_ms.end());
  LatencySummary summary;
  summary.calls = static_cast<int64_t>(latencies_ms.size());
  summary.p50_ms = NearestRank(latencies_ms, 0.50);
  summary.p90_ms = NearestRank(latencies_ms, 0.90);
  summary.p99_ms = NearestRank(latencies_ms, 0.99);
  summary.max_ms = latencies_ms.empty() ? 0 : latencies_ms.back();
  return summary;
}

}  // namespace plaudit::bench

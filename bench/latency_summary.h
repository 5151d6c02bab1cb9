// What the load generator reports for one run: how many calls, and the latency percentiles of
// those calls. Percentiles are by nearest rank over every call (failed ones included: a caller
// waited for them too), so p99 of 100 calls is the 99th fastest and never an interpolation.
#ifndef PLAUDIT_BENCH_LATENCY_SUMMARY_H_
#define PLAUDIT_BENCH_LATENCY_SUMMARY_H_

#include <cstdint>
#include <vector>

namespace plaudit::bench {

struct LatencySummary {
  int64_t calls = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// The value at `fraction` (0 < fraction <= 1) of `sorted` (ascending) by nearest rank: the
// smallest value with at least that share of values at or below it. 0 when `sorted` is empty.
double NearestRank(const std::vector<double>& sorted, double fraction);

// Sorts `latencies_ms` and summarises it.
LatencySummary Summarize(std::vector<double> latencies_ms);

}  // namespace plaudit::bench

#endif  // PLAUDIT_BENCH_LATENCY_SUMMARY_H_

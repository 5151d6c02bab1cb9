#include "bench/latency_summary.h"

#include <gtest/gtest.h>

#include <vector>

namespace plaudit::bench {
namespace {

TEST(NearestRank, OfAHundredValuesP99IsThe99thSmallest) {
  std::vector<double> sorted;
  for (int i = 1; i <= 100; ++i) sorted.push_back(i);
  EXPECT_EQ(NearestRank(sorted, 0.99), 99);
  EXPECT_EQ(NearestRank(sorted, 0.50), 50);
  EXPECT_EQ(NearestRank(sorted, 1.0), 100);
}

TEST(NearestRank, OfFewValuesRoundsTheRankUp) {
  // 0.9 x 3 = 2.7: the 3rd value; 0.5 x 3 = 1.5: the 2nd.
  EXPECT_EQ(NearestRank({10, 20, 30}, 0.9), 30);
  EXPECT_EQ(NearestRank({10, 20, 30}, 0.5), 20);
}

TEST(NearestRank, OfNothingIsZero) { EXPECT_EQ(NearestRank({}, 0.99), 0); }

TEST(Summarize, SortsAndCountsEveryCall) {
  LatencySummary summary = Summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(summary.calls, 5);
  EXPECT_EQ(summary.p50_ms, 3);
  EXPECT_EQ(summary.p90_ms, 5);
  EXPECT_EQ(summary.p99_ms, 5);
  EXPECT_EQ(summary.max_ms, 5);
}

}  // namespace
}  // namespace plaudit::bench

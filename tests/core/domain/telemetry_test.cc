#include "core/domain/telemetry.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/strings/match.h"

namespace plaudit {
namespace {

TEST(TelemetryTest, CountersAreRenderedWithTheirHelpTypeAndEscapedLabels) {
  Telemetry telemetry;
  Telemetry::Counter* calls =
      telemetry.AddCounter("plaudit_calls_total", "Calls, by method.\nSecond line.", {"method"});
  calls->Add({"ListAwards"});
  calls->Add({"ListAwards"}, 2);
  calls->Add({"odd \"name\"\\\n"});
  EXPECT_EQ(calls->Value({"ListAwards"}), 3);
  EXPECT_EQ(calls->Value({"Never"}), 0);
  EXPECT_EQ(telemetry.Render(),
            "# HELP plaudit_calls_total Calls, by method.\\nSecond line.\n"
            "# TYPE plaudit_calls_total counter\n"
            "plaudit_calls_total{method=\"ListAwards\"} 3\n"
            "plaudit_calls_total{method=\"odd \\\"name\\\"\\\\\\n\"} 1\n");
}

TEST(TelemetryTest, HistogramBucketsAreCumulativeAndEndAtInfinity) {
  Telemetry telemetry;
  Telemetry::Histogram* latency =
      telemetry.AddHistogram("plaudit_wait_seconds", "Waits.", {"plugin"}, {0.5, 0.1, 1});
  for (const double v : {0.05, 0.1, 0.3, 0.7, 2.0}) latency->Observe({"gift_card"}, v);
  EXPECT_EQ(latency->Count({"gift_card"}), 5u);
  EXPECT_EQ(telemetry.Render(),
            "# HELP plaudit_wait_seconds Waits.\n"
            "# TYPE plaudit_wait_seconds histogram\n"
            // 0.1 falls in its own bucket: a bound is "less than or equal".
            "plaudit_wait_seconds_bucket{plugin=\"gift_card\",le=\"0.1\"} 2\n"
            "plaudit_wait_seconds_bucket{plugin=\"gift_card\",le=\"0.5\"} 3\n"
            "plaudit_wait_seconds_bucket{plugin=\"gift_card\",le=\"1\"} 4\n"
            "plaudit_wait_seconds_bucket{plugin=\"gift_card\",le=\"+Inf\"} 5\n"
            "plaudit_wait_seconds_sum{plugin=\"gift_card\"} 3.15\n"
            "plaudit_wait_seconds_count{plugin=\"gift_card\"} 5\n");
}

TEST(TelemetryTest, CollectorsAreReadAtEachRender) {
  Telemetry telemetry;
  int depth = 4;
  telemetry.AddCollector([&depth] {
    Telemetry::Family family{"plaudit_queue_depth", "Rewards waiting.", false, {"state"}, {}};
    family.samples.push_back({{"pending"}, static_cast<double>(depth)});
    return std::vector<Telemetry::Family>{family};
  });
  EXPECT_TRUE(absl::StrContains(telemetry.Render(),
                                "# TYPE plaudit_queue_depth gauge\n"
                                "plaudit_queue_depth{state=\"pending\"} 4\n"));
  depth = 9;
  EXPECT_TRUE(absl::StrContains(telemetry.Render(), "plaudit_queue_depth{state=\"pending\"} 9\n"));
}

TEST(TelemetryTest, ManyThreadsCountEveryAddition) {
  Telemetry telemetry;
  Telemetry::Counter* events = telemetry.AddCounter("plaudit_events_total", "Events.", {"outcome"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([events, t] {
      for (int i = 0; i < 10000; ++i) events->Add({t % 2 ? "stored" : "rejected"});
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(events->Value({"stored"}), 40000);
  EXPECT_EQ(events->Value({"rejected"}), 40000);
}

}  // namespace
}  // namespace plaudit

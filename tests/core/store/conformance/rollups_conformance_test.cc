// Period aggregates kept as events arrive must be, bit for bit, what re-aggregating the raw
// events gives: on random data with late events, duplicates, replacements, retractions and
// praise, in zones with DST and with 30- and 45-minute offsets, for every cadence, for schemes
// and thresholds registered before the events and after them (filled in from the raw events);
// on every backend.
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "core/domain/period.h"
#include "gtest/gtest.h"
#include "tests/core/store/conformance/backends.h"

namespace plaudit {
namespace {

struct SchemeUnderTest {
  std::string zone;
  std::string cadence;
};

const std::vector<SchemeUnderTest>& Schemes() {
  static const auto* schemes = new std::vector<SchemeUnderTest>{
      {"Asia/Kolkata", "daily"},        // +05:30
      {"Asia/Kathmandu", "weekly"},     // +05:45
      {"Pacific/Chatham", "daily"},     // +13:45 / +12:45, DST ends 2026-04-05
      {"America/St_Johns", "monthly"},  // -03:30 / -02:30, DST starts 2026-03-08
      {"Europe/Stockholm", "daily"},    // DST starts 2026-03-29
      {"Europe/Stockholm", "monthly"}, {"UTC", "quarterly"},
  };
  return *schemes;
}

const ThresholdSet kThresholds = {{"csat", 4.0}, {"csat", 5.0}, {"fcr", 1.0}};

class RollupsConformance : public conformance::BackendTest {
 protected:
  // Every period of `scheme` from `first` to `last` (local days) must read from the rollups
  // exactly as re-aggregated from the raw events.
  void ExpectRollupsMatchRawEvents(const SchemeUnderTest& scheme, const ThresholdSet& thresholds,
                                   absl::CivilDay first, absl::CivilDay last) {
    const absl::TimeZone zone = *LoadZone(scheme.zone);
    const Cadence cadence = *CadenceFromName(scheme.cadence);
    int periods = 0;
    for (PeriodWindow window = PeriodOfDay(cadence, first, zone); window.first_day <= last;
         window = NextPeriod(cadence, window, zone)) {
      ++periods;
      const int64_t start = absl::ToUnixMicros(window.start);
      const int64_t end = absl::ToUnixMicros(window.end);
      auto rolled = backend_->events().RolledUpAggregates(scheme.zone, scheme.cadence, window.label,
                                                          start, end, thresholds);
      ASSERT_TRUE(rolled.ok()) << rolled.status();
      ASSERT_TRUE(rolled->has_value()) << scheme.zone << " " << window.label;
      auto raw = backend_->events().Aggregate(start, end);
      ASSERT_TRUE(raw.ok()) << raw.status();
      for (const auto& [metric, threshold] : thresholds) {
        auto counts = backend_->events().CountAtLeast(start, end, metric, threshold);
        ASSERT_TRUE(counts.ok());
        for (const auto& [agent, count] : *counts) {
          for (AggregateRow& row : *raw) {
            if (row.agent_id == agent && row.metric == metric) {
              row.aggregate.at_least[threshold] = count;
            }
          }
        }
      }
      const std::vector<AggregateRow>& got = **rolled;
      ASSERT_EQ(got.size(), raw->size()) << scheme.zone << " " << window.label;
      for (size_t i = 0; i < got.size(); ++i) {
        const std::string where =
            absl::StrCat(scheme.zone, " ", window.label, " ", got[i].agent_id, " ", got[i].metric);
        ASSERT_EQ(got[i].agent_id, (*raw)[i].agent_id) << where;
        ASSERT_EQ(got[i].metric, (*raw)[i].metric) << where;
        const MetricAggregate& a = got[i].aggregate;
        const MetricAggregate& b = (*raw)[i].aggregate;
        ASSERT_EQ(a.samples, b.samples) << where;
        // Bit for bit: == on doubles, not a tolerance.
        ASSERT_EQ(a.sum, b.sum) << where;
        ASSERT_EQ(a.min, b.min) << where;
        ASSERT_EQ(a.max, b.max) << where;
        ASSERT_EQ(a.at_least, b.at_least) << where;
      }
      // One agent's, by the same lookup.
      if (!got.empty()) {
        auto one =
            backend_->events().RolledUpAggregates(scheme.zone, scheme.cadence, window.label, start,
                                                  end, thresholds, got.front().agent_id);
        ASSERT_TRUE(one.ok() && one->has_value());
        ASSERT_FALSE((*one)->empty());
        EXPECT_EQ((*one)->front().aggregate.sum, got.front().aggregate.sum);
      }
    }
    EXPECT_GT(periods, 0);
  }
};

TEST_P(RollupsConformance, MatchRawReaggregationBitForBitOnRandomData) {
  // Half the schemes from the start, the rest after the events are in (filled in from them).
  for (size_t i = 0; i < Schemes().size(); i += 2) {
    absl::Status registered =
        backend_->events().EnsureRollup(Schemes()[i].zone, Schemes()[i].cadence, {{"csat", 4.0}});
    ASSERT_TRUE(registered.ok()) << registered;
  }
  std::mt19937_64 rng(20261130);
  const absl::Time from =
      absl::FromCivil(absl::CivilSecond(2026, 2, 20, 0, 0, 0), absl::UTCTimeZone());
  const int64_t span_us = int64_t{50} * 24 * 3600 * 1000000;
  std::uniform_int_distribution<int64_t> when(0, span_us);
  std::uniform_int_distribution<int> agent(0, 11);
  std::uniform_int_distribution<int> metric(0, 3);
  std::uniform_int_distribution<int> csat(1, 5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<StoredEvent> stored;
  int next_id = 0;
  auto random_event = [&]() {
    StoredEvent e;
    e.event_id = absl::StrCat("e", next_id++);
    e.agent_id = absl::StrCat("a", agent(rng));
    // Events a minute either side of local midnights matter most: many land exactly there.
    int64_t at = absl::ToUnixMicros(from) + when(rng);
    if (unit(rng) < 0.2) at = at - at % (int64_t{900} * 1000000);
    e.occurred_at_us = at;
    switch (metric(rng)) {
      case 0:
        e.metric = "csat";
        e.value = csat(rng);
        break;
      case 1:
        e.metric = "aht";
        e.value = 60 + 600 * unit(rng);
        break;
      case 2:
        e.metric = "fcr";
        e.value = unit(rng) < 0.7 ? 1 : 0;
        break;
      default:
        // Magnitudes far apart, where the order of additions changes a plain sum.
        e.metric = "quality";
        e.value = std::ldexp(unit(rng) - 0.5, static_cast<int>(unit(rng) * 60) - 30);
        break;
    }
    return e;
  };
  for (int batch = 0; batch < 60; ++batch) {
    std::vector<StoredEvent> events;
    const int n = 1 + static_cast<int>(unit(rng) * 120);
    for (int i = 0; i < n; ++i) events.push_back(random_event());
    // Duplicates of earlier events, identical: nothing changes.
    if (!stored.empty() && batch % 3 == 0) events.push_back(stored[stored.size() / 2]);
    auto outcomes = backend_->events().InsertEvents(events);
    ASSERT_TRUE(outcomes.ok()) << outcomes.status();
    for (size_t i = 0; i < events.size(); ++i) {
      if ((*outcomes)[i] == InsertOutcome::kStored) stored.push_back(events[i]);
    }
    if (batch % 7 == 3) {
      // Corrections: replace some events' content (value, time and agent), retract others.
      std::vector<StoredEvent> replaced;
      for (int k = 0; k < 5; ++k) {
        StoredEvent e = stored[static_cast<size_t>(unit(rng) * stored.size())];
        StoredEvent fresh = random_event();
        e.value = e.metric == "csat" ? csat(rng) : fresh.value * (e.metric == "fcr" ? 0 : 1);
        e.occurred_at_us = fresh.occurred_at_us;
        if (k % 2 == 0) e.agent_id = fresh.agent_id;
        replaced.push_back(e);
      }
      auto done = backend_->events().InsertEvents(replaced, EventReplacement{"admin", "fix", 1});
      ASSERT_TRUE(done.ok()) << done.status();
      std::vector<std::string> retract;
      for (int k = 0; k < 4; ++k) {
        retract.push_back(stored[static_cast<size_t>(unit(rng) * stored.size())].event_id);
      }
      ASSERT_TRUE(backend_->events().RetractEvents(retract, "admin", "wrong", 1).ok());
      // A retracted event put back by an admin.
      ASSERT_TRUE(
          backend_->events().InsertEvents({stored[0]}, EventReplacement{"admin", "back", 1}).ok());
    }
    if (batch % 10 == 5) {
      PraiseRecord praise{absl::StrCat("p", batch),
                          "a1",
                          absl::StrCat("a", agent(rng)),
                          "thanks",
                          "",
                          "",
                          absl::ToUnixMicros(from) + when(rng)};
      ASSERT_TRUE(backend_->praise().InsertPraise(praise, PraiseAllowance{0, 1, 1000}).ok());
    }
    if (batch == 30) {
      // Registered halfway: filled in from what is there, kept up to date afterwards. A new
      // threshold on a scheme that had others is filled in the same way.
      for (size_t i = 1; i < Schemes().size(); i += 2) {
        ASSERT_TRUE(
            backend_->events().EnsureRollup(Schemes()[i].zone, Schemes()[i].cadence, {}).ok());
      }
      ASSERT_TRUE(backend_->events()
                      .EnsureRollup(Schemes()[0].zone, Schemes()[0].cadence, kThresholds)
                      .ok());
    }
  }
  for (size_t i = 1; i < Schemes().size(); ++i) {
    ASSERT_TRUE(
        backend_->events().EnsureRollup(Schemes()[i].zone, Schemes()[i].cadence, kThresholds).ok());
  }
  const absl::CivilDay first(2026, 2, 18);
  const absl::CivilDay last(2026, 4, 12);
  for (const SchemeUnderTest& scheme : Schemes()) {
    ExpectRollupsMatchRawEvents(scheme, kThresholds, first, last);
  }
  // Durable: opened again, they are read as they are, with nothing filled in again.
  Reopen();
  for (const SchemeUnderTest& scheme : Schemes()) {
    ExpectRollupsMatchRawEvents(scheme, kThresholds, first, last);
  }
}

TEST_P(RollupsConformance, NotCoveredUntilRegisteredWithEveryThreshold) {
  auto window = *ParsePeriod(Cadence::kMonthly, "2026-03", absl::UTCTimeZone());
  const int64_t start = absl::ToUnixMicros(window.start);
  const int64_t end = absl::ToUnixMicros(window.end);
  auto before = backend_->events().RolledUpAggregates("UTC", "monthly", "2026-03", start, end, {});
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->has_value());
  ASSERT_TRUE(backend_->events().EnsureRollup("UTC", "monthly", {{"csat", 4.0}}).ok());
  auto covered = backend_->events().RolledUpAggregates("UTC", "monthly", "2026-03", start, end,
                                                       {{"csat", 4.0}});
  ASSERT_TRUE(covered.ok() && covered->has_value());
  EXPECT_TRUE((*covered)->empty());
  auto other_threshold = backend_->events().RolledUpAggregates("UTC", "monthly", "2026-03", start,
                                                               end, {{"csat", 5.0}});
  ASSERT_TRUE(other_threshold.ok());
  EXPECT_FALSE(other_threshold->has_value());
}

TEST_P(RollupsConformance, UnknownZoneOrCadenceIsRefusedByName) {
  absl::Status zone = backend_->events().EnsureRollup("Mars/Olympus", "monthly", {});
  EXPECT_EQ(zone.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(zone.message().find("Mars/Olympus"), std::string_view::npos) << zone;
  absl::Status cadence = backend_->events().EnsureRollup("UTC", "fortnightly", {});
  EXPECT_EQ(cadence.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cadence.message().find("fortnightly"), std::string_view::npos) << cadence;
  // Nothing half-registered is left behind: a good one still works.
  EXPECT_TRUE(backend_->events().EnsureRollup("UTC", "monthly", {}).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, RollupsConformance, ::testing::Values("sqlite", "postgres"),
                         conformance::BackendName);

}  // namespace
}  // namespace plaudit

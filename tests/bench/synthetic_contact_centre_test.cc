#include "bench/synthetic_contact_centre.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace plaudit::bench {
namespace {

DatasetSpec October(int agents, int64_t events) {
  DatasetSpec spec;
  spec.agents = agents;
  spec.teams = 4;
  spec.events = events;
  spec.start = absl::FromCivil(absl::CivilMonth(2026, 10), absl::UTCTimeZone());
  spec.end = absl::FromCivil(absl::CivilMonth(2026, 11), absl::UTCTimeZone());
  spec.metrics = SyntheticMetrics();
  return spec;
}

std::vector<StoredEvent> All(const DatasetSpec& spec) {
  SyntheticEventStream stream(spec);
  std::vector<StoredEvent> events;
  StoredEvent e;
  while (stream.Next(&e)) events.push_back(e);
  return events;
}

TEST(SyntheticEventStream, TheSameSeedGivesTheSameEvents) {
  const std::vector<StoredEvent> first = All(October(10, 500));
  const std::vector<StoredEvent> again = All(October(10, 500));
  ASSERT_EQ(first.size(), 500u);
  ASSERT_EQ(again.size(), 500u);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].event_id, again[i].event_id);
    EXPECT_EQ(first[i].agent_id, again[i].agent_id);
    EXPECT_EQ(first[i].metric, again[i].metric);
    EXPECT_EQ(first[i].value, again[i].value);
    EXPECT_EQ(first[i].occurred_at_us, again[i].occurred_at_us);
  }
}

TEST(SyntheticEventStream, EventsAreInTimeOrderWithinTheWindowInWholeSeconds) {
  const DatasetSpec spec = October(10, 2000);
  const int64_t start_us = absl::ToUnixMicros(spec.start);
  const int64_t end_us = absl::ToUnixMicros(spec.end);
  int64_t previous = start_us;
  for (const StoredEvent& e : All(spec)) {
    EXPECT_GE(e.occurred_at_us, previous);
    EXPECT_LT(e.occurred_at_us, end_us);
    EXPECT_EQ(e.occurred_at_us % 1'000'000, 0);
    previous = e.occurred_at_us;
  }
}

TEST(SyntheticEventStream, ValuesStayInTheCatalogueRanges) {
  std::set<std::string> seen;
  for (const StoredEvent& e : All(October(20, 5000))) {
    seen.insert(e.metric);
    if (e.metric == "csat") {
      EXPECT_TRUE(e.value >= 1 && e.value <= 5) << e.value;
    } else if (e.metric == "repeat_contacts" || e.metric == "complaints") {
      EXPECT_TRUE(e.value == 0 || e.value == 1) << e.value;
    } else if (e.metric == "qa_score") {
      EXPECT_TRUE(e.value >= 0 && e.value <= 100) << e.value;
    } else {
      EXPECT_EQ(e.metric, "aht_seconds");
      EXPECT_TRUE(e.value >= 20 && e.value <= 7200) << e.value;
    }
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST(SyntheticEventStream, IdsNameTheAgentsOfTheRoster) {
  const DatasetSpec spec = October(3, 100);
  std::set<std::string> roster;
  for (const Agent& agent : SyntheticAgents(spec)) roster.insert(agent.id);
  EXPECT_EQ(roster, (std::set<std::string>{"a000001", "a000002", "a000003"}));
  const std::vector<StoredEvent> events = All(spec);
  EXPECT_EQ(events.front().event_id, "ev-000000000");
  EXPECT_EQ(events.back().event_id, "ev-000000099");
  for (const StoredEvent& e : events) EXPECT_TRUE(roster.count(e.agent_id)) << e.agent_id;
}

TEST(CheckSpec, RefusesAnUnknownMetricByName) {
  DatasetSpec spec = October(3, 10);
  spec.metrics = {"csat", "fcr"};
  absl::Status checked = CheckSpec(spec);
  EXPECT_EQ(checked.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(checked.message().find("\"fcr\""), std::string::npos) << checked.message();
}

}  // namespace
}  // namespace plaudit::bench

// The conformance suite's events: stored once, duplicates and conflicts told apart, replaced and
// retracted with corrections, and aggregated from the raw events; on every backend.
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/core/store/conformance/backends.h"

namespace plaudit {
namespace {

class EventConformance : public conformance::BackendTest {};

// 2026-10-05T12:03:00Z.
constexpr int64_t kOctoberFifth = int64_t{1791201780} * 1000000;

TEST_P(EventConformance, IdenticalEventIsDuplicateAndDifferentContentIsConflict) {
  StoredEvent e{"e1", "a1", "csat", 4, 1000};
  auto first = backend_->events().InsertEvents({e});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)[0], InsertOutcome::kStored);
  StoredEvent changed = e;
  changed.value = 5;
  auto second =
      backend_->events().InsertEvents({e, changed, StoredEvent{"e2", "a1", "csat", 3, 2000}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)[0], InsertOutcome::kDuplicate);
  EXPECT_EQ((*second)[1], InsertOutcome::kConflict);
  EXPECT_EQ((*second)[2], InsertOutcome::kStored);
  EXPECT_EQ(*backend_->events().CountEvents(), 2);
}

TEST_P(EventConformance, RetractedEventsLeaveAggregatesAndTheirIdsStayTakenAcrossRestarts) {
  ASSERT_TRUE(backend_->events()
                  .InsertEvents({{"e1", "a1", "csat", 4, 100},
                                 {"e2", "a1", "csat", 2, 150},
                                 {"e3", "a1", "csat", 5, 160}})
                  .ok());
  auto not_stored = backend_->events().RetractEvents({"e2", "nope"}, "ops", "sent twice", 5000);
  ASSERT_TRUE(not_stored.ok()) << not_stored.status();
  EXPECT_EQ(*not_stored, std::vector<std::string>{"nope"});
  auto rows = backend_->events().Aggregate(0, 1000);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].aggregate.samples, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 9);

  Reopen();
  // Neither the same content nor new content brings it back; other events still go in.
  auto again = backend_->events().InsertEvents(
      {{"e2", "a1", "csat", 2, 150}, {"e2", "a1", "csat", 3, 150}, {"e4", "a1", "csat", 1, 170}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0], InsertOutcome::kRetracted);
  EXPECT_EQ((*again)[1], InsertOutcome::kRetracted);
  EXPECT_EQ((*again)[2], InsertOutcome::kStored);
  EXPECT_EQ(*backend_->events().CountEvents(), 3);
  // Retracting again finds nothing stored.
  EXPECT_EQ(*backend_->events().RetractEvents({"e2"}, "ops", "again", 6000),
            std::vector<std::string>{"e2"});

  auto corrections = backend_->corrections().ListCorrections("e2");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 1u);
  EXPECT_EQ((*corrections)[0].kind, "event_retracted");
  EXPECT_EQ((*corrections)[0].actor, "ops");
  EXPECT_EQ((*corrections)[0].reason, "sent twice");
  EXPECT_EQ((*corrections)[0].at_us, 5000);
  EXPECT_EQ((*corrections)[0].detail, "a1 csat 2 at 1970-01-01T00:00:00.00015Z");
}

TEST_P(EventConformance, ReplacementUpdatesTheEventAndRecordsTheContentBefore) {
  ASSERT_TRUE(backend_->events().InsertEvents({{"e1", "a017", "csat", 4, kOctoberFifth}}).ok());
  const EventReplacement replacement{"ops", "survey re-scored", 5000};
  auto outcomes = backend_->events().InsertEvents(
      {{"e1", "a017", "csat", 2, kOctoberFifth}, {"e2", "a017", "csat", 3, kOctoberFifth}},
      replacement);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_EQ((*outcomes)[0], InsertOutcome::kReplaced);
  EXPECT_EQ((*outcomes)[1], InsertOutcome::kStored);
  Reopen();  // Committed: the replacement and its correction survive.
  auto rows = backend_->events().Aggregate(0, kOctoberFifth + 1);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].aggregate.samples, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 5);
  auto corrections = backend_->corrections().ListCorrections("");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 1u);
  const CorrectionRecord& c = (*corrections)[0];
  EXPECT_EQ(c.kind, "event_replaced");
  EXPECT_EQ(c.subject, "e1");
  EXPECT_EQ(c.detail, "a017 csat 4 at 2026-10-05T12:03:00Z");
  EXPECT_EQ(c.actor, "ops");
  EXPECT_EQ(c.reason, "survey re-scored");
  EXPECT_EQ(c.at_us, 5000);
}

TEST_P(EventConformance, ReplacingWithIdenticalContentIsADuplicateAndRecordsNothing) {
  const StoredEvent e{"e1", "a017", "csat", 4, kOctoberFifth};
  ASSERT_TRUE(backend_->events().InsertEvents({e}).ok());
  auto outcomes = backend_->events().InsertEvents({e}, EventReplacement{"ops", "again", 1});
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0], InsertOutcome::kDuplicate);
  EXPECT_TRUE(backend_->corrections().ListCorrections("")->empty());
}

TEST_P(EventConformance, WithoutReplacementARetractedIdIsRefusedAndWithOneItIsStoredAgain) {
  ASSERT_TRUE(backend_->events().InsertEvents({{"e1", "a017", "csat", 4, kOctoberFifth}}).ok());
  ASSERT_TRUE(backend_->events().RetractEvents({"e1"}, "ops", "wrong agent", 10).ok());
  const StoredEvent corrected{"e1", "a018", "csat", 4, kOctoberFifth};
  auto refused = backend_->events().InsertEvents({corrected});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ((*refused)[0], InsertOutcome::kRetracted);
  EXPECT_EQ(*backend_->events().CountEvents(), 0);

  auto restored =
      backend_->events().InsertEvents({corrected}, EventReplacement{"ops", "right agent", 20});
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)[0], InsertOutcome::kReplaced);
  auto rows = backend_->events().Aggregate(0, kOctoberFifth + 1);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].agent_id, "a018");
  auto corrections = backend_->corrections().ListCorrections("e1");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 2u);
  EXPECT_EQ((*corrections)[1].kind, "event_replaced");
  EXPECT_EQ((*corrections)[1].detail, "a017 csat 4 at 2026-10-05T12:03:00Z (retracted)");
  EXPECT_EQ((*corrections)[1].reason, "right agent");
  // Live again: it may be retracted again, and then keeps its new content.
  auto not_stored = backend_->events().RetractEvents({"e1"}, "ops", "after all", 30);
  ASSERT_TRUE(not_stored.ok()) << not_stored.status();
  EXPECT_TRUE(not_stored->empty());
  EXPECT_EQ(backend_->corrections().ListCorrections("e1")->back().detail,
            "a018 csat 4 at 2026-10-05T12:03:00Z");
}

TEST_P(EventConformance, AggregatesWithinHalfOpenWindow) {
  ASSERT_TRUE(backend_->events()
                  .InsertEvents({{"e1", "a1", "csat", 4, 100},
                                 {"e2", "a1", "csat", 2, 150},
                                 {"e3", "a1", "csat", 5, 200},  // at end: excluded
                                 {"e4", "a2", "calls_handled", 7, 100},
                                 {"e5", "a1", "csat", 1, 99}})  // before start: excluded
                  .ok());
  auto rows = backend_->events().Aggregate(100, 200);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].agent_id, "a1");
  EXPECT_EQ((*rows)[0].aggregate.samples, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 6);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.min, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.max, 4);
  auto only_a2 = backend_->events().Aggregate(0, 1000, "a2");
  ASSERT_TRUE(only_a2.ok());
  ASSERT_EQ(only_a2->size(), 1u);
  EXPECT_EQ((*only_a2)[0].metric, "calls_handled");
}

TEST_P(EventConformance, CountsEventsAtOrAboveAThresholdPerAgentWithinTheWindow) {
  ASSERT_TRUE(backend_->events()
                  .InsertEvents({{"e1", "a1", "csat", 4, 100},  // exactly at 4: counted
                                 {"e2", "a1", "csat", 5, 150},
                                 {"e3", "a1", "csat", 3.999, 150},
                                 {"e4", "a1", "csat", 5, 200},       // at end: excluded
                                 {"e5", "a1", "csat", 5, 99},        // before start: excluded
                                 {"e6", "a1", "qa_score", 90, 120},  // another metric
                                 {"e7", "a3", "csat", 4.5, 199},
                                 {"e8", "a2", "csat", 2, 120}})  // none >= 4: left out
                  .ok());
  auto counts = backend_->events().CountAtLeast(100, 200, "csat", 4);
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0], std::make_pair(std::string("a1"), int64_t{2}));
  EXPECT_EQ((*counts)[1], std::make_pair(std::string("a3"), int64_t{1}));
  auto fives = backend_->events().CountAtLeast(100, 200, "csat", 5);
  ASSERT_TRUE(fives.ok());
  ASSERT_EQ(fives->size(), 1u);
  EXPECT_EQ((*fives)[0], std::make_pair(std::string("a1"), int64_t{1}));
  auto unknown = backend_->events().CountAtLeast(100, 200, "aht_seconds", 0);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->empty());
}

TEST_P(EventConformance, AggregatePagesContinueFromTheLastKey) {
  std::vector<StoredEvent> events;
  int n = 0;
  for (const char* agent : {"a1", "a2", "a3"}) {
    for (const char* metric : {"csat", "nps"}) {
      events.push_back({"e" + std::to_string(n++), agent, metric, 3, 100});
      events.push_back({"e" + std::to_string(n++), agent, metric, 5, 150});
    }
  }
  events.push_back({"late", "a1", "csat", 1, 500});  // Outside the window.
  ASSERT_TRUE(backend_->events().InsertEvents(events).ok());
  std::vector<std::string> seen;
  std::string after_agent, after_metric;
  int pages = 0;
  while (true) {
    auto page = backend_->events().AggregatePage(100, 200, "", after_agent, after_metric, 4);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const AggregateRow& row : *page) {
      seen.push_back(row.agent_id + "/" + row.metric);
      EXPECT_EQ(row.aggregate.samples, 2);
      EXPECT_DOUBLE_EQ(row.aggregate.sum, 8);
    }
    if (page->size() < 4) break;
    after_agent = page->back().agent_id;
    after_metric = page->back().metric;
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"a1/csat", "a1/nps", "a2/csat", "a2/nps", "a3/csat",
                                            "a3/nps"}));
  auto one = backend_->events().AggregatePage(100, 200, "a2", "", "", 10);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[0].agent_id, "a2");
  // One agent's, page by page: after its first metric comes its second, then nothing.
  auto rest = backend_->events().AggregatePage(100, 200, "a2", "a2", "csat", 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].metric, "nps");
  EXPECT_EQ((*rest)[0].aggregate.samples, 2);
  auto done = backend_->events().AggregatePage(100, 200, "a2", "a2", "nps", 10);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->empty());
  auto first_page = backend_->events().AggregatePage(100, 200, "a2", "", "", 1);
  ASSERT_TRUE(first_page.ok());
  ASSERT_EQ(first_page->size(), 1u);
  EXPECT_EQ((*first_page)[0].metric, "csat");
}

// Both backends, the same events: the same aggregates, bit for bit (sums of magnitudes far
// apart, where the order of additions would change a plain sum).
TEST(EventBackends, SqliteAndPostgresAggregateTheSameEventsToTheSameBits) {
  conformance::SqliteBackend sqlite;
  conformance::PostgresBackend postgres;
  sqlite.Open();
  postgres.Open();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<StoredEvent> events;
  for (int i = 0; i < 3000; ++i) {
    events.push_back(StoredEvent{
        absl::StrCat("e", i), absl::StrCat("a", i % 17), i % 3 == 0 ? "quality" : "aht",
        std::ldexp(unit(rng) - 0.5, static_cast<int>(unit(rng) * 80) - 40), int64_t{1000} + i});
  }
  ASSERT_TRUE(sqlite.events().InsertEvents(events).ok());
  ASSERT_TRUE(postgres.events().InsertEvents(events).ok());
  auto a = sqlite.events().Aggregate(0, 1000000);
  auto b = postgres.events().Aggregate(0, 1000000);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << " " << b.status();
  ASSERT_EQ(a->size(), b->size());
  ASSERT_EQ(a->size(), 34u);
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].agent_id, (*b)[i].agent_id);
    EXPECT_EQ((*a)[i].metric, (*b)[i].metric);
    EXPECT_EQ((*a)[i].aggregate.samples, (*b)[i].aggregate.samples);
    EXPECT_EQ((*a)[i].aggregate.sum, (*b)[i].aggregate.sum) << (*a)[i].agent_id;
    EXPECT_EQ((*a)[i].aggregate.min, (*b)[i].aggregate.min);
    EXPECT_EQ((*a)[i].aggregate.max, (*b)[i].aggregate.max);
  }
}

// Two replicas storing events at once into the periods of one scheme: every event is counted
// once in the rollups (no lost update of a cell both touch).
TEST(EventBackends, TwoPostgresReplicasInsertingAtOnceKeepTheRollupsExact) {
  testing::TestSchema schema;
  auto first = PostgresStore::Open({schema.dsn(), 4}, testing::TestCipher());
  auto second = PostgresStore::Open({schema.dsn(), 4}, testing::TestCipher());
  ASSERT_TRUE(first.ok() && second.ok()) << first.status() << " " << second.status();
  ASSERT_TRUE((*first)->EnsureRollup("UTC", "daily", {{"csat", 4.0}}).ok());
  // 2026-10-05T00:00:00Z and the day's length.
  const int64_t day = int64_t{1791158400} * 1000000;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    EventStore* store = w % 2 == 0 ? first->get() : second->get();
    writers.emplace_back([store, w, day] {
      for (int batch = 0; batch < 10; ++batch) {
        std::vector<StoredEvent> events;
        for (int i = 0; i < 20; ++i) {
          events.push_back(StoredEvent{absl::StrCat("w", w, "b", batch, "i", i),
                                       absl::StrCat("a", i % 3), "csat", double(1 + i % 5),
                                       day + batch * 1000 + i});
        }
        auto stored = store->InsertEvents(events);
        EXPECT_TRUE(stored.ok()) << stored.status();
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EventStore& reader = **second;
  auto rolled = reader.RolledUpAggregates("UTC", "daily", "2026-10-05", day,
                                          day + int64_t{86400} * 1000000, {{"csat", 4.0}});
  ASSERT_TRUE(rolled.ok() && rolled->has_value()) << rolled.status();
  int64_t samples = 0;
  int64_t at_least_4 = 0;
  for (const AggregateRow& row : **rolled) {
    samples += row.aggregate.samples;
    at_least_4 += row.aggregate.at_least.at(4.0);
  }
  EXPECT_EQ(samples, 4 * 10 * 20);
  EXPECT_EQ(at_least_4, 4 * 10 * 8);  // values 4 and 5 of 1..5
  EXPECT_EQ(*(*first)->CountEvents(), 800);
}

INSTANTIATE_TEST_SUITE_P(Backends, EventConformance, ::testing::Values("sqlite", "postgres"),
                         conformance::BackendName);

}  // namespace
}  // namespace plaudit

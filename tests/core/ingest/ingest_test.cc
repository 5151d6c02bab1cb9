#include "core/ingest/ingest.h"

#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->UpsertAgents({testing::TestAgent("a1")}).ok());
    ingestor_ = std::make_unique<EventIngestor>(store_.get());
  }

  ImportSummary Ingest(const std::vector<CsvLine>& rows) {
    auto columns = ParseEventHeader({"event_id", "agent_id", "metric", "value", "occurred_at"});
    EXPECT_TRUE(columns.ok());
    auto summary = ingestor_->IngestCsv(*columns, rows);
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.value_or(ImportSummary());
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventIngestor> ingestor_;
};

TEST(ParseEventHeader, AcceptsAnyOrderAndNamesMissingColumns) {
  auto ok = ParseEventHeader({"value", "occurred_at", "metric", "agent_id", "event_id"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->value, 0);
  EXPECT_EQ(ok->event_id, 4);
  auto missing = ParseEventHeader({"event_id", "agent_id", "metric"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "line 1: header: missing columns value, occurred_at "
            "(expected event_id,agent_id,metric,value,occurred_at)");
}

TEST(ParseRfc3339, NeedsAnOffset) {
  EXPECT_EQ(ParseRfc3339("2026-10-05T14:03:00+02:00"),
            absl::FromCivil(absl::CivilSecond(2026, 10, 5, 12, 3, 0), absl::UTCTimeZone()));
  EXPECT_EQ(ParseRfc3339("2026-10-05T12:03:00Z"),
            absl::FromCivil(absl::CivilSecond(2026, 10, 5, 12, 3, 0), absl::UTCTimeZone()));
  EXPECT_TRUE(ParseRfc3339("2026-10-05T12:03:00.250Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-10-05T14:03:00").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-10-05 14:03").has_value());
  EXPECT_FALSE(ParseRfc3339("yesterday").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-13-05T14:03:00Z").has_value());
}

TEST_F(IngestTest, StoresValidRowsAndReportsEachRejectedRowWithItsReason) {
  ImportSummary s = Ingest({
      {2, {"e1", "a1", "csat", "4", "2026-10-05T14:03:00+02:00"}},
      {3, {"e2", "zz", "csat", "4", "2026-10-05T14:03:00+02:00"}},
      {4, {"e3", "a1", "csatt", "4", "2026-10-05T14:03:00+02:00"}},
      {5, {"e4", "a1", "csat", "7", "2026-10-05T14:03:00+02:00"}},
      {6, {"e5", "a1", "csat", "abc", "2026-10-05T14:03:00+02:00"}},
      {7, {"e6", "a1", "csat", "nan", "2026-10-05T14:03:00+02:00"}},
      {8, {"e7", "a1", "csat", "4", "2026-10-05 14:03"}},
      {9, {"e8", "a1", "csat", "4"}},
      {10, {"e9", "a1", "aht_seconds", "-1", "2026-10-05T14:03:00Z"}},
  });
  EXPECT_EQ(s.imported, 1);
  EXPECT_EQ(s.duplicates, 0);
  EXPECT_EQ(s.rejected, 8);
  ASSERT_EQ(s.errors.size(), 8u);
  EXPECT_EQ(s.errors[0].line, 3);
  EXPECT_EQ(s.errors[0].reason, "agent_id: unknown agent \"zz\"");
  EXPECT_EQ(s.errors[1].reason, "metric: unknown metric \"csatt\"");
  EXPECT_EQ(s.errors[2].reason, "value: 7 is outside the range of csat (1..5)");
  EXPECT_EQ(s.errors[3].reason, "value: \"abc\" is not a decimal number (like 12 or -3.25)");
  EXPECT_EQ(s.errors[4].reason, "value: \"nan\" is not a decimal number (like 12 or -3.25)");
  EXPECT_EQ(s.errors[5].line, 8);
  EXPECT_NE(s.errors[5].reason.find("occurred_at: \"2026-10-05 14:03\""), std::string::npos);
  EXPECT_EQ(s.errors[6].reason, "missing column: expected 5 fields, found 4");
  EXPECT_EQ(s.errors[7].reason, "value: -1 is outside the range of aht_seconds (0..86400)");
  EXPECT_EQ(*store_->CountEvents(), 1);
}

TEST_F(IngestTest, OnlyPlainDecimalValuesWithinTheMetricsBoundAreStored) {
  ImportSummary s = Ingest({
      {2, {"e1", "a1", "sales_value", "1e308", "2026-10-05T14:03:00Z"}},
      {3, {"e2", "a1", "sales_value", "0x10", "2026-10-05T14:03:00Z"}},
      {4, {"e3", "a1", "calls_handled", "inf", "2026-10-05T14:03:00Z"}},
      {5, {"e4", "a1", "sales_value", "1000000001", "2026-10-05T14:03:00Z"}},
      {6, {"e5", "a1", "calls_handled", "10001", "2026-10-05T14:03:00Z"}},
      {7, {"e6", "a1", "calls_handled", "12.", "2026-10-05T14:03:00Z"}},
      {8, {"e7", "a1", "sales_value", "1000000000", "2026-10-05T14:03:00Z"}},
      {9, {"e8", "a1", "qa_score", "+87.5", "2026-10-05T14:03:00Z"}},
      {10, {"e9", "a1", "aht_seconds", ".5", "2026-10-05T14:03:00Z"}},
  });
  EXPECT_EQ(s.imported, 3);
  ASSERT_EQ(s.errors.size(), 6u);
  const std::string not_decimal = " is not a decimal number (like 12 or -3.25)";
  EXPECT_EQ(s.errors[0].reason, "value: \"1e308\"" + not_decimal);
  EXPECT_EQ(s.errors[1].reason, "value: \"0x10\"" + not_decimal);
  EXPECT_EQ(s.errors[2].reason, "value: \"inf\"" + not_decimal);
  EXPECT_EQ(s.errors[3].reason,
            "value: 1000000001 is outside the range of sales_value (0..1000000000)");
  EXPECT_EQ(s.errors[4].reason, "value: 10001 is outside the range of calls_handled (0..10000)");
  EXPECT_EQ(s.errors[5].line, 7);
}

TEST_F(IngestTest, TypedEventsAboveTheBoundAreRefusedSoNoSumOverflows) {
  absl::Time t = absl::FromUnixSeconds(1790000000);
  auto results = ingestor_->IngestEvents(
      {{"big1", "a1", "sales_value", 1e308, t}, {"big2", "a1", "sales_value", 1e308, t}});
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].outcome, EventOutcome::kRejected);
  EXPECT_EQ((*results)[1].outcome, EventOutcome::kRejected);
  EXPECT_EQ(*store_->CountEvents(), 0);
}

TEST_F(IngestTest, SameEventTwiceIsADuplicateAndChangedContentIsRejected) {
  Ingest({{2, {"e1", "a1", "csat", "4", "2026-10-05T14:03:00+02:00"}}});
  // The same instant written with another offset is the same content.
  ImportSummary s = Ingest({{2, {"e1", "a1", "csat", "4", "2026-10-05T12:03:00Z"}},
                            {3, {"e1", "a1", "csat", "5", "2026-10-05T12:03:00Z"}}});
  EXPECT_EQ(s.imported, 0);
  EXPECT_EQ(s.duplicates, 1);
  EXPECT_EQ(s.rejected, 1);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].line, 3);
  EXPECT_EQ(s.errors[0].reason, "event_id \"e1\" is already stored with different content");
}

TEST_F(IngestTest, WithAReplacementChangedContentReplacesAndRetractedIdsAreStoredAgain) {
  Ingest({{2, {"e1", "a1", "csat", "4", "2026-10-05T12:03:00Z"}},
          {3, {"e2", "a1", "csat", "4", "2026-10-05T12:03:00Z"}},
          {4, {"e3", "a1", "csat", "4", "2026-10-05T12:03:00Z"}}});
  ASSERT_TRUE(store_->RetractEvents({"e3"}, "ops", "duplicate survey", 1).ok());
  auto columns = ParseEventHeader({"event_id", "agent_id", "metric", "value", "occurred_at"});
  ASSERT_TRUE(columns.ok());
  auto s = ingestor_->IngestCsv(*columns,
                                {{2, {"e1", "a1", "csat", "2", "2026-10-05T12:03:00Z"}},
                                 {3, {"e2", "a1", "csat", "4", "2026-10-05T14:03:00+02:00"}},
                                 {4, {"e3", "a1", "csat", "5", "2026-10-05T12:03:00Z"}},
                                 {5, {"e4", "a1", "csat", "3", "2026-10-05T12:03:00Z"}},
                                 {6, {"e5", "a9", "csat", "3", "2026-10-05T12:03:00Z"}}},
                                EventReplacement{"ops", "re-scored", 2});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->imported, 1);
  EXPECT_EQ(s->replaced, 2);
  EXPECT_EQ(s->duplicates, 1);
  EXPECT_EQ(s->rejected, 1);
  ASSERT_EQ(s->errors.size(), 1u);
  EXPECT_EQ(s->errors[0].line, 6);
  // e1 2 + e2 4 + e3 5 + e4 3.
  auto rows = store_->Aggregate(0, absl::ToUnixMicros(absl::InfiniteFuture()));
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].aggregate.samples, 4);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 14);
}

TEST_F(IngestTest, TypedEventsMayReplaceToo) {
  absl::Time t = absl::FromUnixSeconds(1790000000);
  ASSERT_TRUE(ingestor_->IngestEvents({{"e1", "a1", "csat", 5, t}}).ok());
  auto results =
      ingestor_->IngestEvents({{"e1", "a1", "csat", 3, t}}, EventReplacement{"ops", "typo", 1});
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0].outcome, EventOutcome::kReplaced);
  EXPECT_EQ((*results)[0].error, "");
}

TEST_F(IngestTest, TypedEventsGetOneResultEach) {
  absl::Time t = absl::FromUnixSeconds(1790000000);
  auto results = ingestor_->IngestEvents({{"e1", "a1", "csat", 5, t},
                                          {"e1", "a1", "csat", 5, t},
                                          {"e2", "a1", "nps", 11, t},
                                          {"bad id", "a1", "nps", 1, t}});
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ((*results)[0].outcome, EventOutcome::kStored);
  EXPECT_EQ((*results)[1].outcome, EventOutcome::kDuplicate);
  EXPECT_EQ((*results)[2].outcome, EventOutcome::kRejected);
  EXPECT_EQ((*results)[2].error, "value: 11 is outside the range of nps (0..10)");
  EXPECT_EQ((*results)[3].outcome, EventOutcome::kRejected);
  EXPECT_NE((*results)[3].error.find("event_id: invalid"), std::string::npos);
}

TEST_F(IngestTest, AgentsAreValidatedPerRowAndUpserted) {
  std::vector<std::string> header = {"id",      "display_name", "email", "team",
                                     "channel", "hire_date",    "status"};
  auto s = ImportAgents(
      store_.get(), header,
      {{2, {"a2", "Bo", "bo@example.com", "T", "email", "2025-02-28", "active"}},
       {3, {"a3", "Cy", "cy@example.com", "T", "fax", "2025-02-28", "active"}},
       {4, {"a4", "Di", "di@example.com", "T", "chat", "2025-02-30", "active"}},
       {5, {"a5", "Ed", "not-an-email", "T", "chat", "2025-02-01", "active"}},
       {6, {"a6", "Fi", "fi@example.com", "T", "chat", "2025-02-01", "away"}},
       {7, {"a1", "Ann B", "ann@example.com", "T", "chat", "2024-01-01", "inactive"}},
       {8, {"a7", "Gu", "gu@example.com", "Team\tTabs", "chat", "2025-02-01", "active"}}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->imported, 2);
  EXPECT_EQ(s->rejected, 5);
  EXPECT_EQ(s->errors[0].reason, "channel: \"fax\" is not one of phone, email, chat, social");
  EXPECT_EQ(s->errors[1].reason, "hire_date: \"2025-02-30\" is not a date YYYY-MM-DD");
  EXPECT_EQ(s->errors[2].reason, "email: \"not-an-email\" is not an email address");
  EXPECT_EQ(s->errors[3].reason, "status: \"away\" is not active or inactive");
  EXPECT_EQ(s->errors[4].reason, "team: contains a control character");
  auto a1 = store_->GetAgent("a1");
  EXPECT_EQ((*a1)->display_name, "Ann B");
  EXPECT_FALSE((*a1)->active);
  auto missing = ImportAgents(store_.get(), {"id", "display_name"}, {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(IngestTest, AgentsMayOptOutOfPublicPraise) {
  std::vector<std::string> header = {"id",      "display_name", "email",  "team",
                                     "channel", "hire_date",    "status", "public_praise"};
  auto s = ImportAgents(
      store_.get(), header,
      {{2, {"p1", "Bo", "bo@example.com", "T", "email", "2025-02-28", "active", "no"}},
       {3, {"p2", "Cy", "cy@example.com", "T", "email", "2025-02-28", "active", "yes"}},
       {4, {"p3", "Di", "di@example.com", "T", "email", "2025-02-28", "active", ""}},
       {5, {"p4", "Ed", "ed@example.com", "T", "email", "2025-02-28", "active", "maybe"}}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->imported, 3);
  ASSERT_EQ(s->errors.size(), 1u);
  EXPECT_EQ(s->errors[0].line, 5);
  EXPECT_EQ(s->errors[0].reason, "public_praise: \"maybe\" is not yes or no");
  EXPECT_FALSE((*store_->GetAgent("p1"))->public_praise);
  EXPECT_TRUE((*store_->GetAgent("p2"))->public_praise);
  EXPECT_TRUE((*store_->GetAgent("p3"))->public_praise);  // Empty: the default.
}

TEST_F(IngestTest, AgentsMayHaveALocaleThatIsALanguageTag) {
  std::vector<std::string> header = {"id",      "display_name", "email",  "team",
                                     "channel", "hire_date",    "status", "locale"};
  auto s = ImportAgents(
      store_.get(), header,
      {{2, {"l1", "Bo", "bo@example.com", "T", "email", "2025-02-28", "active", "sv"}},
       {3, {"l2", "Cy", "cy@example.com", "T", "email", "2025-02-28", "active", " pt-BR "}},
       {4, {"l3", "Di", "di@example.com", "T", "email", "2025-02-28", "active", ""}},
       {5, {"l4", "Ed", "ed@example.com", "T", "email", "2025-02-28", "active", "pt_BR"}},
       {6, {"l5", "Fa", "fa@example.com", "T", "email", "2025-02-28", "active", "x-"}}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->imported, 3);
  ASSERT_EQ(s->errors.size(), 2u);
  EXPECT_EQ(s->errors[0].line, 5);
  EXPECT_EQ(s->errors[0].reason,
            "locale: \"pt_BR\" is not a language tag (such as sv, pt-BR or fa)");
  EXPECT_EQ(s->errors[1].line, 6);
  EXPECT_EQ((*store_->GetAgent("l1"))->locale, "sv");
  EXPECT_EQ((*store_->GetAgent("l2"))->locale, "pt-BR");
  EXPECT_EQ((*store_->GetAgent("l3"))->locale, "");
  // Importing again without the column keeps no locale from before: the file is the truth.
  ASSERT_TRUE(
      ImportAgents(store_.get(),
                   {"id", "display_name", "email", "team", "channel", "hire_date", "status"},
                   {{2, {"l1", "Bo", "bo@example.com", "T", "email", "2025-02-28", "active"}}})
          .ok());
  EXPECT_EQ((*store_->GetAgent("l1"))->locale, "");
}

}  // namespace
}  // namespace plaudit

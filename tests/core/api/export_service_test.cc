// The export RPCs in-process: batches and cursors, a resume from any batch's cursor giving exactly
// the rows after it, cursors refused with another dataset or filter, filters a dataset is not
// narrowed by refused by name, and money as decimals in the currency's minor units.
#include "core/api/export_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/api/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::api {
namespace {

using ::testing::HasSubstr;

TEST(DecimalAmountTest, UsesTheCurrencysMinorUnits) {
  EXPECT_EQ(DecimalAmount(25, "EUR"), "25.00");
  EXPECT_EQ(DecimalAmount(12.5, "USD"), "12.50");
  EXPECT_EQ(DecimalAmount(1500, "JPY"), "1500");
  EXPECT_EQ(DecimalAmount(1.25, "KWD"), "1.250");
  // Hours and items have no currency: the shortest exact decimal.
  EXPECT_EQ(DecimalAmount(8, ""), "8");
  EXPECT_EQ(DecimalAmount(2.5, ""), "2.5");
}

class ExportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.listen = "127.0.0.1:0";
    config_.data_dir = dir_.path() + "/data";
    config_.plugin_dir = dir_.path() + "/plugins";
    std::filesystem::create_directories(config_.plugin_dir);
    auto server = PlauditServer::Start(config_, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::ExportService::NewStub(server_->InProcessChannel());
    // Events at few distinct times, so that many share one: the order's later keys break ties.
    std::vector<StoredEvent> events;
    for (int n = 0; n < 25; ++n) {
      events.push_back({absl::StrCat("e", n), absl::StrCat("a", n % 3), n % 2 ? "csat" : "aht",
                        static_cast<double>(n % 4), 1790000000000000 + (n % 5) * 1000000});
    }
    ASSERT_TRUE(server_->store()->InsertEvents(events).ok());
  }

  // Every batch of an events export from `cursor`; the call's status in *status.
  std::vector<v1::ExportEventsBatch> Export(const v1::ExportRequest& request,
                                            grpc::Status* status) {
    grpc::ClientContext ctx;
    auto reader = stub_->ExportEvents(&ctx, request);
    std::vector<v1::ExportEventsBatch> batches;
    v1::ExportEventsBatch batch;
    while (reader->Read(&batch)) batches.push_back(batch);
    *status = reader->Finish();
    return batches;
  }

  // A text column's values: `text` cut at `lengths`, which must cover it exactly.
  static std::vector<std::string> Column(const std::string& text,
                                         const google::protobuf::RepeatedField<uint32_t>& lengths) {
    std::vector<std::string> values;
    size_t at = 0;
    for (const uint32_t length : lengths) {
      values.push_back(text.substr(at, length));
      at += length;
    }
    EXPECT_EQ(at, text.size()) << "the lengths do not cover the column's text";
    return values;
  }

  // A batch's times: the sums of its steps, each after the first not negative.
  static std::vector<int64_t> Times(const v1::ExportEventsBatch& batch) {
    std::vector<int64_t> times;
    int64_t at = 0;
    for (const int64_t step : batch.occurred_at_steps_us()) {
      if (!times.empty()) {
        EXPECT_GE(step, 0) << "a step back in time";
      }
      at += step;
      times.push_back(at);
    }
    return times;
  }

  static std::vector<std::string> Ids(const std::vector<v1::ExportEventsBatch>& batches) {
    std::vector<std::string> ids;
    for (const auto& batch : batches) {
      for (std::string& id : Column(batch.event_ids(), batch.event_id_lengths())) {
        ids.push_back(std::move(id));
      }
    }
    return ids;
  }

  plaudit::testing::TempDir dir_;
  ServerConfig config_;
  RealClock clock_;
  std::unique_ptr<PlauditServer> server_;
  std::unique_ptr<v1::ExportService::Stub> stub_;
};

TEST_F(ExportServiceTest, ResumingFromAnyBatchGivesExactlyTheRowsAfterIt) {
  v1::ExportRequest request;
  request.set_batch_size(4);
  grpc::Status status;
  const auto whole = Export(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(whole.size(), 7u);  // 25 rows, 4 a batch.
  const std::vector<std::string> ids = Ids(whole);
  ASSERT_EQ(ids.size(), 25u);
  for (size_t b = 0; b < whole.size(); ++b) {
    SCOPED_TRACE(absl::StrCat("after batch ", b));
    v1::ExportRequest resume = request;
    resume.set_cursor(whole[b].cursor());
    const auto rest = Export(resume, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const size_t sent = std::min((b + 1) * 4, ids.size());
    const std::vector<std::string> expected(ids.begin() + static_cast<long>(sent), ids.end());
    EXPECT_EQ(Ids(rest), expected);
  }
  // In time order, each batch's columns as long as its rows, naming its own metrics.
  int64_t previous = 0;
  for (const auto& batch : whole) {
    const int rows = batch.event_id_lengths_size();
    const std::vector<int64_t> times = Times(batch);
    ASSERT_EQ(times.size(), static_cast<size_t>(rows));
    ASSERT_EQ(batch.values_size(), rows);
    ASSERT_EQ(batch.agent_id_lengths_size(), rows);
    ASSERT_EQ(batch.metric_index_size(), rows);
    const std::vector<std::string> event_ids = Column(batch.event_ids(), batch.event_id_lengths());
    const std::vector<std::string> agent_ids = Column(batch.agent_ids(), batch.agent_id_lengths());
    for (size_t i = 0; i < static_cast<size_t>(rows); ++i) {
      const int row = static_cast<int>(i);
      EXPECT_GE(times[i], previous);
      previous = times[i];
      ASSERT_LT(batch.metric_index(row), static_cast<uint32_t>(batch.metrics_size()));
      // The agents and metrics as setup stored them: event eN went to a(N % 3), csat when odd.
      const int n = std::stoi(event_ids[i].substr(1));
      EXPECT_EQ(agent_ids[i], absl::StrCat("a", n % 3));
      EXPECT_EQ(batch.metrics(static_cast<int>(batch.metric_index(row))), n % 2 ? "csat" : "aht");
      EXPECT_EQ(batch.values(row), n % 4);
    }
  }
}

// Events spread unevenly over a year (a burst of many in one second, long gaps, a steady stream)
// are read in windows on several threads: every event comes once, in order, and a cursor from any
// batch resumes after it.
TEST_F(ExportServiceTest, EventsSpreadOverAYearComeOnceInOrderAcrossWindows) {
  std::vector<StoredEvent> events;
  const int64_t base = 1790100000000000;
  for (int n = 0; n < 300; ++n) {
    int64_t at = base + int64_t{n} * 3600 * 1000000;         // hourly
    if (n < 120) at = base - 5000000 + n;                    // a burst within microseconds
    if (n >= 280) at = base + int64_t{n} * 86400 * 1000000;  // then daily, far apart
    events.push_back({absl::StrCat("s", n), absl::StrCat("a", n % 7), n % 2 ? "csat" : "aht",
                      static_cast<double>(n % 3), at});
  }
  ASSERT_TRUE(server_->store()->InsertEvents(events).ok());
  v1::ExportRequest request;
  request.mutable_filter()->mutable_from()->set_seconds((base - 10000000) / 1000000);
  request.set_batch_size(16);
  grpc::Status status;
  const auto whole = Export(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<std::string> ids = Ids(whole);
  ASSERT_EQ(ids.size(), 300u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 300u);
  std::vector<std::pair<int64_t, std::string>> order;
  for (const auto& batch : whole) {
    const std::vector<std::string> agent_ids = Column(batch.agent_ids(), batch.agent_id_lengths());
    const std::vector<int64_t> times = Times(batch);
    ASSERT_EQ(agent_ids.size(), times.size());
    for (size_t i = 0; i < agent_ids.size(); ++i) order.emplace_back(times[i], agent_ids[i]);
  }
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  // Each row at the time stored for its event (the steps add up across gaps of days and bursts
  // of microseconds alike).
  ASSERT_EQ(order.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(order[i].first,
              events[static_cast<size_t>(std::stoi(ids[i].substr(1)))].occurred_at_us)
        << ids[i];
  }
  size_t sent = 0;
  for (size_t b = 0; b < whole.size(); ++b) {
    sent += static_cast<size_t>(whole[b].event_id_lengths_size());
    v1::ExportRequest resume = request;
    resume.set_cursor(whole[b].cursor());
    const auto rest = Export(resume, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(Ids(rest), std::vector<std::string>(ids.begin() + static_cast<long>(sent), ids.end()))
        << "after batch " << b;
  }
}

TEST_F(ExportServiceTest, EventsWithLongIdsEndABatchEarlyUnderTheMessageLimit) {
  std::vector<StoredEvent> events;
  for (int n = 0; n < 30; ++n) {
    events.push_back(
        {absl::StrCat("long", n, std::string(100000, 'x')), "a1", "csat", 1, 1790000100000000 + n});
  }
  ASSERT_TRUE(server_->store()->InsertEvents(events).ok());
  v1::ExportRequest request;
  request.set_batch_size(10000);
  grpc::Status status;
  const auto batches = Export(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Ids(batches).size(), 55u);
  ASSERT_GE(batches.size(), 2u);
  for (const auto& batch : batches) EXPECT_LT(batch.ByteSizeLong(), 3u << 20);
}

TEST_F(ExportServiceTest, ACursorResumesOnlyTheExportItCameFrom) {
  v1::ExportRequest request;
  request.set_batch_size(4);
  grpc::Status status;
  const auto batches = Export(request, &status);
  ASSERT_TRUE(status.ok());
  const std::string cursor = batches[0].cursor();

  v1::ExportRequest other_filter = request;
  other_filter.mutable_filter()->set_agent_id("a1");
  other_filter.set_cursor(cursor);
  Export(other_filter, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("cursor: from an export with another filter"));

  v1::ExportRequest agents;
  agents.set_cursor(cursor);
  grpc::ClientContext ctx;
  auto reader = stub_->ExportAgents(&ctx, agents);
  v1::ExportAgentsBatch batch;
  while (reader->Read(&batch)) {
  }
  status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("cursor: from an export of events, not of agents"));

  v1::ExportRequest garbled = request;
  garbled.set_cursor("not-a-cursor");
  Export(garbled, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("is not a cursor of an export"));
}

TEST_F(ExportServiceTest, RefusesWhatADatasetIsNotNarrowedByAndBadSizes) {
  grpc::Status status;
  v1::ExportRequest big;
  big.set_batch_size(10001);
  Export(big, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("batch_size: 10001 is not between 1 and 10000"));

  v1::ExportRequest backwards;
  backwards.mutable_filter()->mutable_from()->set_seconds(1790000004);
  backwards.mutable_filter()->mutable_to()->set_seconds(1790000001);
  Export(backwards, &status);
  EXPECT_THAT(status.error_message(), HasSubstr("to: must be after from"));

  v1::ExportRequest period_only;
  period_only.mutable_filter()->set_period("2026-10");
  Export(period_only, &status);
  EXPECT_THAT(status.error_message(), HasSubstr("period: needs program_id"));

  v1::ExportRequest audit_by_team;
  audit_by_team.mutable_filter()->set_team("Sales");
  grpc::ClientContext ctx;
  auto reader = stub_->ExportAudit(&ctx, audit_by_team);
  v1::ExportAuditBatch batch;
  while (reader->Read(&batch)) {
  }
  status = reader->Finish();
  EXPECT_THAT(status.error_message(), HasSubstr("team: the audit export is not narrowed by team"));

  // A time range keeps the rows within it.
  v1::ExportRequest window;
  window.mutable_filter()->mutable_from()->set_seconds(1790000001);
  window.mutable_filter()->mutable_to()->set_seconds(1790000003);
  const auto rows = Export(window, &status);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(Ids(rows).size(), 10u);  // Times 1 and 2: five events each.
}

TEST_F(ExportServiceTest, ABatchOfLargeRowsEndsEarlyUnderTheMessageLimit) {
  std::vector<Agent> agents;
  for (int n = 0; n < 3000; ++n) {
    Agent a;
    a.id = absl::StrCat("agent-", 10000 + n);
    a.display_name = std::string(1000, 'x');
    a.email = absl::StrCat(a.id, "@example.com");
    a.team = "Team";
    a.hire_date = absl::CivilDay(2024, 1, 1);
    agents.push_back(a);
  }
  ASSERT_TRUE(server_->store()->UpsertAgents(agents).ok());
  v1::ExportRequest request;
  request.set_batch_size(10000);
  grpc::ClientContext ctx;
  auto reader = stub_->ExportAgents(&ctx, request);
  std::vector<std::string> ids;
  int batches = 0;
  v1::ExportAgentsBatch batch;
  while (reader->Read(&batch)) {
    ++batches;
    // Two MiB of rows, the cursor and one row more at most.
    EXPECT_LE(batch.ByteSizeLong(), size_t{(2 << 20) + 2000});
    for (const auto& row : batch.rows()) ids.push_back(row.agent_id());
  }
  const grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GE(batches, 2);
  ASSERT_EQ(ids.size(), 3000u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

}  // namespace
}  // namespace plaudit::api

// What plauditd refuses and how: requests past a size limit, requests that do not parse, idle
// import streams, and a full disk. Against an in-process server over loopback.
#include "core/api/request_limits.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/api/server.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::api {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::CsvRow Row(int64_t line, std::vector<std::string> fields) {
  v1::CsvRow row;
  row.set_line(line);
  for (auto& f : fields) row.add_fields(std::move(f));
  return row;
}

v1::ImportAgentsRequest AgentsRequest(int count, size_t name_bytes = 10) {
  v1::ImportAgentsRequest req;
  for (const char* h : {"id", "display_name", "email", "team", "channel", "hire_date", "status"}) {
    req.add_header(h);
  }
  for (int i = 1; i <= count; ++i) {
    const std::string id = absl::StrCat("a", i);
    *req.add_rows() = Row(i + 1, {id, std::string(name_bytes, 'n'), id + "@example.com", "Chat",
                                  "chat", "2024-03-01", "active"});
  }
  return req;
}

class RequestLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.listen = "127.0.0.1:0";
    config_.data_dir = dir_.path() + "/data";
    // No plugins: these tests are about the API's edges.
    config_.plugin_dir = dir_.path() + "/plugins";
    std::filesystem::create_directories(config_.plugin_dir);
    Configure(&config_);
    Restart();
  }

  // Stops the server if it runs and starts it again on the same data.
  void Restart() {
    server_.reset();
    auto server = PlauditServer::Start(config_, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    agents_ = v1::AgentService::NewStub(channel_);
    metrics_ = v1::MetricService::NewStub(channel_);
    programs_ = v1::ProgramService::NewStub(channel_);
  }

  virtual void Configure(ServerConfig*) {}

  grpc::Status ImportAgents(const v1::ImportAgentsRequest& req,
                            v1::ImportAgentsResponse* resp = nullptr) {
    v1::ImportAgentsResponse ignored;
    grpc::ClientContext ctx;
    return agents_->ImportAgents(&ctx, req, resp ? resp : &ignored);
  }

  plaudit::testing::TempDir dir_;
  ServerConfig config_;
  RealClock clock_;
  std::unique_ptr<PlauditServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentService::Stub> agents_;
  std::unique_ptr<v1::MetricService::Stub> metrics_;
  std::unique_ptr<v1::ProgramService::Stub> programs_;
};

TEST_F(RequestLimitsTest, ARequestLargerThanFourMebibytesIsRefusedNamingTheLimit) {
  // 500 rows of 10 KB names: about 5 MB, under the row limit.
  grpc::Status status = ImportAgents(AgentsRequest(500, 10000));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // gRPC refuses it before it is parsed, naming both sizes:
  // "Received message larger than max (5032217 vs. 4194304)".
  EXPECT_THAT(status.error_message(), HasSubstr("vs. 4194304)"));
  grpc::ClientContext ctx;
  v1::ListAgentsResponse listed;
  ASSERT_TRUE(agents_->ListAgents(&ctx, v1::ListAgentsRequest(), &listed).ok());
  EXPECT_EQ(listed.agents_size(), 0);
}

TEST_F(RequestLimitsTest, MoreThanTenThousandAgentsInOneRequestAreRefusedNamingTheLimit) {
  grpc::Status status = ImportAgents(AgentsRequest(10001));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(),
            "rows: the request has 10001 rows; the limit is 10000 per request: import agents in "
            "chunks (plaudit agents import sends them so)");
  v1::ImportAgentsResponse resp;
  ASSERT_TRUE(ImportAgents(AgentsRequest(10000), &resp).ok());
  EXPECT_EQ(resp.imported(), 10000);
}

TEST_F(RequestLimitsTest, MoreThanTenThousandEventsInOneBatchAreRefusedNamingTheLimit) {
  v1::BatchCreateEventsRequest batch;
  for (int i = 0; i < 10001; ++i) batch.add_events()->set_event_id(absl::StrCat("e", i));
  grpc::ClientContext ctx;
  v1::BatchCreateEventsResponse out;
  grpc::Status status = metrics_->BatchCreateEvents(&ctx, batch, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(),
            "events: the batch has 10001 events; the limit is 10000 per batch: send several "
            "batches, or stream them with StreamEvents");
}

TEST_F(RequestLimitsTest, ProgramYamlOverOneMebibyteIsRefusedBySimulateAsByApply) {
  std::string yaml = "id: big\n# " + std::string(kMaxProgramYamlBytes, 'x') + "\n";
  {
    grpc::ClientContext ctx;
    v1::SimulateProgramRequest simulate;
    simulate.set_yaml(yaml);
    simulate.set_period("2026-10");
    v1::SimulateProgramResponse out;
    grpc::Status status = programs_->SimulateProgram(&ctx, simulate, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(status.error_message(),
              "yaml: the program is 1048587 bytes; the limit is 1 MiB (1048576 bytes)");
  }
  {
    grpc::ClientContext ctx;
    v1::ApplyProgramRequest apply;
    apply.set_yaml(yaml);
    v1::Program out;
    grpc::Status status = programs_->ApplyProgram(&ctx, apply, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(status.error_message(),
              "yaml: the program is 1048587 bytes; the limit is 1 MiB (1048576 bytes)");
  }
}

// Threads of this process, from /proc/self/status.
int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

v1::ImportEventsRequest EventsHeader(int64_t seq = 0) {
  v1::ImportEventsRequest req;
  for (const char* h : {"event_id", "agent_id", "metric", "value", "occurred_at"}) {
    req.add_header(h);
  }
  req.set_chunk_seq(seq);
  return req;
}

v1::CsvRow Event(int64_t line, const std::string& id, const std::string& value = "4") {
  return Row(line, {id, "a1", "csat", value, "2026-10-05T14:03:00Z"});
}

TEST_F(RequestLimitsTest, StreamEventsAcknowledgesEachMessageOnceCommitted) {
  ASSERT_TRUE(ImportAgents(AgentsRequest(1)).ok());
  grpc::ClientContext ctx;
  auto stream = metrics_->StreamEvents(&ctx);
  v1::ImportEventsProgress ack;

  ASSERT_TRUE(stream->Write(EventsHeader(1)));
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.chunk_seq(), 1);
  EXPECT_EQ(ack.imported(), 0);

  v1::ImportEventsRequest second;
  second.set_chunk_seq(2);
  *second.add_rows() = Event(2, "e1");
  *second.add_rows() = Event(3, "e2");
  *second.add_rows() = Event(4, "e3", "nine");
  ASSERT_TRUE(stream->Write(second));
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.chunk_seq(), 2);
  EXPECT_EQ(ack.imported(), 2);
  EXPECT_EQ(ack.duplicates(), 0);
  EXPECT_EQ(ack.rejected(), 1);
  ASSERT_EQ(ack.errors_size(), 1);
  EXPECT_EQ(ack.errors(0).line(), 4);
  // Acknowledged means committed: another connection already sees the events.
  {
    grpc::ClientContext summary_ctx;
    v1::SummarizeMetricsRequest summary;
    summary.set_period("2026-10");
    v1::SummarizeMetricsResponse summarized;
    ASSERT_TRUE(metrics_->SummarizeMetrics(&summary_ctx, summary, &summarized).ok());
    ASSERT_EQ(summarized.rows_size(), 1);
    EXPECT_EQ(summarized.rows(0).samples(), 2);
  }

  v1::ImportEventsRequest third;
  third.set_chunk_seq(3);
  *third.add_rows() = Event(5, "e2");
  *third.add_rows() = Event(6, "e4");
  ASSERT_TRUE(stream->Write(third));
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.chunk_seq(), 3);
  EXPECT_EQ(ack.imported(), 1);
  EXPECT_EQ(ack.duplicates(), 1);
  EXPECT_EQ(ack.rejected(), 0);

  ASSERT_TRUE(stream->WritesDone());
  EXPECT_FALSE(stream->Read(&ack));
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(RequestLimitsTest, StreamEventsWithoutAHeaderIsInvalidArgument) {
  grpc::ClientContext ctx;
  auto stream = metrics_->StreamEvents(&ctx);
  v1::ImportEventsRequest rows;
  *rows.add_rows() = Event(2, "e1");
  stream->Write(rows);
  stream->WritesDone();
  v1::ImportEventsProgress ack;
  EXPECT_FALSE(stream->Read(&ack));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "header: the first message must carry the CSV header");
}

TEST_F(RequestLimitsTest, TwoHundredOpenStreamsOfEachKindDoNotCostAThreadEach) {
  // Warm up: one finished stream starts whatever threads gRPC and the workers use at all.
  {
    grpc::ClientContext ctx;
    auto stream = metrics_->StreamEvents(&ctx);
    v1::ImportEventsProgress ack;
    ASSERT_TRUE(stream->Write(EventsHeader()));
    ASSERT_TRUE(stream->Read(&ack));
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }
  const int before = ThreadCount();
  ASSERT_GT(before, 0);
  constexpr int kStreams = 200;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientWriter<v1::ImportEventsRequest>>> imports;
  std::vector<v1::ImportEventsResponse> summaries(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    imports.push_back(metrics_->ImportEvents(contexts.back().get(), &summaries[i]));
    ASSERT_TRUE(imports.back()->Write(EventsHeader()));
  }
  std::vector<
      std::unique_ptr<grpc::ClientReaderWriter<v1::ImportEventsRequest, v1::ImportEventsProgress>>>
      streams;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    streams.push_back(metrics_->StreamEvents(contexts.back().get()));
    ASSERT_TRUE(streams.back()->Write(EventsHeader(i)));
  }
  // Each StreamEvents header is acknowledged: the server holds all of those open, waiting, and
  // the ImportEvents streams, opened before them on the same connection, too.
  for (int i = 0; i < kStreams; ++i) {
    v1::ImportEventsProgress ack;
    ASSERT_TRUE(streams[i]->Read(&ack)) << "stream " << i;
    EXPECT_EQ(ack.chunk_seq(), i);
  }
  const int during = ThreadCount();
  EXPECT_LT(during - before, 20) << before << " threads before, " << during << " with "
                                 << 2 * kStreams << " open streams";
  for (auto& stream : streams) {
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }
  for (auto& import : imports) {
    import->WritesDone();
    EXPECT_TRUE(import->Finish().ok());
  }
}

TEST_F(RequestLimitsTest, ARequestThatDoesNotParseIsInvalidArgument) {
  grpc::GenericStub generic(channel_);
  // A field-1 tag whose varint never ends: no message parses from it.
  const std::string garbage("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/plaudit.v1.AgentService/GetAgent", grpc::StubOptions(), &request,
                    &response, [&done](grpc::Status s) { done.set_value(s); });
  grpc::Status status = done.get_future().get();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "request: not a valid request message for /plaudit.v1.AgentService/GetAgent (it does "
            "not parse)");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  google::rpc::BadRequest bad_request;
  ASSERT_EQ(details.details_size(), 1);
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "request");
}

TEST_F(RequestLimitsTest, AStreamedMessageThatDoesNotParseIsInvalidArgumentNotTheEnd) {
  ASSERT_TRUE(ImportAgents(AgentsRequest(1)).ok());
  grpc::ClientContext ctx;
  auto stream =
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel_.get(),
          grpc::internal::RpcMethod("/plaudit.v1.MetricService/ImportEvents",
                                    grpc::internal::RpcMethod::CLIENT_STREAMING),
          &ctx);
  v1::ImportEventsRequest first = EventsHeader();
  *first.add_rows() = Event(2, "e1");
  grpc::Slice valid(first.SerializeAsString());
  grpc::ByteBuffer valid_message(&valid, 1);
  ASSERT_TRUE(stream->Write(valid_message));
  grpc::Slice garbage(std::string("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11));
  grpc::ByteBuffer garbage_message(&garbage, 1);
  stream->Write(garbage_message);
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "message 2 of the stream is not an ImportEventsRequest (it does not parse)");
}

class ShortIdleTimeoutTest : public RequestLimitsTest {
 protected:
  void Configure(ServerConfig* config) override {
    config->stream_idle_timeout = absl::Milliseconds(300);
  }
};

TEST_F(ShortIdleTimeoutTest, AnIdleImportStreamIsEndedAfterTheTimeout) {
  grpc::ClientContext ctx;
  v1::ImportEventsResponse summary;
  auto writer = metrics_->ImportEvents(&ctx, &summary);
  const absl::Time opened = absl::Now();
  ASSERT_TRUE(writer->Write(EventsHeader()));
  // Finish waits for the server's answer, which comes only when it gives up on the stream.
  grpc::Status status = writer->Finish();
  EXPECT_GE(absl::Now() - opened, absl::Milliseconds(300));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(status.error_message(),
            "the stream was idle for 0.3 s (stream_idle_timeout_ms): send messages more often, "
            "or close the stream when done");
}

TEST_F(ShortIdleTimeoutTest, AnIdleStreamEventsIsEndedAfterTheTimeoutButAnActiveOneIsNot) {
  ASSERT_TRUE(ImportAgents(AgentsRequest(1)).ok());
  grpc::ClientContext idle_ctx;
  auto idle = metrics_->StreamEvents(&idle_ctx);
  grpc::ClientContext active_ctx;
  auto active = metrics_->StreamEvents(&active_ctx);
  v1::ImportEventsProgress ack;
  ASSERT_TRUE(idle->Write(EventsHeader()));
  ASSERT_TRUE(idle->Read(&ack));
  ASSERT_TRUE(active->Write(EventsHeader()));
  ASSERT_TRUE(active->Read(&ack));
  // The active stream sends a message every 100 ms, for 600 ms in all: twice the timeout.
  for (int i = 0; i < 6; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    v1::ImportEventsRequest message;
    *message.add_rows() = Event(i + 2, absl::StrCat("e", i));
    ASSERT_TRUE(active->Write(message)) << "message " << i;
    ASSERT_TRUE(active->Read(&ack)) << "message " << i;
    EXPECT_EQ(ack.imported(), 1);
  }
  active->WritesDone();
  EXPECT_TRUE(active->Finish().ok());
  EXPECT_FALSE(idle->Read(&ack));
  grpc::Status status = idle->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("idle for 0.3 s"));
}

// Run by SQLite for every connection opened while registered: the database may not grow past the
// pages it has (SQLite raises a smaller max_page_count to the current size), so the next write
// that needs a new page fails as on a full disk.
int CapDatabaseAtItsSize(sqlite3* db, const char**, const sqlite3_api_routines*) {
  return sqlite3_exec(db, "PRAGMA max_page_count = 1", nullptr, nullptr, nullptr);
}

TEST_F(RequestLimitsTest, AFullDiskIsResourceExhaustedNotInternal) {
  server_.reset();
  ASSERT_EQ(sqlite3_auto_extension(reinterpret_cast<void (*)()>(CapDatabaseAtItsSize)), SQLITE_OK);
  Restart();
  ASSERT_EQ(sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(CapDatabaseAtItsSize)), 1);
  grpc::Status status = ImportAgents(AgentsRequest(5000));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), StartsWith("store: disk full ("));
  // Nothing of the refused request is stored, and the server still answers.
  grpc::ClientContext ctx;
  v1::ListAgentsResponse listed;
  ASSERT_TRUE(agents_->ListAgents(&ctx, v1::ListAgentsRequest(), &listed).ok());
  EXPECT_EQ(listed.agents_size(), 0);
}

}  // namespace
}  // namespace plaudit::api

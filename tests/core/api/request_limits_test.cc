// What plauditd refuses and how: requests past a size limit, requests that do not parse, idle
// import streams, and a full disk. Against an in-process server over loopback.
#include "core/api/request_limits.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>
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

// The audit trail through plauditd's API: records appended in-process, listed page by page and
// verified over gRPC, before and after the database is tampered with while plauditd is stopped.
#include "core/api/audit_service.h"

#include <grpcpp/grpcpp.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/api/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::api {
namespace {

using ::testing::HasSubstr;

AuditEntry Entry(int n, const std::string& subject) {
  AuditEntry e;
  e.time = absl::FromUnixSeconds(1790000000 + n);
  e.subject = subject;
  e.roles = {"admin"};
  e.method = "plaudit.v1.AwardService/ApproveAward";
  e.resource = absl::StrCat("awards/", n);
  e.outcome = "OK";
  e.request_id = absl::StrCat("req-", n);
  return e;
}

class AuditServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.listen = "127.0.0.1:0";
    config_.data_dir = dir_.path() + "/data";
    config_.plugin_dir = dir_.path() + "/plugins";
    std::filesystem::create_directories(config_.plugin_dir);
    Start();
  }

  void Start() {
    auto server = PlauditServer::Start(config_, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    audit_ = v1::AuditService::NewStub(channel_);
  }

  void AppendRecords(int count) {
    for (int n = 1; n <= count; ++n) {
      ASSERT_TRUE(server_->audit()->Append(Entry(n, n % 2 == 0 ? "bob" : "alice")).ok());
    }
  }

  v1::AuditVerdict Verify() {
    grpc::ClientContext ctx;
    v1::AuditVerdict verdict;
    grpc::Status status = audit_->VerifyAudit(&ctx, v1::VerifyAuditRequest(), &verdict);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return verdict;
  }

  grpc::Status List(const v1::ListAuditRecordsRequest& request,
                    v1::ListAuditRecordsResponse* response) {
    grpc::ClientContext ctx;
    return audit_->ListAuditRecords(&ctx, request, response);
  }

  // Stops plauditd, runs `sql` on its database file, and starts it again.
  void TamperWhileStopped(const std::string& sql) {
    server_.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((config_.data_dir + "/plaudit.db").c_str(), &db), SQLITE_OK);
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
    Start();
  }

  plaudit::testing::TempDir dir_;
  ServerConfig config_;
  RealClock clock_;
  std::unique_ptr<PlauditServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

TEST_F(AuditServiceTest, AFreshServerHasAnIntactEmptyTrail) {
  v1::AuditVerdict verdict = Verify();
  EXPECT_TRUE(verdict.intact());
  EXPECT_EQ(verdict.summary(), "0 records, chain intact, checkpoint at seq 0");
  EXPECT_TRUE(std::filesystem::exists(config_.data_dir + "/audit.key"));
  EXPECT_TRUE(std::filesystem::exists(config_.data_dir + "/audit.checkpoint"));
}

TEST_F(AuditServiceTest, RecordsAreListedPageByPageWithEveryField) {
  AppendRecords(5);
  v1::ListAuditRecordsRequest request;
  request.set_page_size(2);
  std::vector<int64_t> seqs;
  for (int pages = 0; pages < 10; ++pages) {
    v1::ListAuditRecordsResponse response;
    ASSERT_TRUE(List(request, &response).ok());
    for (const v1::AuditRecord& r : response.records()) seqs.push_back(r.seq());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2, 3, 4, 5}));

  v1::ListAuditRecordsResponse first;
  ASSERT_TRUE(List(v1::ListAuditRecordsRequest(), &first).ok());
  ASSERT_EQ(first.records_size(), 5);
  const v1::AuditRecord& r = first.records(0);
  EXPECT_EQ(r.time().seconds(), 1790000001);
  EXPECT_EQ(r.subject(), "alice");
  ASSERT_EQ(r.roles_size(), 1);
  EXPECT_EQ(r.roles(0), "admin");
  EXPECT_EQ(r.method(), "plaudit.v1.AwardService/ApproveAward");
  EXPECT_EQ(r.resource(), "awards/1");
  EXPECT_EQ(r.outcome(), "OK");
  EXPECT_EQ(r.request_id(), "req-1");
  EXPECT_EQ(r.mac().size(), 64u);
  EXPECT_TRUE(first.next_page_token().empty());
}

TEST_F(AuditServiceTest, ListFiltersBySubjectAndSince) {
  AppendRecords(6);
  v1::ListAuditRecordsRequest request;
  request.set_subject("bob");
  request.mutable_since()->set_seconds(1790000003);
  v1::ListAuditRecordsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  ASSERT_EQ(response.records_size(), 2);
  EXPECT_EQ(response.records(0).seq(), 4);
  EXPECT_EQ(response.records(1).seq(), 6);
}

TEST_F(AuditServiceTest, ABadPageTokenIsRefused) {
  v1::ListAuditRecordsRequest request;
  request.set_page_token("x");
  v1::ListAuditRecordsResponse response;
  grpc::Status status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "page_token: not a token returned by this list");
}

TEST_F(AuditServiceTest, RecordsSurviveARestartAndAnEditWhileStoppedIsNamed) {
  AppendRecords(4);
  EXPECT_EQ(Verify().summary(), "4 records, chain intact, checkpoint at seq 4");
  TamperWhileStopped("UPDATE audit_log SET subject = 'carol' WHERE seq = 2");
  v1::ListAuditRecordsResponse listed;
  ASSERT_TRUE(List(v1::ListAuditRecordsRequest(), &listed).ok());
  EXPECT_EQ(listed.records_size(), 4);
  v1::AuditVerdict verdict = Verify();
  EXPECT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.problem(), "record 2 was edited");
  EXPECT_EQ(verdict.summary(), "record 2 was edited");
  EXPECT_EQ(verdict.first_bad_seq(), 2);
}

TEST_F(AuditServiceTest, TruncationWhileStoppedIsNamedAgainstTheCheckpoint) {
  AppendRecords(4);
  TamperWhileStopped("DELETE FROM audit_log WHERE seq = 4");
  EXPECT_EQ(Verify().problem(), "the last record is missing (truncated; checkpoint at seq 4)");
}

TEST_F(AuditServiceTest, TheKeyAndCheckpointGoWhereTheConfigSays) {
  server_.reset();
  config_.audit_key_file = dir_.path() + "/secrets-audit.key";
  config_.audit_checkpoint_file = dir_.path() + "/secrets-audit.checkpoint";
  config_.data_dir = dir_.path() + "/other-data";
  Start();
  AppendRecords(1);
  EXPECT_TRUE(std::filesystem::exists(config_.audit_key_file));
  EXPECT_TRUE(std::filesystem::exists(config_.audit_checkpoint_file));
  EXPECT_FALSE(std::filesystem::exists(config_.data_dir + "/audit.key"));
  EXPECT_TRUE(Verify().intact());
}

TEST_F(AuditServiceTest, AKeyFileOthersCanReadStopsTheStart) {
  server_.reset();
  const std::string key = config_.data_dir + "/audit.key";
  ASSERT_EQ(chmod(key.c_str(), 0640), 0);
  auto server = PlauditServer::Start(config_, &clock_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(), HasSubstr(key + " has mode 0640"));
}

}  // namespace
}  // namespace plaudit::api

// The audit trail against real SQLite files: what it keeps, and how Verify names each kind of
// tampering done to the database with plauditd's store closed.
#include "core/store/audit_trail.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

using ::testing::HasSubstr;

AuditEntry Entry(int n, const std::string& subject = "alice") {
  AuditEntry e;
  e.time = absl::FromUnixSeconds(1790000000 + n);
  e.subject = subject;
  e.roles = {"admin", "manager"};
  e.method = "plaudit.v1.AwardService/ApproveAward";
  e.resource = absl::StrCat("awards/", n);
  e.outcome = "OK";
  e.request_id = absl::StrCat("req-", n);
  return e;
}

class AuditTrailTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    auto store = Store::Open(db_, testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto trail = AuditTrail::Open(store_.get(), key_, checkpoint_);
    ASSERT_TRUE(trail.ok()) << trail.status();
    trail_ = *std::move(trail);
  }

  void Close() {
    trail_.reset();
    store_.reset();
  }

  void AppendRecords(int count) {
    for (int n = 1; n <= count; ++n) ASSERT_TRUE(trail_->Append(Entry(n)).ok());
  }

  // Runs `sql` on the database file directly, as someone with access to the disk could.
  void Tamper(const std::string& sql) {
    Close();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
    Open();
  }

  // Swaps everything but the seq of two records, or only their content (keeping the MACs).
  void Swap(int a, int b, bool with_macs) {
    const std::string columns =
        absl::StrCat("time_us, subject, roles, method, resource, outcome, request_id, detail",
                     with_macs ? ", mac" : "");
    Tamper(absl::StrCat("CREATE TEMP TABLE a AS SELECT * FROM audit_log WHERE seq = ", a,
                        "; CREATE TEMP TABLE b AS SELECT * FROM audit_log WHERE seq = ", b,
                        "; UPDATE audit_log SET (", columns, ") = (SELECT ", columns,
                        " FROM b) WHERE seq = ", a, "; UPDATE audit_log SET (", columns,
                        ") = (SELECT ", columns, " FROM a) WHERE seq = ", b, ";"));
  }

  plaudit::testing::TempDir dir_;
  const std::string db_ = dir_.File("plaudit.db");
  const std::string key_ = dir_.File("audit.key");
  const std::string checkpoint_ = dir_.File("audit.checkpoint");
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditTrail> trail_;
};

TEST_F(AuditTrailTest, AnEmptyTrailIsIntact) {
  AuditVerdict verdict = trail_->Verify();
  EXPECT_TRUE(verdict.intact);
  EXPECT_EQ(verdict.Summary(), "0 records, chain intact, checkpoint at seq 0");
}

TEST_F(AuditTrailTest, AppendedRecordsVerifyIntactUpToTheCheckpoint) {
  AppendRecords(5);
  AuditVerdict verdict = trail_->Verify();
  EXPECT_TRUE(verdict.intact) << verdict.problem;
  EXPECT_EQ(verdict.records, 5);
  EXPECT_EQ(verdict.checkpoint_seq, 5);
  EXPECT_EQ(verdict.first_bad_seq, 0);
  EXPECT_EQ(verdict.Summary(), "5 records, chain intact, checkpoint at seq 5");
}

TEST_F(AuditTrailTest, RecordsSurviveReopeningWithEveryField) {
  AuditEntry entry = Entry(1);
  entry.time = absl::FromUnixMicros(1790000000123456);
  entry.outcome = "PERMISSION_DENIED: needs admin";
  entry.detail = "code shown";
  ASSERT_TRUE(trail_->Append(entry).ok());
  Close();
  Open();
  auto records = trail_->List(AuditFilter());
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  const AuditRecord& r = records->front();
  EXPECT_EQ(r.seq, 1);
  EXPECT_EQ(r.time, entry.time);
  EXPECT_EQ(r.subject, "alice");
  EXPECT_EQ(r.roles, (std::vector<std::string>{"admin", "manager"}));
  EXPECT_EQ(r.method, "plaudit.v1.AwardService/ApproveAward");
  EXPECT_EQ(r.resource, "awards/1");
  EXPECT_EQ(r.outcome, "PERMISSION_DENIED: needs admin");
  EXPECT_EQ(r.request_id, "req-1");
  EXPECT_EQ(r.detail, "code shown");
  EXPECT_EQ(r.mac_hex.size(), 64u);
  EXPECT_TRUE(trail_->Verify().intact);
}

TEST_F(AuditTrailTest, ARoleThatWouldNotReadBackIsRefused) {
  AuditEntry entry = Entry(1);
  entry.roles = {"admin", ""};
  EXPECT_EQ(trail_->Append(entry).code(), absl::StatusCode::kInvalidArgument);
  entry.roles = {"admin\x1fmanager"};
  EXPECT_EQ(trail_->Append(entry).message(), "roles: \"admin\\x1fmanager\" is not a role name");
  entry.roles = {};
  ASSERT_TRUE(trail_->Append(entry).ok());
  EXPECT_EQ(trail_->Verify().Summary(), "1 record, chain intact, checkpoint at seq 1");
}

TEST_F(AuditTrailTest, ListFiltersBySubjectSinceAndPagesAfterASeq) {
  for (int n = 1; n <= 6; ++n) {
    ASSERT_TRUE(trail_->Append(Entry(n, n % 2 == 0 ? "bob" : "alice")).ok());
  }
  AuditFilter bob;
  bob.subject = "bob";
  auto records = trail_->List(bob);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].seq, 2);
  EXPECT_EQ((*records)[2].seq, 6);

  AuditFilter page;
  page.since = Entry(3).time;
  page.after_seq = 3;
  page.limit = 2;
  records = trail_->List(page);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].seq, 4);
  EXPECT_EQ((*records)[1].seq, 5);
}

TEST_F(AuditTrailTest, ConcurrentAppendsFormOneChain) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int n = 0; n < 10; ++n) EXPECT_TRUE(trail_->Append(Entry(t * 10 + n)).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  AuditVerdict verdict = trail_->Verify();
  EXPECT_TRUE(verdict.intact) << verdict.problem;
  EXPECT_EQ(verdict.Summary(), "40 records, chain intact, checkpoint at seq 40");
}

TEST_F(AuditTrailTest, VerifyingWhileRecordsAreAppendedFindsThemIntact) {
  std::thread appender([this] {
    for (int n = 1; n <= 50; ++n) EXPECT_TRUE(trail_->Append(Entry(n)).ok());
  });
  for (int i = 0; i < 50; ++i) {
    AuditVerdict verdict = trail_->Verify();
    EXPECT_TRUE(verdict.intact) << verdict.problem;
  }
  appender.join();
  EXPECT_EQ(trail_->Verify().Summary(), "50 records, chain intact, checkpoint at seq 50");
}

TEST_F(AuditTrailTest, AnEditedFieldIsNamedAsAnEdit) {
  AppendRecords(5);
  Tamper("UPDATE audit_log SET outcome = 'PERMISSION_DENIED' WHERE seq = 3");
  AuditVerdict verdict = trail_->Verify();
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "record 3 was edited");
  EXPECT_EQ(verdict.first_bad_seq, 3);
}

TEST_F(AuditTrailTest, AnEditedLastRecordIsNamedThroughTheCheckpoint) {
  AppendRecords(5);
  Tamper("UPDATE audit_log SET roles = 'admin' WHERE seq = 5");
  EXPECT_EQ(trail_->Verify().problem, "record 5 was edited");
}

TEST_F(AuditTrailTest, ADeletedRecordIsNamedAsMissing) {
  AppendRecords(5);
  Tamper("DELETE FROM audit_log WHERE seq = 3");
  AuditVerdict verdict = trail_->Verify();
  EXPECT_EQ(verdict.problem, "record 3 is missing (deleted)");
  EXPECT_EQ(verdict.first_bad_seq, 3);
  EXPECT_EQ(verdict.records, 4);
}

TEST_F(AuditTrailTest, SeveralDeletedRecordsAreNamedAsARange) {
  AppendRecords(6);
  Tamper("DELETE FROM audit_log WHERE seq IN (2, 3, 4)");
  EXPECT_EQ(trail_->Verify().problem, "records 2 to 4 are missing (deleted)");
}

TEST_F(AuditTrailTest, AForgedRecordInsertedInTheMiddleIsNamed) {
  AppendRecords(5);
  // Room made at seq 3 by renumbering the records after it, then a record with a made-up MAC.
  Tamper(
      "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 3;"
      "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000;"
      "INSERT INTO audit_log VALUES (3, 1790000003000000, 'mallory', 'admin', "
      "'plaudit.v1.AwardService/ApproveAward', 'awards/77', 'OK', 'req-x', '', '" +
      std::string(64, 'a') + "');");
  AuditVerdict verdict = trail_->Verify();
  EXPECT_EQ(verdict.problem, "a record was inserted at seq 3, before the record now at 4");
  EXPECT_EQ(verdict.first_bad_seq, 3);
}

TEST_F(AuditTrailTest, AForgedRecordAddedAtTheEndIsNamed) {
  AppendRecords(5);
  Tamper(
      "INSERT INTO audit_log VALUES (6, 1790000006000000, 'mallory', 'admin', "
      "'plaudit.v1.AwardService/ApproveAward', 'awards/77', 'OK', 'req-x', '', '" +
      std::string(64, 'b') + "');");
  EXPECT_EQ(trail_->Verify().problem,
            "record 6 is not in the chain: inserted after the checkpoint at seq 5");
}

TEST_F(AuditTrailTest, TwoRecordsSwappedWithTheirMacsAreNamedOutOfOrder) {
  AppendRecords(6);
  Swap(2, 4, /*with_macs=*/true);
  AuditVerdict verdict = trail_->Verify();
  EXPECT_EQ(verdict.problem, "records 2 and 4 are out of order");
  EXPECT_EQ(verdict.first_bad_seq, 2);
}

TEST_F(AuditTrailTest, AdjacentRecordsSwappedAreOutOfOrderNotAnInsertion) {
  AppendRecords(5);
  Swap(3, 4, /*with_macs=*/true);
  EXPECT_EQ(trail_->Verify().problem, "records 3 and 4 are out of order");
}

TEST_F(AuditTrailTest, ContentSwappedUnderTheMacsIsNamedOutOfOrder) {
  AppendRecords(5);
  Swap(2, 3, /*with_macs=*/false);
  EXPECT_EQ(trail_->Verify().problem, "records 2 and 3 are out of order");
}

TEST_F(AuditTrailTest, TheLastRecordsDeletedAreNamedAgainstTheCheckpoint) {
  AppendRecords(5);
  Tamper("DELETE FROM audit_log WHERE seq >= 4");
  AuditVerdict verdict = trail_->Verify();
  EXPECT_EQ(verdict.problem, "the last 2 records are missing (truncated; checkpoint at seq 5)");
  EXPECT_EQ(verdict.first_bad_seq, 4);
  EXPECT_EQ(verdict.records, 3);
}

TEST_F(AuditTrailTest, ACheckpointWhoseMacDiffersFromItsRecordIsNamed) {
  AppendRecords(3);
  Close();
  {
    std::ofstream out(checkpoint_, std::ios::trunc);
    out << "plaudit audit checkpoint\nseq 3\nmac " << std::string(64, 'c') << "\n";
  }
  Open();
  AuditVerdict verdict = trail_->Verify();
  EXPECT_FALSE(verdict.intact);
  EXPECT_THAT(verdict.problem,
              HasSubstr("the checkpoint does not match record 3: its MAC differs"));
}

TEST_F(AuditTrailTest, AMissingCheckpointOverRecordsIsNotIntact) {
  AppendRecords(2);
  Close();
  std::remove(checkpoint_.c_str());
  Open();
  EXPECT_THAT(trail_->Verify().problem, HasSubstr("audit.checkpoint is missing"));
}

TEST_F(AuditTrailTest, RecordsUnderAnotherKeyDoNotChain) {
  AppendRecords(2);
  Close();
  std::remove(key_.c_str());
  Open();
  EXPECT_FALSE(trail_->Verify().intact);
}

TEST_F(AuditTrailTest, KeyAndCheckpointFilesAreMadeOwnerOnly) {
  AppendRecords(1);
  struct stat key_stat {};
  struct stat checkpoint_stat {};
  ASSERT_EQ(stat(key_.c_str(), &key_stat), 0);
  ASSERT_EQ(stat(checkpoint_.c_str(), &checkpoint_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_EQ(key_stat.st_size, 32);
  EXPECT_EQ(checkpoint_stat.st_mode & 0777, 0600u);
}

TEST_F(AuditTrailTest, AKeyFileOthersCanReadIsRefusedNamingFileAndMode) {
  Close();
  ASSERT_EQ(chmod(key_.c_str(), 0644), 0);
  auto store = Store::Open(db_, testing::TestCipher());
  ASSERT_TRUE(store.ok());
  auto trail = AuditTrail::Open(store->get(), key_, checkpoint_);
  ASSERT_FALSE(trail.ok());
  EXPECT_EQ(trail.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      trail.status().message(),
      absl::StrCat("audit key file ", key_,
                   " has mode 0644: group and others must have no access (chmod 600 ", key_, ")"));
}

TEST_F(AuditTrailTest, AKeyFileOfTheWrongSizeIsRefused) {
  Close();
  {
    std::ofstream out(key_, std::ios::trunc);
    out << "short";
  }
  auto store = Store::Open(db_, testing::TestCipher());
  ASSERT_TRUE(store.ok());
  auto trail = AuditTrail::Open(store->get(), key_, checkpoint_);
  ASSERT_FALSE(trail.ok());
  EXPECT_THAT(trail.status().message(), HasSubstr("expected 32 bytes, found 5"));
}

}  // namespace
}  // namespace plaudit

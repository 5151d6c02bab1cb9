// Plugin state at rest: sealed in the database file, authenticated per (plugin, key), and sealed
// in place when an older database with plaintext state is opened.
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

using testing::TestCipher;

constexpr char kSecret[] = "GIFT-7Q4M-ZX91-SECRET";

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs SQL on the database file directly, as someone with a copy of it could.
void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::string StoredValue(const std::string& path, const std::string& plugin,
                        const std::string& key) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT CAST(value AS TEXT) FROM plugin_state WHERE plugin = ? AND key = ?",
                     -1, &q, nullptr);
  sqlite3_bind_text(q, 1, plugin.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 2, key.c_str(), -1, SQLITE_TRANSIENT);
  std::string value;
  if (sqlite3_step(q) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return value;
}

class SealedStateTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto store = Store::Open(db_, TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void Put(const std::string& plugin, const std::string& key, const std::string& value) {
    auto committed = store_->StateCommit(plugin, {{key, value}}, {}, {});
    ASSERT_TRUE(committed.ok()) << committed.status();
    ASSERT_TRUE(*committed);
  }

  testing::TempDir dir_;
  const std::string db_ = dir_.File("plaudit.db");
  std::unique_ptr<Store> store_;
};

TEST_F(SealedStateTest, ARedemptionCodeIsNowhereInTheDatabaseFiles) {
  const std::string redemption =
      std::string(R"({"order_id":"ord_000001","code":")") + kSecret + R"(","url":"x"})";
  Put("gift_card", "redemption/eotm.2026-10.a1.0", redemption);
  EXPECT_EQ(**store_->StateGet("gift_card", "redemption/eotm.2026-10.a1.0"), redemption);
  // Both while the write is only in the write-ahead log and after it is checkpointed.
  const std::string while_open = FileBytes(db_) + FileBytes(db_ + "-wal");
  ASSERT_FALSE(while_open.empty());
  EXPECT_EQ(while_open.find(kSecret), std::string::npos);
  store_.reset();
  EXPECT_EQ((FileBytes(db_) + FileBytes(db_ + "-wal")).find(kSecret), std::string::npos);
  EXPECT_EQ(StoredValue(db_, "gift_card", "redemption/eotm.2026-10.a1.0").rfind("v1:", 0), 0u);
}

TEST_F(SealedStateTest, EachWriteTakesAFreshNonce) {
  Put("p", "a", "same");
  const std::string first = StoredValue(db_, "p", "a");
  Put("p", "a", "same");
  EXPECT_NE(StoredValue(db_, "p", "a"), first);
}

TEST_F(SealedStateTest, TamperedValueIsAnErrorNamingPluginAndKey) {
  Put("gift_card", "redemption/k1", kSecret);
  std::string sealed = StoredValue(db_, "gift_card", "redemption/k1");
  // Flip one base64 character of the ciphertext.
  sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
  Sql(db_, "UPDATE plugin_state SET value = '" + sealed + "' WHERE key = 'redemption/k1'");
  auto read = store_->StateGet("gift_card", "redemption/k1");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(read.status().message().find("gift_card"), std::string::npos) << read.status();
  EXPECT_NE(read.status().message().find("redemption/k1"), std::string::npos) << read.status();
  // A commit that compares against it fails the same way rather than reading it as different.
  auto commit = store_->StateCommit("gift_card", {{"x", "y"}}, {}, {{"redemption/k1", kSecret}});
  EXPECT_EQ(commit.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SealedStateTest, ValueMovedToAnotherKeyOrPluginIsRefused) {
  Put("gift_card", "redemption/mine", kSecret);
  Put("gift_card", "redemption/theirs", "their code");
  Sql(db_,
      "UPDATE plugin_state SET value = (SELECT value FROM plugin_state WHERE key = "
      "'redemption/mine') WHERE key = 'redemption/theirs';"
      "INSERT INTO plugin_state (plugin, key, value) SELECT 'announce', key, value "
      "FROM plugin_state WHERE key = 'redemption/mine'");
  auto moved = store_->StateGet("gift_card", "redemption/theirs");
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.status().message().find("redemption/theirs"), std::string::npos);
  auto other_plugin = store_->StateGet("announce", "redemption/mine");
  ASSERT_FALSE(other_plugin.ok());
  EXPECT_NE(other_plugin.status().message().find("announce"), std::string::npos);
  EXPECT_EQ(**store_->StateGet("gift_card", "redemption/mine"), kSecret);
}

TEST_F(SealedStateTest, PlaintextStateOfAnOlderDatabaseIsSealedWhenOpened) {
  store_.reset();
  // The database as the version before sealing left it: schema 8, plaintext values.
  Sql(db_,
      "DROP TABLE secrets_key_check; DROP TABLE applied_callbacks; DROP TABLE audit_log;"
      "DROP TABLE contacts; DROP TABLE contact_facts; DROP TABLE metric_sources;"
      "DROP INDEX agents_by_email; DROP TABLE rollup_schemes; DROP TABLE rollup_thresholds;"
      "DROP TABLE rollup_periods; DROP TABLE rollups; DROP TABLE rollup_at_least;"
      "DROP TABLE decision_standings; DROP TABLE decision_standing_members;"
      "ALTER TABLE agents DROP COLUMN locale; ALTER TABLE fulfilments DROP COLUMN value;"
      "ALTER TABLE fulfilments DROP COLUMN face_value;"
      "ALTER TABLE fulfilments DROP COLUMN redeemed_us;"
      "UPDATE schema_version SET version = 8;"
      "INSERT INTO plugin_state (plugin, key, value) VALUES "
      "('gift_card', 'redemption/old', CAST('" +
          std::string(kSecret) + "' AS BLOB)), ('leave_credit', 'balance/a1', CAST('8' AS BLOB))");
  ASSERT_NE((FileBytes(db_) + FileBytes(db_ + "-wal")).find(kSecret), std::string::npos);
  Reopen();
  EXPECT_EQ(**store_->StateGet("gift_card", "redemption/old"), kSecret);
  EXPECT_EQ(**store_->StateGet("leave_credit", "balance/a1"), "8");
  EXPECT_EQ(StoredValue(db_, "leave_credit", "balance/a1").rfind("v1:", 0), 0u);
  // No page of the file keeps the plaintext once the store has checkpointed it.
  store_.reset();
  EXPECT_EQ((FileBytes(db_) + FileBytes(db_ + "-wal")).find(kSecret), std::string::npos);
  // Opened again, nothing is sealed twice.
  Reopen();
  EXPECT_EQ(**store_->StateGet("gift_card", "redemption/old"), kSecret);
}

TEST_F(SealedStateTest, AnotherSecretsKeyIsRefusedAtOpen) {
  Put("p", "k", "v");
  store_.reset();
  auto other = Store::Open(db_, StateCipher::WithRandomKey());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("secrets key"), std::string::npos);
}

}  // namespace
}  // namespace plaudit

#include "core/store/store.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "core/awards/award_actions.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

// Agents, events and their aggregates, programs, corrections, plugin state and callbacks are
// tested on every backend by the conformance suite (conformance/).
namespace plaudit {
namespace {

using testing::TestAgent;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto store = Store::Open(dir_.File("plaudit.db"), testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, StandingsStoredAsOneTextColumnBecomeRowsWhenTheDatabaseIsOpened) {
  store_.reset();
  // The database as the version before standing rows left it: schema 12, each decision's
  // standings one TEXT line each, a line of the rule fields' time (eight fields) and one from
  // before them (seven).
  const std::string text =
      "a1\tphone\t1\t1\t0.75\t\tcsat\x1d"
      "4.25\x1d"
      "30\x1d"
      "0.5\t\x1d\x1d"
      "0.9\x1d\x1d\x1d"
      "0\x1d"
      "2\n"
      "a2\tphone\t0\t0\t0\tinactive\x1ftenure 3 days < 30\t\n";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("plaudit.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "DROP TABLE contacts; DROP TABLE contact_facts; DROP TABLE metric_sources; "
                   "DROP TABLE decision_standings; DROP TABLE decision_standing_members; "
                   "ALTER TABLE agents DROP COLUMN locale; "
                   "ALTER TABLE fulfilments DROP COLUMN value; "
                   "ALTER TABLE fulfilments DROP COLUMN face_value; "
                   "ALTER TABLE fulfilments DROP COLUMN redeemed_us; "
                   "UPDATE schema_version SET version = 13;",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO decisions (program_id, period, program_version, "
                               "decided_us, standings) VALUES ('eotm', '2026-09', 2, 7, ?)",
                               -1, &insert, nullptr),
            SQLITE_OK);
  sqlite3_bind_text(insert, 1, text.c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE);
  sqlite3_finalize(insert);
  sqlite3_close(db);

  Reopen();
  EXPECT_EQ(*store_->CountStandings("eotm", "2026-09"), 2);
  auto standings = store_->ListStandings("eotm", "2026-09", 0, 10);
  ASSERT_TRUE(standings.ok()) << standings.status();
  ASSERT_EQ(standings->size(), 2u);
  const Standing& a1 = (*standings)[0].standing;
  EXPECT_EQ(a1.agent_id, "a1");
  EXPECT_TRUE(a1.eligible);
  EXPECT_EQ(a1.rank, 1);
  EXPECT_DOUBLE_EQ(a1.score, 0.75);
  ASSERT_EQ(a1.metrics.size(), 1u);
  EXPECT_DOUBLE_EQ(a1.metrics[0].value, 4.25);
  EXPECT_EQ(a1.metrics[0].samples, 30);
  EXPECT_EQ(a1.target_progress, 0.9);
  EXPECT_EQ(a1.streak, 2);
  const Standing& a2 = (*standings)[1].standing;
  EXPECT_EQ(a2.agent_id, "a2");
  EXPECT_FALSE(a2.eligible);
  EXPECT_EQ(a2.reasons, (std::vector<std::string>{"inactive", "tenure 3 days < 30"}));
  EXPECT_EQ((*store_->FindStanding("eotm", "2026-09", "a2"))->position, 1);
  // The TEXT column is emptied; the decision keeps what else it had.
  auto decision = store_->GetDecision("eotm", "2026-09");
  ASSERT_TRUE(decision.ok() && decision->has_value());
  EXPECT_EQ((*decision)->program_version, 2);
  EXPECT_EQ((*decision)->standings.size(), 2u);
  ASSERT_EQ(sqlite3_open(dir_.File("plaudit.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* left = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT length(standings) FROM decisions", -1, &left, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(left), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(left, 0), 0);
  sqlite3_finalize(left);
  sqlite3_close(db);
}

TEST_F(StoreTest, RewardsStoredBeforeTheirOwnValuesTakeTheirAwardsWhenItHasOnlyThem) {
  DecisionRecord d = testing::TestDecision();
  d.awards[0].value = 25;
  AwardRecord two = d.awards[0];
  two.id = "eotm.2026-10.a2";
  two.agent_id = "a2";
  two.value = 40;
  two.fulfilments.clear();
  for (int i = 0; i < 2; ++i) {
    FulfilmentRecord f = d.awards[0].fulfilments[0];
    f.id = absl::StrCat(two.id, ".r", i);
    f.award_id = two.id;
    f.idempotency_key = absl::StrCat("k-two-", i);
    two.fulfilments.push_back(f);
  }
  d.awards.push_back(two);
  ASSERT_TRUE(store_->CommitDecision(d, PlanAutoApproval).ok());
  store_.reset();
  // The database as the version before per-reward values left it (and before contacts from
  // sources).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("plaudit.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "DROP TABLE contacts; DROP TABLE contact_facts; DROP TABLE metric_sources; "
                   "ALTER TABLE fulfilments DROP COLUMN value; "
                   "ALTER TABLE fulfilments DROP COLUMN face_value; "
                   "ALTER TABLE fulfilments DROP COLUMN redeemed_us; "
                   "UPDATE schema_version SET version = version - 2;",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  Reopen();
  auto one = *store_->ListFulfilments("eotm.2026-10.a1");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].value, 25);
  EXPECT_EQ(one[0].face_value, 0);
  auto several = *store_->ListFulfilments("eotm.2026-10.a2");
  ASSERT_EQ(several.size(), 2u);
  EXPECT_FALSE(several[0].value.has_value());
  EXPECT_FALSE(several[1].value.has_value());
}

}  // namespace
}  // namespace plaudit

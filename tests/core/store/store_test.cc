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

DecisionRecord MakeDecision() {
  DecisionRecord d;
  d.program_id = "eotm";
  d.period = "2026-10";
  d.program_version = 3;
  d.decided_us = 42;
  Standing s;
  s.agent_id = "a1";
  s.peer_group = "phone";
  s.eligible = true;
  s.rank = 1;
  s.score = 0.75;
  s.metrics.push_back(MetricStanding{"csat", 4.25, 30, 0.5});
  Standing t;
  t.agent_id = "a2";
  t.peer_group = "phone";
  t.reasons = {"inactive", "tenure 3 days < 30"};
  d.standings = {s, t};
  AwardRecord a;
  a.id = "eotm.2026-10.a1";
  a.program_id = "eotm";
  a.period = "2026-10";
  a.agent_id = "a1";
  a.rank = 1;
  a.program_version = 3;
  FulfilmentRecord f;
  f.id = a.id + ".leave_credit";
  f.award_id = a.id;
  f.agent_id = "a1";
  f.type = "leave_credit";
  f.params = {{"hours", "8"}};
  f.idempotency_key = "k1";
  a.fulfilments.push_back(f);
  d.awards.push_back(a);
  return d;
}

TEST_F(StoreTest, AwardTierIsStoredAndReadBack) {
  DecisionRecord decision = MakeDecision();
  decision.awards[0].tier = "gold";
  ASSERT_TRUE(store_->CommitDecision(decision, PlanAutoApproval).ok());
  Reopen();
  auto award = store_->GetAward("eotm.2026-10.a1");
  ASSERT_TRUE(award.ok()) << award.status();
  ASSERT_TRUE(award->has_value());
  EXPECT_EQ((*award)->tier, "gold");
  auto listed = store_->ListAwards("eotm", "2026-10");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].tier, "gold");
}

// Stored standings read back as exactly the numbers decided, not merely close to them: a page
// of a committed decision must agree with the decision bit for bit.
TEST_F(StoreTest, StandingNumbersReadBackExactly) {
  DecisionRecord decision = MakeDecision();
  const double third = 1.0 / 3.0;
  const double sum = 0.1 + 0.2;
  decision.standings[0].score = sum;
  decision.standings[0].metrics[0].value = third;
  decision.standings[0].metrics[0].normalized = 1e-300 / 7;
  decision.standings[0].target_progress = -2.0 / 3.0;
  ASSERT_TRUE(store_->CommitDecision(decision, PlanAutoApproval).ok());
  Reopen();
  auto standings = store_->ListStandings("eotm", "2026-10", 0, 1);
  ASSERT_TRUE(standings.ok()) << standings.status();
  ASSERT_EQ(standings->size(), 1u);
  const Standing& read = (*standings)[0].standing;
  EXPECT_EQ(read.score, sum);
  EXPECT_EQ(read.metrics[0].value, third);
  EXPECT_EQ(read.metrics[0].normalized, 1e-300 / 7);
  ASSERT_TRUE(read.target_progress.has_value());
  EXPECT_EQ(*read.target_progress, -2.0 / 3.0);
}

TEST_F(StoreTest, DecisionIsCommittedOnceAndSurvivesReopen) {
  auto first = store_->CommitDecision(MakeDecision(), PlanAutoApproval);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->second);

  Reopen();
  DecisionRecord other = MakeDecision();
  other.awards[0].fulfilments[0].idempotency_key = "k2";
  other.standings.clear();
  auto second = store_->CommitDecision(other, PlanAutoApproval);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->second);
  const DecisionRecord& stored = second->first;
  EXPECT_EQ(stored.program_version, 3);
  // The stored decision comes without its standings, which are read a page at a time.
  EXPECT_FALSE(stored.standings_loaded);
  EXPECT_TRUE(stored.standings.empty());
  EXPECT_EQ(stored.standings_count, 2);
  auto standings = store_->ListStandings("eotm", "2026-10", 0, 10);
  ASSERT_TRUE(standings.ok()) << standings.status();
  ASSERT_EQ(standings->size(), 2u);
  EXPECT_DOUBLE_EQ((*standings)[0].standing.score, 0.75);
  EXPECT_DOUBLE_EQ((*standings)[0].standing.metrics[0].value, 4.25);
  EXPECT_EQ((*standings)[0].standing.metrics[0].samples, 30);
  EXPECT_EQ((*standings)[1].standing.reasons,
            (std::vector<std::string>{"inactive", "tenure 3 days < 30"}));
  ASSERT_EQ(stored.awards.size(), 1u);
  ASSERT_EQ(stored.awards[0].fulfilments.size(), 1u);
  EXPECT_EQ(stored.awards[0].fulfilments[0].idempotency_key, "k1");
  EXPECT_EQ(stored.awards[0].fulfilments[0].params.at("hours"), "8");
  auto fulfilments = store_->ListFulfilments("");
  ASSERT_TRUE(fulfilments.ok());
  EXPECT_EQ(fulfilments->size(), 1u);
}

// A decision of `n` agents a0, a1, ... ranked in that order, and one team standing of red with
// members m1 and m2 last.
DecisionRecord DecisionOf(int n) {
  DecisionRecord d;
  d.program_id = "eotm";
  d.period = "2026-10";
  d.program_version = 1;
  for (int i = 0; i < n; ++i) {
    Standing s;
    s.agent_id = absl::StrCat("a", i);
    s.eligible = true;
    s.rank = i + 1;
    s.score = 1.0 / (i + 1);
    d.standings.push_back(s);
  }
  Standing team;
  team.team = "red";
  team.members = {"m1", "m2"};
  team.reasons = {"too few events"};
  d.standings.push_back(team);
  return d;
}

std::vector<std::string> Competitors(const std::vector<PositionedStanding>& page) {
  std::vector<std::string> ids;
  for (const PositionedStanding& s : page) {
    ids.push_back(absl::StrCat(s.position, ":", CompetitorId(s.standing)));
  }
  return ids;
}

TEST_F(StoreTest, StandingsAreReadAPageByPositionAndOneCompetitorWithItsPosition) {
  ASSERT_TRUE(store_->CommitDecision(DecisionOf(5), PlanAutoApproval).ok());
  Reopen();
  EXPECT_EQ(*store_->CountStandings("eotm", "2026-10"), 6);
  EXPECT_EQ(*store_->CountStandings("eotm", "2026-09"), 0);
  EXPECT_EQ(Competitors(*store_->ListStandings("eotm", "2026-10", 0, 2)),
            (std::vector<std::string>{"0:a0", "1:a1"}));
  EXPECT_EQ(Competitors(*store_->ListStandings("eotm", "2026-10", 4, 10)),
            (std::vector<std::string>{"4:a4", "5:red"}));
  EXPECT_TRUE(store_->ListStandings("eotm", "2026-10", 6, 10)->empty());
  EXPECT_TRUE(store_->ListStandings("eotm", "2026-09", 0, 10)->empty());

  auto a3 = store_->FindStanding("eotm", "2026-10", "a3");
  ASSERT_TRUE(a3.ok()) << a3.status();
  ASSERT_TRUE(a3->has_value());
  EXPECT_EQ((*a3)->position, 3);
  EXPECT_EQ((*a3)->standing.rank, 4);
  EXPECT_DOUBLE_EQ((*a3)->standing.score, 0.25);
  // A team by its name, and by any of its members.
  for (const char* id : {"red", "m2"}) {
    auto red = store_->FindStanding("eotm", "2026-10", id);
    ASSERT_TRUE(red.ok() && red->has_value()) << id;
    EXPECT_EQ((*red)->position, 5);
    EXPECT_EQ((*red)->standing.members, (std::vector<std::string>{"m1", "m2"}));
    EXPECT_EQ((*red)->standing.reasons, (std::vector<std::string>{"too few events"}));
  }
  EXPECT_FALSE(store_->FindStanding("eotm", "2026-10", "red", /*members_only=*/true)->has_value());
  EXPECT_EQ((*store_->FindStanding("eotm", "2026-10", "m1", /*members_only=*/true))->position, 5);
  EXPECT_FALSE(store_->FindStanding("eotm", "2026-10", "nobody")->has_value());
  EXPECT_FALSE(store_->FindStanding("eotm", "2026-09", "a1")->has_value());

  // The header alone, or the whole decision.
  auto header = store_->GetDecision("eotm", "2026-10", /*with_standings=*/false);
  ASSERT_TRUE(header.ok() && header->has_value());
  EXPECT_FALSE((*header)->standings_loaded);
  EXPECT_TRUE((*header)->standings.empty());
  EXPECT_EQ((*header)->standings_count, 6);
  auto whole = store_->GetDecision("eotm", "2026-10");
  ASSERT_TRUE(whole.ok() && whole->has_value());
  ASSERT_EQ((*whole)->standings.size(), 6u);
  EXPECT_EQ((*whole)->standings[5].team, "red");
}

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
  ASSERT_EQ(sqlite3_exec(db,
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

TEST_F(StoreTest, AutoApprovedAwardMovesThroughFulfilment) {
  DecisionRecord d = MakeDecision();
  FulfilmentRecord cert = d.awards[0].fulfilments[0];
  cert.id = d.awards[0].id + ".certificate";
  cert.type = "certificate";
  cert.idempotency_key = "k-cert";
  d.awards[0].fulfilments.push_back(cert);
  ASSERT_TRUE(store_->CommitDecision(d, PlanAutoApproval).ok());
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kApproved);

  auto due = store_->DueFulfilments(100, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  for (FulfilmentRecord f : *due) {
    ASSERT_TRUE(*store_->BeginFulfilmentAttempt(f));
    EXPECT_EQ(f.attempts, 1);
    EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilling);
    f.state = FulfilmentState::kFulfilled;
    ASSERT_TRUE(store_->UpdateFulfilment(f).ok());
  }
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilled);
  EXPECT_TRUE(store_->DueFulfilments(100, 10)->empty());
  EXPECT_FALSE(store_->NextFulfilmentDue()->has_value());
  // A fulfilment no longer pending is not attempted again.
  FulfilmentRecord again = (*due)[0];
  EXPECT_FALSE(*store_->BeginFulfilmentAttempt(again));

  auto history = store_->AwardHistory("eotm.2026-10.a1");
  ASSERT_TRUE(history.ok()) << history.status();
  std::vector<std::string> steps;
  for (const AwardTransition& t : *history) {
    steps.push_back(absl::StrCat(t.from_state, ">", t.to_state, " by ", t.actor));
  }
  EXPECT_EQ(steps, (std::vector<std::string>{
                       ">proposed by plauditd", "proposed>approved by plauditd",
                       "approved>fulfilling by plauditd", "fulfilling>fulfilled by plauditd"}));
}

TEST_F(StoreTest, EachRewardKeepsItsValueFaceValueAndRedemption) {
  DecisionRecord d = MakeDecision();
  d.awards[0].value = 200;
  d.awards[0].fulfilments[0].value = 120;
  d.awards[0].fulfilments[0].face_value = 160.5;
  FulfilmentRecord card = d.awards[0].fulfilments[0];
  card.id = d.awards[0].id + ".gift_card";
  card.type = "gift_card";
  card.idempotency_key = "k-card";
  card.value = 80;
  card.face_value = 0;
  d.awards[0].fulfilments.push_back(card);
  ASSERT_TRUE(store_->CommitDecision(d, PlanAutoApproval).ok());
  Reopen();
  auto rows = store_->ListFulfilments("eotm.2026-10.a1");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].value, 120);
  EXPECT_EQ((*rows)[0].face_value, 160.5);
  EXPECT_EQ((*rows)[1].value, 80);
  EXPECT_EQ((*rows)[1].redeemed_us, 0);
  // Only a fulfilled reward can be redeemed, and only once.
  EXPECT_FALSE(*store_->MarkRedeemed((*rows)[1].id, 5000));
  FulfilmentRecord f = (*rows)[1];
  ASSERT_TRUE(*store_->BeginFulfilmentAttempt(f));
  f.state = FulfilmentState::kFulfilled;
  ASSERT_TRUE(store_->UpdateFulfilment(f).ok());
  EXPECT_TRUE(*store_->MarkRedeemed(f.id, 5000));
  EXPECT_FALSE(*store_->MarkRedeemed(f.id, 9000));
  EXPECT_EQ((*store_->GetFulfilment(f.id))->redeemed_us, 5000);
}

TEST_F(StoreTest, RewardsStoredBeforeTheirOwnValuesTakeTheirAwardsWhenItHasOnlyThem) {
  DecisionRecord d = MakeDecision();
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
  // The database as the version before per-reward values left it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("plaudit.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE fulfilments DROP COLUMN value; "
                         "ALTER TABLE fulfilments DROP COLUMN face_value; "
                         "ALTER TABLE fulfilments DROP COLUMN redeemed_us; "
                         "UPDATE schema_version SET version = version - 1;",
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

TEST_F(StoreTest, AFailedRewardFailsItsAward) {
  ASSERT_TRUE(store_->CommitDecision(MakeDecision(), PlanAutoApproval).ok());
  FulfilmentRecord f = (*store_->DueFulfilments(100, 10))[0];
  ASSERT_TRUE(*store_->BeginFulfilmentAttempt(f));
  f.state = FulfilmentState::kFailed;
  f.error = "vendor refused";
  ASSERT_TRUE(store_->UpdateFulfilment(f).ok());
  auto award = *store_->GetAward("eotm.2026-10.a1");
  EXPECT_EQ(award->state, AwardState::kFailed);
  EXPECT_EQ(award->state_reason, absl::StrCat(f.id, " failed: vendor refused"));
}

TEST_F(StoreTest, DueFulfilmentsRespectNextAttemptTime) {
  DecisionRecord d = MakeDecision();
  d.awards[0].fulfilments[0].next_attempt_us = 500;
  ASSERT_TRUE(store_->CommitDecision(d, PlanAutoApproval).ok());
  EXPECT_TRUE(store_->DueFulfilments(499, 10)->empty());
  EXPECT_EQ(store_->DueFulfilments(500, 10)->size(), 1u);
  EXPECT_EQ(**store_->NextFulfilmentDue(), 500);
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {}  // namespace
}  // namespace plaudit

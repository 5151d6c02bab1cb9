#include "core/store/store.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "core/awards/award_actions.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

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

TEST_F(StoreTest, UpsertReplacesAgentById) {
  ASSERT_TRUE(store_->UpsertAgents({TestAgent("a2"), TestAgent("a1")}).ok());
  Agent changed = TestAgent("a1", Channel::kEmail);
  changed.active = false;
  ASSERT_TRUE(store_->UpsertAgents({changed}).ok());
  auto agents = store_->ListAgents();
  ASSERT_TRUE(agents.ok());
  ASSERT_EQ(agents->size(), 2u);
  EXPECT_EQ((*agents)[0].id, "a1");
  EXPECT_EQ((*agents)[0].channel, Channel::kEmail);
  EXPECT_FALSE((*agents)[0].active);
  EXPECT_EQ((*agents)[0].hire_date, absl::CivilDay(2024, 1, 15));
}

TEST_F(StoreTest, IdenticalEventIsDuplicateAndDifferentContentIsConflict) {
  StoredEvent e{"e1", "a1", "csat", 4, 1000};
  auto first = store_->InsertEvents({e});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)[0], InsertOutcome::kStored);
  StoredEvent changed = e;
  changed.value = 5;
  auto second = store_->InsertEvents({e, changed, StoredEvent{"e2", "a1", "csat", 3, 2000}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)[0], InsertOutcome::kDuplicate);
  EXPECT_EQ((*second)[1], InsertOutcome::kConflict);
  EXPECT_EQ((*second)[2], InsertOutcome::kStored);
  EXPECT_EQ(*store_->CountEvents(), 2);
}

TEST_F(StoreTest, RetractedEventsLeaveAggregatesAndTheirIdsStayTakenAcrossRestarts) {
  ASSERT_TRUE(store_
                  ->InsertEvents({{"e1", "a1", "csat", 4, 100},
                                  {"e2", "a1", "csat", 2, 150},
                                  {"e3", "a1", "csat", 5, 160}})
                  .ok());
  auto not_stored = store_->RetractEvents({"e2", "nope"}, "ops", "sent twice", 5000);
  ASSERT_TRUE(not_stored.ok()) << not_stored.status();
  EXPECT_EQ(*not_stored, std::vector<std::string>{"nope"});
  auto rows = store_->Aggregate(0, 1000);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].aggregate.samples, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 9);

  Reopen();
  // Neither the same content nor new content brings it back; other events still go in.
  auto again = store_->InsertEvents(
      {{"e2", "a1", "csat", 2, 150}, {"e2", "a1", "csat", 3, 150}, {"e4", "a1", "csat", 1, 170}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0], InsertOutcome::kRetracted);
  EXPECT_EQ((*again)[1], InsertOutcome::kRetracted);
  EXPECT_EQ((*again)[2], InsertOutcome::kStored);
  EXPECT_EQ(*store_->CountEvents(), 3);
  // Retracting again finds nothing stored.
  EXPECT_EQ(*store_->RetractEvents({"e2"}, "ops", "again", 6000), std::vector<std::string>{"e2"});

  auto corrections = store_->ListCorrections("e2");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 1u);
  EXPECT_EQ((*corrections)[0].kind, "event_retracted");
  EXPECT_EQ((*corrections)[0].actor, "ops");
  EXPECT_EQ((*corrections)[0].reason, "sent twice");
  EXPECT_EQ((*corrections)[0].at_us, 5000);
  EXPECT_EQ((*corrections)[0].detail, "a1 csat 2 at 1970-01-01T00:00:00.00015Z");
}

TEST_F(StoreTest, DeactivatingAnAgentIsRecordedOnceAndUnknownAgentsAreNotFound) {
  ASSERT_TRUE(store_->UpsertAgents({TestAgent("a1")}).ok());
  ASSERT_TRUE(store_->DeactivateAgent("a1", "ops", "left", 10).ok());
  ASSERT_TRUE(store_->DeactivateAgent("a1", "ops", "left again", 20).ok());
  auto agents = store_->ListAgents();
  ASSERT_TRUE(agents.ok());
  EXPECT_FALSE((*agents)[0].active);
  EXPECT_EQ(store_->ListCorrections("a1")->size(), 1u);
  EXPECT_EQ(store_->DeactivateAgent("zz", "ops", "x", 30).code(), absl::StatusCode::kNotFound);
}

// 2026-10-05T12:03:00Z.
constexpr int64_t kOctoberFifth = int64_t{1791201780} * 1000000;

TEST_F(StoreTest, ReplacementUpdatesTheEventAndRecordsTheContentBefore) {
  ASSERT_TRUE(store_->InsertEvents({{"e1", "a017", "csat", 4, kOctoberFifth}}).ok());
  const EventReplacement replacement{"ops", "survey re-scored", 5000};
  auto outcomes = store_->InsertEvents(
      {{"e1", "a017", "csat", 2, kOctoberFifth}, {"e2", "a017", "csat", 3, kOctoberFifth}},
      replacement);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  EXPECT_EQ((*outcomes)[0], InsertOutcome::kReplaced);
  EXPECT_EQ((*outcomes)[1], InsertOutcome::kStored);
  Reopen();  // Committed: the replacement and its correction survive.
  auto rows = store_->Aggregate(0, kOctoberFifth + 1);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].aggregate.samples, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 5);
  auto corrections = store_->ListCorrections("");
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

TEST_F(StoreTest, ReplacingWithIdenticalContentIsADuplicateAndRecordsNothing) {
  const StoredEvent e{"e1", "a017", "csat", 4, kOctoberFifth};
  ASSERT_TRUE(store_->InsertEvents({e}).ok());
  auto outcomes = store_->InsertEvents({e}, EventReplacement{"ops", "again", 1});
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0], InsertOutcome::kDuplicate);
  EXPECT_TRUE(store_->ListCorrections("")->empty());
}

TEST_F(StoreTest, WithoutReplacementARetractedIdIsRefusedAndWithOneItIsStoredAgain) {
  ASSERT_TRUE(store_->InsertEvents({{"e1", "a017", "csat", 4, kOctoberFifth}}).ok());
  ASSERT_TRUE(store_->RetractEvents({"e1"}, "ops", "wrong agent", 10).ok());
  const StoredEvent corrected{"e1", "a018", "csat", 4, kOctoberFifth};
  auto refused = store_->InsertEvents({corrected});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ((*refused)[0], InsertOutcome::kRetracted);
  EXPECT_EQ(*store_->CountEvents(), 0);

  auto restored = store_->InsertEvents({corrected}, EventReplacement{"ops", "right agent", 20});
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)[0], InsertOutcome::kReplaced);
  auto rows = store_->Aggregate(0, kOctoberFifth + 1);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].agent_id, "a018");
  auto corrections = store_->ListCorrections("e1");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 2u);
  EXPECT_EQ((*corrections)[1].kind, "event_replaced");
  EXPECT_EQ((*corrections)[1].detail, "a017 csat 4 at 2026-10-05T12:03:00Z (retracted)");
  EXPECT_EQ((*corrections)[1].reason, "right agent");
  // Live again: it may be retracted again, and then keeps its new content.
  auto not_stored = store_->RetractEvents({"e1"}, "ops", "after all", 30);
  ASSERT_TRUE(not_stored.ok()) << not_stored.status();
  EXPECT_TRUE(not_stored->empty());
  EXPECT_EQ(store_->ListCorrections("e1")->back().detail, "a018 csat 4 at 2026-10-05T12:03:00Z");
}

TEST_F(StoreTest, AggregatesWithinHalfOpenWindow) {
  ASSERT_TRUE(store_
                  ->InsertEvents({{"e1", "a1", "csat", 4, 100},
                                  {"e2", "a1", "csat", 2, 150},
                                  {"e3", "a1", "csat", 5, 200},  // at end: excluded
                                  {"e4", "a2", "calls_handled", 7, 100},
                                  {"e5", "a1", "csat", 1, 99}})  // before start: excluded
                  .ok());
  auto rows = store_->Aggregate(100, 200);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].agent_id, "a1");
  EXPECT_EQ((*rows)[0].aggregate.samples, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 6);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.min, 2);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.max, 4);
  auto only_a2 = store_->Aggregate(0, 1000, "a2");
  ASSERT_TRUE(only_a2.ok());
  ASSERT_EQ(only_a2->size(), 1u);
  EXPECT_EQ((*only_a2)[0].metric, "calls_handled");
}

TEST_F(StoreTest, CountsEventsAtOrAboveAThresholdPerAgentWithinTheWindow) {
  ASSERT_TRUE(store_
                  ->InsertEvents({{"e1", "a1", "csat", 4, 100},  // exactly at 4: counted
                                  {"e2", "a1", "csat", 5, 150},
                                  {"e3", "a1", "csat", 3.999, 150},
                                  {"e4", "a1", "csat", 5, 200},       // at end: excluded
                                  {"e5", "a1", "csat", 5, 99},        // before start: excluded
                                  {"e6", "a1", "qa_score", 90, 120},  // another metric
                                  {"e7", "a3", "csat", 4.5, 199},
                                  {"e8", "a2", "csat", 2, 120}})  // none >= 4: left out
                  .ok());
  auto counts = store_->CountAtLeast(100, 200, "csat", 4);
  ASSERT_TRUE(counts.ok()) << counts.status();
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0], std::make_pair(std::string("a1"), int64_t{2}));
  EXPECT_EQ((*counts)[1], std::make_pair(std::string("a3"), int64_t{1}));
  auto fives = store_->CountAtLeast(100, 200, "csat", 5);
  ASSERT_TRUE(fives.ok());
  ASSERT_EQ(fives->size(), 1u);
  EXPECT_EQ((*fives)[0], std::make_pair(std::string("a1"), int64_t{1}));
  auto unknown = store_->CountAtLeast(100, 200, "aht_seconds", 0);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->empty());
}

TEST_F(StoreTest, ProgramVersionBumpsOnlyWhenYamlChanges) {
  ProgramRecord p{"eotm", "EotM", "monthly", "UTC", 0, "id: eotm\n"};
  EXPECT_EQ(store_->PutProgram(p)->version, 1);
  EXPECT_EQ(store_->PutProgram(p)->version, 1);
  p.yaml = "id: eotm\nname: x\n";
  EXPECT_EQ(store_->PutProgram(p)->version, 2);
  EXPECT_EQ((*store_->GetProgram("eotm"))->version, 2);
  EXPECT_FALSE(store_->GetProgram("nope")->has_value());
}

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

TEST_F(StoreTest, ACallbackIsRememberedUntilItExpires) {
  EXPECT_TRUE(*store_->RememberCallback("gift_card", "d1", /*expires_us=*/100, /*now_us=*/10));
  EXPECT_FALSE(*store_->RememberCallback("gift_card", "d1", 100, 50));
  EXPECT_TRUE(*store_->RememberCallback("announce", "d1", 100, 50));  // per plugin
  Reopen();
  EXPECT_FALSE(*store_->RememberCallback("gift_card", "d1", 100, 99));
  // Past its expiry it is forgotten.
  EXPECT_TRUE(*store_->RememberCallback("gift_card", "d1", 200, 100));
  ASSERT_TRUE(store_->ForgetCallback("gift_card", "d1").ok());
  EXPECT_TRUE(*store_->RememberCallback("gift_card", "d1", 200, 101));
}

TEST_F(StoreTest, PluginStateIsScopedAndConditional) {
  EXPECT_TRUE(*store_->StateCommit("p1", {{"k", "v1"}}, {"k"}, {}));
  EXPECT_FALSE(*store_->StateCommit("p1", {{"k", "v2"}}, {"k"}, {}));  // k exists now
  EXPECT_EQ(**store_->StateGet("p1", "k"), "v1");
  EXPECT_FALSE(store_->StateGet("p2", "k")->has_value());
  EXPECT_FALSE(*store_->StateCommit("p1", {{"k", "v3"}}, {}, {{"k", "stale"}}));
  EXPECT_TRUE(*store_->StateCommit("p1", {{"k", "v3"}, {"other", "x"}}, {}, {{"k", "v1"}}));
  Reopen();
  EXPECT_EQ(**store_->StateGet("p1", "k"), "v3");
  EXPECT_EQ(**store_->StateGet("p1", "other"), "x");
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST_F(StoreTest, AggregatePagesContinueFromTheLastKey) {
  std::vector<StoredEvent> events;
  int n = 0;
  for (const char* agent : {"a1", "a2", "a3"}) {
    for (const char* metric : {"csat", "nps"}) {
      events.push_back({"e" + std::to_string(n++), agent, metric, 3, 100});
      events.push_back({"e" + std::to_string(n++), agent, metric, 5, 150});
    }
  }
  events.push_back({"late", "a1", "csat", 1, 500});  // Outside the window.
  ASSERT_TRUE(store_->InsertEvents(events).ok());
  std::vector<std::string> seen;
  std::string after_agent, after_metric;
  int pages = 0;
  while (true) {
    auto page = store_->AggregatePage(100, 200, "", after_agent, after_metric, 4);
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
  auto one = store_->AggregatePage(100, 200, "a2", "", "", 10);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[0].agent_id, "a2");
  // One agent's, page by page: after its first metric comes its second, then nothing.
  auto rest = store_->AggregatePage(100, 200, "a2", "a2", "csat", 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].metric, "nps");
  EXPECT_EQ((*rest)[0].aggregate.samples, 2);
  auto done = store_->AggregatePage(100, 200, "a2", "a2", "nps", 10);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->empty());
  auto first_page = store_->AggregatePage(100, 200, "a2", "", "", 1);
  ASSERT_TRUE(first_page.ok());
  ASSERT_EQ(first_page->size(), 1u);
  EXPECT_EQ((*first_page)[0].metric, "csat");
}

}  // namespace
}  // namespace plaudit

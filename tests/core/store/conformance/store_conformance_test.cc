// The store conformance suite: the same tests, through the store's interfaces, against every
// backend (embedded SQLite and PostgreSQL). A backend conforms only when all of them pass.
//
// This file: agents, programs, corrections, plugin state with vendor callbacks, the audit log,
// health and replica coordination. Events: event_conformance_test.cc; period aggregates:
// rollups_conformance_test.cc; decisions, awards and budgets: decision_conformance_test.cc;
// fulfilments: fulfilment_conformance_test.cc; exports: export_conformance_test.cc. What only
// one backend has stays beside it (SQLite's upgrades of old databases in store_test.cc, its
// write group in write_group_test.cc); tests of PostgreSQL replicas sharing one database are
// the TEST()s (not TEST_P) of these files.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/store/audit_trail.h"
#include "gtest/gtest.h"
#include "tests/core/store/conformance/backends.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

using testing::TestAgent;

class StoreConformance : public conformance::BackendTest {};

// Replica coordination.

// Work under one name runs once at a time: a second caller (another thread here, another
// replica on PostgreSQL) is refused while the first runs, other names are not, and the name is
// free again once the work ends.
TEST_P(StoreConformance, RunAloneRefusesANameAlreadyRunningAndFreesItAfter) {
  ReplicaCoordination& replicas = backend_->store();
  int outer = 0;
  auto ran = replicas.RunAlone("closing", [&] {
    ++outer;
    std::thread other([&] {
      auto same = replicas.RunAlone("closing", [] { ADD_FAILURE() << "ran twice at once"; });
      ASSERT_TRUE(same.ok()) << same.status();
      EXPECT_FALSE(*same);
      int inner = 0;
      auto different = replicas.RunAlone("reports", [&] { ++inner; });
      ASSERT_TRUE(different.ok()) << different.status();
      EXPECT_TRUE(*different);
      EXPECT_EQ(inner, 1);
    });
    other.join();
  });
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_TRUE(*ran);
  EXPECT_EQ(outer, 1);
  auto again = replicas.RunAlone("closing", [&] { ++outer; });
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ(outer, 2);
}

TEST(ReplicaCoordinationReplicas, WhilePostgresReplicaRunsANameTheOthersAreRefused) {
  testing::TestSchema schema;
  auto first = PostgresStore::Open({schema.dsn(), 2}, testing::TestCipher());
  auto second = PostgresStore::Open({schema.dsn(), 2}, testing::TestCipher());
  ASSERT_TRUE(first.ok() && second.ok()) << first.status() << " " << second.status();
  bool refused = false;
  auto ran = (*first)->RunAlone("closing", [&] {
    auto other = (*second)->RunAlone("closing", [] { ADD_FAILURE() << "ran on both replicas"; });
    refused = other.ok() && !*other;
  });
  ASSERT_TRUE(ran.ok() && *ran);
  EXPECT_TRUE(refused);
  bool ran_second = false;
  auto after = (*second)->RunAlone("closing", [&] { ran_second = true; });
  ASSERT_TRUE(after.ok() && *after);
  EXPECT_TRUE(ran_second);
}

// Agents.

TEST_P(StoreConformance, UpsertReplacesAgentByIdAndListsThemById) {
  AgentStore& agents = backend_->agents();
  ASSERT_TRUE(agents.UpsertAgents({TestAgent("a2"), TestAgent("a1")}).ok());
  Agent changed = TestAgent("a1", Channel::kEmail);
  changed.active = false;
  changed.public_praise = false;
  changed.locale = "fr-CA";
  ASSERT_TRUE(agents.UpsertAgents({changed}).ok());
  Reopen();
  auto listed = backend_->agents().ListAgents();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  const Agent& a1 = (*listed)[0];
  EXPECT_EQ(a1.id, "a1");
  EXPECT_EQ(a1.display_name, "Agent a1");
  EXPECT_EQ(a1.email, "a1@example.com");
  EXPECT_EQ(a1.team, "T");
  EXPECT_EQ(a1.channel, Channel::kEmail);
  EXPECT_FALSE(a1.active);
  EXPECT_FALSE(a1.public_praise);
  EXPECT_EQ(a1.locale, "fr-CA");
  EXPECT_EQ(a1.hire_date, absl::CivilDay(2024, 1, 15));
  EXPECT_EQ((*listed)[1].id, "a2");
  EXPECT_TRUE((*listed)[1].active);
}

TEST_P(StoreConformance, AgentsAreFoundByIdAndByEmailWithoutCase) {
  AgentStore& agents = backend_->agents();
  Agent nobody = TestAgent("a3");
  nobody.email = "";
  ASSERT_TRUE(agents.UpsertAgents({TestAgent("a1"), TestAgent("a2"), nobody}).ok());
  auto a2 = agents.GetAgent("a2");
  ASSERT_TRUE(a2.ok()) << a2.status();
  ASSERT_TRUE(a2->has_value());
  EXPECT_EQ((*a2)->display_name, "Agent a2");
  EXPECT_FALSE(agents.GetAgent("zz")->has_value());
  EXPECT_EQ(agents.FindAgentIdByEmail("A2@Example.COM")->value_or(""), "a2");
  EXPECT_FALSE(agents.FindAgentIdByEmail("zz@example.com")->has_value());
  // An agent without an email is not found by an empty one.
  EXPECT_FALSE(agents.FindAgentIdByEmail("")->has_value());
  auto ids = agents.ListAgentIds();
  ASSERT_TRUE(ids.ok());
  std::sort(ids->begin(), ids->end());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a1", "a2", "a3"}));
}

TEST_P(StoreConformance, WritingAgentsMovesTheirGeneration) {
  AgentStore& agents = backend_->agents();
  const int64_t before = agents.agents_generation();
  ASSERT_TRUE(agents.UpsertAgents({TestAgent("a1")}).ok());
  const int64_t after_upsert = agents.agents_generation();
  EXPECT_NE(after_upsert, before);
  ASSERT_TRUE(agents.DeactivateAgent("a1", "ops", "left", 10).ok());
  EXPECT_NE(agents.agents_generation(), after_upsert);
}

TEST_P(StoreConformance, DeactivatingAnAgentIsRecordedOnceAndUnknownAgentsAreNotFound) {
  AgentStore& agents = backend_->agents();
  ASSERT_TRUE(agents.UpsertAgents({TestAgent("a1")}).ok());
  ASSERT_TRUE(agents.DeactivateAgent("a1", "ops", "left", 10).ok());
  ASSERT_TRUE(agents.DeactivateAgent("a1", "ops", "left again", 20).ok());
  EXPECT_FALSE((*agents.GetAgent("a1"))->active);
  auto corrections = backend_->corrections().ListCorrections("a1");
  ASSERT_TRUE(corrections.ok()) << corrections.status();
  ASSERT_EQ(corrections->size(), 1u);
  const CorrectionRecord& c = (*corrections)[0];
  EXPECT_EQ(c.kind, "agent_deactivated");
  EXPECT_EQ(c.subject, "a1");
  EXPECT_EQ(c.actor, "ops");
  EXPECT_EQ(c.reason, "left");
  EXPECT_EQ(c.at_us, 10);
  EXPECT_GT(c.seq, 0);
  EXPECT_EQ(agents.DeactivateAgent("zz", "ops", "x", 30).code(), absl::StatusCode::kNotFound);
}

// Programs.

TEST_P(StoreConformance, ProgramVersionBumpsOnlyWhenYamlChanges) {
  ProgramStore& programs = backend_->programs();
  ProgramRecord p{"eotm", "EotM", "monthly", "UTC", 0, "id: eotm\n"};
  EXPECT_EQ(programs.PutProgram(p, 1000)->version, 1);
  EXPECT_EQ(programs.PutProgram(p, 2000)->version, 1);
  p.yaml = "id: eotm\nname: x\n";
  p.name = "Employee of the month";
  EXPECT_EQ(programs.PutProgram(p, 3000)->version, 2);
  Reopen();
  auto stored = backend_->programs().GetProgram("eotm");
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->version, 2);
  EXPECT_EQ((*stored)->name, "Employee of the month");
  EXPECT_EQ((*stored)->cadence, "monthly");
  EXPECT_EQ((*stored)->time_zone, "UTC");
  EXPECT_EQ((*stored)->yaml, "id: eotm\nname: x\n");
  EXPECT_FALSE((*stored)->disabled);
  EXPECT_FALSE(backend_->programs().GetProgram("nope")->has_value());
  auto versions = backend_->programs().ProgramVersions("eotm");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[0].applied_us, 1000);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[1].applied_us, 3000);
  EXPECT_TRUE(backend_->programs().ProgramVersions("nope")->empty());
}

TEST_P(StoreConformance, TheVersionInForceAtATimeIsTheLastAppliedByThenOrElseTheFirst) {
  ProgramStore& programs = backend_->programs();
  ProgramRecord p{"eotm", "EotM", "monthly", "UTC", 0, "v1"};
  ASSERT_TRUE(programs.PutProgram(p, 1000).ok());
  p.yaml = "v2";
  ASSERT_TRUE(programs.PutProgram(p, 2000).ok());
  EXPECT_EQ((*programs.ProgramVersionAt("eotm", 500))->version, 1);
  EXPECT_EQ((*programs.ProgramVersionAt("eotm", 1000))->yaml, "v1");
  EXPECT_EQ((*programs.ProgramVersionAt("eotm", 1999))->version, 1);
  EXPECT_EQ((*programs.ProgramVersionAt("eotm", 2000))->yaml, "v2");
  EXPECT_FALSE(programs.ProgramVersionAt("nope", 2000)->has_value());
  EXPECT_EQ((*programs.GetProgramVersion("eotm", 1))->yaml, "v1");
  EXPECT_FALSE(programs.GetProgramVersion("eotm", 3)->has_value());
  EXPECT_EQ(programs.ProgramFirstAppliedUs("eotm")->value_or(0), 1000);
  EXPECT_FALSE(programs.ProgramFirstAppliedUs("nope")->has_value());
}

TEST_P(StoreConformance, ProgramsAreListedByIdWithTheirLatestVersion) {
  ProgramStore& programs = backend_->programs();
  ASSERT_TRUE(programs.PutProgram({"b", "B", "weekly", "Europe/Paris", 0, "b1"}, 1).ok());
  ASSERT_TRUE(programs.PutProgram({"a", "A", "monthly", "UTC", 0, "a1"}, 1).ok());
  ASSERT_TRUE(programs.PutProgram({"b", "B", "weekly", "Europe/Paris", 0, "b2"}, 2).ok());
  auto listed = programs.ListPrograms();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "a");
  EXPECT_EQ((*listed)[1].id, "b");
  EXPECT_EQ((*listed)[1].version, 2);
  EXPECT_EQ((*listed)[1].time_zone, "Europe/Paris");
  EXPECT_EQ((*listed)[1].yaml, "b2");
}

TEST_P(StoreConformance, DisablingAndEnablingAProgramIsRecordedOnlyWhenItChangesIt) {
  ProgramStore& programs = backend_->programs();
  ASSERT_TRUE(programs.PutProgram({"eotm", "EotM", "monthly", "UTC", 0, "v1"}, 1).ok());
  auto disabled = programs.SetProgramDisabled("eotm", true, "ana", "audit", 100);
  ASSERT_TRUE(disabled.ok()) << disabled.status();
  EXPECT_TRUE(disabled->disabled);
  EXPECT_EQ(disabled->version, 1);
  ASSERT_TRUE(programs.SetProgramDisabled("eotm", true, "ana", "again", 150).ok());
  auto enabled = programs.SetProgramDisabled("eotm", false, "bo", "fixed", 200);
  ASSERT_TRUE(enabled.ok()) << enabled.status();
  EXPECT_FALSE(enabled->disabled);
  EXPECT_EQ(enabled->enabled_us, 200);
  Reopen();
  EXPECT_EQ((*backend_->programs().GetProgram("eotm"))->enabled_us, 200);
  auto corrections = backend_->corrections().ListCorrections("eotm");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 2u);
  EXPECT_EQ((*corrections)[0].kind, "program_disabled");
  EXPECT_EQ((*corrections)[0].reason, "audit");
  EXPECT_EQ((*corrections)[1].kind, "program_enabled");
  EXPECT_EQ((*corrections)[1].actor, "bo");
  EXPECT_LT((*corrections)[0].seq, (*corrections)[1].seq);
  EXPECT_EQ(backend_->programs().SetProgramDisabled("nope", true, "ana", "x", 1).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformance, CorrectionsAreListedOldestFirstAndAllOfThemForAnEmptySubject) {
  ASSERT_TRUE(backend_->agents().UpsertAgents({TestAgent("a1"), TestAgent("a2")}).ok());
  ASSERT_TRUE(backend_->agents().DeactivateAgent("a2", "ops", "first", 10).ok());
  ASSERT_TRUE(backend_->agents().DeactivateAgent("a1", "ops", "second", 20).ok());
  auto all = backend_->corrections().ListCorrections("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].subject, "a2");
  EXPECT_EQ((*all)[1].subject, "a1");
  EXPECT_TRUE(backend_->corrections().ListCorrections("zz")->empty());
}

// Plugin state and vendor callbacks.

TEST_P(StoreConformance, ACallbackIsRememberedUntilItExpires) {
  PluginStateStore* state = &backend_->state();
  EXPECT_TRUE(*state->RememberCallback("gift_card", "d1", /*expires_us=*/100, /*now_us=*/10));
  EXPECT_FALSE(*state->RememberCallback("gift_card", "d1", 100, 50));
  EXPECT_TRUE(*state->RememberCallback("announce", "d1", 100, 50));  // per plugin
  Reopen();
  state = &backend_->state();
  EXPECT_FALSE(*state->RememberCallback("gift_card", "d1", 100, 99));
  // Past its expiry it is forgotten.
  EXPECT_TRUE(*state->RememberCallback("gift_card", "d1", 200, 100));
  ASSERT_TRUE(state->ForgetCallback("gift_card", "d1").ok());
  EXPECT_TRUE(*state->RememberCallback("gift_card", "d1", 200, 101));
}

TEST_P(StoreConformance, PluginStateIsScopedAndConditional) {
  PluginStateStore* state = &backend_->state();
  EXPECT_TRUE(*state->StateCommit("p1", {{"k", "v1"}}, {"k"}, {}));
  EXPECT_FALSE(*state->StateCommit("p1", {{"k", "v2"}}, {"k"}, {}));  // k exists now
  EXPECT_EQ(**state->StateGet("p1", "k"), "v1");
  EXPECT_FALSE(state->StateGet("p2", "k")->has_value());
  EXPECT_FALSE(*state->StateCommit("p1", {{"k", "v3"}}, {}, {{"k", "stale"}}));
  EXPECT_FALSE(*state->StateCommit("p1", {{"k", "v3"}}, {}, {{"missing", "x"}}));
  EXPECT_TRUE(*state->StateCommit("p1", {{"k", "v3"}, {"other", "x"}}, {}, {{"k", "v1"}}));
  Reopen();
  state = &backend_->state();
  EXPECT_EQ(**state->StateGet("p1", "k"), "v3");
  EXPECT_EQ(**state->StateGet("p1", "other"), "x");
}

TEST_P(StoreConformance, PluginStateKeepsAnyBytes) {
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes.push_back(static_cast<char>(c));
  ASSERT_TRUE(*backend_->state().StateCommit("p1", {{"k", bytes}}, {}, {}));
  Reopen();
  EXPECT_EQ(**backend_->state().StateGet("p1", "k"), bytes);
}

TEST_P(StoreConformance, ConcurrentClaimsOfOneAbsentKeyLetExactlyOneIn) {
  constexpr int kThreads = 8;
  std::vector<int> won(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto claimed = backend_->state().StateCommit("parking", {{"bay-1", absl::StrCat("a", t)}},
                                                   {"bay-1"}, {});
      won[t] = claimed.ok() && *claimed ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  int winners = 0;
  for (int w : won) winners += w;
  EXPECT_EQ(winners, 1);
}

// Praise.

PraiseRecord Praise(const std::string& id, const std::string& from, const std::string& to,
                    int64_t sent_us, const std::string& request_id = "") {
  return PraiseRecord{id, from, to, "thanks for " + id, "teamwork", request_id, sent_us};
}

TEST_P(StoreConformance, PraiseIsStoredWithItsEventAndListedNewestFirst) {
  PraiseStore& praise = backend_->praise();
  const PraiseAllowance allowance{0, 1000000, 10};
  ASSERT_TRUE(praise.InsertPraise(Praise("p1", "a1", "a2", 100), allowance)->has_value());
  ASSERT_TRUE(praise.InsertPraise(Praise("p2", "a2", "a3", 200), allowance)->has_value());
  ASSERT_TRUE(praise.InsertPraise(Praise("p3", "a1", "a3", 300), allowance)->has_value());
  Reopen();
  auto all = backend_->praise().ListPraise("");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "p3");
  EXPECT_EQ((*all)[2].id, "p1");
  EXPECT_EQ((*all)[2].message, "thanks for p1");
  EXPECT_EQ((*all)[2].value, "teamwork");
  EXPECT_EQ((*all)[2].sent_us, 100);
  auto a2 = backend_->praise().ListPraise("a2");  // sent or received
  ASSERT_TRUE(a2.ok());
  ASSERT_EQ(a2->size(), 2u);
  EXPECT_EQ((*a2)[0].id, "p2");
  EXPECT_EQ((*a2)[1].id, "p1");
  // Each praise is a praise_received event of its recipient.
  auto received = backend_->events().Aggregate(0, 1000, "a3");
  ASSERT_TRUE(received.ok());
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ((*received)[0].metric, "praise_received");
  EXPECT_EQ((*received)[0].aggregate.samples, 2);
  EXPECT_EQ(*backend_->events().CountEvents(), 3);
}

TEST_P(StoreConformance, PraiseRepeatsItsEarlierSendingAndStopsAtTheAllowance) {
  PraiseStore& praise = backend_->praise();
  const PraiseAllowance allowance{0, 1000, 2};
  auto first = praise.InsertPraise(Praise("p1", "a1", "a2", 100, "req-1"), allowance);
  ASSERT_TRUE(first.ok() && first->has_value()) << first.status();
  // The same request again: the earlier praise, nothing new.
  auto again = praise.InsertPraise(Praise("p1-retry", "a1", "a2", 150, "req-1"), allowance);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->id, "p1");
  ASSERT_TRUE(praise.InsertPraise(Praise("p2", "a1", "a3", 200), allowance)->has_value());
  auto over = praise.InsertPraise(Praise("p3", "a1", "a4", 300), allowance);
  ASSERT_TRUE(over.ok());
  EXPECT_FALSE(over->has_value());
  EXPECT_EQ(*praise.CountPraiseSent("a1", allowance), 2);
  // Outside the window, the allowance is new.
  EXPECT_TRUE(praise.InsertPraise(Praise("p4", "a1", "a4", 1500), {1000, 2000, 2})->has_value());
  EXPECT_EQ(praise.ListPraise("a1")->size(), 3u);
}

TEST_P(StoreConformance, ConcurrentPraiseFromOneGiverNeverOverdrawsTheAllowance) {
  constexpr int kThreads = 8;
  const PraiseAllowance allowance{0, 1000, 3};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto sent = backend_->praise().InsertPraise(
          Praise(absl::StrCat("p", t), "a1", absl::StrCat("b", t), 100 + t), allowance);
      EXPECT_TRUE(sent.ok()) << sent.status();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(*backend_->praise().CountPraiseSent("a1", allowance), 3);
  EXPECT_EQ(*backend_->events().CountEvents(), 3);
}

// The audit log.

AuditEntry Entry(int n, const std::string& subject = "alice") {
  AuditEntry e;
  e.time = absl::FromUnixMicros(int64_t{1790000000} * 1000000 + n * 1001);
  e.subject = subject;
  e.roles = {"admin", "manager"};
  e.method = "plaudit.v1.AwardService/ApproveAward";
  e.resource = absl::StrCat("awards/", n);
  e.outcome = n % 2 == 0 ? "OK" : "PERMISSION_DENIED: needs admin";
  e.request_id = absl::StrCat("req-", n);
  e.detail = n == 3 ? "with detail" : "";
  return e;
}

std::string FakeSeal(const AuditRecord& record, const std::string& previous) {
  return absl::StrCat(previous.size(), "-", record.seq);
}

TEST_P(StoreConformance, AuditRecordsAreAppendedInSequenceAndReadBackWithEveryField) {
  for (int n = 1; n <= 5; ++n) {
    auto appended =
        backend_->audit().AppendAuditRecord(Entry(n, n <= 3 ? "alice" : "bob"), FakeSeal);
    ASSERT_TRUE(appended.ok()) << appended.status();
    EXPECT_EQ(appended->seq, n);
  }
  Reopen();
  auto all = backend_->audit().ListAuditRecords(AuditFilter());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  const AuditRecord& third = (*all)[2];
  const AuditEntry expected = Entry(3);
  EXPECT_EQ(third.seq, 3);
  EXPECT_EQ(third.time, expected.time);
  EXPECT_EQ(third.subject, "alice");
  EXPECT_EQ(third.roles, expected.roles);
  EXPECT_EQ(third.method, expected.method);
  EXPECT_EQ(third.resource, "awards/3");
  EXPECT_EQ(third.outcome, expected.outcome);
  EXPECT_EQ(third.request_id, "req-3");
  EXPECT_EQ(third.detail, "with detail");
  // The seal saw the MAC of the record before: FakeSeal's text for seq 2 is "3-2".
  EXPECT_EQ(third.mac_hex, "3-3");

  AuditFilter bob;
  bob.subject = "bob";
  EXPECT_EQ(backend_->audit().ListAuditRecords(bob)->size(), 2u);
  AuditFilter page;
  page.after_seq = 1;
  page.limit = 2;
  auto paged = backend_->audit().ListAuditRecords(page);
  ASSERT_EQ(paged->size(), 2u);
  EXPECT_EQ((*paged)[0].seq, 2);
  EXPECT_EQ((*paged)[1].seq, 3);
  AuditFilter window;
  window.since = Entry(2).time;
  window.until = Entry(4).time;
  auto windowed = backend_->audit().ListAuditRecords(window);
  ASSERT_EQ(windowed->size(), 2u);
  EXPECT_EQ((*windowed)[0].seq, 2);

  EXPECT_TRUE(*backend_->audit().AuditRecordExists("plaudit.v1.AwardService/ApproveAward",
                                                   "awards/2", "OK"));
  EXPECT_FALSE(*backend_->audit().AuditRecordExists("plaudit.v1.AwardService/ApproveAward",
                                                    "awards/3", "OK"));
}

TEST_P(StoreConformance, AnAuditTrailOnTheStoreAppendsConcurrentlyIntoOneIntactChain) {
  testing::TempDir files;
  auto trail =
      AuditTrail::Open(&backend_->audit(), files.File("audit.key"), files.File("audit.checkpoint"));
  ASSERT_TRUE(trail.ok()) << trail.status();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 10; ++n) EXPECT_TRUE((*trail)->Append(Entry(t * 10 + n)).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  const AuditVerdict verdict = (*trail)->Verify();
  EXPECT_TRUE(verdict.intact) << verdict.Summary();
  EXPECT_EQ(verdict.records, 40);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values("sqlite", "postgres"),
                         conformance::BackendName);

}  // namespace
}  // namespace plaudit

// The conformance suite's exports: every dataset read a page at a time, after the key of the page
// before, gives the same rows in the same order on both backends (the same centre stored in each),
// whatever the page size, and narrowed by agent and by team the same way.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/awards/award_actions.h"
#include "gtest/gtest.h"
#include "tests/core/store/conformance/backends.h"

namespace plaudit {
namespace {

using conformance::Decision;
using conformance::Euros;
using conformance::kAnna;

// The same small centre in any backend: agents of two teams (ids whose bytewise order differs
// from a dictionary's), events with ties in time, one decision with a budget, approvals, a
// fulfilled and a failed reward, and praise.
void Populate(conformance::Backend& backend) {
  std::vector<Agent> agents;
  for (const char* id : {"a1", "a2", "a3", "B4", "a_5"}) {
    Agent a = testing::TestAgent(id);
    a.team = std::string(id) == "a2" || std::string(id) == "B4" ? "Blue" : "Red";
    agents.push_back(a);
  }
  ASSERT_TRUE(backend.agents().UpsertAgents(agents).ok());
  std::vector<StoredEvent> events;
  for (int i = 0; i < 40; ++i) {
    events.push_back(StoredEvent{absl::StrCat("e", i), agents[i % 5].id, i % 2 ? "csat" : "aht",
                                 static_cast<double>(i % 7), int64_t{1000} + (i / 3) * 10});
  }
  // Twins: the same time, agent, metric and value, told apart only by the order they were stored
  // in, so that a page ending between them must resume at the second.
  for (const char* id : {"twin-z", "twin-a"}) {
    events.push_back(StoredEvent{id, "a3", "aht", 2, 1050});
  }
  ASSERT_TRUE(backend.events().InsertEvents(events).ok());
  ASSERT_TRUE(backend.decisions()
                  .CommitDecision(Decision({30, 20, 10}, 1, Euros(100)), PlanAutoApproval)
                  .ok());
  for (int n : {1, 2}) {
    ASSERT_TRUE(ActOnAward(backend.decisions(), conformance::AwardIdOf(n), AwardAction::kApprove,
                           kAnna, "", 2000)
                    .ok());
  }
  auto due = backend.fulfilments().DueFulfilments(5000, 10);
  ASSERT_TRUE(due.ok() && due->size() == 2u) << due.status();
  for (FulfilmentRecord f : *due) {
    f.updated_us = 3000;
    ASSERT_TRUE(*backend.fulfilments().BeginFulfilmentAttempt(f));
    f.state = f.award_id == conformance::AwardIdOf(1) ? FulfilmentState::kFulfilled
                                                      : FulfilmentState::kFailed;
    f.error = f.state == FulfilmentState::kFailed ? "vendor refused" : "";
    ASSERT_TRUE(backend.fulfilments()
                    .UpdateFulfilment(f, PlanAwardCompletion,
                                      FulfilmentAttempt{f.id, 0, "fulfil", 3000, 3100, "done",
                                                        f.error, "plauditd"})
                    .ok());
  }
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(backend.praise()
                    .InsertPraise(
                        PraiseRecord{absl::StrCat("p", i), agents[i % 5].id, agents[(i + 1) % 5].id,
                                     "thanks", "care", "", int64_t{500} + (i / 2)},
                        PraiseAllowance{0, 100000, 10})
                    ->has_value());
  }
}

// The key of a page's last row, as the export service makes it.
ExportKey Key(int64_t number, const std::string& text, const std::string& program_id = "",
              const std::string& period = "") {
  ExportKey key;
  key.started = true;
  key.number = number;
  key.text = text;
  key.program_id = program_id;
  key.period = period;
  return key;
}

// Every page of every dataset, as text, a row a line, pages of `limit`.
std::vector<std::string> ReadAll(conformance::Backend& backend, const ExportScope& scope,
                                 int limit) {
  std::vector<std::string> out;
  ExportStore& exports = backend.exports();
  ExportKey key;
  for (;;) {
    std::vector<std::string> lines;
    auto n = exports.ExportEvents(scope, key, limit, [&](const EventView& e) {
      lines.push_back(absl::StrCat("event ", std::string(e.event_id), " ", std::string(e.agent_id),
                                   " ", std::string(e.metric), " ", e.value, " ",
                                   e.occurred_at_us));
      key = Key(e.occurred_at_us, std::string(e.agent_id));
      key.metric = std::string(e.metric);
      key.value = e.value;
      return true;
    });
    EXPECT_TRUE(n.ok()) << n.status();
    if (!n.ok()) break;
    key.row = n->last_row;
    out.insert(out.end(), lines.begin(), lines.end());
    if (n->rows < limit) break;
  }
  key = ExportKey();
  for (;;) {
    auto page = exports.ExportAgents(scope, key, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const Agent& a : *page) {
      out.push_back(absl::StrCat("agent ", a.id, " ", a.team));
      key = Key(0, a.id);
    }
    if (static_cast<int>(page->size()) < limit) break;
  }
  key = ExportKey();
  for (;;) {
    auto page = exports.ExportAwards(scope, key, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const ExportedAwardRow& r : *page) {
      std::vector<std::string> steps;
      for (const AwardTransition& t : r.transitions) steps.push_back(t.to_state);
      out.push_back(absl::StrCat(
          "award ", r.award.id, " ", std::string(AwardStateName(r.award.state)), " ", r.team, " ",
          r.unit, " ", absl::StrJoin(r.award.approvals, ","), " ", absl::StrJoin(steps, ">")));
      key = Key(r.award.rank, r.award.id, r.award.program_id, r.award.period);
    }
    if (static_cast<int>(page->size()) < limit) break;
  }
  key = ExportKey();
  for (;;) {
    auto page = exports.ExportFulfilments(scope, key, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const ExportedFulfilmentRow& r : *page) {
      out.push_back(absl::StrCat("reward ", r.fulfilment.id, " ",
                                 std::string(FulfilmentStateName(r.fulfilment.state)), " ",
                                 r.attempts.size(), " ", r.currency));
      key = Key(r.seq, r.fulfilment.award_id, r.program_id, r.period);
    }
    if (static_cast<int>(page->size()) < limit) break;
  }
  key = ExportKey();
  for (;;) {
    auto page = exports.ExportLedger(scope, key, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const ExportedLedgerRow& r : *page) {
      out.push_back(absl::StrCat("ledger ", r.award_id, " ", r.amount, " ", r.state, " ",
                                 r.budget_mode, " ", r.budget));
      key = Key(0, r.award_id, r.program_id, r.period);
    }
    if (static_cast<int>(page->size()) < limit) break;
  }
  key = ExportKey();
  for (;;) {
    auto page = exports.ExportPraise(scope, key, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const PraiseRecord& p : *page) {
      out.push_back(absl::StrCat("praise ", p.id, " ", p.from_agent_id, ">", p.to_agent_id));
      key = Key(p.sent_us, p.id);
    }
    if (static_cast<int>(page->size()) < limit) break;
  }
  if (!scope.program_id.empty()) {
    key = ExportKey();
    for (;;) {
      auto page = exports.ExportStandings(scope, key, limit);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const PositionedStanding& s : *page) {
        out.push_back(absl::StrCat("standing ", s.position, " ", CompetitorId(s.standing)));
        key = Key(s.position, "");
      }
      if (static_cast<int>(page->size()) < limit) break;
    }
  }
  return out;
}

TEST(ExportBackends, EveryDatasetPagesThroughTheSameRowsInTheSameOrderOnBothBackends) {
  conformance::SqliteBackend sqlite;
  conformance::PostgresBackend postgres;
  sqlite.Open();
  postgres.Open();
  Populate(sqlite);
  Populate(postgres);
  ExportScope everything;
  const std::vector<std::string> all = ReadAll(sqlite, everything, 1000);
  // 48 events (40, 2 twins and 6 praise_received), 5 agents, 3 awards, 3 rewards, 2 ledger
  // entries, 6 praise.
  ASSERT_EQ(all.size(), 67u) << absl::StrJoin(all, "\n");
  // The twins in the order they were stored, whatever their ids' order.
  const auto twin_z = std::find(all.begin(), all.end(), "event twin-z a3 aht 2 1050");
  ASSERT_NE(twin_z, all.end()) << absl::StrJoin(all, "\n");
  EXPECT_EQ(*std::next(twin_z), "event twin-a a3 aht 2 1050");
  for (int limit : {1, 3, 7, 1000}) {
    EXPECT_EQ(ReadAll(sqlite, everything, limit), all) << "sqlite, pages of " << limit;
    EXPECT_EQ(ReadAll(postgres, everything, limit), all) << "postgres, pages of " << limit;
  }
  ExportScope one_agent;
  one_agent.agent_id = "a1";
  one_agent.program_id = "eotm";
  one_agent.period = "2026-10";
  ExportScope blue_team;
  blue_team.teams = std::vector<std::string>{"Blue"};
  ExportScope no_team;
  no_team.teams = std::vector<std::string>{};
  ExportScope window;
  window.from_us = 1030;
  window.to_us = 1090;
  for (const ExportScope& scope : {one_agent, blue_team, no_team, window}) {
    const std::vector<std::string> expected = ReadAll(sqlite, scope, 1000);
    EXPECT_EQ(ReadAll(postgres, scope, 2), expected);
  }
  EXPECT_TRUE(ReadAll(postgres, no_team, 5).empty());
  EXPECT_LT(ReadAll(postgres, blue_team, 5).size(), all.size());
}

class HealthConformance : public conformance::BackendTest {};

TEST_P(HealthConformance, ReadyAndTheFiguresMetricsReportCountTheQueueAndBudgets) {
  EXPECT_TRUE(backend_->health().CheckReady().ok());
  Populate(*backend_);
  // Award 3 waits for approval; 1 is fulfilled and 2 failed: nothing is pending.
  auto figures = backend_->health().ReadFigures();
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(figures->waiting, 1);
  EXPECT_EQ(figures->pending, 0);
  EXPECT_FALSE(figures->oldest_pending_decided_us.has_value());
  ASSERT_EQ(figures->budgets.size(), 1u);
  EXPECT_EQ(figures->budgets[0].program_id, "eotm");
  EXPECT_EQ(figures->budgets[0].period, "2026-10");
  EXPECT_DOUBLE_EQ(figures->budgets[0].amount, 100);
  EXPECT_DOUBLE_EQ(figures->budgets[0].settled, 30);
  EXPECT_DOUBLE_EQ(figures->budgets[0].reserved, 0);
  EXPECT_EQ(figures->budgets[0].unit, "money");
  EXPECT_EQ(figures->budgets[0].currency, "EUR");
  // Approving award 3 makes its reward pending, decided at 1000.
  ASSERT_TRUE(ActOnAward(backend_->decisions(), conformance::AwardIdOf(3), AwardAction::kApprove,
                         kAnna, "", 4000)
                  .ok());
  figures = backend_->health().ReadFigures();
  ASSERT_TRUE(figures.ok());
  EXPECT_EQ(figures->waiting, 0);
  EXPECT_EQ(figures->pending, 1);
  EXPECT_EQ(figures->oldest_pending_decided_us.value_or(0), 1000);
  EXPECT_DOUBLE_EQ(figures->budgets[0].reserved, 10);
  EXPECT_GE(figures->readers_idle + figures->readers_in_use, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, HealthConformance, ::testing::Values("sqlite", "postgres"),
                         conformance::BackendName);

}  // namespace
}  // namespace plaudit

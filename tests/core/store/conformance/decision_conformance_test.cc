// The conformance suite's decisions: committed once with their standings, awards, budgets and
// rewards (the outbox), standings read a page at a time, and awards acted on within their budget,
// also by many approvers at once; on every backend.
#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/awards/award_actions.h"
#include "gtest/gtest.h"
#include "tests/core/store/conformance/backends.h"

namespace plaudit {
namespace {

class DecisionConformance : public conformance::BackendTest {
 protected:
  AwardRecord Award(int n) { return **backend_->decisions().GetAward(conformance::AwardIdOf(n)); }
  BudgetReport Report() { return **backend_->budgets().GetBudget("eotm", "2026-10"); }
  // A second, fresh database of the same backend.
  std::unique_ptr<conformance::Backend> MakeBackend() {
    return conformance::MakeBackend(GetParam());
  }
};

using conformance::AwardIdOf;
using conformance::Decision;
using conformance::Euros;
using conformance::kAnna;
using conformance::kBen;

TEST_P(DecisionConformance, AwardTierIsStoredAndReadBack) {
  DecisionRecord decision = testing::TestDecision();
  decision.awards[0].tier = "gold";
  ASSERT_TRUE(backend_->decisions().CommitDecision(decision, PlanAutoApproval).ok());
  Reopen();
  auto award = backend_->decisions().GetAward("eotm.2026-10.a1");
  ASSERT_TRUE(award.ok()) << award.status();
  ASSERT_TRUE(award->has_value());
  EXPECT_EQ((*award)->tier, "gold");
  auto listed = backend_->decisions().ListAwards("eotm", "2026-10");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].tier, "gold");
}

// Stored standings read back as exactly the numbers decided, not merely close to them: a page
// of a committed decision must agree with the decision bit for bit.
TEST_P(DecisionConformance, StandingNumbersReadBackExactly) {
  DecisionRecord decision = testing::TestDecision();
  const double third = 1.0 / 3.0;
  const double sum = 0.1 + 0.2;
  decision.standings[0].score = sum;
  decision.standings[0].metrics[0].value = third;
  decision.standings[0].metrics[0].normalized = 1e-300 / 7;
  decision.standings[0].target_progress = -2.0 / 3.0;
  ASSERT_TRUE(backend_->decisions().CommitDecision(decision, PlanAutoApproval).ok());
  Reopen();
  auto standings = backend_->decisions().ListStandings("eotm", "2026-10", 0, 1);
  ASSERT_TRUE(standings.ok()) << standings.status();
  ASSERT_EQ(standings->size(), 1u);
  const Standing& read = (*standings)[0].standing;
  EXPECT_EQ(read.score, sum);
  EXPECT_EQ(read.metrics[0].value, third);
  EXPECT_EQ(read.metrics[0].normalized, 1e-300 / 7);
  ASSERT_TRUE(read.target_progress.has_value());
  EXPECT_EQ(*read.target_progress, -2.0 / 3.0);
}

TEST_P(DecisionConformance, DecisionIsCommittedOnceAndSurvivesReopen) {
  auto first = backend_->decisions().CommitDecision(testing::TestDecision(), PlanAutoApproval);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->second);

  Reopen();
  DecisionRecord other = testing::TestDecision();
  other.awards[0].fulfilments[0].idempotency_key = "k2";
  other.standings.clear();
  auto second = backend_->decisions().CommitDecision(other, PlanAutoApproval);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->second);
  const DecisionRecord& stored = second->first;
  EXPECT_EQ(stored.program_version, 3);
  // The stored decision comes without its standings, which are read a page at a time.
  EXPECT_FALSE(stored.standings_loaded);
  EXPECT_TRUE(stored.standings.empty());
  EXPECT_EQ(stored.standings_count, 2);
  auto standings = backend_->decisions().ListStandings("eotm", "2026-10", 0, 10);
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
  // One decision, one set of rewards: the second commit wrote none.
  auto awards = backend_->decisions().ListAwards("", "");
  ASSERT_TRUE(awards.ok());
  ASSERT_EQ(awards->size(), 1u);
  EXPECT_EQ((*awards)[0].fulfilments.size(), 1u);
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

TEST_P(DecisionConformance, StandingsAreReadAPageByPositionAndOneCompetitorWithItsPosition) {
  ASSERT_TRUE(backend_->decisions().CommitDecision(DecisionOf(5), PlanAutoApproval).ok());
  Reopen();
  EXPECT_EQ(*backend_->decisions().CountStandings("eotm", "2026-10"), 6);
  EXPECT_EQ(*backend_->decisions().CountStandings("eotm", "2026-09"), 0);
  EXPECT_EQ(Competitors(*backend_->decisions().ListStandings("eotm", "2026-10", 0, 2)),
            (std::vector<std::string>{"0:a0", "1:a1"}));
  EXPECT_EQ(Competitors(*backend_->decisions().ListStandings("eotm", "2026-10", 4, 10)),
            (std::vector<std::string>{"4:a4", "5:red"}));
  EXPECT_TRUE(backend_->decisions().ListStandings("eotm", "2026-10", 6, 10)->empty());
  EXPECT_TRUE(backend_->decisions().ListStandings("eotm", "2026-09", 0, 10)->empty());

  auto a3 = backend_->decisions().FindStanding("eotm", "2026-10", "a3");
  ASSERT_TRUE(a3.ok()) << a3.status();
  ASSERT_TRUE(a3->has_value());
  EXPECT_EQ((*a3)->position, 3);
  EXPECT_EQ((*a3)->standing.rank, 4);
  EXPECT_DOUBLE_EQ((*a3)->standing.score, 0.25);
  // A team by its name, and by any of its members.
  for (const char* id : {"red", "m2"}) {
    auto red = backend_->decisions().FindStanding("eotm", "2026-10", id);
    ASSERT_TRUE(red.ok() && red->has_value()) << id;
    EXPECT_EQ((*red)->position, 5);
    EXPECT_EQ((*red)->standing.members, (std::vector<std::string>{"m1", "m2"}));
    EXPECT_EQ((*red)->standing.reasons, (std::vector<std::string>{"too few events"}));
  }
  EXPECT_FALSE(backend_->decisions()
                   .FindStanding("eotm", "2026-10", "red", /*members_only=*/true)
                   ->has_value());
  EXPECT_EQ((*backend_->decisions().FindStanding("eotm", "2026-10", "m1", /*members_only=*/true))
                ->position,
            5);
  EXPECT_FALSE(backend_->decisions().FindStanding("eotm", "2026-10", "nobody")->has_value());
  EXPECT_FALSE(backend_->decisions().FindStanding("eotm", "2026-09", "a1")->has_value());

  // The header alone, or the whole decision.
  auto header = backend_->decisions().GetDecision("eotm", "2026-10", /*with_standings=*/false);
  ASSERT_TRUE(header.ok() && header->has_value());
  EXPECT_FALSE((*header)->standings_loaded);
  EXPECT_TRUE((*header)->standings.empty());
  EXPECT_EQ((*header)->standings_count, 6);
  auto whole = backend_->decisions().GetDecision("eotm", "2026-10");
  ASSERT_TRUE(whole.ok() && whole->has_value());
  ASSERT_EQ((*whole)->standings.size(), 6u);
  EXPECT_EQ((*whole)->standings[5].team, "red");
}

TEST_P(DecisionConformance, AutoApprovalFillsAFixedBudgetInRankOrder) {
  // 100 EUR: ranks 1 and 2 (40 + 40) fit, rank 3 (40) does not, rank 4 (20) still does.
  auto committed = backend_->decisions().CommitDecision(Decision({40, 40, 40, 20}, 0, Euros(100)),
                                                        PlanAutoApproval);
  ASSERT_TRUE(committed.ok()) << committed.status();
  std::vector<AwardState> states;
  for (const AwardRecord& a : committed->first.awards) states.push_back(a.state);
  EXPECT_EQ(states, (std::vector<AwardState>{AwardState::kApproved, AwardState::kApproved,
                                             AwardState::kOverBudget, AwardState::kApproved}));
  EXPECT_EQ(Award(3).state_reason,
            "approval: auto; fixed budget has 20 EUR left, the award is 40 EUR");
  BudgetReport report = Report();
  EXPECT_DOUBLE_EQ(report.position.reserved, 100);
  EXPECT_DOUBLE_EQ(report.position.remaining(), 0);
  EXPECT_EQ(report.over_budget_awards, 1);
  // Only approved awards' rewards reach the fulfilment engine (pending); the others wait.
  EXPECT_EQ(Award(1).fulfilments[0].state, FulfilmentState::kPending);
  EXPECT_EQ(Award(4).fulfilments[0].state, FulfilmentState::kPending);
  EXPECT_EQ(Award(3).fulfilments[0].state, FulfilmentState::kWaiting);
}

TEST_P(DecisionConformance, UnknownAwardIsNotFound) {
  EXPECT_EQ(ActOnAward(backend_->decisions(), "nope", AwardAction::kApprove, kAnna, "", 1)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(backend_->decisions().AwardHistory("nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(DecisionConformance, OwnAwardCannotBeApproved) {
  ASSERT_TRUE(
      backend_->decisions().CommitDecision(Decision({10}, 1, std::nullopt), PlanAutoApproval).ok());
  auto own = ActOnAward(backend_->decisions(), AwardIdOf(1), AwardAction::kApprove,
                        Actor{"a1", Role::kAdmin, ""}, "", 2000);
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied);
}

// Many approvers at once, in random order, with random award values: a fixed budget is never
// exceeded, and what is reserved is exactly the value of the approved awards.
TEST_P(DecisionConformance, ConcurrentApprovalsNeverOverspendAFixedBudget) {
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::unique_ptr<conformance::Backend> backend = MakeBackend();
    backend->Open();
    DecisionStore* store = &backend->decisions();
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> cents(100, 5000);
    std::vector<double> values;
    for (int i = 0; i < 40; ++i) values.push_back(cents(rng) / 100.0);
    const double amount = 250;
    ASSERT_TRUE(store->CommitDecision(Decision(values, 1, Euros(amount)), PlanAutoApproval).ok());

    std::vector<std::thread> approvers;
    for (int t = 0; t < 8; ++t) {
      approvers.emplace_back([store, t, seed] {
        std::vector<int> order(40);
        for (int i = 0; i < 40; ++i) order[i] = i + 1;
        std::shuffle(order.begin(), order.end(), std::mt19937(seed * 100 + t));
        const Actor actor{absl::StrCat("manager-", t), Role::kManager, ""};
        for (int n : order) {
          // Refusals (already approved, over budget) are expected; only the outcome matters.
          (void)ActOnAward(*store, AwardIdOf(n), AwardAction::kApprove, actor, "", 5000);
        }
      });
    }
    for (std::thread& t : approvers) t.join();

    double approved_value = 0;
    int approved = 0;
    const std::vector<AwardRecord> awards = *store->ListAwards("eotm", "2026-10");
    for (const AwardRecord& a : awards) {
      ASSERT_TRUE(a.state == AwardState::kApproved || a.state == AwardState::kOverBudget)
          << a.id << " " << AwardStateName(a.state);
      if (a.state == AwardState::kApproved) {
        approved_value += a.value;
        ++approved;
      }
    }
    BudgetReport report = **backend->budgets().GetBudget("eotm", "2026-10");
    EXPECT_LE(report.position.reserved, amount + 1e-9) << "seed " << seed;
    EXPECT_NEAR(report.position.reserved, approved_value, 1e-9) << "seed " << seed;
    EXPECT_EQ(report.over_budget_awards, 40 - approved);
    EXPECT_GT(approved, 0);
    // Nothing was released, so the room only shrank: whatever is left over_budget does not fit
    // even in what remains now.
    for (const AwardRecord& a : awards) {
      if (a.state == AwardState::kOverBudget) {
        EXPECT_GT(a.value, report.position.remaining() + 1e-9) << a.id << " seed " << seed;
      }
    }
  }
}

TEST_P(DecisionConformance, LatestAwardPeriodIsTheLatestLabelWithAnAward) {
  EXPECT_EQ(*backend_->decisions().LatestAwardPeriod("eotm"), "");
  DecisionRecord october = Decision({10}, 0, std::nullopt);
  ASSERT_TRUE(backend_->decisions().CommitDecision(october, PlanAutoApproval).ok());
  DecisionRecord september = Decision({10}, 0, std::nullopt);
  september.period = "2026-09";
  for (AwardRecord& award : september.awards) {
    award.period = "2026-09";
    award.id = "eotm.2026-09." + award.agent_id;
    for (FulfilmentRecord& f : award.fulfilments) {
      f.award_id = award.id;
      f.id = award.id + ".leave_credit";
      f.idempotency_key += "-september";
    }
  }
  ASSERT_TRUE(backend_->decisions().CommitDecision(september, PlanAutoApproval).ok());
  EXPECT_EQ(*backend_->decisions().LatestAwardPeriod("eotm"), "2026-10");
  EXPECT_EQ(*backend_->decisions().LatestAwardPeriod("other"), "");
}

// Replicas closing the same period at once: one decision is stored, with one set of awards and
// rewards, and every replica gets it back.
TEST(DecisionReplicas, PostgresReplicasClosingOnePeriodAtOnceStoreOneDecision) {
  testing::TestSchema schema;
  std::vector<std::unique_ptr<PostgresStore>> replicas;
  for (int r = 0; r < 3; ++r) {
    auto store = PostgresStore::Open({schema.dsn(), 2}, testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    replicas.push_back(*std::move(store));
  }
  std::vector<int> first(6, -1);
  std::vector<std::thread> closers;
  for (int t = 0; t < 6; ++t) {
    closers.emplace_back([&, t] {
      DecisionRecord d = Decision({10, 20, 30}, 0, Euros(100));
      d.decided_us += t;  // each replica's own clock
      auto committed = replicas[t % 3]->CommitDecision(d, PlanAutoApproval);
      EXPECT_TRUE(committed.ok()) << committed.status();
      if (committed.ok()) {
        first[t] = committed->second ? 1 : 0;
        EXPECT_EQ(committed->first.awards.size(), 3u);
      }
    });
  }
  for (std::thread& t : closers) t.join();
  EXPECT_EQ(std::count(first.begin(), first.end(), 1), 1);
  EXPECT_EQ(std::count(first.begin(), first.end(), 0), 5);
  auto awards = replicas[0]->ListAwards("eotm", "2026-10");
  ASSERT_TRUE(awards.ok());
  EXPECT_EQ(awards->size(), 3u);
  auto budget = replicas[1]->GetBudget("eotm", "2026-10");
  ASSERT_TRUE(budget.ok() && budget->has_value());
  EXPECT_DOUBLE_EQ((*budget)->position.reserved, 60);
  EXPECT_EQ(replicas[2]->AwardHistory(awards->front().id)->size(), 2u);  // proposed, approved
}

INSTANTIATE_TEST_SUITE_P(Backends, DecisionConformance, ::testing::Values("sqlite", "postgres"),
                         conformance::BackendName);

}  // namespace
}  // namespace plaudit

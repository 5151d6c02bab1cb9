// The store's award lifecycle: states, history, approvals and the budget ledger, on a real
// SQLite database.
#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/awards/award_actions.h"
#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

const Actor kAnna{"anna", Role::kManager, ""};
const Actor kBen{"ben", Role::kManager, ""};

std::string AgentId(int i) { return absl::StrCat("a", i); }
std::string AwardIdOf(int i) { return absl::StrCat("eotm.2026-10.a", i); }

// A decision with one award per value, ranked in order, each with one leave_credit reward.
DecisionRecord Decision(const std::vector<double>& values, int approvals_needed,
                        std::optional<BudgetSpec> budget) {
  DecisionRecord d;
  d.program_id = "eotm";
  d.period = "2026-10";
  d.program_version = 1;
  d.decided_us = 1000;
  d.budget = budget;
  for (size_t i = 0; i < values.size(); ++i) {
    const int n = static_cast<int>(i) + 1;
    AwardRecord a;
    a.id = AwardIdOf(n);
    a.program_id = d.program_id;
    a.period = d.period;
    a.agent_id = AgentId(n);
    a.rank = n;
    a.program_version = 1;
    a.decided_us = d.decided_us;
    a.state = AwardState::kProposed;
    a.state_reason = absl::StrCat("decided: rank ", n);
    a.value = values[i];
    a.approvals_needed = approvals_needed;
    FulfilmentRecord f;
    f.id = a.id + ".leave_credit";
    f.award_id = a.id;
    f.agent_id = a.agent_id;
    f.type = "leave_credit";
    f.idempotency_key = absl::StrCat("key-", n);
    f.next_attempt_us = d.decided_us;
    f.updated_us = d.decided_us;
    a.fulfilments.push_back(f);
    d.awards.push_back(a);
  }
  return d;
}

BudgetSpec Euros(double amount, BudgetMode mode = BudgetMode::kFixed) {
  return BudgetSpec{mode, BudgetUnit::kMoney, "EUR", amount};
}

class AwardStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = testing::OpenTestStore(dir_); }

  AwardRecord Award(int n) { return **store_->GetAward(AwardIdOf(n)); }
  BudgetReport Report() { return **store_->GetBudget("eotm", "2026-10"); }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(AwardStoreTest, AutoApprovalFillsAFixedBudgetInRankOrder) {
  // 100 EUR: ranks 1 and 2 (40 + 40) fit, rank 3 (40) does not, rank 4 (20) still does.
  auto committed =
      store_->CommitDecision(Decision({40, 40, 40, 20}, 0, Euros(100)), PlanAutoApproval);
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
  // Only approved awards' rewards reach the fulfilment engine.
  auto due = store_->DueFulfilments(2000, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 3u);
  EXPECT_EQ(Award(3).fulfilments[0].state, FulfilmentState::kWaiting);
}

TEST_F(AwardStoreTest, ReservationIsSettledOnFulfilmentAndReleasedOnCancelAndFailure) {
  ASSERT_TRUE(store_->CommitDecision(Decision({30, 30, 30}, 1, Euros(100)), PlanAutoApproval).ok());
  EXPECT_TRUE(store_->DueFulfilments(2000, 10)->empty());  // Nothing approved yet.
  for (int n = 1; n <= 3; ++n) {
    auto approved = ActOnAward(*store_, AwardIdOf(n), AwardAction::kApprove, kAnna, "", 2000);
    ASSERT_TRUE(approved.ok()) << approved.status();
    EXPECT_EQ(approved->state, AwardState::kApproved);
    EXPECT_EQ(approved->approvals, std::vector<std::string>{"anna"});
  }
  EXPECT_DOUBLE_EQ(Report().position.reserved, 90);

  // 1 is fulfilled: settled.
  FulfilmentRecord f1 = Award(1).fulfilments[0];
  f1.updated_us = 3000;
  ASSERT_TRUE(*store_->BeginFulfilmentAttempt(f1));
  f1.state = FulfilmentState::kFulfilled;
  ASSERT_TRUE(store_->UpdateFulfilment(f1).ok());
  // 2 fails for good: released.
  FulfilmentRecord f2 = Award(2).fulfilments[0];
  ASSERT_TRUE(*store_->BeginFulfilmentAttempt(f2));
  f2.state = FulfilmentState::kFailed;
  ASSERT_TRUE(store_->UpdateFulfilment(f2).ok());
  // 3 is cancelled before fulfilment begins: released, and its reward never goes out.
  auto cancelled = ActOnAward(*store_, AwardIdOf(3), AwardAction::kCancel, kBen, "duplicate", 4000);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, AwardState::kCancelled);
  EXPECT_EQ(cancelled->fulfilments[0].state, FulfilmentState::kCancelled);
  FulfilmentRecord f3 = cancelled->fulfilments[0];
  EXPECT_FALSE(*store_->BeginFulfilmentAttempt(f3));

  BudgetReport report = Report();
  EXPECT_DOUBLE_EQ(report.position.settled, 30);
  EXPECT_DOUBLE_EQ(report.position.reserved, 0);
  EXPECT_DOUBLE_EQ(report.position.remaining(), 70);
  EXPECT_EQ(Award(1).state, AwardState::kFulfilled);
  EXPECT_EQ(Award(2).state, AwardState::kFailed);

  auto history = store_->AwardHistory(AwardIdOf(3));
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].to_state, "proposed");
  EXPECT_EQ((*history)[1].actor, "anna");
  EXPECT_EQ((*history)[1].to_state, "approved");
  EXPECT_EQ((*history)[2].from_state, "approved");
  EXPECT_EQ((*history)[2].to_state, "cancelled");
  EXPECT_EQ((*history)[2].actor, "ben");
  EXPECT_EQ((*history)[2].reason, "cancelled by ben: duplicate");
  EXPECT_EQ((*history)[2].at_us, 4000);
}

TEST_F(AwardStoreTest, RejectedAwardKeepsItsRewardsFromTheEngine) {
  DecisionRecord d = Decision({10}, 1, std::nullopt);
  d.awards[0].state = AwardState::kHeld;
  d.awards[0].state_reason = "hold \"fast but repeats\"";
  ASSERT_TRUE(store_->CommitDecision(d, PlanAutoApproval).ok());
  EXPECT_EQ(Award(1).state, AwardState::kHeld);
  auto rejected = ActOnAward(*store_, AwardIdOf(1), AwardAction::kReject, kAnna, "gaming", 2000);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->state, AwardState::kRejected);
  EXPECT_TRUE(store_->DueFulfilments(1'000'000, 10)->empty());
  EXPECT_FALSE(store_->GetBudget("eotm", "2026-10")->has_value());
  // Nothing can be done to it any more; a refused action writes nothing.
  auto again = ActOnAward(*store_, AwardIdOf(1), AwardAction::kApprove, kBen, "", 3000);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AwardHistory(AwardIdOf(1))->size(), 2u);
}

TEST_F(AwardStoreTest, UnknownAwardIsNotFound) {
  EXPECT_EQ(ActOnAward(*store_, "nope", AwardAction::kApprove, kAnna, "", 1).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->AwardHistory("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AwardStoreTest, OwnAwardCannotBeApproved) {
  ASSERT_TRUE(store_->CommitDecision(Decision({10}, 1, std::nullopt), PlanAutoApproval).ok());
  auto own = ActOnAward(*store_, AwardIdOf(1), AwardAction::kApprove, Actor{"a1", Role::kAdmin, ""},
                        "", 2000);
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied);
}

// Many approvers at once, in random order, with random award values: a fixed budget is never
// exceeded, and what is reserved is exactly the value of the approved awards.
TEST_F(AwardStoreTest, ConcurrentApprovalsNeverOverspendAFixedBudget) {
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    testing::TempDir dir;
    std::unique_ptr<Store> store = testing::OpenTestStore(dir);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> cents(100, 5000);
    std::vector<double> values;
    for (int i = 0; i < 40; ++i) values.push_back(cents(rng) / 100.0);
    const double amount = 250;
    ASSERT_TRUE(store->CommitDecision(Decision(values, 1, Euros(amount)), PlanAutoApproval).ok());

    std::vector<std::thread> approvers;
    for (int t = 0; t < 8; ++t) {
      approvers.emplace_back([&store, t, seed] {
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
    BudgetReport report = **store->GetBudget("eotm", "2026-10");
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

TEST_F(AwardStoreTest, LatestAwardPeriodIsTheLatestLabelWithAnAward) {
  EXPECT_EQ(*store_->LatestAwardPeriod("eotm"), "");
  DecisionRecord october = Decision({10}, 0, std::nullopt);
  ASSERT_TRUE(store_->CommitDecision(october, PlanAutoApproval).ok());
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
  ASSERT_TRUE(store_->CommitDecision(september, PlanAutoApproval).ok());
  EXPECT_EQ(*store_->LatestAwardPeriod("eotm"), "2026-10");
  EXPECT_EQ(*store_->LatestAwardPeriod("other"), "");
}

}  // namespace
}  // namespace plaudit

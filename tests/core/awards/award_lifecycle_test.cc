#include "core/awards/award_lifecycle.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

const Actor kAnna{"anna", Role::kManager, ""};
const Actor kBen{"ben", Role::kManager, ""};
const Actor kOps{"ops", Role::kAdmin, ""};

AwardFacts Proposed(int approvals_needed = 1) {
  AwardFacts award;
  award.award_id = "eotm.2026-10.a1";
  award.state = AwardState::kProposed;
  award.recipients = {"a1"};
  award.value = 50;
  award.approvals_needed = approvals_needed;
  return award;
}

BudgetPosition Budget(BudgetMode mode, double amount, double reserved, double settled) {
  BudgetPosition position;
  position.spec.mode = mode;
  position.spec.unit = BudgetUnit::kMoney;
  position.spec.currency = "EUR";
  position.spec.amount = amount;
  position.reserved = reserved;
  position.settled = settled;
  return position;
}

TEST(AwardLifecycle, OneManagerApprovesAndReleasesTheRewards) {
  auto plan = PlanAwardAction(Proposed(), AwardAction::kApprove, kAnna, "well earned");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->to, AwardState::kApproved);
  EXPECT_TRUE(plan->add_approval);
  EXPECT_TRUE(plan->release_fulfilments);
  EXPECT_EQ(plan->ledger, LedgerEffect::kNone);  // No budget.
  EXPECT_EQ(plan->reason, "approved by anna: well earned");
}

TEST(AwardLifecycle, TwoApproversMustBeDifferentPeople) {
  AwardFacts award = Proposed(2);
  auto first = PlanAwardAction(award, AwardAction::kApprove, kAnna, "");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->to, AwardState::kProposed);
  EXPECT_TRUE(first->add_approval);
  EXPECT_FALSE(first->release_fulfilments);
  EXPECT_EQ(first->reason, "approval 1 of 2 by anna");

  award.approvals = {"anna"};
  auto again = PlanAwardAction(award, AwardAction::kApprove, kAnna, "");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(),
            "anna has already approved award eotm.2026-10.a1; it needs 2 different approvers");

  auto second = PlanAwardAction(award, AwardAction::kApprove, kBen, "");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->to, AwardState::kApproved);
  EXPECT_EQ(second->reason, "approval 2 of 2 by ben");
}

TEST(AwardLifecycle, NobodyApprovesOrRejectsTheirOwnAward) {
  AwardFacts award = Proposed();
  award.recipients = {"anna", "a7"};  // A team award with anna in the team.
  for (AwardAction action : {AwardAction::kApprove, AwardAction::kReject}) {
    auto plan = PlanAwardAction(award, action, kAnna, "");
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kPermissionDenied);
  }
  EXPECT_EQ(PlanAwardAction(award, AwardAction::kApprove, kAnna, "").status().message(),
            "anna may not approve award eotm.2026-10.a1: it is their own award");
}

TEST(AwardLifecycle, RolesBelowTheApproverRoleAreRefused) {
  AwardFacts award = Proposed();
  auto nobody = PlanAwardAction(award, AwardAction::kApprove, Actor{"zoe", Role::kNone, ""}, "");
  EXPECT_EQ(nobody.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(nobody.status().message(),
            "zoe may not approve award eotm.2026-10.a1: it needs a manager or an admin, and zoe "
            "has no role");
  award.approver_role = Role::kAdmin;
  auto manager = PlanAwardAction(award, AwardAction::kApprove, kAnna, "");
  EXPECT_EQ(manager.status().message(),
            "anna may not approve award eotm.2026-10.a1: it needs an admin, and anna is manager");
  EXPECT_TRUE(PlanAwardAction(award, AwardAction::kApprove, kOps, "").ok());
}

TEST(AwardLifecycle, NoActorIsUnauthenticated) {
  auto plan = PlanAwardAction(Proposed(), AwardAction::kApprove, Actor{}, "");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(plan.status().message(),
            "no actor: say who you are to approve an award (plaudit --as USER)");
}

TEST(AwardLifecycle, FixedBudgetLeavesWhatDoesNotFitOverBudget) {
  AwardFacts award = Proposed();
  award.budget = Budget(BudgetMode::kFixed, 100, 40, 20);  // 40 left; the award is 50.
  auto plan = PlanAwardAction(award, AwardAction::kApprove, kAnna, "");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->to, AwardState::kOverBudget);
  EXPECT_EQ(plan->ledger, LedgerEffect::kNone);
  EXPECT_FALSE(plan->release_fulfilments);
  EXPECT_TRUE(plan->add_approval);  // The approval counts once room is made.
  EXPECT_EQ(plan->reason, "approved by anna; fixed budget has 40 EUR left, the award is 50 EUR");

  // Exactly the remaining amount fits.
  award.budget = Budget(BudgetMode::kFixed, 100, 30, 20);
  plan = PlanAwardAction(award, AwardAction::kApprove, kAnna, "");
  EXPECT_EQ(plan->to, AwardState::kApproved);
  EXPECT_EQ(plan->ledger, LedgerEffect::kReserve);
}

TEST(AwardLifecycle, OverBudgetAwardIsRetriedWithoutANewApprover) {
  AwardFacts award = Proposed();
  award.state = AwardState::kOverBudget;
  award.approvals = {"anna"};
  award.budget = Budget(BudgetMode::kFixed, 100, 0, 50);
  auto plan = PlanAwardAction(award, AwardAction::kApprove, kAnna, "room made");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->to, AwardState::kApproved);
  EXPECT_FALSE(plan->add_approval);
  EXPECT_EQ(plan->ledger, LedgerEffect::kReserve);
  EXPECT_EQ(plan->reason, "budget retried by anna: room made");
}

TEST(AwardLifecycle, FlexibleBudgetGrantsAndFlags) {
  AwardFacts award = Proposed();
  award.budget = Budget(BudgetMode::kFlexible, 100, 80, 0);
  auto plan = PlanAwardAction(award, AwardAction::kApprove, kAnna, "");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->to, AwardState::kApproved);
  EXPECT_EQ(plan->ledger, LedgerEffect::kReserve);
  EXPECT_TRUE(plan->over_flexible_budget);
  EXPECT_EQ(plan->reason, "approved by anna; flexible budget exceeded by 30 EUR");
}

TEST(AwardLifecycle, AutoApprovalUsesTheBudgetToo) {
  AwardFacts award = Proposed(0);
  EXPECT_EQ(PlanAutoApproval(award).to, AwardState::kApproved);
  award.budget = Budget(BudgetMode::kFixed, 10, 0, 0);
  TransitionPlan plan = PlanAutoApproval(award);
  EXPECT_EQ(plan.to, AwardState::kOverBudget);
  EXPECT_EQ(plan.reason, "approval: auto; fixed budget has 10 EUR left, the award is 50 EUR");
}

TEST(AwardLifecycle, RejectAndCancelFollowTheStates) {
  AwardFacts held = Proposed();
  held.state = AwardState::kHeld;
  auto rejected = PlanAwardAction(held, AwardAction::kReject, kAnna, "repeat contacts");
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->to, AwardState::kRejected);
  EXPECT_TRUE(rejected->cancel_fulfilments);
  EXPECT_EQ(rejected->reason, "rejected by anna: repeat contacts");

  AwardFacts approved = Proposed();
  approved.state = AwardState::kApproved;
  approved.budget = Budget(BudgetMode::kFixed, 100, 50, 0);
  EXPECT_EQ(PlanAwardAction(approved, AwardAction::kReject, kAnna, "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto cancelled = PlanAwardAction(approved, AwardAction::kCancel, kAnna, "left the company");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->to, AwardState::kCancelled);
  EXPECT_EQ(cancelled->ledger, LedgerEffect::kRelease);

  // A recipient who is a manager may cancel their own award, not approve it.
  approved.recipients = {"anna"};
  EXPECT_TRUE(PlanAwardAction(approved, AwardAction::kCancel, kAnna, "").ok());

  for (AwardState state : {AwardState::kFulfilling, AwardState::kFulfilled, AwardState::kFailed,
                           AwardState::kRejected, AwardState::kCancelled}) {
    AwardFacts award = Proposed();
    award.state = state;
    for (AwardAction action : {AwardAction::kApprove, AwardAction::kReject, AwardAction::kCancel}) {
      EXPECT_EQ(PlanAwardAction(award, action, kOps, "").status().code(),
                absl::StatusCode::kFailedPrecondition)
          << AwardStateName(state) << " " << AwardActionName(action);
    }
  }
  AwardFacts fulfilling = Proposed();
  fulfilling.state = AwardState::kFulfilling;
  EXPECT_EQ(
      PlanAwardAction(fulfilling, AwardAction::kCancel, kOps, "").status().message(),
      "award eotm.2026-10.a1 is fulfilling; only proposed, held, over_budget or approved (not "
      "yet fulfilling) awards can be cancelled");
}

// An award being fulfilled, with one reward in each given state.
AwardRecord Fulfilling(const std::vector<FulfilmentState>& rewards) {
  AwardRecord award;
  award.id = "eotm.2026-10.a1";
  award.state = AwardState::kFulfilling;
  for (size_t i = 0; i < rewards.size(); ++i) {
    FulfilmentRecord f;
    f.id = absl::StrCat(award.id, ".r", i + 1);
    f.state = rewards[i];
    if (f.state == FulfilmentState::kFailed) f.error = "vendor refused";
    award.fulfilments.push_back(f);
  }
  return award;
}

TEST(AwardLifecycle, AnAwardEndsOnceItsRewardsHave) {
  using F = FulfilmentState;
  // Not yet: a reward still to go out.
  EXPECT_FALSE(PlanAwardCompletion(Fulfilling({F::kFulfilled, F::kPending})).has_value());
  EXPECT_FALSE(PlanAwardCompletion(Fulfilling({F::kWaiting})).has_value());

  auto fulfilled = PlanAwardCompletion(Fulfilling({F::kFulfilled, F::kFulfilled}));
  ASSERT_TRUE(fulfilled.has_value());
  EXPECT_EQ(fulfilled->to, AwardState::kFulfilled);
  EXPECT_EQ(fulfilled->ledger, LedgerEffect::kSettle);
  EXPECT_EQ(fulfilled->reason, "every reward fulfilled");

  auto partly = PlanAwardCompletion(Fulfilling({F::kFulfilled, F::kCancelled}));
  ASSERT_TRUE(partly.has_value());
  EXPECT_EQ(partly->to, AwardState::kFulfilled);
  EXPECT_EQ(partly->reason, "1 reward(s) fulfilled, 1 cancelled");

  // A failed reward fails the award at once, even with others still out.
  auto failed = PlanAwardCompletion(Fulfilling({F::kPending, F::kFailed}));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->to, AwardState::kFailed);
  EXPECT_EQ(failed->ledger, LedgerEffect::kRelease);
  EXPECT_EQ(failed->reason, "eotm.2026-10.a1.r2 failed: vendor refused");

  auto cancelled = PlanAwardCompletion(Fulfilling({F::kCancelled}));
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_EQ(cancelled->to, AwardState::kCancelled);
  EXPECT_EQ(cancelled->ledger, LedgerEffect::kRelease);

  // Only an approved or fulfilling award ends this way.
  AwardRecord rejected = Fulfilling({F::kCancelled});
  rejected.state = AwardState::kRejected;
  EXPECT_FALSE(PlanAwardCompletion(rejected).has_value());
  AwardRecord approved = Fulfilling({F::kFulfilled});
  approved.state = AwardState::kApproved;
  EXPECT_TRUE(PlanAwardCompletion(approved).has_value());
}

TEST(AwardLifecycle, AFailedAwardReopensOnlyWhereItsBudgetHasRoom) {
  AwardFacts award = Proposed();
  award.state = AwardState::kFailed;
  auto free = PlanReopening(award, "anna", "vendor fixed the brand");
  ASSERT_TRUE(free.ok()) << free.status();
  EXPECT_EQ(free->to, AwardState::kFulfilling);
  EXPECT_EQ(free->ledger, LedgerEffect::kNone);  // No budget.
  EXPECT_EQ(free->reason, "retried by anna: vendor fixed the brand");

  award.budget = Budget(BudgetMode::kFixed, 100, 30, 20);
  auto fits = PlanReopening(award, "anna", "");
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->ledger, LedgerEffect::kReserve);
  EXPECT_EQ(fits->reason, "retried by anna");

  award.budget = Budget(BudgetMode::kFixed, 100, 40, 20);
  auto full = PlanReopening(award, "anna", "");
  EXPECT_EQ(full.status(), absl::FailedPreconditionError(
                               "award eotm.2026-10.a1 needs 50 EUR again and its fixed budget has "
                               "40 EUR left"));
  // A flexible budget takes it, over or not.
  award.budget = Budget(BudgetMode::kFlexible, 100, 40, 20);
  auto flexible = PlanReopening(award, "anna", "");
  ASSERT_TRUE(flexible.ok()) << flexible.status();
  EXPECT_EQ(flexible->ledger, LedgerEffect::kReserve);
}

TEST(AwardLifecycle, StateNamesRoundTrip) {
  for (AwardState state :
       {AwardState::kProposed, AwardState::kHeld, AwardState::kApproved, AwardState::kFulfilling,
        AwardState::kFulfilled, AwardState::kFailed, AwardState::kRejected, AwardState::kCancelled,
        AwardState::kOverBudget}) {
    EXPECT_EQ(ParseAwardState(AwardStateName(state)), state);
  }
  EXPECT_FALSE(ParseAwardState("granted").has_value());
}

TEST(AwardLifecycle, BudgetAmountsReadInTheirUnit) {
  BudgetSpec money{BudgetMode::kFixed, BudgetUnit::kMoney, "EUR", 0};
  EXPECT_EQ(FormatBudgetAmount(50, money), "50 EUR");
  EXPECT_EQ(FormatBudgetAmount(12.5, money), "12.50 EUR");
  EXPECT_EQ(FormatBudgetAmount(8, BudgetSpec{BudgetMode::kFixed, BudgetUnit::kHours, "", 0}),
            "8 h");
  BudgetSpec items{BudgetMode::kFixed, BudgetUnit::kItems, "", 0};
  EXPECT_EQ(FormatBudgetAmount(1, items), "1 item");
  EXPECT_EQ(FormatBudgetAmount(3, items), "3 items");
}

}  // namespace
}  // namespace plaudit

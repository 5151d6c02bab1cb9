#include "core/awards/award_lifecycle.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace plaudit {
namespace {

// Money and hours are compared to the cent: a budget of 100 takes four awards of 25 even when
// the sums carry binary rounding.
constexpr double kBudgetEpsilon = 1e-6;

// Whether `value` still fits in what the budget has left.
bool Fits(double value, const BudgetPosition& budget) {
  return value <= budget.remaining() + kBudgetEpsilon;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Reserving the award's value in the budget: approved (perhaps flagged over a flexible
// budget), or over_budget when a fixed budget cannot take it.
TransitionPlan PlanReservation(const AwardFacts& award, std::string reason) {
  TransitionPlan plan;
  plan.to = AwardState::kApproved;
  plan.release_fulfilments = true;
  plan.reason = std::move(reason);
  if (!award.budget.has_value()) return plan;
  const BudgetPosition& budget = *award.budget;
  const double remaining = budget.remaining();
  const bool fits = Fits(award.value, budget);
  if (!fits && budget.spec.mode == BudgetMode::kFixed) {
    plan.to = AwardState::kOverBudget;
    plan.release_fulfilments = false;
    plan.reason =
        absl::StrCat(plan.reason, "; fixed budget has ",
                     FormatBudgetAmount(std::max(remaining, 0.0), budget.spec),
                     " left, the award is ", FormatBudgetAmount(award.value, budget.spec));
    return plan;
  }
  plan.ledger = LedgerEffect::kReserve;
  if (!fits) {
    plan.over_flexible_budget = true;
    plan.reason = absl::StrCat(plan.reason, "; flexible budget exceeded by ",
                               FormatBudgetAmount(award.value - remaining, budget.spec));
  }
  return plan;
}

std::string WithReason(std::string text, const std::string& reason) {
  if (!reason.empty()) absl::StrAppend(&text, ": ", reason);
  return text;
}

}  // namespace

absl::StatusOr<TransitionPlan> PlanAwardAction(const AwardFacts& award, AwardAction action,
                                               const Actor& actor, const std::string& reason) {
  if (actor.name.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("no actor: say who you are to ",
                                                   std::string(AwardActionName(action)),
                                                   " an award (plaudit --as USER)"));
  }
  const bool own = Contains(award.recipients, actor.name) ||
                   (!actor.agent_id.empty() && Contains(award.recipients, actor.agent_id));
  if (action != AwardAction::kCancel && own) {
    return absl::PermissionDeniedError(absl::StrCat(actor.name, " may not ",
                                                    std::string(AwardActionName(action)), " award ",
                                                    award.award_id, ": it is their own award"));
  }
  if (actor.role < award.approver_role) {
    return absl::PermissionDeniedError(absl::StrCat(
        actor.name, " may not ", std::string(AwardActionName(action)), " award ", award.award_id,
        ": it needs ", award.approver_role == Role::kAdmin ? "an admin" : "a manager or an admin",
        ", and ", actor.name,
        actor.role == Role::kNone ? " has no role"
                                  : absl::StrCat(" is ", std::string(RoleName(actor.role)))));
  }
  const AwardState state = award.state;
  const bool reviewable = state == AwardState::kProposed || state == AwardState::kHeld ||
                          state == AwardState::kOverBudget;
  auto refuse = [&](const std::string& allowed) {
    return absl::FailedPreconditionError(
        absl::StrCat("award ", award.award_id, " is ", std::string(AwardStateName(state)),
                     "; only ", allowed, " awards can be ",
                     action == AwardAction::kApprove  ? "approved"
                     : action == AwardAction::kReject ? "rejected"
                                                      : "cancelled"));
  };

  TransitionPlan plan;
  switch (action) {
    case AwardAction::kApprove: {
      if (!reviewable) return refuse("proposed, held or over_budget");
      const int needed = std::max(award.approvals_needed, 1);
      const int have = static_cast<int>(award.approvals.size());
      // An over_budget award that had all its approvals is only waiting for room in the budget:
      // approving it again retries the reservation.
      if (state == AwardState::kOverBudget && have >= needed) {
        return PlanReservation(award,
                               WithReason(absl::StrCat("budget retried by ", actor.name), reason));
      }
      if (Contains(award.approvals, actor.name)) {
        return absl::FailedPreconditionError(
            absl::StrCat(actor.name, " has already approved award ", award.award_id, "; it needs ",
                         needed, " different approvers"));
      }
      std::string approval =
          needed > 1 ? absl::StrCat("approval ", have + 1, " of ", needed, " by ", actor.name)
                     : absl::StrCat("approved by ", actor.name);
      approval = WithReason(std::move(approval), reason);
      if (have + 1 < needed) {
        plan.to = state;
        plan.add_approval = true;
        plan.reason = std::move(approval);
        return plan;
      }
      plan = PlanReservation(award, std::move(approval));
      plan.add_approval = true;
      return plan;
    }
    case AwardAction::kReject:
      if (!reviewable) return refuse("proposed, held or over_budget");
      plan.to = AwardState::kRejected;
      plan.cancel_fulfilments = true;
      plan.reason = WithReason(absl::StrCat("rejected by ", actor.name), reason);
      return plan;
    case AwardAction::kCancel:
      if (!reviewable && state != AwardState::kApproved) {
        return refuse("proposed, held, over_budget or approved (not yet fulfilling)");
      }
      plan.to = AwardState::kCancelled;
      plan.cancel_fulfilments = true;
      if (state == AwardState::kApproved && award.budget.has_value()) {
        plan.ledger = LedgerEffect::kRelease;
      }
      plan.reason = WithReason(absl::StrCat("cancelled by ", actor.name), reason);
      return plan;
  }
  return absl::InternalError("unknown award action");
}

TransitionPlan PlanAutoApproval(const AwardFacts& award) {
  return PlanReservation(award, "approval: auto");
}

std::optional<TransitionPlan> PlanAwardCompletion(const AwardRecord& award) {
  if (award.state != AwardState::kApproved && award.state != AwardState::kFulfilling) {
    return std::nullopt;
  }
  const FulfilmentRecord* failed = nullptr;
  int fulfilled = 0;
  int cancelled = 0;
  for (const FulfilmentRecord& f : award.fulfilments) {
    if (f.state == FulfilmentState::kFailed && failed == nullptr) failed = &f;
    if (f.state == FulfilmentState::kFulfilled) ++fulfilled;
    if (f.state == FulfilmentState::kCancelled) ++cancelled;
  }
  const bool all_ended = fulfilled + cancelled == static_cast<int>(award.fulfilments.size());
  if (failed == nullptr && !all_ended) return std::nullopt;
  TransitionPlan plan;
  if (failed != nullptr) {
    plan.to = AwardState::kFailed;
    plan.reason = absl::StrCat(failed->id, " failed: ", failed->error);
    plan.ledger = LedgerEffect::kRelease;
  } else if (fulfilled == 0) {
    plan.to = AwardState::kCancelled;
    plan.reason = "every reward was cancelled";
    plan.ledger = LedgerEffect::kRelease;
  } else {
    plan.to = AwardState::kFulfilled;
    plan.ledger = LedgerEffect::kSettle;
    plan.reason = cancelled == 0
                      ? std::string("every reward fulfilled")
                      : absl::StrCat(fulfilled, " reward(s) fulfilled, ", cancelled, " cancelled");
  }
  return plan;
}

absl::StatusOr<TransitionPlan> PlanReopening(const AwardFacts& award, const std::string& actor,
                                             const std::string& reason) {
  TransitionPlan plan;
  plan.to = AwardState::kFulfilling;
  plan.reason = WithReason(absl::StrCat("retried by ", actor), reason);
  if (!award.budget.has_value()) return plan;
  const BudgetPosition& budget = *award.budget;
  if (budget.spec.mode == BudgetMode::kFixed && !Fits(award.value, budget)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "award ", award.award_id, " needs ", FormatBudgetAmount(award.value, budget.spec),
        " again and its fixed budget has ",
        FormatBudgetAmount(std::max(budget.remaining(), 0.0), budget.spec), " left"));
  }
  plan.ledger = LedgerEffect::kReserve;
  return plan;
}

}  // namespace plaudit

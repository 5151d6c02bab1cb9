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
  const bool fits = award.value <= remaining + kBudgetEpsilon;
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

std::string_view AwardStateName(AwardState state) {
  switch (state) {
    case AwardState::kProposed:
      return "proposed";
    case AwardState::kHeld:
      return "held";
    case AwardState::kApproved:
      return "approved";
    case AwardState::kFulfilling:
      return "fulfilling";
    case AwardState::kFulfilled:
      return "fulfilled";
    case AwardState::kFailed:
      return "failed";
    case AwardState::kRejected:
      return "rejected";
    case AwardState::kCancelled:
      return "cancelled";
    case AwardState::kOverBudget:
      return "over_budget";
  }
  return "proposed";
}

std::optional<AwardState> ParseAwardState(std::string_view name) {
  for (AwardState state :
       {AwardState::kProposed, AwardState::kHeld, AwardState::kApproved, AwardState::kFulfilling,
        AwardState::kFulfilled, AwardState::kFailed, AwardState::kRejected, AwardState::kCancelled,
        AwardState::kOverBudget}) {
    if (AwardStateName(state) == name) return state;
  }
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kManager:
      return "manager";
    case Role::kAdmin:
      return "admin";
  }
  return "none";
}

std::string_view AwardActionName(AwardAction action) {
  switch (action) {
    case AwardAction::kApprove:
      return "approve";
    case AwardAction::kReject:
      return "reject";
    case AwardAction::kCancel:
      return "cancel";
  }
  return "approve";
}

std::string FormatBudgetAmount(double amount, const BudgetSpec& spec) {
  // Whole numbers print without decimals, others to the cent.
  std::string number = std::fabs(amount - std::round(amount)) < kBudgetEpsilon
                           ? absl::StrFormat("%.0f", amount)
                           : absl::StrFormat("%.2f", amount);
  switch (spec.unit) {
    case BudgetUnit::kMoney:
      return absl::StrCat(number, " ", spec.currency);
    case BudgetUnit::kHours:
      return absl::StrCat(number, " h");
    case BudgetUnit::kItems:
      return absl::StrCat(number, number == "1" ? " item" : " items");
  }
  return number;
}

absl::StatusOr<TransitionPlan> PlanAwardAction(const AwardFacts& award, AwardAction action,
                                               const Actor& actor, const std::string& reason) {
  if (actor.name.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("no actor: say who you are to ",
                                                   std::string(AwardActionName(action)),
                                                   " an award (plaudit --as USER)"));
  }
  if (action != AwardAction::kCancel && Contains(award.recipients, actor.name)) {
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

}  // namespace plaudit

#include "core/store/award_records.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace plaudit {
namespace {

// Amounts within this of a whole number print without decimals.
constexpr double kBudgetEpsilon = 1e-6;

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
    case AwardState::kHoldout:
      return "holdout";
  }
  return "proposed";
}

std::optional<AwardState> ParseAwardState(std::string_view name) {
  for (AwardState state :
       {AwardState::kProposed, AwardState::kHeld, AwardState::kApproved, AwardState::kFulfilling,
        AwardState::kFulfilled, AwardState::kFailed, AwardState::kRejected, AwardState::kCancelled,
        AwardState::kOverBudget, AwardState::kHoldout}) {
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

}  // namespace plaudit

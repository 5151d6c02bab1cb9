// The record types of an award's life after it is decided: its states, who acts on it, its
// budget position, and the plan of a transition (core/awards/award_lifecycle.h decides plans; the
// store applies them in the transaction that read the facts). Plain values; no rules live here.
#ifndef PLAUDIT_CORE_STORE_AWARD_RECORDS_H_
#define PLAUDIT_CORE_STORE_AWARD_RECORDS_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/program/program_spec.h"

namespace plaudit {

enum class AwardState {
  kProposed,
  kHeld,
  kApproved,
  kFulfilling,
  kFulfilled,
  kFailed,
  kRejected,
  kCancelled,
  kOverBudget,
  // Its winner is in the program's holdout: scored and shown, never rewarded (no rewards, no
  // budget). Final.
  kHoldout,
};
std::string_view AwardStateName(AwardState state);
std::optional<AwardState> ParseAwardState(std::string_view name);

// What a person may do, from plauditd's configuration (roles).
enum class Role { kNone, kManager, kAdmin };
std::string_view RoleName(Role role);

struct Actor {
  // Who asks (the authenticated subject); empty when the request named nobody.
  std::string name;
  Role role = Role::kNone;
  // The agent the subject is, when it is one: nobody acts on an award to themselves.
  std::string agent_id;
};

// The actor of transitions plauditd makes by itself (auto approval, fulfilment).
inline constexpr std::string_view kSystemActor = "plauditd";

// A program's budget for one period and what its awards hold of it.
struct BudgetPosition {
  BudgetSpec spec;
  double reserved = 0;
  double settled = 0;
  double remaining() const { return spec.amount - reserved - settled; }
};

// Everything an action on an award is decided on.
struct AwardFacts {
  std::string award_id;
  AwardState state = AwardState::kProposed;
  // The winner; for a team award, every member (nobody approves an award to themselves).
  std::vector<std::string> recipients;
  // The sum of its rewards' values, in the budget's unit.
  double value = 0;
  // 0 (auto), 1 or 2.
  int approvals_needed = 0;
  // The least role that may approve, reject or cancel it.
  Role approver_role = Role::kManager;
  // Who has approved it so far, in order.
  std::vector<std::string> approvals;
  // Unset when the program has no budget.
  std::optional<BudgetPosition> budget;
};

enum class AwardAction { kApprove, kReject, kCancel };
std::string_view AwardActionName(AwardAction action);

enum class LedgerEffect {
  kNone,
  // Reserve the award's value.
  kReserve,
  // Give back its reservation.
  kRelease,
  // Its reservation is spent.
  kSettle,
};

// What an action does; the store writes all of it or nothing.
struct TransitionPlan {
  AwardState to = AwardState::kProposed;
  // Record the actor as one more approver.
  bool add_approval = false;
  LedgerEffect ledger = LedgerEffect::kNone;
  // The reservation exceeds a flexible budget.
  bool over_flexible_budget = false;
  // Release the award's rewards to the fulfilment engine.
  bool release_fulfilments = false;
  // Its rewards will never be fulfilled.
  bool cancel_fulfilments = false;
  // For the history, e.g. "approval 1 of 2 by ana" or "fixed budget: 20 EUR left, award is 50".
  std::string reason;
};

// Decides a transition from an award's facts, inside the store's transaction.
using AwardPlanner = std::function<absl::StatusOr<TransitionPlan>(const AwardFacts&)>;

struct AwardRecord;  // core/store/store_records.h

// Decides, inside the transaction that ends one of its rewards, how the award (with its
// fulfilments as they now stand) ends: nullopt while it does not.
using AwardCompletion = std::function<std::optional<TransitionPlan>(const AwardRecord&)>;

// A budget amount in its unit: "50 EUR", "8 h", "3 items".
std::string FormatBudgetAmount(double amount, const BudgetSpec& spec);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_AWARD_RECORDS_H_

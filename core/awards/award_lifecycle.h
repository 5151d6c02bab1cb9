// The life of an award after it is decided: who may approve, reject or cancel it, what each
// action does to its state and to its program's budget for the period. Pure functions over a
// snapshot; the store applies a plan in the same transaction it read the snapshot in, so
// concurrent approvals cannot overspend a fixed budget.
//
//   decided --> proposed --approve(s)--> approved --first attempt--> fulfilling --> fulfilled
//          \--> held ------approve(s)--^        \                             \--> failed
//   proposed | held | over_budget --reject--> rejected
//   proposed | held | over_budget | approved --cancel--> cancelled
//   approval that does not fit a fixed budget --> over_budget (approve again once it fits)
//   failed --a reward retried--> fulfilling (its value reserved anew)
#ifndef PLAUDIT_CORE_AWARDS_AWARD_LIFECYCLE_H_
#define PLAUDIT_CORE_AWARDS_AWARD_LIFECYCLE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/program/program_spec.h"
#include "core/store/award_records.h"
#include "core/store/store_records.h"

namespace plaudit {

// Decides what `action` by `actor` does to the award. Errors, none of which change anything:
// UNAUTHENTICATED without an actor; PERMISSION_DENIED for a role below the award's approver role
// or for approving or rejecting one's own award; FAILED_PRECONDITION when the state does not
// allow the action or the actor has already approved. `reason` is the actor's, added to the
// history.
absl::StatusOr<TransitionPlan> PlanAwardAction(const AwardFacts& award, AwardAction action,
                                               const Actor& actor, const std::string& reason);

// The approval plauditd gives an auto-approved award when it is decided: approved, or left
// over_budget by a fixed budget it does not fit.
TransitionPlan PlanAutoApproval(const AwardFacts& award);

// How an award ends once its rewards have (an AwardCompletion): failed when a reward failed
// (its reservation released); otherwise, once every reward is fulfilled or cancelled, fulfilled
// (settled) when at least one was fulfilled, else cancelled (released). nullopt while the award is
// neither approved nor fulfilling, or a reward has yet to end.
std::optional<TransitionPlan> PlanAwardCompletion(const AwardRecord& award);

// What retrying a reward of a failed award does to the award: fulfilling again, its value
// reserved anew, which the failure gave back. FAILED_PRECONDITION when a fixed budget no longer
// has room for it.
absl::StatusOr<TransitionPlan> PlanReopening(const AwardFacts& award, const std::string& actor,
                                             const std::string& reason);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_AWARD_LIFECYCLE_H_

// How an award ends once its rewards have: fulfilled (every reward fulfilled or cancelled, at
// least one fulfilled), failed (a reward failed) or cancelled (every reward cancelled). Both
// backends apply it in the transaction that ends the last reward. It is the one award rule still
// applied inside the store; it belongs with core/awards once a unit of work lets that stage
// decide inside the store's transaction.
#ifndef PLAUDIT_CORE_STORE_AWARD_COMPLETION_H_
#define PLAUDIT_CORE_STORE_AWARD_COMPLETION_H_

#include <optional>

#include "core/store/store_records.h"

namespace plaudit {

// The transition that ends `award` (with its fulfilments), or nullopt while it is not approved
// or fulfilling, or some reward is still to end. Fulfilled settles the award's reservation (the
// caller does); failed and cancelled release it (plan.ledger).
std::optional<TransitionPlan> CompletionPlan(const AwardRecord& award);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_AWARD_COMPLETION_H_

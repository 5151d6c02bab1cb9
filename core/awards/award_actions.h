// What people do to a decided award: approve, reject or cancel it. The lifecycle's rules
// (PlanAwardAction()) are applied by the store in the transaction that read the award, so
// concurrent actions see each other. Thread-safe, as the store is.
#ifndef PLAUDIT_CORE_AWARDS_AWARD_ACTIONS_H_
#define PLAUDIT_CORE_AWARDS_AWARD_ACTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/awards/award_lifecycle.h"
#include "core/store/decision_store.h"

namespace plaudit {

// The award after `action` by `actor`. NOT_FOUND for an unknown award; PlanAwardAction()'s
// refusals otherwise, with nothing changed.
absl::StatusOr<AwardRecord> ActOnAward(DecisionStore& store, const std::string& award_id,
                                       AwardAction action, const Actor& actor,
                                       const std::string& reason, int64_t now_us);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_AWARD_ACTIONS_H_

#include "core/store/award_completion.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace plaudit {

std::optional<TransitionPlan> CompletionPlan(const AwardRecord& award) {
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
    plan.reason = cancelled == 0
                      ? std::string("every reward fulfilled")
                      : absl::StrCat(fulfilled, " reward(s) fulfilled, ", cancelled, " cancelled");
  }
  return plan;
}

}  // namespace plaudit

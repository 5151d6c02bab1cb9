#include "core/awards/award_actions.h"

namespace plaudit {

absl::StatusOr<AwardRecord> ActOnAward(DecisionStore& store, const std::string& award_id,
                                       AwardAction action, const Actor& actor,
                                       const std::string& reason, int64_t now_us) {
  return store.ApplyAwardAction(
      award_id,
      [&](const AwardFacts& facts) { return PlanAwardAction(facts, action, actor, reason); },
      actor.name, now_us);
}

}  // namespace plaudit

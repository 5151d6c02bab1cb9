// Rewards on their way to the recipient: the fulfilment queue and every call made for each reward.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_FULFILMENT_STORE_H_
#define PLAUDIT_CORE_STORE_FULFILMENT_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

class FulfilmentStore {
 public:
  virtual ~FulfilmentStore() = default;

  virtual absl::StatusOr<std::vector<FulfilmentRecord>> ListFulfilments(
      const std::string& award_id) = 0;
  virtual absl::StatusOr<std::optional<FulfilmentRecord>> GetFulfilment(const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<FulfilmentRecord>> FindFulfilmentByKey(
      const std::string& idempotency_key) = 0;
  // Appends to the reward's attempt history (seq is assigned).
  virtual absl::Status RecordAttempt(const FulfilmentAttempt& attempt) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<FulfilmentAttempt>> ListAttempts(
      const std::string& fulfilment_id) = 0;
  // A failed reward gets another round of attempts (looked up first: an order may exist). Its
  // award, if failed, takes the transition `reopen` plans from its facts (its budget position
  // read under the budget's lock); FAILED_PRECONDITION, writing nothing, when the reward has not
  // failed, and the planner's error when it refuses.
  virtual absl::StatusOr<FulfilmentRecord> RetryFulfilment(const std::string& id,
                                                           const std::string& actor,
                                                           const std::string& reason,
                                                           int64_t now_us,
                                                           const AwardPlanner& reopen) = 0;
  // A reward that will not be delivered. Only while nothing may be out with a vendor: waiting,
  // or pending and never attempted or last refused; FAILED_PRECONDITION otherwise. Its award
  // then takes the transition `completion` plans, in the same transaction.
  virtual absl::StatusOr<FulfilmentRecord> CancelFulfilment(const std::string& id,
                                                            const std::string& actor,
                                                            const std::string& reason,
                                                            int64_t now_us,
                                                            const AwardCompletion& completion) = 0;
  // Records that a fulfilled reward was redeemed at redeemed_us, as its vendor reported. True
  // when this recorded it; false when it was already recorded or the reward is not fulfilled.
  virtual absl::StatusOr<bool> MarkRedeemed(const std::string& id, int64_t redeemed_us) = 0;
  // Makes the pending rewards with these keys due now, looked up first.
  virtual absl::Status CheckFulfilmentsNow(const std::vector<std::string>& idempotency_keys,
                                           int64_t now_us) = 0;
  // Pending fulfilments with next_attempt_us <= now_us, oldest first. Of a type in
  // `in_rank_order` (scarce rewards), only those whose turn has come (TurnHasCome()).
  virtual absl::StatusOr<std::vector<FulfilmentRecord>> DueFulfilments(
      int64_t now_us, int limit, const std::set<std::string>& in_rank_order = {}) = 0;
  // Earliest next_attempt_us of a pending fulfilment, if any.
  virtual absl::StatusOr<std::optional<int64_t>> NextFulfilmentDue() = 0;
  // Before a call for a due fulfilment: marks it check_first (a crash during the call leaves it
  // to be looked up), counts one more attempt when `count_attempt`, writes updated_us, and moves
  // its award from approved to fulfilling. False, writing nothing, when the fulfilment is no
  // longer pending (cancelled, or finished by a callback, since it was read), or, with
  // `in_rank_order` (a scarce reward), when its turn has not come (TurnHasCome()): checked in
  // the same transaction, so that nothing decided meanwhile lets it overtake an earlier rank.
  virtual absl::StatusOr<bool> BeginFulfilmentAttempt(FulfilmentRecord& record,
                                                      bool count_attempt = true,
                                                      bool in_rank_order = false) = 0;
  // Writes state, attempts, error, artifact, next_attempt_us, updated_us and check_first of a
  // pending `record`; FAILED_PRECONDITION, writing nothing, when it is no longer pending. Its
  // award then takes the transition `completion` plans (core/awards: fulfilled, failed or
  // cancelled once its rewards have ended), in the same transaction. With `attempt`, the call
  // that led to it is appended to the reward's history in the same transaction (also when the
  // reward is no longer pending: the call happened).
  virtual absl::Status UpdateFulfilment(
      const FulfilmentRecord& record, const AwardCompletion& completion,
      const std::optional<FulfilmentAttempt>& attempt = std::nullopt) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_FULFILMENT_STORE_H_

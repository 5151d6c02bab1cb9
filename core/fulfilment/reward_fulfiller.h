// The seam between the fulfilment engine and whatever delivers a reward (the plugin host in the
// server, a scripted fake in tests).
#ifndef PLAUDIT_CORE_FULFILMENT_REWARD_FULFILLER_H_
#define PLAUDIT_CORE_FULFILMENT_REWARD_FULFILLER_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "core/domain/agent.h"

namespace plaudit {

struct FulfilmentCall {
  // Fixed when the award was committed; the same on every attempt.
  std::string idempotency_key;
  std::string award_id;
  std::string program_id;
  std::string program_name;
  // The period's label, for showing; plugins compute with the instants below.
  std::string period;
  // The period as [period_start, period_end) in the program's time zone; unset when the program
  // or its period could not be read.
  std::optional<absl::Time> period_start;
  std::optional<absl::Time> period_end;
  // The program's IANA time zone.
  std::string time_zone;
  Agent agent;
  std::string reward_type;
  std::map<std::string, std::string> params;
  int attempt = 1;
};

enum class FulfilOutcome {
  kFulfilled,
  // With the vendor, or waiting for a person: look it up later.
  kPending,
  kRetryable,
  kPermanent,
  // A timeout or a broken call: it may or may not have happened. Look it up before any retry.
  kUnknown,
  // Lookups only: nothing was placed under the key, so fulfilling cannot deliver twice.
  kNotFound,
  // Lookups only: the plugin cannot look rewards up; fulfil again (plugins are idempotent).
  kCannotLookUp,
};

struct FulfilResult {
  FulfilOutcome outcome = FulfilOutcome::kPermanent;
  std::string error;
  std::string artifact;
  // A vendor's requested wait before the next attempt; zero when none.
  absl::Duration retry_after = absl::ZeroDuration();
  // When the recipient redeemed the reward, where the vendor reports it.
  std::optional<absl::Time> redeemed_at;
};

// Implementations are called from the engine's worker threads and must be thread-safe.
class RewardFulfiller {
 public:
  virtual ~RewardFulfiller() = default;
  virtual FulfilResult Fulfil(const FulfilmentCall& call) = 0;
  // Where the reward placed under call.idempotency_key stands, placing nothing.
  virtual FulfilResult Lookup(const FulfilmentCall&) {
    FulfilResult result;
    result.outcome = FulfilOutcome::kCannotLookUp;
    return result;
  }
  // The name of the plugin that serves `reward_type` (for per-plugin limits); "" when none.
  virtual std::string PluginServing(const std::string& reward_type) const { return reward_type; }
  // The reward types that are scarce, which the engine hands out in rank order (see
  // FulfilmentEngine).
  virtual std::set<std::string> RewardTypesInRankOrder() const { return {}; }
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_FULFILMENT_REWARD_FULFILLER_H_

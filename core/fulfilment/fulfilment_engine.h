// Delivers committed rewards. Reads due fulfilment rows from the store (written with their award:
// the transactional outbox), calls the RewardFulfiller with the row's fixed idempotency key and
// records the outcome:
//   fulfilled  -> fulfilled
//   pending    -> polled again after `pending_poll`, without spending an attempt (also used while
//                 no loaded plugin serves the reward type)
//   retryable  -> retried after a full-jitter backoff (or the vendor's Retry-After, if longer)
//   unknown    -> retried like retryable with the same key, so the plugin can look it up
//   permanent  -> failed with the reason
// After `max_attempts` attempts a row fails. The attempt is counted in the store before the call,
// so a crash mid-call resumes with the same key after restart and still counts toward the limit.
//
// Start() runs one worker thread; RunOnce() processes what is due synchronously (tests drive it
// with a FakeClock). RunOnce() must not run concurrently with itself or a started worker: rows
// are not leased, so two callers could attempt the same row.
#ifndef PLAUDIT_CORE_FULFILMENT_FULFILMENT_ENGINE_H_
#define PLAUDIT_CORE_FULFILMENT_FULFILMENT_ENGINE_H_

#include <cstdint>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/domain/clock.h"
#include "core/fulfilment/reward_fulfiller.h"
#include "core/store/store.h"

namespace plaudit {

class FulfilmentEngine {
 public:
  struct Options {
    // With these defaults a failing reward is retried for roughly ten minutes before it fails.
    int max_attempts = 8;
    absl::Duration base_backoff = absl::Seconds(2);
    absl::Duration max_backoff = absl::Minutes(5);
    absl::Duration pending_poll = absl::Seconds(30);
    // How long an idle worker sleeps before looking again, unless woken.
    absl::Duration idle_wait = absl::Seconds(1);
  };

  FulfilmentEngine(Store* store, RewardFulfiller* fulfiller, Clock* clock, Options options);
  ~FulfilmentEngine();

  void Start();
  // Waits for the worker to finish its current fulfilment, then returns.
  void Stop();
  // Tells the worker there may be new work (a decision was just committed).
  void Wake();

  // Processes every fulfilment due now; returns how many were attempted (a row whose attempt
  // could not be recorded in the store is not).
  int RunOnce();

  // The wait before attempt `attempts + 1` after a retryable failure: uniform in
  // [0, min(max_backoff, base_backoff * 2^(attempts-1))], at least `retry_after`.
  absl::Duration Backoff(int attempts, absl::Duration retry_after);

 private:
  // False when the store could not record the attempt.
  bool Attempt(FulfilmentRecord record);
  void Loop();

  Store* store_;
  RewardFulfiller* fulfiller_;
  Clock* clock_;
  Options options_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  absl::BitGen rng_ ABSL_GUARDED_BY(mu_);
  std::thread worker_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_FULFILMENT_FULFILMENT_ENGINE_H_

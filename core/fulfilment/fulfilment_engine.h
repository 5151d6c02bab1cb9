// Delivers approved rewards. Reads due fulfilment rows from the store (written with their award:
// the transactional outbox), calls the RewardFulfiller with the row's fixed idempotency key and
// records the outcome:
//   fulfilled  -> fulfilled
//   pending    -> looked up again after `pending_poll`, without spending an attempt (the vendor
//                 is still processing it, a person has yet to hand it over, or no loaded plugin
//                 serves the reward type)
//   retryable  -> tried again after a full-jitter backoff (or the vendor's Retry-After, if longer)
//   unknown    -> looked up by its key after a backoff, before it is ever placed again
//   permanent  -> failed with the reason
// A row whose last call left its fate uncertain (unknown, pending, or a crash mid-call: the row is
// marked before every call) is looked up first; only a lookup that finds nothing ("not found"),
// or a plugin that cannot look up, leads to placing it again. The polling of pending and unknown
// rows is the reconciliation loop that catches lost vendor callbacks. After `max_attempts`
// failed calls a row fails; the attempt is counted in the store before the call.
//
// Start() runs a dispatcher and `workers` threads, with at most `plugin_concurrency` calls (or
// the plugin's own limit) in flight per plugin; RunOnce() processes what is due synchronously
// (tests drive it with a FakeClock) and must not run while the engine is started.
//
// Scarce rewards (a reward type whose plugin allocates in rank order: parking, limited stock) go
// out in rank order whatever the workers and limits: of the rewards of one type in one decision
// (program and period), only the first unsettled one by award rank (then award id, then reward
// order within the award, e.g. a team's members) is ever called; the next is not called before
// it is fulfilled, failed or cancelled. So an earlier rank retrying with backoff, or waiting to
// be looked up, holds the later ones back until it is settled: bounded by `max_attempts` for
// failures, not for a pending reward (a parking spot being waited for), and an award awaiting
// approval keeps its place too. The turn is the store's to say, both when due rewards are read
// (Store::DueFulfilments()) and, atomically, when an attempt begins
// (Store::BeginFulfilmentAttempt()), so it holds across restarts.
// Rewards of other decisions and other types are not held back.
#ifndef PLAUDIT_CORE_FULFILMENT_FULFILMENT_ENGINE_H_
#define PLAUDIT_CORE_FULFILMENT_FULFILMENT_ENGINE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/domain/clock.h"
#include "core/domain/telemetry.h"
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
    // How often pending and uncertain rewards are looked up (the reconciliation interval).
    absl::Duration pending_poll = absl::Seconds(30);
    // How long the idle dispatcher sleeps before looking again, unless woken.
    absl::Duration idle_wait = absl::Seconds(1);
    // Threads calling plugins (plauditd's fulfilment.workers). Each holds its call for the
    // vendor's whole answer time: throughput is about the calls in flight over that time.
    int workers = 128;
    // Calls in flight at once per plugin, unless `plugin_limits` names the plugin.
    int plugin_concurrency = 64;
    std::map<std::string, int> plugin_limits;
    // Where calls to plugins are counted (plaudit_fulfilment_calls_total, by plugin, kind and
    // outcome; plaudit_fulfilment_call_seconds); none when null.
    Telemetry* telemetry = nullptr;
  };

  // A vendor's report about one reward, from a callback.
  struct StatusReport {
    std::string idempotency_key;
    FulfilResult result;
  };

  FulfilmentEngine(Store* store, RewardFulfiller* fulfiller, Clock* clock, Options options);
  ~FulfilmentEngine();

  void Start();
  // Waits for calls in flight to finish, then returns; queued rows stay pending in the store.
  void Stop();
  // Tells the dispatcher there may be new work (a decision was just committed).
  void Wake();

  // Processes every fulfilment due now, one after another; returns how many were attempted.
  int RunOnce();

  // Applies vendor reports (a callback): fulfilled and permanent end the reward, pending is
  // noted, anything else has it looked up now; a redemption reported for a fulfilled reward is
  // recorded once. Returns one line per report saying what was done (two when a reward is
  // fulfilled and redeemed at once).
  std::vector<std::string> ApplyReports(const std::vector<StatusReport>& reports,
                                        const std::string& source);

  // Has the pending rewards with these keys looked up now (a manual task was completed).
  void CheckNow(const std::vector<std::string>& idempotency_keys);

  // A person's say over one reward (see FulfilmentStore): another round of attempts for a
  // failed one, its failed award fulfilling again (core/awards' PlanReopening), and the workers
  // woken; or a reward that will not be delivered, its award ending by PlanAwardCompletion.
  absl::StatusOr<FulfilmentRecord> Retry(const std::string& id, const std::string& actor,
                                         const std::string& reason);
  absl::StatusOr<FulfilmentRecord> Cancel(const std::string& id, const std::string& actor,
                                          const std::string& reason);

  // The wait before attempt `attempts + 1` after a retryable failure: uniform in
  // [0, min(max_backoff, base_backoff * 2^(attempts-1))], at least `retry_after`.
  absl::Duration Backoff(int attempts, absl::Duration retry_after);

  // How many calls are in flight now for each plugin (for tests and metrics).
  std::map<std::string, int> InFlight() const;

 private:
  // False when the row was not attempted (no longer pending, or the store failed).
  bool Attempt(FulfilmentRecord record);
  // Records a fulfilled reward's redemption; the line ApplyReports() gives for it.
  std::string NoteRedeemed(const FulfilmentRecord& record, absl::Time at);
  // The plugin call's inputs: the award, the agent (or team) and the program.
  FulfilmentCall BuildCall(const FulfilmentRecord& record, bool* ok);
  // The history row of a call: which kind, when, and what it came to.
  FulfilmentAttempt AttemptRow(const FulfilmentRecord& record, const std::string& kind,
                               absl::Time started, const FulfilResult& result);
  void Record(const FulfilmentRecord& record, const std::string& kind, absl::Time started,
              const FulfilResult& result);
  void Dispatch();
  void Work();
  int LimitFor(const std::string& plugin) const;

  Store* store_;
  RewardFulfiller* fulfiller_;
  Clock* clock_;
  Options options_;
  // Null without Options::telemetry.
  Telemetry::Counter* calls_ = nullptr;
  Telemetry::Histogram* call_seconds_ = nullptr;
  void CountCall(const std::string& reward_type, const std::string& kind, FulfilOutcome outcome,
                 absl::Time asked);

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // New work was announced (read the store again); a call finished (a slot is free).
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool freed_ ABSL_GUARDED_BY(mu_) = false;
  absl::BitGen rng_ ABSL_GUARDED_BY(mu_);
  // Rows handed to workers and not finished, by id; calls in flight per plugin.
  std::set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);
  // Rows whose call ended since the dispatcher last began to read due rows.
  std::set<std::string> finished_since_read_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> per_plugin_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<FulfilmentRecord, std::string>> queue_ ABSL_GUARDED_BY(mu_);
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

// The lowercase name of an outcome, as recorded in attempt histories.
std::string_view FulfilOutcomeName(FulfilOutcome outcome);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_FULFILMENT_FULFILMENT_ENGINE_H_

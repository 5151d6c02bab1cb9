// Read-modify-commit of a plugin's host state, for plugins whose records several calls may update
// at once (a parking pool, a leave balance, a task list). A StateTransaction remembers what each
// key held when it was read; Commit() writes its puts only if every key read still holds exactly
// that (a compare-and-set over all of them), and otherwise says whether a concurrent writer moved
// something (read again and retry) or the store itself refused. RetryStateTransaction() runs such
// an attempt until it settles, pausing with full jitter between attempts so that writers racing
// for the same keys spread out.
//
//   std::optional<pb::FulfilResponse> done = sdk::RetryStateTransaction(
//       host(), kMaxAttempts, [&](sdk::StateTransaction& tx) -> std::optional<pb::FulfilResponse> {
//         const sdk::StateRead balance = tx.Read("balance/" + agent);
//         if (!balance.ok) return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, balance.error);
//         tx.Put("balance/" + agent, Add(balance.value, hours));
//         std::string error;
//         switch (tx.Commit(&error)) {
//           case sdk::CommitResult::kCommitted: return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {});
//           case sdk::CommitResult::kConflict: return std::nullopt;  // try again
//           case sdk::CommitResult::kRefused: return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, error);
//         }
//       });
//   if (!done) return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "kept changing");
//
// InsertOrRead() is the one-key case that needs no loop: the first writer of a key wins and every
// later writer reads what it wrote.
//
// A StateTransaction belongs to one attempt on one thread; the functions are thread-safe.
#ifndef PLAUDIT_SDK_STATE_TRANSACTION_H_
#define PLAUDIT_SDK_STATE_TRANSACTION_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plaudit/plugin_sdk.h"

namespace plaudit::sdk {

enum class CommitResult {
  kCommitted,
  // A key read has changed (or appeared, or gone) since: nothing was written; read again.
  kConflict,
  // Nothing was written and nothing read has changed: the store refused (or could not be asked).
  kRefused,
};

class StateTransaction {
 public:
  explicit StateTransaction(Host* host) : host_(host) {}

  // Reads `key`; unless the read failed, what it found (a value or absence) becomes a condition
  // of Commit(). Reading a key twice keeps the first reading as the condition.
  StateRead Read(const std::string& key) {
    StateRead read = host_->ReadState(key);
    if (read.ok) Expect(key, read.value);
    return read;
  }

  // Makes `value` (nullopt: absence) a condition of Commit() for a key read through Host
  // directly: a plugin that reads many keys but decides on few conditions only on those, so that
  // writers of the others do not make it retry. A key already conditioned keeps its condition.
  void Expect(const std::string& key, const std::optional<std::string>& value) {
    if (std::none_of(reads_.begin(), reads_.end(),
                     [&](const auto& seen) { return seen.first == key; })) {
      reads_.emplace_back(key, value);
    }
  }

  // Writes `value` under `key` at Commit(); a later Put of the same key replaces it.
  void Put(const std::string& key, std::string value) {
    for (auto& [put_key, put_value] : puts_) {
      if (put_key == key) {
        put_value = std::move(value);
        return;
      }
    }
    puts_.emplace_back(key, std::move(value));
  }

  // Writes every put atomically, provided every key read still holds what was read. On
  // kRefused, *error says why (when the store said).
  CommitResult Commit(std::string* error) {
    std::vector<std::string> absent;
    std::vector<std::pair<std::string, std::string>> expected;
    for (const auto& [key, value] : reads_) {
      if (value) {
        expected.emplace_back(key, *value);
      } else {
        absent.push_back(key);
      }
    }
    std::string why;
    if (host_->StateCommit(puts_, absent, expected, &why)) return CommitResult::kCommitted;
    // The host answers a failed condition and a refusal alike; what moved tells them apart.
    for (const auto& [key, value] : reads_) {
      const StateRead now = host_->ReadState(key);
      if (now.ok && now.value != value) return CommitResult::kConflict;
    }
    if (error != nullptr) *error = why.empty() ? "no reason given" : why;
    return CommitResult::kRefused;
  }

 private:
  Host* host_;
  std::vector<std::pair<std::string, std::optional<std::string>>> reads_;
  std::vector<std::pair<std::string, std::string>> puts_;
};

// Full-jitter pause before attempt number `attempt` (1, 2, ...) of a transaction that lost a race:
// a random wait up to 100 µs doubled per attempt, capped at 6.4 ms.
inline void PauseBeforeRetry(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t cap_micros = int64_t{100} << std::min(attempt, 6);
  std::uniform_int_distribution<int64_t> jitter(0, cap_micros);
  std::this_thread::sleep_for(std::chrono::microseconds(jitter(rng)));
}

// Runs `attempt` (a callable taking StateTransaction& and returning std::optional<Result>) with a
// fresh transaction each time until it returns a result, at most `max_attempts` times. The
// attempt returns nullopt to be run again, after a jittered pause: it lost a race (Commit()
// answered kConflict, or what it read was settled concurrently). Returns nullopt when every
// attempt lost: the caller says the state kept changing.
template <typename Attempt>
auto RetryStateTransaction(Host& host, int max_attempts, Attempt attempt)
    -> decltype(attempt(std::declval<StateTransaction&>())) {
  for (int i = 0; i < max_attempts; ++i) {
    if (i > 0) PauseBeforeRetry(i);
    StateTransaction transaction(&host);
    if (auto result = attempt(transaction)) return result;
  }
  return std::nullopt;
}

// Stores `value` under `key` unless the key already holds something, and returns what the key
// holds afterwards: `value`, or what a concurrent writer stored first. Not ok (with the error)
// when the store failed or refused.
inline StateRead InsertOrRead(Host& host, const std::string& key, const std::string& value) {
  StateRead existing = host.ReadState(key);
  if (!existing.ok || existing.value) return existing;
  std::string error;
  if (host.StateCommit({{key, value}}, {key}, &error)) return {true, value, {}};
  StateRead again = host.ReadState(key);
  if (again.ok && !again.value) {
    again.ok = false;
    again.error = "state store refused " + key + ": " + (error.empty() ? "no reason" : error);
  }
  return again;
}

}  // namespace plaudit::sdk

#endif  // PLAUDIT_SDK_STATE_TRANSACTION_H_

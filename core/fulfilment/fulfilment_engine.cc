#include "core/fulfilment/fulfilment_engine.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/domain/log.h"

namespace plaudit {
namespace {

// What a plugin is told about the recipient of a reward given to a team as a whole.
Agent TeamAsAgent(const std::string& team) {
  Agent agent;
  agent.id = absl::StrCat("team:", team);
  agent.display_name = team;
  agent.team = team;
  return agent;
}

}  // namespace

FulfilmentEngine::FulfilmentEngine(Store* store, RewardFulfiller* fulfiller, Clock* clock,
                                   Options options)
    : store_(store), fulfiller_(fulfiller), clock_(clock), options_(options) {}

FulfilmentEngine::~FulfilmentEngine() { Stop(); }

void FulfilmentEngine::Start() {
  absl::MutexLock lock(&mu_);
  if (worker_.joinable()) return;
  stopping_ = false;
  worker_ = std::thread([this] { Loop(); });
}

void FulfilmentEngine::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

void FulfilmentEngine::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

absl::Duration FulfilmentEngine::Backoff(int attempts, absl::Duration retry_after) {
  absl::Duration cap = options_.base_backoff;
  for (int i = 1; i < attempts && cap < options_.max_backoff; ++i) cap *= 2;
  cap = std::min(cap, options_.max_backoff);
  double fraction;
  {
    absl::MutexLock lock(&mu_);
    fraction = absl::Uniform(rng_, 0.0, 1.0);
  }
  return std::max(cap * fraction, retry_after);
}

void FulfilmentEngine::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    int attempted = RunOnce();
    if (attempted > 0) continue;
    absl::MutexLock lock(&mu_);
    auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || woken_; };
    mu_.AwaitWithTimeout(absl::Condition(&wake), options_.idle_wait);
    woken_ = false;
  }
}

int FulfilmentEngine::RunOnce() {
  auto due = store_->DueFulfilments(absl::ToUnixMicros(clock_->Now()), 100);
  if (!due.ok()) {
    LogError("fulfilment", absl::StrCat("cannot read due fulfilments: ", due.status().message()));
    return 0;
  }
  int attempted = 0;
  for (FulfilmentRecord& record : *due) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
    }
    if (Attempt(std::move(record))) ++attempted;
  }
  return attempted;
}

bool FulfilmentEngine::Attempt(FulfilmentRecord record) {
  // Count the attempt durably before calling out: a crash during the call must not grant an
  // unlimited number of attempts.
  record.updated_us = absl::ToUnixMicros(clock_->Now());
  absl::StatusOr<bool> counted = store_->BeginFulfilmentAttempt(record);
  if (!counted.ok()) {
    LogError("fulfilment",
             absl::StrCat(record.id, ": cannot record attempt: ", counted.status().message()));
    return false;
  }
  // Cancelled since it was read as due.
  if (!*counted) return false;

  FulfilmentCall call;
  call.idempotency_key = record.idempotency_key;
  call.award_id = record.award_id;
  call.reward_type = record.type;
  call.params = record.params;
  call.attempt = record.attempts;
  FulfilResult result;
  auto stored_award = store_->GetAward(record.award_id);
  const AwardRecord* award =
      stored_award.ok() && stored_award->has_value() ? &**stored_award : nullptr;
  // A reward to a team as a whole has no agent: the plugin is sent the team in an agent's place.
  const bool to_team = award != nullptr && record.agent_id.empty() && !award->team.empty();
  absl::StatusOr<std::optional<Agent>> agent =
      to_team ? std::optional<Agent>(TeamAsAgent(award->team)) : store_->GetAgent(record.agent_id);
  if (award == nullptr || !agent.ok() || !agent->has_value()) {
    result.outcome = FulfilOutcome::kRetryable;
    result.error = "award or agent not readable from the store";
  } else {
    call.program_id = award->program_id;
    call.period = award->period;
    call.agent = **agent;
    auto program = store_->GetProgram(award->program_id);
    call.program_name = program.ok() && program->has_value() ? (*program)->name : award->program_id;
    result = fulfiller_->Fulfil(call);
  }

  absl::Time now = clock_->Now();
  record.updated_us = absl::ToUnixMicros(now);
  record.error = result.error;
  if (!result.artifact.empty()) record.artifact = result.artifact;
  switch (result.outcome) {
    case FulfilOutcome::kFulfilled:
      record.state = FulfilmentState::kFulfilled;
      record.error.clear();
      break;
    case FulfilOutcome::kPending:
      record.attempts -= 1;  // Waiting on the vendor is not a failed attempt.
      record.next_attempt_us = absl::ToUnixMicros(now + options_.pending_poll);
      break;
    case FulfilOutcome::kPermanent:
      record.state = FulfilmentState::kFailed;
      break;
    case FulfilOutcome::kRetryable:
    case FulfilOutcome::kUnknown:
    case FulfilOutcome::kNotFound:
    case FulfilOutcome::kCannotLookUp:
      if (record.attempts >= options_.max_attempts) {
        record.state = FulfilmentState::kFailed;
        record.error = absl::StrCat("gave up after ", record.attempts, " attempts: ", result.error);
      } else {
        record.next_attempt_us =
            absl::ToUnixMicros(now + Backoff(record.attempts, result.retry_after));
      }
      break;
  }
  absl::Status saved = store_->UpdateFulfilment(record);
  if (!saved.ok()) {
    LogError("fulfilment", absl::StrCat(record.id, ": cannot record outcome: ", saved.message()));
    return true;
  }
  LogInfo("fulfilment", absl::StrCat(record.id, " (", record.type, ") attempt ", record.attempts,
                                     ": ", std::string(FulfilmentStateName(record.state)),
                                     record.error.empty() ? "" : " - ", record.error));
  return true;
}

}  // namespace plaudit

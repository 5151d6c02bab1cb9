#include "core/fulfilment/fulfilment_engine.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/awards/award_lifecycle.h"
#include "core/domain/log.h"
#include "core/domain/period.h"

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

// A lookup that cannot tell where the reward stands: the reward may be placed (again).
bool MayPlace(FulfilOutcome outcome) {
  return outcome == FulfilOutcome::kNotFound || outcome == FulfilOutcome::kCannotLookUp;
}

}  // namespace

std::string_view FulfilOutcomeName(FulfilOutcome outcome) {
  switch (outcome) {
    case FulfilOutcome::kFulfilled:
      return "fulfilled";
    case FulfilOutcome::kPending:
      return "pending";
    case FulfilOutcome::kRetryable:
      return "retryable";
    case FulfilOutcome::kPermanent:
      return "permanent";
    case FulfilOutcome::kUnknown:
      return "unknown";
    case FulfilOutcome::kNotFound:
      return "not_found";
    case FulfilOutcome::kCannotLookUp:
      return "cannot_look_up";
  }
  return "unknown";
}

FulfilmentEngine::FulfilmentEngine(Store* store, RewardFulfiller* fulfiller, Clock* clock,
                                   Options options)
    : store_(store), fulfiller_(fulfiller), clock_(clock), options_(std::move(options)) {
  if (options_.telemetry != nullptr) {
    calls_ = options_.telemetry->AddCounter(
        "plaudit_fulfilment_calls_total",
        "Calls to fulfilment plugins, by plugin, kind (fulfil: place the reward; lookup: ask "
        "what became of it) and outcome.",
        {"plugin", "kind", "outcome"});
    call_seconds_ = options_.telemetry->AddHistogram(
        "plaudit_fulfilment_call_seconds", "Time a fulfilment plugin took to answer, by plugin.",
        {"plugin"}, Telemetry::LatencyBounds());
  }
}

void FulfilmentEngine::CountCall(const std::string& reward_type, const std::string& kind,
                                 FulfilOutcome outcome, absl::Time asked) {
  if (calls_ == nullptr) return;
  const std::string plugin = fulfiller_->PluginServing(reward_type);
  calls_->Add({plugin, kind, std::string(FulfilOutcomeName(outcome))});
  call_seconds_->Observe({plugin}, absl::ToDoubleSeconds(absl::Now() - asked));
}

FulfilmentEngine::~FulfilmentEngine() { Stop(); }

void FulfilmentEngine::Start() {
  absl::MutexLock lock(&mu_);
  if (dispatcher_.joinable()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(options_.workers, 1); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  dispatcher_ = std::thread([this] { Dispatch(); });
}

void FulfilmentEngine::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (dispatcher_.joinable()) dispatcher_.join();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  absl::MutexLock lock(&mu_);
  queue_.clear();
  in_flight_.clear();
  finished_since_read_.clear();
  per_plugin_.clear();
}

void FulfilmentEngine::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

std::map<std::string, int> FulfilmentEngine::InFlight() const {
  absl::MutexLock lock(&mu_);
  return per_plugin_;
}

int FulfilmentEngine::LimitFor(const std::string& plugin) const {
  auto it = options_.plugin_limits.find(plugin);
  return std::max(it != options_.plugin_limits.end() ? it->second : options_.plugin_concurrency, 1);
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

void FulfilmentEngine::Dispatch() {
  // Due rows read from the store and not handed out yet. A finished call frees a slot: the next
  // row comes from here without asking the store again, which is read when this runs out, when
  // new work is announced, and at least every idle_wait (for rows whose backoff has passed).
  // A row that changed meanwhile (cancelled, finished by a callback, not its turn) is refused by
  // BeginFulfilmentAttempt, which checks it in the store.
  std::deque<FulfilmentRecord> due_rows;
  absl::Time read_at = absl::InfinitePast();
  bool read_again = true;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const absl::Time now = clock_->Now();
    if (read_again || due_rows.empty() || now - read_at >= options_.idle_wait) {
      {
        // A call that ends from here on may be read below as it was before it ended.
        absl::MutexLock lock(&mu_);
        finished_since_read_.clear();
      }
      auto due = store_->DueFulfilments(absl::ToUnixMicros(now), 200,
                                        fulfiller_->RewardTypesInRankOrder());
      if (!due.ok()) {
        LogError("fulfilment",
                 absl::StrCat("cannot read due fulfilments: ", due.status().message()));
        due_rows.clear();
      } else {
        due_rows.assign(std::make_move_iterator(due->begin()), std::make_move_iterator(due->end()));
      }
      read_at = now;
    }
    int handed_out = 0;
    absl::MutexLock lock(&mu_);
    for (auto it = due_rows.begin(); it != due_rows.end();) {
      // In flight, or ended since the reading began: its worker wrote where it stands, which
      // the next reading sees (a backoff, say).
      if (in_flight_.contains(it->id) || finished_since_read_.contains(it->id)) {
        it = due_rows.erase(it);
        continue;
      }
      const std::string plugin = fulfiller_->PluginServing(it->type);
      int& running = per_plugin_[plugin];
      if (running >= LimitFor(plugin)) {
        ++it;
        continue;
      }
      ++running;
      in_flight_.insert(it->id);
      queue_.emplace_back(std::move(*it), plugin);
      it = due_rows.erase(it);
      ++handed_out;
    }
    // Woken by new work, a finished call (which may free a plugin's slot) or the idle timer.
    auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || woken_ || freed_; };
    mu_.AwaitWithTimeout(absl::Condition(&wake), handed_out > 0 && queue_.empty()
                                                     ? absl::Milliseconds(10)
                                                     : options_.idle_wait);
    read_again = woken_;
    woken_ = false;
    freed_ = false;
  }
}

void FulfilmentEngine::Work() {
  while (true) {
    std::pair<FulfilmentRecord, std::string> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const std::string id = job.first.id;
    Attempt(std::move(job.first));
    absl::MutexLock lock(&mu_);
    in_flight_.erase(id);
    finished_since_read_.insert(id);
    if (--per_plugin_[job.second] <= 0) per_plugin_.erase(job.second);
    freed_ = true;
  }
}

int FulfilmentEngine::RunOnce() {
  auto due = store_->DueFulfilments(absl::ToUnixMicros(clock_->Now()), 100,
                                    fulfiller_->RewardTypesInRankOrder());
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

FulfilmentCall FulfilmentEngine::BuildCall(const FulfilmentRecord& record, bool* ok) {
  FulfilmentCall call;
  call.idempotency_key = record.idempotency_key;
  call.award_id = record.award_id;
  call.reward_type = record.type;
  call.params = record.params;
  call.attempt = std::max(record.attempts, 1);
  *ok = false;
  auto stored_award = store_->GetAward(record.award_id);
  if (!stored_award.ok() || !stored_award->has_value()) return call;
  const AwardRecord& award = **stored_award;
  // A reward to a team as a whole has no agent: the plugin is sent the team in an agent's place.
  const bool to_team = record.agent_id.empty() && !award.team.empty();
  absl::StatusOr<std::optional<Agent>> agent =
      to_team ? std::optional<Agent>(TeamAsAgent(award.team)) : store_->GetAgent(record.agent_id);
  if (!agent.ok() || !agent->has_value()) return call;
  call.program_id = award.program_id;
  call.period = award.period;
  call.agent = **agent;
  auto program = store_->GetProgram(award.program_id);
  call.program_name = program.ok() && program->has_value() ? (*program)->name : award.program_id;
  if (program.ok() && program->has_value()) {
    // The period crosses to the plugin as instants, so that no plugin parses labels.
    call.time_zone = (*program)->time_zone;
    const std::optional<Cadence> cadence = CadenceFromName((*program)->cadence);
    const absl::StatusOr<absl::TimeZone> zone = LoadZone((*program)->time_zone);
    if (cadence && zone.ok()) {
      const absl::StatusOr<PeriodWindow> window = ParsePeriod(*cadence, award.period, *zone);
      if (window.ok()) {
        call.period_start = window->start;
        call.period_end = window->end;
      }
    }
  }
  *ok = true;
  return call;
}

FulfilmentAttempt FulfilmentEngine::AttemptRow(const FulfilmentRecord& record,
                                               const std::string& kind, absl::Time started,
                                               const FulfilResult& result) {
  FulfilmentAttempt attempt;
  attempt.fulfilment_id = record.id;
  attempt.kind = kind;
  attempt.started_us = absl::ToUnixMicros(started);
  attempt.finished_us = absl::ToUnixMicros(clock_->Now());
  attempt.outcome = std::string(FulfilOutcomeName(result.outcome));
  attempt.error = result.error;
  attempt.actor = std::string(kSystemActor);
  return attempt;
}

void FulfilmentEngine::Record(const FulfilmentRecord& record, const std::string& kind,
                              absl::Time started, const FulfilResult& result) {
  absl::Status recorded = store_->RecordAttempt(AttemptRow(record, kind, started, result));
  if (!recorded.ok()) {
    LogError("fulfilment", absl::StrCat(record.id, ": cannot record the ", kind,
                                        " in its history: ", recorded.message()));
  }
}

bool FulfilmentEngine::Attempt(FulfilmentRecord record) {
  const bool look_up_first = record.check_first;
  const bool in_rank_order = fulfiller_->RewardTypesInRankOrder().contains(record.type);
  // Mark the row (and count a placing call) durably before calling out: a crash during the call
  // must neither grant unlimited attempts nor place the reward again without looking first.
  absl::Time started = clock_->Now();
  record.updated_us = absl::ToUnixMicros(started);
  absl::StatusOr<bool> begun =
      store_->BeginFulfilmentAttempt(record, !look_up_first, in_rank_order);
  if (!begun.ok()) {
    LogError("fulfilment",
             absl::StrCat(record.id, ": cannot record attempt: ", begun.status().message()));
    return false;
  }
  // Cancelled, or finished by a callback, since it was read as due; or, for a scarce reward, an
  // earlier rank is unsettled again (approved, or retried by a person, meanwhile).
  if (!*begun) return false;

  bool readable = false;
  FulfilmentCall call = BuildCall(record, &readable);
  FulfilResult result;
  std::string kind = look_up_first ? "lookup" : "fulfil";
  if (!readable) {
    result.outcome = FulfilOutcome::kRetryable;
    result.error = "award or agent not readable from the store";
  } else if (look_up_first) {
    const absl::Time asked = absl::Now();
    result = fulfiller_->Lookup(call);
    CountCall(record.type, kind, result.outcome, asked);
    if (MayPlace(result.outcome)) {
      // Nothing is out with the vendor under this key: place it now, counted first.
      Record(record, kind, started, result);
      started = clock_->Now();
      record.updated_us = absl::ToUnixMicros(started);
      absl::StatusOr<bool> counted = store_->BeginFulfilmentAttempt(record, true, in_rank_order);
      if (!counted.ok() || !*counted) return false;
      call.attempt = record.attempts;
      kind = "fulfil";
      const absl::Time placed_at = absl::Now();
      result = fulfiller_->Fulfil(call);
      CountCall(record.type, kind, result.outcome, placed_at);
    }
  } else {
    const absl::Time placed_at = absl::Now();
    result = fulfiller_->Fulfil(call);
    CountCall(record.type, kind, result.outcome, placed_at);
  }
  // Written with the outcome below, in one transaction.
  const FulfilmentAttempt history = AttemptRow(record, kind, started, result);

  absl::Time now = clock_->Now();
  record.updated_us = absl::ToUnixMicros(now);
  record.error = result.error;
  if (!result.artifact.empty()) record.artifact = result.artifact;
  const bool placed = kind == "fulfil";
  switch (result.outcome) {
    case FulfilOutcome::kFulfilled:
      record.state = FulfilmentState::kFulfilled;
      record.check_first = false;
      record.error.clear();
      break;
    case FulfilOutcome::kPending:
      // Waiting on the vendor (or a person) is not a failed attempt.
      if (placed) record.attempts -= 1;
      record.check_first = true;
      record.next_attempt_us = absl::ToUnixMicros(now + options_.pending_poll);
      break;
    case FulfilOutcome::kPermanent:
      record.state = FulfilmentState::kFailed;
      record.check_first = false;
      break;
    case FulfilOutcome::kRetryable:
    case FulfilOutcome::kUnknown:
    case FulfilOutcome::kNotFound:
    case FulfilOutcome::kCannotLookUp:
      // A failed lookup spends an attempt too, so an unreachable vendor ends in failure.
      if (!placed) record.attempts += 1;
      // A refusal means nothing was placed; anything else is looked up before placing again.
      record.check_first = !(placed && result.outcome == FulfilOutcome::kRetryable);
      if (record.attempts >= options_.max_attempts) {
        record.state = FulfilmentState::kFailed;
        record.error = absl::StrCat("gave up after ", record.attempts, " attempts: ", result.error);
      } else {
        record.next_attempt_us =
            absl::ToUnixMicros(now + Backoff(record.attempts, result.retry_after));
      }
      break;
  }
  absl::Status saved = store_->UpdateFulfilment(record, PlanAwardCompletion, history);
  if (!saved.ok()) {
    LogError("fulfilment", absl::StrCat(record.id, ": cannot record outcome: ", saved.message()));
    return true;
  }
  LogInfo("fulfilment", absl::StrCat(record.id, " (", record.type, ") ", kind, " ", record.attempts,
                                     ": ", std::string(FulfilOutcomeName(result.outcome)), " -> ",
                                     std::string(FulfilmentStateName(record.state)),
                                     record.error.empty() ? "" : " - ", record.error));
  return true;
}

std::vector<std::string> FulfilmentEngine::ApplyReports(const std::vector<StatusReport>& reports,
                                                        const std::string& source) {
  std::vector<std::string> lines;
  std::vector<std::string> check_now;
  for (const StatusReport& report : reports) {
    auto found = store_->FindFulfilmentByKey(report.idempotency_key);
    if (!found.ok()) {
      lines.push_back(absl::StrCat(report.idempotency_key, ": ", found.status().message()));
      continue;
    }
    if (!found->has_value()) {
      LogWarning("fulfilment", absl::StrCat(source, " reported on an unknown reward key ",
                                            report.idempotency_key));
      lines.push_back(absl::StrCat(report.idempotency_key, ": no such reward"));
      continue;
    }
    FulfilmentRecord record = **found;
    const absl::Time now = clock_->Now();
    FulfilmentAttempt attempt;
    attempt.fulfilment_id = record.id;
    attempt.kind = "callback";
    attempt.started_us = attempt.finished_us = absl::ToUnixMicros(now);
    attempt.outcome = std::string(FulfilOutcomeName(report.result.outcome));
    attempt.error = report.result.error;
    attempt.actor = source;
    (void)store_->RecordAttempt(attempt);
    if (record.state == FulfilmentState::kFulfilled && report.result.redeemed_at.has_value()) {
      lines.push_back(NoteRedeemed(record, *report.result.redeemed_at));
      continue;
    }
    if (record.state != FulfilmentState::kPending) {
      lines.push_back(absl::StrCat(record.id, ": already ",
                                   std::string(FulfilmentStateName(record.state)), "; ignored"));
      continue;
    }
    record.updated_us = absl::ToUnixMicros(now);
    switch (report.result.outcome) {
      case FulfilOutcome::kFulfilled:
        record.state = FulfilmentState::kFulfilled;
        record.check_first = false;
        record.error.clear();
        if (!report.result.artifact.empty()) record.artifact = report.result.artifact;
        break;
      case FulfilOutcome::kPermanent:
        record.state = FulfilmentState::kFailed;
        record.check_first = false;
        record.error = report.result.error;
        break;
      case FulfilOutcome::kPending:
        lines.push_back(absl::StrCat(record.id, ": still pending"));
        continue;
      default:
        // The vendor's word is not final: ask the plugin where it stands now.
        check_now.push_back(record.idempotency_key);
        lines.push_back(absl::StrCat(record.id, ": looked up now"));
        continue;
    }
    absl::Status saved = store_->UpdateFulfilment(record, PlanAwardCompletion);
    lines.push_back(
        saved.ok() ? absl::StrCat(record.id, ": ", std::string(FulfilmentStateName(record.state)))
                   : absl::StrCat(record.id, ": ", saved.message()));
    if (saved.ok() && record.state == FulfilmentState::kFulfilled &&
        report.result.redeemed_at.has_value()) {
      lines.push_back(NoteRedeemed(record, *report.result.redeemed_at));
    }
  }
  if (!check_now.empty()) CheckNow(check_now);
  return lines;
}

std::string FulfilmentEngine::NoteRedeemed(const FulfilmentRecord& record, absl::Time at) {
  auto marked = store_->MarkRedeemed(record.id, absl::ToUnixMicros(at));
  if (!marked.ok()) return absl::StrCat(record.id, ": ", marked.status().message());
  return absl::StrCat(record.id, *marked ? ": redeemed" : ": redeemed already noted");
}

absl::StatusOr<FulfilmentRecord> FulfilmentEngine::Retry(const std::string& id,
                                                         const std::string& actor,
                                                         const std::string& reason) {
  auto reopen = [&actor, &reason](const AwardFacts& award) {
    return PlanReopening(award, actor, reason);
  };
  auto record =
      store_->RetryFulfilment(id, actor, reason, absl::ToUnixMicros(clock_->Now()), reopen);
  if (record.ok()) Wake();
  return record;
}

absl::StatusOr<FulfilmentRecord> FulfilmentEngine::Cancel(const std::string& id,
                                                          const std::string& actor,
                                                          const std::string& reason) {
  return store_->CancelFulfilment(id, actor, reason, absl::ToUnixMicros(clock_->Now()),
                                  PlanAwardCompletion);
}

void FulfilmentEngine::CheckNow(const std::vector<std::string>& idempotency_keys) {
  absl::Status marked =
      store_->CheckFulfilmentsNow(idempotency_keys, absl::ToUnixMicros(clock_->Now()));
  if (!marked.ok()) {
    LogError("fulfilment", absl::StrCat("cannot mark rewards for lookup: ", marked.message()));
  }
  Wake();
}

}  // namespace plaudit

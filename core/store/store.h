// The durable store behind plauditd: agents, metric events, programs, award decisions with their
// fulfilments (written together: the transactional outbox), and plugin-scoped state.
//
// SQLite in WAL mode with synchronous=FULL: when a write method returns OK the data is on disk
// and survives kill -9. Plugin state values are sealed (StateCipher) under the key given to
// Open, so the database file holds no plugin secret in clear. Each method is one transaction.
// Thread-safe: writes are serialised on one connection; the reads that serve standings, agents,
// programs and metrics run on a pool of read-only connections (ReadPool) and never wait for a
// write. Period aggregates are kept up to date in the transactions that store events (Rollups).
// The writes of fulfilment workers (BeginFulfilmentAttempt, UpdateFulfilment, RecordAttempt,
// StateCommit) that arrive while another commit is on its way to disk are committed together:
// each stays atomic on its own (a savepoint of the shared transaction) and still returns only
// once it is on disk, but the batch costs one disk flush instead of one each (group commit).
#ifndef PLAUDIT_CORE_STORE_STORE_H_
#define PLAUDIT_CORE_STORE_STORE_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/domain/agent.h"
#include "core/scoring/scorecard.h"
#include "core/store/audit_records.h"
#include "core/store/award_records.h"
#include "core/store/read_pool.h"
#include "core/store/rollups.h"
#include "core/store/state_cipher.h"

struct sqlite3;

namespace plaudit {

struct StoredEvent {
  std::string event_id;
  std::string agent_id;
  std::string metric;
  double value = 0;
  int64_t occurred_at_us = 0;
};

// An event as a read meets it, without copying: the text lives in the store's read until the
// next row.
struct EventView {
  std::string_view event_id;
  std::string_view agent_id;
  std::string_view metric;
  double value = 0;
  int64_t occurred_at_us = 0;
  // Its place in the events table (the order events were stored in).
  int64_t row = 0;
};

enum class InsertOutcome {
  kStored,
  // Same event_id, identical content: already there, nothing written.
  kDuplicate,
  // Same event_id, different content: refused.
  kConflict,
  // The event_id was retracted: refused (its id stays taken).
  kRetracted,
  // Only with an EventReplacement: the event_id was stored with different content, or was
  // retracted, and now holds this content; the content before is kept in an "event_replaced"
  // correction.
  kReplaced,
};

// Who replaces stored events and why. Given to InsertEvents, an event whose id is stored with
// different content, or was retracted, is stored with its new content instead of refused.
struct EventReplacement {
  std::string actor;
  std::string reason;
  int64_t at_us = 0;
};

struct AggregateRow {
  std::string agent_id;
  std::string metric;
  MetricAggregate aggregate;
};

struct ProgramRecord {
  std::string id;
  std::string name;
  std::string cadence;
  std::string time_zone;
  int64_t version = 0;
  std::string yaml;
  // A disabled program closes no period by itself and commits no decision.
  bool disabled = false;
  // When it was last enabled after being disabled; 0 when it never was. Periods closing
  // before then are not closed by themselves.
  int64_t enabled_us = 0;
};

struct ProgramVersionRecord {
  int64_t version = 0;
  int64_t applied_us = 0;
};

// A correction: a change to what Plaudit decides on, made by a person with a reason.
struct CorrectionRecord {
  int64_t seq = 0;
  // "event_retracted", "event_replaced", "program_disabled", "program_enabled",
  // "agent_deactivated".
  std::string kind;
  // The event, program or agent id.
  std::string subject;
  // What it was before, when that matters (an event's content).
  std::string detail;
  std::string actor;
  std::string reason;
  int64_t at_us = 0;
};

enum class FulfilmentState {
  // Waiting for its award's approval; the fulfilment engine does not see it.
  kWaiting,
  kPending,
  kFulfilled,
  kFailed,
  // Its award was rejected or cancelled before fulfilment began.
  kCancelled,
};
std::string_view FulfilmentStateName(FulfilmentState state);

struct FulfilmentRecord {
  std::string id;
  std::string award_id;
  // The recipient; empty for a reward to a team as a whole (its award's team).
  std::string agent_id;
  std::string type;
  std::map<std::string, std::string> params;
  FulfilmentState state = FulfilmentState::kPending;
  int attempts = 0;
  std::string error;
  std::string artifact;
  std::string idempotency_key;
  int64_t next_attempt_us = 0;
  int64_t updated_us = 0;
  // The next call must look the reward up before placing it: the last call left its fate
  // uncertain (a timeout, a crash mid-call, a vendor still processing it).
  bool check_first = false;
  // What the reward costs in its program's budget unit (RewardValue()); unset for rewards decided
  // before each reward's value was kept, in an award of several.
  std::optional<double> value;
  // What the reward costs in money outside the budget (its `face_value`), in the currency of the
  // program's value_per_unit; 0 when none was given.
  double face_value = 0;
  // When the recipient redeemed it, where the vendor reports that (gift-card codes); 0 when not
  // (yet) reported.
  int64_t redeemed_us = 0;
};

// One call made for a reward, or one action taken on it.
struct FulfilmentAttempt {
  std::string fulfilment_id;
  int64_t seq = 0;
  // fulfil, lookup, callback, retry, cancel or complete.
  std::string kind;
  int64_t started_us = 0;
  int64_t finished_us = 0;
  // fulfilled, pending, retryable, permanent, unknown, not_found, ... or what an action did.
  std::string outcome;
  std::string error;
  // plauditd, a vendor (callback) or the person who acted.
  std::string actor;
};

struct AwardRecord {
  std::string id;
  std::string program_id;
  std::string period;
  // Empty for a team award.
  std::string agent_id;
  // The team of a team award (scope team); empty for an agent's award.
  std::string team;
  int rank = 0;
  int64_t program_version = 0;
  int64_t decided_us = 0;
  // The tier reached under rule tiers ("gold"); empty for other rules.
  std::string tier;
  AwardState state = AwardState::kProposed;
  // Why it is in its state: the reason of its last transition (a hold, a budget shortfall).
  std::string state_reason;
  // The sum of its rewards' values, in the program's budget unit.
  double value = 0;
  // Approvals it needs (0: approved when decided) and the least role that may give them.
  int approvals_needed = 0;
  Role approver_role = Role::kManager;
  // Who has approved it, in order.
  std::vector<std::string> approvals;
  // Approved beyond a flexible budget.
  bool over_flexible_budget = false;
  // In reward order.
  std::vector<FulfilmentRecord> fulfilments;
};

// One step in an award's life.
struct AwardTransition {
  int64_t seq = 0;
  // Empty for the decision that created the award.
  std::string from_state;
  std::string to_state;
  std::string actor;
  std::string reason;
  int64_t at_us = 0;
};

// A program's budget for one period: its amount and how much the period's awards hold of it.
struct BudgetReport {
  std::string program_id;
  std::string period;
  BudgetPosition position;
  // Awards approved beyond a flexible budget; awards left over_budget by a fixed one.
  int flagged_awards = 0;
  int over_budget_awards = 0;
};

struct DecisionRecord {
  std::string program_id;
  std::string period;
  int64_t program_version = 0;
  int64_t decided_us = 0;
  // In the decision's order (core/scoring: eligible by rank, then ineligible by competitor). Empty
  // when not loaded (standings_loaded false): read them a page at a time (Store::ListStandings).
  std::vector<Standing> standings;
  // How many standings the decision has, loaded or not; set by the store.
  int64_t standings_count = 0;
  bool standings_loaded = true;
  std::vector<AwardRecord> awards;
  // Who decided it: a user, or plauditd when it closed the period by itself.
  std::string decided_by = std::string(kSystemActor);
  // The budget of the program version that decided the period.
  std::optional<BudgetSpec> budget;
};

// A standing of a committed decision and its 0-based position in the decision's standings.
struct PositionedStanding {
  int64_t position = 0;
  Standing standing;
};

struct PraiseRecord {
  std::string id;
  std::string from_agent_id;
  std::string to_agent_id;
  std::string message;
  std::string value;
  // Empty when the sender gave none.
  std::string request_id;
  int64_t sent_us = 0;
};

// How much praise one giver may send in [start_us, end_us).
struct PraiseAllowance {
  int64_t start_us = 0;
  int64_t end_us = 0;
  int limit = 0;
};

// What an export reads (export_store.cc); an empty or unset field does not narrow it.
struct ExportScope {
  std::string program_id;
  // A period label of program_id: standings and the award datasets read its decision.
  std::string period;
  // [from_us, to_us): when events occurred, praise was sent, awards were decided, rewards last
  // changed.
  int64_t from_us = std::numeric_limits<int64_t>::min();
  int64_t to_us = std::numeric_limits<int64_t>::max();
  std::string agent_id;
  // Only rows of agents in these teams (and team awards of these teams).
  std::optional<std::vector<std::string>> teams;
};

// Where an export page starts: after the row whose ordering key this is. Each dataset uses the
// fields its order needs (events: number = occurred_at_us, text = agent_id, metric, value, row).
struct ExportKey {
  bool started = false;
  int64_t number = 0;
  std::string text;
  std::string program_id;
  std::string period;
  std::string metric;
  double value = 0;
  // The row's place in its table (events: the order events were stored in).
  int64_t row = 0;
};

// An award as exported: with its agent's team, its history and its budget's unit.
struct ExportedAwardRow {
  AwardRecord award;
  // The agent's team, or the team of a team award.
  std::string team;
  std::vector<AwardTransition> transitions;
  // Empty when the period has no budget.
  std::string unit;
  std::string currency;
};

struct ExportedFulfilmentRow {
  FulfilmentRecord fulfilment;
  std::string program_id;
  std::string period;
  // The award's decision time and rank, and the reward's place within the award.
  int64_t decided_us = 0;
  int64_t seq = 0;
  std::vector<FulfilmentAttempt> attempts;
  // The period's budget unit and currency; empty when it has no budget.
  std::string unit;
  std::string currency;
};

struct ExportedLedgerRow {
  std::string program_id;
  std::string period;
  std::string award_id;
  std::string agent_id;
  std::string team;
  double amount = 0;
  // reserved, settled or released.
  std::string state;
  std::string unit;
  std::string currency;
  double budget = 0;
  std::string budget_mode;
};

class Store {
 public:
  // Opens (creating and migrating as needed) the database at `path`, sealing plugin state under
  // `cipher`. Plaintext plugin state of an older database is sealed in place on the way.
  // FAILED_PRECONDITION when the database was sealed under another key.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path, StateCipher cipher);
  // Under a random key that lives only in this Store: for tests and scratch databases. Opening
  // the same file again this way fails, as under any other key.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Agents.
  absl::Status UpsertAgents(const std::vector<Agent>& agents);
  absl::StatusOr<std::vector<Agent>> ListAgents();
  absl::StatusOr<std::optional<Agent>> GetAgent(const std::string& id);
  // The agent whose email is `email`, compared without case; nullopt when none.
  absl::StatusOr<std::optional<std::string>> FindAgentIdByEmail(const std::string& email);
  absl::StatusOr<std::vector<std::string>> ListAgentIds();
  // Changes whenever agents are written, so callers can cache what they read.
  int64_t agents_generation() const { return agents_generation_.load(); }

  // Events. One outcome per event, in order; all stored in one transaction, with the
  // corrections that record replacements. Without `replacement` an id stored with different
  // content is kConflict and a retracted id kRetracted, nothing written for either; with it both
  // are kReplaced, each recorded as an "event_replaced" correction by its actor whose detail is
  // the content before ("... (retracted)" for a retracted id, which is then no longer retracted).
  // Identical content is kDuplicate either way and records nothing.
  absl::StatusOr<std::vector<InsertOutcome>> InsertEvents(
      const std::vector<StoredEvent>& events,
      const std::optional<EventReplacement>& replacement = std::nullopt);
  absl::StatusOr<int64_t> CountEvents();
  // Per (agent, metric) aggregates of events with start_us <= occurred_at_us < end_us, ordered
  // by agent then metric. An empty agent_id means every agent.
  absl::StatusOr<std::vector<AggregateRow>> Aggregate(int64_t start_us, int64_t end_us,
                                                      const std::string& agent_id = "");

  // Per agent, how many events of `metric` with start_us <= occurred_at_us < end_us have
  // value >= threshold, ordered by agent; agents with none are left out.
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountAtLeast(
      int64_t start_us, int64_t end_us, const std::string& metric, double threshold);

  // Keeps the aggregates of every period of (time_zone, cadence) up to date from now on, with
  // at-least counts for `thresholds`, filling in what is missing from the raw events once (one
  // pass over them, in one transaction). INVALID_ARGUMENT for an unknown zone or cadence.
  absl::Status EnsureRollup(const std::string& time_zone, const std::string& cadence,
                            const ThresholdSet& thresholds);
  // The aggregates of the period `label` ([start_us, end_us)) of (time_zone, cadence), as
  // Aggregate() and CountAtLeast() give them from the raw events (bit for bit), with at_least
  // filled in for `thresholds`, ordered by agent then metric; only `agent_id`'s unless it is empty.
  // Read from the rollups without touching raw events; nullopt when they do not cover it (not
  // registered by EnsureRollup, or the zone's rules moved the period since).
  absl::StatusOr<std::optional<std::vector<AggregateRow>>> RolledUpAggregates(
      const std::string& time_zone, const std::string& cadence, const std::string& label,
      int64_t start_us, int64_t end_us, const ThresholdSet& thresholds,
      const std::string& agent_id = "");
  // Changes whenever something standings are computed from is written (events, agents,
  // programs), so callers can cache standings.
  int64_t standings_generation() const { return standings_generation_.load(); }

  // At most `limit` rows of the same aggregates (optionally for one agent) that come after
  // (after_agent, after_metric) in (agent, metric) order; empty strings start at the beginning.
  absl::StatusOr<std::vector<AggregateRow>> AggregatePage(int64_t start_us, int64_t end_us,
                                                          const std::string& agent_id,
                                                          const std::string& after_agent,
                                                          const std::string& after_metric,
                                                          int limit);

  // Programs. PutProgram bumps the version when the YAML differs from the stored one and
  // records when (applied_us; 0 means now).
  absl::StatusOr<ProgramRecord> PutProgram(const ProgramRecord& program, int64_t applied_us = 0);
  absl::StatusOr<std::vector<ProgramRecord>> ListPrograms();
  absl::StatusOr<std::optional<ProgramRecord>> GetProgram(const std::string& id);
  // The version (number and YAML in `version`/`yaml`) in force at `at_us`: the last one applied
  // by then, or the first one when none was. Nullopt for an unknown program.
  absl::StatusOr<std::optional<ProgramRecord>> ProgramVersionAt(const std::string& id,
                                                                int64_t at_us);
  // Every version of the program, oldest first; empty for an unknown program.
  absl::StatusOr<std::vector<ProgramVersionRecord>> ProgramVersions(const std::string& id);
  // Disables or enables a program, recorded as a correction by `actor` with `reason`. Returns
  // the program; NOT_FOUND for an unknown one. Asking for the state it is in changes nothing.
  absl::StatusOr<ProgramRecord> SetProgramDisabled(const std::string& id, bool disabled,
                                                   const std::string& actor,
                                                   const std::string& reason, int64_t at_us);

  // Deactivates an agent (recorded as a correction); NOT_FOUND for an unknown agent. An
  // inactive agent competes in no period decided afterwards; importing the agent as active
  // again reactivates them.
  absl::Status DeactivateAgent(const std::string& id, const std::string& actor,
                               const std::string& reason, int64_t at_us);

  // Retracts stored events: each leaves every aggregate, its content is kept in the
  // correction, and its id stays taken (InsertEvents reports it kRetracted). Returns the ids
  // that were not stored (unknown or already retracted); the others are retracted in one
  // transaction.
  absl::StatusOr<std::vector<std::string>> RetractEvents(const std::vector<std::string>& ids,
                                                         const std::string& actor,
                                                         const std::string& reason, int64_t at_us);

  // Corrections, oldest first; an empty `subject` lists all of them.
  absl::StatusOr<std::vector<CorrectionRecord>> ListCorrections(const std::string& subject);

  // One version of a program (number and YAML in `version`/`yaml`); nullopt when it has none
  // such.
  absl::StatusOr<std::optional<ProgramRecord>> GetProgramVersion(const std::string& id,
                                                                 int64_t version);
  // When the program's first version was applied; nullopt for an unknown program.
  absl::StatusOr<std::optional<int64_t>> ProgramFirstAppliedUs(const std::string& id);
  // The program version of the period's committed decision; nullopt when it has none.
  absl::StatusOr<std::optional<int64_t>> DecisionVersion(const std::string& program_id,
                                                         const std::string& period);
  // The periods of the program that have a committed decision.
  absl::StatusOr<std::vector<std::string>> DecidedPeriods(const std::string& program_id);

  // Decisions. CommitDecision writes the decision, its awards (in the state each was decided in:
  // proposed or held) and their fulfilment rows in one transaction, unless a decision for
  // (program, period) exists: then nothing is written and the stored one is returned with
  // `second` false. Either is returned without its standings (standings_loaded false), which are
  // written one row each, in order, and read a page at a time. Awards that need no approval are
  // approved in rank order in the same transaction, each reserving its value in the period's budget
  // (a fixed budget leaves the ones that do not fit over_budget, as `auto_approval` plans). Only
  // approved awards' fulfilments become pending.
  absl::StatusOr<std::pair<DecisionRecord, bool>> CommitDecision(const DecisionRecord& decision,
                                                                 const AwardPlanner& auto_approval);
  // With `with_standings` false the standings are not read (standings_loaded false), only
  // counted: the decision's header and awards, whatever the number of standings.
  absl::StatusOr<std::optional<DecisionRecord>> GetDecision(const std::string& program_id,
                                                            const std::string& period,
                                                            bool with_standings = true);
  // A committed decision's standings, a page at a time, in time that does not grow with their
  // number: those at positions [offset, offset + limit), fewer at the end; none for a period
  // without a decision.
  absl::StatusOr<std::vector<PositionedStanding>> ListStandings(const std::string& program_id,
                                                                const std::string& period,
                                                                int64_t offset, int64_t limit);
  // How many standings the decision has; 0 without a decision.
  absl::StatusOr<int64_t> CountStandings(const std::string& program_id, const std::string& period);
  // The standing of `competitor`: the one whose competitor id (CompetitorId(): the agent, or
  // under scope team the team) it is, else the team standing it is a member of; with
  // `members_only`, only the latter. nullopt when there is none.
  absl::StatusOr<std::optional<PositionedStanding>> FindStanding(const std::string& program_id,
                                                                 const std::string& period,
                                                                 const std::string& competitor,
                                                                 bool members_only = false);
  // Empty filters match everything. Ordered by program, period, rank.
  absl::StatusOr<std::vector<AwardRecord>> ListAwards(const std::string& program_id,
                                                      const std::string& period);

  absl::StatusOr<std::optional<AwardRecord>> GetAward(const std::string& id);

  // The latest period (by its label's order) in which the program has an award, or "" when it
  // has none. Read from the awards' index, on a reader: no lock the writers take.
  absl::StatusOr<std::string> LatestAwardPeriod(const std::string& program_id);

  // Applies what `plan` makes of the award's facts (an approval, rejection or cancellation, as
  // core/awards decides), atomically with its budget reservation, approvals, fulfilments and
  // history; `actor` is recorded as who acted. NOT_FOUND for an unknown award; the planner's
  // error, with nothing written, when it refuses.
  absl::StatusOr<AwardRecord> ApplyAwardAction(const std::string& award_id,
                                               const AwardPlanner& plan, const std::string& actor,
                                               int64_t now_us);
  // Every transition of the award, oldest first; NOT_FOUND for an unknown award.
  absl::StatusOr<std::vector<AwardTransition>> AwardHistory(const std::string& award_id);
  // Nullopt when the period has no decision or its program version had no budget.
  absl::StatusOr<std::optional<BudgetReport>> GetBudget(const std::string& program_id,
                                                        const std::string& period);

  // Fulfilments (fulfilment_store.cc).
  absl::StatusOr<std::vector<FulfilmentRecord>> ListFulfilments(const std::string& award_id);
  absl::StatusOr<std::optional<FulfilmentRecord>> GetFulfilment(const std::string& id);
  absl::StatusOr<std::optional<FulfilmentRecord>> FindFulfilmentByKey(
      const std::string& idempotency_key);
  // Appends to the reward's attempt history (seq is assigned).
  absl::Status RecordAttempt(const FulfilmentAttempt& attempt);
  // Oldest first.
  absl::StatusOr<std::vector<FulfilmentAttempt>> ListAttempts(const std::string& fulfilment_id);
  // A failed reward gets another round of attempts (looked up first: an order may exist). Its
  // award, if failed, is fulfilling again and reserves its value anew; FAILED_PRECONDITION when
  // the reward has not failed or a fixed budget no longer has room.
  absl::StatusOr<FulfilmentRecord> RetryFulfilment(const std::string& id, const std::string& actor,
                                                   const std::string& reason, int64_t now_us);
  // A reward that will not be delivered. Only while nothing may be out with a vendor: waiting,
  // or pending and never attempted or last refused; FAILED_PRECONDITION otherwise.
  absl::StatusOr<FulfilmentRecord> CancelFulfilment(const std::string& id, const std::string& actor,
                                                    const std::string& reason, int64_t now_us);
  // Records that a fulfilled reward was redeemed at redeemed_us, as its vendor reported. True
  // when this recorded it; false when it was already recorded or the reward is not fulfilled.
  absl::StatusOr<bool> MarkRedeemed(const std::string& id, int64_t redeemed_us);
  // Makes the pending rewards with these keys due now, looked up first.
  absl::Status CheckFulfilmentsNow(const std::vector<std::string>& idempotency_keys,
                                   int64_t now_us);
  // Pending fulfilments with next_attempt_us <= now_us, oldest first. Of a type in
  // `in_rank_order` (scarce rewards), only those whose turn has come (TurnHasCome()).
  absl::StatusOr<std::vector<FulfilmentRecord>> DueFulfilments(
      int64_t now_us, int limit, const std::set<std::string>& in_rank_order = {});
  // Earliest next_attempt_us of a pending fulfilment, if any.
  absl::StatusOr<std::optional<int64_t>> NextFulfilmentDue();
  // Before a call for a due fulfilment: marks it check_first (a crash during the call leaves it
  // to be looked up), counts one more attempt when `count_attempt`, writes updated_us, and moves
  // its award from approved to fulfilling. False, writing nothing, when the fulfilment is no
  // longer pending (cancelled, or finished by a callback, since it was read), or, with
  // `in_rank_order` (a scarce reward), when its turn has not come (TurnHasCome()): checked in
  // the same transaction, so that nothing decided meanwhile lets it overtake an earlier rank.
  absl::StatusOr<bool> BeginFulfilmentAttempt(FulfilmentRecord& record, bool count_attempt = true,
                                              bool in_rank_order = false);
  // Writes state, attempts, error, artifact, next_attempt_us, updated_us and check_first of a
  // pending `record`; FAILED_PRECONDITION, writing nothing, when it is no longer pending. When
  // that finishes its award, the award becomes fulfilled (its reservation settled), failed
  // (released) or, when every reward was cancelled, cancelled (released). With `attempt`, the
  // call that led to it is appended to the reward's history in the same transaction (also when
  // the reward is no longer pending: the call happened).
  absl::Status UpdateFulfilment(const FulfilmentRecord& record,
                                const std::optional<FulfilmentAttempt>& attempt = std::nullopt);

  // Praise. InsertPraise stores the praise and the recipient's praise_received event (value 1,
  // event_id "praise:<id>") in one transaction. It returns the giver's earlier praise when the
  // request_id was used before, and nullopt (nothing written) when the giver has already sent
  // `allowance.limit` praise in the allowance window.
  absl::StatusOr<std::optional<PraiseRecord>> InsertPraise(const PraiseRecord& praise,
                                                           const PraiseAllowance& allowance);
  // Newest first; only praise sent or received by `agent_id` unless it is empty.
  absl::StatusOr<std::vector<PraiseRecord>> ListPraise(const std::string& agent_id);
  // How much praise `from_agent_id` sent within the allowance's window, on a reader.
  absl::StatusOr<int64_t> CountPraiseSent(const std::string& from_agent_id,
                                          const PraiseAllowance& allowance);

  // Exports (export_store.cc): at most `limit` rows of a dataset within `scope`, after `after`
  // in the dataset's order, read on a reader (no lock the writers take, and nothing kept between
  // pages). Each dataset's order is the one exports.proto documents.
  // Events by occurred_at_us, agent, metric, value, then the order they were stored in (the
  // order of the time index: no sort), each handed to `row` as it is read, without a copy, until
  // `row` returns false; the number of rows read.
  absl::StatusOr<int> ExportEvents(const ExportScope& scope, const ExportKey& after, int limit,
                                   absl::FunctionRef<bool(const EventView&)> row);
  // The first and last occurred_at_us of the events with from_us <= occurred_at_us < to_us, from
  // the time index's two ends; nullopt when there are none.
  absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>> EventTimeSpan(int64_t from_us,
                                                                           int64_t to_us);
  absl::StatusOr<std::vector<Agent>> ExportAgents(const ExportScope& scope, const ExportKey& after,
                                                  int limit);
  // The standings of the decision scope.program_id / scope.period; number is the position.
  absl::StatusOr<std::vector<PositionedStanding>> ExportStandings(const ExportScope& scope,
                                                                  const ExportKey& after,
                                                                  int limit);
  // By program, period, rank (number), award id (text).
  absl::StatusOr<std::vector<ExportedAwardRow>> ExportAwards(const ExportScope& scope,
                                                             const ExportKey& after, int limit);
  // By program, period, award id (text), reward order (number).
  absl::StatusOr<std::vector<ExportedFulfilmentRow>> ExportFulfilments(const ExportScope& scope,
                                                                       const ExportKey& after,
                                                                       int limit);
  // By program, period, award id (text).
  absl::StatusOr<std::vector<ExportedLedgerRow>> ExportLedger(const ExportScope& scope,
                                                              const ExportKey& after, int limit);
  // By sent time (number), praise id (text); an agent's praise is what they sent or received.
  absl::StatusOr<std::vector<PraiseRecord>> ExportPraise(const ExportScope& scope,
                                                         const ExportKey& after, int limit);

  // Calls `each` with the agent and time of every event with start_us <= occurred_at_us < end_us,
  // in time order, read on a reader from the time index alone (export_store.cc).
  absl::Status ForEachEventTime(
      int64_t start_us, int64_t end_us,
      absl::FunctionRef<void(absl::string_view agent_id, int64_t occurred_at_us)> each);

  // Vendor callbacks (callback_store.cc). Remembers that `plugin`'s callback signed `digest` is
  // applied, until `expires_us`; false, writing nothing, when it is remembered already (a
  // replay). Entries past their expiry are forgotten on the way.
  absl::StatusOr<bool> RememberCallback(const std::string& plugin, const std::string& digest,
                                        int64_t expires_us, int64_t now_us);
  // Forgets a callback that could not be applied after all, so that it may be delivered again.
  absl::Status ForgetCallback(const std::string& plugin, const std::string& digest);

  // Plugin-scoped key-value state, sealed at rest with (plugin, key) authenticated: a value that
  // was tampered with or moved to another key reads as DATA_LOSS naming the plugin and key.
  absl::StatusOr<std::optional<std::string>> StateGet(const std::string& plugin,
                                                      const std::string& key);
  // Atomically: every key in `absent` is missing and every (key, value) in `expected` holds
  // exactly that value, then all puts are written. Returns false when a condition failed.
  absl::StatusOr<bool> StateCommit(
      const std::string& plugin, const std::vector<std::pair<std::string, std::string>>& puts,
      const std::vector<std::string>& absent,
      const std::vector<std::pair<std::string, std::string>>& expected);

  // How the group-committed writes went so far: writes, and the commits that made them durable
  // (fewer when writes shared one); `queued` are waiting now.
  struct WriteGroupStats {
    int64_t writes = 0;
    int64_t commits = 0;
    int64_t queued = 0;
  };
  WriteGroupStats write_group_stats() const;

  // What plauditd's telemetry reads at each scrape (ops_store.cc).
  struct Figures {
    // Rewards waiting for their award's approval, and pending (due, in flight, or waiting on
    // the vendor).
    int64_t waiting = 0;
    int64_t pending = 0;
    // When the award of the oldest pending reward was decided; unset when none is pending.
    std::optional<int64_t> oldest_pending_decided_us;
    // Each program's latest budgeted period: its budget and what awards hold of it.
    struct Budget {
      std::string program_id, period, unit, currency;
      double amount = 0, reserved = 0, settled = 0;
    };
    std::vector<Budget> budgets;
    // Reader connections lent out now, and open but idle.
    int readers_in_use = 0;
    int readers_idle = 0;
    WriteGroupStats writes;
  };
  absl::StatusOr<Figures> ReadFigures();
  // OK when the database answers a read and its schema is the one this plauditd migrates to;
  // UNAVAILABLE or FAILED_PRECONDITION naming the problem otherwise.
  absl::Status CheckReady();

  // The audit log (audit_store.cc), kept in seq order; only AuditTrail appends to it. Appends
  // `entry` after the last record in one transaction: `seal` gets the record with its seq and the
  // MAC (hex) of the record before it ("" for the first) and returns the record's MAC.
  absl::StatusOr<AuditRecord> AppendAuditRecord(
      const AuditEntry& entry,
      absl::FunctionRef<std::string(const AuditRecord&, const std::string&)> seal);
  // The records `filter` matches, in seq order.
  absl::StatusOr<std::vector<AuditRecord>> ListAuditRecords(const AuditFilter& filter);
  // Whether a record of `method` on `resource` with `outcome` exists (a revocation, say).
  absl::StatusOr<bool> AuditRecordExists(const std::string& method, const std::string& resource,
                                         const std::string& outcome);

 private:
  Store(sqlite3* db, StateCipher cipher, const std::string& path)
      : db_(db), cipher_(std::move(cipher)), readers_(path, /*max_idle=*/16) {}
  absl::Status Migrate();
  // Seals every plugin_state value in place (a database from before values were sealed).
  absl::Status SealPlaintextState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the standings of decisions stored in one TEXT column into decision_standings rows.
  absl::Status MoveStandingsToRows() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::optional<DecisionRecord>> LoadDecision(const std::string& program_id,
                                                             const std::string& period,
                                                             bool with_standings)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> CountStandingRows(const std::string& program_id,
                                            const std::string& period)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<PositionedStanding>> LoadStandingRows(const std::string& program_id,
                                                                   const std::string& period,
                                                                   int64_t offset, int64_t limit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Refuses a cipher other than the one the database was first sealed under, or records it.
  absl::Status CheckSecretsKey() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<AwardRecord>> LoadAwards(const std::string& where,
                                                      const std::vector<std::string>& args)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The rest live in award_store.cc; each runs inside the caller's transaction.
  absl::StatusOr<std::optional<BudgetPosition>> LoadBudgetPosition(const std::string& program_id,
                                                                   const std::string& period)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<AwardFacts> LoadAwardFacts(const AwardRecord& award)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyPlan(const AwardRecord& award, const TransitionPlan& plan,
                         const std::string& actor, int64_t now_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AppendHistory(const std::string& award_id, const std::string& from_state,
                             AwardState to, const std::string& actor, const std::string& reason,
                             int64_t at_us) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Rank order of a scarce reward: the turn of a pending fulfilment has come when it is the
  // first unsettled one of its type in its award's decision (program and period), by award rank,
  // then award id, then reward order within the award (a team's members). Unsettled: pending, or
  // waiting for its award's approval (proposed or held), which keeps its place in line.
  // Fulfilled, failed and cancelled rewards, and those waiting on an award that is not to be
  // approved as it stands (rejected, cancelled, over budget), are settled.
  absl::StatusOr<bool> TurnHasCome(const FulfilmentRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // fulfilment_store.cc: one fulfilment row (NOT_FOUND naming it), and an attempt history row.
  absl::StatusOr<FulfilmentRecord> LoadFulfilmentRow(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertAttempt(const FulfilmentAttempt& attempt) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves an approved or fulfilling award whose fulfilments have all ended to fulfilled or
  // failed, settling or releasing its reservation.
  absl::Status FinishAwardIfDone(const std::string& award_id, int64_t now_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // write_group.cc: runs `write` (which holds mu_ and writes through db_, without a transaction
  // of its own) in a transaction shared with the writes other threads hand in meanwhile, each in
  // its own savepoint so that a failed write is rolled back alone. Returns once the shared commit
  // is durable: the write's own status, or the commit's error (then none of the batch is stored).
  absl::Status WriteInGroup(absl::FunctionRef<absl::Status()> write) ABSL_LOCKS_EXCLUDED(mu_);
  struct GroupedWrite;
  void CommitGroup(const std::vector<GroupedWrite*>& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  // The writes waiting for a group commit, and whether a thread is committing a group now. Taken
  // after mu_ when both are held.
  mutable absl::Mutex group_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::vector<GroupedWrite*> group_queue_ ABSL_GUARDED_BY(group_mu_);
  bool group_leader_ ABSL_GUARDED_BY(group_mu_) = false;
  WriteGroupStats group_stats_ ABSL_GUARDED_BY(group_mu_);
  const StateCipher cipher_;
  ReadPool readers_;
  Rollups rollups_;
  std::atomic<int64_t> agents_generation_{0};
  std::atomic<int64_t> standings_generation_{0};
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_STORE_H_

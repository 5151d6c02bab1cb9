// The record types the store's interfaces speak in: plain values that every backend reads and
// writes alike. No rules live here (core/awards decides, the store applies what it decides).
#ifndef PLAUDIT_CORE_STORE_STORE_RECORDS_H_
#define PLAUDIT_CORE_STORE_STORE_RECORDS_H_

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/domain/agent.h"
#include "core/scoring/scorecard.h"
#include "core/store/award_records.h"

namespace plaudit {

// (metric, threshold) pairs whose at-least counts the period aggregates keep.
using ThresholdSet = std::set<std::pair<std::string, double>>;

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
};

// What a page of events read: its rows, and the place of the last in the events table (the order
// events were stored in), the `row` of the page's key.
struct ExportedEventsPage {
  int rows = 0;
  int64_t last_row = 0;
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

// What an export reads; an empty or unset field does not narrow it.
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

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_STORE_RECORDS_H_

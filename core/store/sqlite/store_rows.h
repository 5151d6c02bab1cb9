// Row readers and writers shared by the store's source files. Internal to core/store.
#ifndef PLAUDIT_CORE_STORE_SQLITE_STORE_ROWS_H_
#define PLAUDIT_CORE_STORE_SQLITE_STORE_ROWS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"

// Returns the status of `expr` from the enclosing function unless it is OK.
#define PLAUDIT_RETURN_IF_ERROR(expr)  \
  do {                                 \
    absl::Status _status = (expr);     \
    if (!_status.ok()) return _status; \
  } while (false)

namespace plaudit {

// The columns ReadFulfilment() reads, in its order.
inline constexpr const char* kFulfilmentColumns =
    "id, award_id, agent_id, type, params, state, attempts, error, artifact, idempotency_key, "
    "next_attempt_us, updated_us, check_first, value, face_value, redeemed_us";
inline constexpr int kFulfilmentColumnCount = 16;

// The columns ReadAgent() reads, in its order.
inline constexpr const char* kAgentColumns =
    "id, display_name, email, team, channel, hire_date, active, public_praise, locale";
Agent ReadAgent(const SqliteStatement& s);

// The columns ReadAward() reads, in its order; the award has no approvals or fulfilments yet.
inline constexpr const char* kAwardColumns =
    "id, program_id, period, agent_id, rank, program_version, decided_us, tier, state, "
    "state_reason, value, approvals_needed, approver_role, over_flexible_budget, team";
AwardRecord ReadAward(const SqliteStatement& q);

// Columns: position, standing (as decision_standings keeps it). DATA_LOSS when it cannot be read.
absl::StatusOr<PositionedStanding> ReadStandingRow(const SqliteStatement& q);

// The columns ReadPraise() reads, in its order.
inline constexpr const char* kPraiseColumns =
    "id, from_agent_id, to_agent_id, message, value, request_id, sent_us";
PraiseRecord ReadPraise(const SqliteStatement& s);

FulfilmentState ParseFulfilmentState(const std::string& text);
FulfilmentRecord ReadFulfilment(const SqliteStatement& s);

// `columns` (comma-separated, as the k*Columns above) each prefixed with `alias` and a dot.
std::string Qualified(const char* alias, const char* columns);

// Appends `correction` to the corrections log (its seq is assigned), inside the caller's
// transaction.
absl::Status RecordCorrection(sqlite3* db, const CorrectionRecord& correction);

// "a017 csat 4 at 2026-10-05T12:03:00Z": an event's content as a correction keeps it.
std::string EventContent(const std::string& agent_id, const std::string& metric, double value,
                         int64_t occurred_at_us);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_SQLITE_STORE_ROWS_H_

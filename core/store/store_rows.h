// Row readers shared by the store's source files. Internal to core/store.
#ifndef PLAUDIT_CORE_STORE_STORE_ROWS_H_
#define PLAUDIT_CORE_STORE_STORE_ROWS_H_

#include <string>

#include "core/store/sqlite_statement.h"
#include "core/store/store.h"

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
    "next_attempt_us, updated_us, check_first";

FulfilmentState ParseFulfilmentState(const std::string& text);
FulfilmentRecord ReadFulfilment(const SqliteStatement& s);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_STORE_ROWS_H_

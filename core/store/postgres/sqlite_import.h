// Moves a centre from the embedded store to PostgreSQL (`plaudit admin migrate`): copies every
// table of an SQLite database into an empty PostgreSQL database, then counts and checksums each
// table on both sides before committing.
//
// The source is read in one read transaction, so a plauditd still running on it may go on writing:
// what it writes after the copy began is not copied (stop it, or send what it took since again;
// events are idempotent). The target is written in one transaction: a copy that fails, or whose
// check finds a difference, leaves the target as it was. Plugin state is copied sealed; the
// target is opened under the same secrets key, which must be the one the source was sealed under.
// The period aggregates are not copied: plauditd rebuilds them from the events on PostgreSQL.
#ifndef PLAUDIT_CORE_STORE_POSTGRES_SQLITE_IMPORT_H_
#define PLAUDIT_CORE_STORE_POSTGRES_SQLITE_IMPORT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/store/state_cipher.h"

namespace plaudit {

struct CopiedTable {
  std::string table;
  int64_t rows = 0;
  // The rows' checksum, the same on both sides: 32 hex digits, independent of row order.
  std::string checksum;
};

// NOT_FOUND when `sqlite_path` is not a database; FAILED_PRECONDITION when its schema is not
// this build's, when `cipher` is not the key it was sealed under, or when the target already
// holds data (naming a table that has rows); DATA_LOSS naming the table whose count or checksum
// differs after the copy. `progress` hears of each table as it is copied.
absl::StatusOr<std::vector<CopiedTable>> ImportSqliteIntoPostgres(
    const std::string& sqlite_path, const std::string& dsn, const StateCipher& cipher,
    const std::function<void(const CopiedTable&)>& progress);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_POSTGRES_SQLITE_IMPORT_H_

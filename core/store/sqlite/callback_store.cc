// Store: the vendor callbacks already applied, so that none is applied twice.
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {

absl::StatusOr<bool> SqliteStore::RememberCallback(const std::string& plugin,
                                                   const std::string& digest, int64_t expires_us,
                                                   int64_t now_us) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  SqliteStatement expire(db_, "DELETE FROM applied_callbacks WHERE expires_us <= ?");
  PLAUDIT_RETURN_IF_ERROR(expire.Bind(1, now_us).Run());
  SqliteStatement insert(db_,
                         "INSERT INTO applied_callbacks (plugin, digest, expires_us) "
                         "VALUES (?, ?, ?) ON CONFLICT (plugin, digest) DO NOTHING");
  PLAUDIT_RETURN_IF_ERROR(insert.Bind(1, plugin).Bind(2, digest).Bind(3, expires_us).Run());
  const bool fresh = sqlite3_changes(db_) > 0;
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  return fresh;
}

absl::Status SqliteStore::ForgetCallback(const std::string& plugin, const std::string& digest) {
  absl::MutexLock lock(&mu_);
  SqliteStatement forget(db_, "DELETE FROM applied_callbacks WHERE plugin = ? AND digest = ?");
  return forget.Bind(1, plugin).Bind(2, digest).Run();
}

}  // namespace plaudit

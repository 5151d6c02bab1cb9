// Thin RAII wrappers over the SQLite C API used by Store. Not thread-safe: the caller holds the
// connection's lock.
#ifndef PLAUDIT_CORE_STORE_SQLITE_SQLITE_STATEMENT_H_
#define PLAUDIT_CORE_STORE_SQLITE_SQLITE_STATEMENT_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace plaudit {

// The connection's last error as a status: RESOURCE_EXHAUSTED ("store: disk full (...)") when the
// disk or the database's size limit is full, INTERNAL otherwise.
absl::Status SqliteError(sqlite3* db, std::string_view what);

// Runs statements that return no rows. Errors as SqliteError.
absl::Status SqliteExec(sqlite3* db, const char* sql);

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  const absl::Status& status() const { return status_; }

  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, double value);
  SqliteStatement& BindBlob(int index, std::string_view bytes);

  // Advances: true with a row, false when done; check status() after false.
  bool Step();
  // Runs to completion; for statements without rows.
  absl::Status Run();
  void Reset();

  std::string Text(int column) const;
  // The column's bytes where SQLite keeps them: valid until the next Step() or Reset().
  std::string_view TextView(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  absl::Status status_;
};

// Steps `q` to the end, turning each row into a T with `read`.
template <typename T, typename ReadRow>
absl::StatusOr<std::vector<T>> CollectRows(SqliteStatement& q, ReadRow read) {
  std::vector<T> rows;
  while (q.Step()) rows.push_back(read(q));
  if (!q.status().ok()) return q.status();
  return rows;
}

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() succeeds.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(sqlite3* db);
  ~SqliteTransaction();
  const absl::Status& status() const { return status_; }
  absl::Status Commit();

 private:
  sqlite3* db_;
  bool open_ = false;
  absl::Status status_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_SQLITE_SQLITE_STATEMENT_H_

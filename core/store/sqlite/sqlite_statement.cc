#include "core/store/sqlite/sqlite_statement.h"

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace plaudit {
namespace {

// SQLITE_FULL, or a write that failed with ENOSPC (SQLite reports some of those as I/O errors):
// the operator has to free space, and a client may retry later, so it is not an internal error.
bool IsDiskFull(sqlite3* db, int code) {
  return (code & 0xff) == SQLITE_FULL ||
         ((code & 0xff) == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC);
}

absl::Status StoreError(sqlite3* db, int code, const std::string& detail) {
  if (IsDiskFull(db, code)) {
    return absl::ResourceExhaustedError(absl::StrCat("store: disk full (", detail, ")"));
  }
  return absl::InternalError(absl::StrCat("store: ", detail));
}

}  // namespace

absl::Status SqliteError(sqlite3* db, std::string_view what) {
  return StoreError(db, sqlite3_extended_errcode(db),
                    absl::StrCat(std::string(what), ": ", sqlite3_errmsg(db)));
}

absl::Status SqliteExec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  const int code = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (code != SQLITE_OK) {
    absl::Status status =
        StoreError(db, sqlite3_extended_errcode(db),
                   absl::StrCat(message ? message : "unknown error", " in: ", sql));
    sqlite3_free(message);
    return status;
  }
  return absl::OkStatus();
}

SqliteStatement::SqliteStatement(sqlite3* db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    status_ = SqliteError(db, absl::StrCat("prepare ", sql));
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  if (stmt_ != nullptr) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  if (stmt_ != nullptr) sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, double value) {
  if (stmt_ != nullptr) sqlite3_bind_double(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, std::string_view bytes) {
  if (stmt_ != nullptr) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

bool SqliteStatement::Step() {
  if (stmt_ == nullptr || !status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = SqliteError(db_, "step");
  return false;
}

absl::Status SqliteStatement::Run() {
  while (Step()) {
  }
  return status_;
}

void SqliteStatement::Reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::Text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::string_view SqliteStatement::TextView(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (data == nullptr) return {};
  return std::string_view(static_cast<const char*>(data),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double SqliteStatement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

SqliteTransaction::SqliteTransaction(sqlite3* db) : db_(db) {
  status_ = SqliteExec(db, "BEGIN IMMEDIATE");
  open_ = status_.ok();
}

SqliteTransaction::~SqliteTransaction() {
  if (open_) SqliteExec(db_, "ROLLBACK").IgnoreError();
}

absl::Status SqliteTransaction::Commit() {
  if (!open_) return status_;
  open_ = false;
  absl::Status status = SqliteExec(db_, "COMMIT");
  if (!status.ok()) SqliteExec(db_, "ROLLBACK").IgnoreError();
  return status;
}

}  // namespace plaudit

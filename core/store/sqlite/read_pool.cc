#include "core/store/sqlite/read_pool.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "core/store/sqlite/rollups.h"

namespace plaudit {

ReadPool::~ReadPool() {
  absl::MutexLock lock(&mu_);
  for (sqlite3* db : idle_) sqlite3_close(db);
}

ReadPool::Lease::~Lease() {
  if (db_ != nullptr) pool_->Release(db_);
}

absl::StatusOr<ReadPool::Lease> ReadPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    ++in_use_;
    if (!idle_.empty()) {
      sqlite3* db = idle_.back();
      idle_.pop_back();
      return Lease(this, db);
    }
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    Unlend();
    return absl::UnavailableError(
        absl::StrCat("cannot open database ", path_, " for reading: ", message));
  }
  sqlite3_busy_timeout(db, 5000);
  absl::Status status = RegisterExactSumFunction(db);
  if (!status.ok()) {
    sqlite3_close(db);
    Unlend();
    return status;
  }
  return Lease(this, db);
}

void ReadPool::Unlend() {
  absl::MutexLock lock(&mu_);
  --in_use_;
}

ReadPool::Use ReadPool::use() const {
  absl::MutexLock lock(&mu_);
  return Use{in_use_, static_cast<int>(idle_.size())};
}

void ReadPool::Release(sqlite3* db) {
  // A statement left unfinished would pin its snapshot; none is, but a transaction left open
  // by an error path is ended here.
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  absl::MutexLock lock(&mu_);
  --in_use_;
  if (static_cast<int>(idle_.size()) < max_idle_) {
    idle_.push_back(db);
    return;
  }
  sqlite3_close(db);
}

}  // namespace plaudit

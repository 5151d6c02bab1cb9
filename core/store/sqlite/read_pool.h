// Read-only connections to the store's database, so that reads never queue behind the one
// writer: in WAL mode a reader sees the last committed state and neither waits for nor blocks a
// write. Connections are opened as needed and kept for reuse; each is used by one thread at a
// time. Thread-safe.
#ifndef PLAUDIT_CORE_STORE_SQLITE_READ_POOL_H_
#define PLAUDIT_CORE_STORE_SQLITE_READ_POOL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;

namespace plaudit {

class ReadPool {
 public:
  // Keeps at most `max_idle` connections open between uses.
  ReadPool(std::string path, int max_idle) : path_(std::move(path)), max_idle_(max_idle) {}
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // One connection, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), db_(other.db_) { other.db_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    sqlite3* db() const { return db_; }

   private:
    friend class ReadPool;
    Lease(ReadPool* pool, sqlite3* db) : pool_(pool), db_(db) {}
    ReadPool* pool_;
    sqlite3* db_;
  };

  absl::StatusOr<Lease> Acquire();

  // Connections lent out now, and open but idle.
  struct Use {
    int in_use = 0;
    int idle = 0;
  };
  Use use() const;

 private:
  void Release(sqlite3* db);
  // A connection counted as lent that could not be opened.
  void Unlend();

  const std::string path_;
  const int max_idle_;
  mutable absl::Mutex mu_;
  std::vector<sqlite3*> idle_ ABSL_GUARDED_BY(mu_);
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_SQLITE_READ_POOL_H_

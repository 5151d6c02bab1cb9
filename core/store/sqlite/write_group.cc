// Store's group commit (see store.h). The first thread to hand in a write while no group is being
// committed leads: it takes the connection, then every write queued by then, and commits them in
// one transaction; the others wait for it. Writes handed in while a group is on its way to disk
// queue for the next one, so under load a group holds about as many writes as arrived during one
// flush, and an idle store commits a lone write at once.
#include <sqlite3.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"

namespace plaudit {

struct SqliteStore::GroupedWrite {
  explicit GroupedWrite(absl::FunctionRef<absl::Status()> body) : write(body) {}
  absl::FunctionRef<absl::Status()> write;
  absl::Status status;
  bool done = false;
};

SqliteStore::WriteGroupStats SqliteStore::write_group_stats() const {
  absl::MutexLock lock(&group_mu_);
  WriteGroupStats stats = group_stats_;
  stats.queued = static_cast<int64_t>(group_queue_.size());
  return stats;
}

absl::Status SqliteStore::WriteInGroup(absl::FunctionRef<absl::Status()> write) {
  GroupedWrite mine(write);
  {
    absl::MutexLock lock(&group_mu_);
    group_queue_.push_back(&mine);
    auto done_or_lead = [this, &mine]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(group_mu_) {
      return mine.done || !group_leader_;
    };
    group_mu_.Await(absl::Condition(&done_or_lead));
    if (mine.done) return mine.status;
    group_leader_ = true;
  }
  std::vector<GroupedWrite*> batch;
  {
    absl::MutexLock lock(&mu_);
    {
      absl::MutexLock queue_lock(&group_mu_);
      batch.swap(group_queue_);
    }
    CommitGroup(batch);
  }
  absl::MutexLock lock(&group_mu_);
  group_stats_.writes += static_cast<int64_t>(batch.size());
  group_stats_.commits += 1;
  for (GroupedWrite* write_in_batch : batch) write_in_batch->done = true;
  group_leader_ = false;
  return mine.status;
}

void SqliteStore::CommitGroup(const std::vector<GroupedWrite*>& batch) {
  auto fail_all = [&batch](const absl::Status& status) {
    for (GroupedWrite* write : batch) write->status = status;
  };
  SqliteTransaction txn(db_);
  if (!txn.status().ok()) return fail_all(txn.status());
  for (GroupedWrite* write : batch) {
    absl::Status status = SqliteExec(db_, "SAVEPOINT grouped_write");
    if (status.ok()) {
      status = write->write();
      // Some errors (a full disk, an I/O error) end the whole transaction, and the writes before
      // this one with it: none of the batch may then be reported stored.
      if (sqlite3_get_autocommit(db_) != 0) {
        return fail_all(status.ok() ? absl::InternalError("store: the transaction ended early")
                                    : status);
      }
      if (!status.ok()) SqliteExec(db_, "ROLLBACK TO grouped_write").IgnoreError();
      absl::Status released = SqliteExec(db_, "RELEASE grouped_write");
      if (!released.ok()) return fail_all(released);
    }
    write->status = status;
  }
  if (absl::Status committed = txn.Commit(); !committed.ok()) fail_all(committed);
}

}  // namespace plaudit

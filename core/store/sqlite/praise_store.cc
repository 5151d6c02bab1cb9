// Store's praise methods: the praise table and the praise_received events it feeds.
#include "absl/strings/str_cat.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
PraiseRecord ReadPraise(const SqliteStatement& s) {
  return PraiseRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Int(6)};
}

namespace {

constexpr char kCountSent[] =
    "SELECT COUNT(*) FROM praise WHERE from_agent_id = ? AND sent_us >= ? AND sent_us < ?";

}  // namespace

absl::StatusOr<int64_t> SqliteStore::CountPraiseSent(const std::string& from_agent_id,
                                                     const PraiseAllowance& allowance) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement sent(reader->db(), kCountSent);
  sent.Bind(1, from_agent_id).Bind(2, allowance.start_us).Bind(3, allowance.end_us);
  const int64_t used = sent.Step() ? sent.Int(0) : 0;
  if (!sent.status().ok()) return sent.status();
  return used;
}

absl::StatusOr<std::optional<PraiseRecord>> SqliteStore::InsertPraise(
    const PraiseRecord& praise, const PraiseAllowance& allowance) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  if (!txn.status().ok()) return txn.status();
  if (!praise.request_id.empty()) {
    std::string sql = absl::StrCat("SELECT ", kPraiseColumns,
                                   " FROM praise WHERE from_agent_id = ? AND request_id = ?");
    SqliteStatement earlier(db_, sql.c_str());
    earlier.Bind(1, praise.from_agent_id).Bind(2, praise.request_id);
    if (earlier.Step()) return std::optional<PraiseRecord>(ReadPraise(earlier));
    if (!earlier.status().ok()) return earlier.status();
  }
  // Counted inside the write transaction, so concurrent senders cannot overdraw the allowance.
  SqliteStatement sent(db_, kCountSent);
  sent.Bind(1, praise.from_agent_id).Bind(2, allowance.start_us).Bind(3, allowance.end_us);
  int64_t used = sent.Step() ? sent.Int(0) : 0;
  if (!sent.status().ok()) return sent.status();
  if (used >= allowance.limit) return std::optional<PraiseRecord>();

  std::string sql =
      absl::StrCat("INSERT INTO praise (", kPraiseColumns, ") VALUES (?, ?, ?, ?, ?, ?, ?)");
  SqliteStatement insert(db_, sql.c_str());
  insert.Bind(1, praise.id)
      .Bind(2, praise.from_agent_id)
      .Bind(3, praise.to_agent_id)
      .Bind(4, praise.message)
      .Bind(5, praise.value)
      .Bind(6, praise.request_id)
      .Bind(7, praise.sent_us);
  absl::Status status = insert.Run();
  if (!status.ok()) return status;
  SqliteStatement event(db_,
                        "INSERT INTO events (event_id, agent_id, metric, value, occurred_at_us) "
                        "VALUES (?, ?, 'praise_received', 1, ?)");
  event.Bind(1, absl::StrCat("praise:", praise.id))
      .Bind(2, praise.to_agent_id)
      .Bind(3, praise.sent_us);
  status = event.Run();
  if (!status.ok()) return status;
  status = rollups_.Begin(db_);
  if (!status.ok()) return status;
  status = rollups_.Added(db_, praise.to_agent_id, "praise_received", 1, praise.sent_us);
  if (!status.ok()) return status;
  status = rollups_.Flush(db_);
  if (!status.ok()) return status;
  status = txn.Commit();
  if (!status.ok()) return status;
  rollups_.Committed();
  standings_generation_.fetch_add(1);
  return std::optional<PraiseRecord>(praise);
}

absl::StatusOr<std::vector<PraiseRecord>> SqliteStore::ListPraise(const std::string& agent_id) {
  absl::MutexLock lock(&mu_);
  std::string sql = absl::StrCat("SELECT ", kPraiseColumns,
                                 " FROM praise WHERE ?1 = '' OR from_agent_id = ?1 OR "
                                 "to_agent_id = ?1 ORDER BY sent_us DESC, id");
  SqliteStatement q(db_, sql.c_str());
  q.Bind(1, agent_id);
  return CollectRows<PraiseRecord>(q, ReadPraise);
}

}  // namespace plaudit

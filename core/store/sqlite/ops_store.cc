// Store's figures for plauditd's telemetry: read at each scrape, each with one indexed query.
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {

absl::StatusOr<SqliteStore::Figures> SqliteStore::ReadFigures() {
  Figures figures;
  {
    auto reader = readers_.Acquire();
    if (!reader.ok()) return reader.status();
    sqlite3* const db = reader->db();
    // fulfilments_due is (state, next_attempt_us): each count reads its own range of it.
    for (const auto& [state, count] :
         {std::pair{"waiting", &figures.waiting}, std::pair{"pending", &figures.pending}}) {
      SqliteStatement q(db, "SELECT COUNT(*) FROM fulfilments WHERE state = ?");
      q.Bind(1, std::string(state));
      if (q.Step()) *count = q.Int(0);
      PLAUDIT_RETURN_IF_ERROR(q.status());
    }
    {
      SqliteStatement q(db,
                        "SELECT MIN(a.decided_us) FROM fulfilments f JOIN awards a ON "
                        "a.id = f.award_id WHERE f.state = 'pending'");
      if (q.Step() && !q.IsNull(0)) figures.oldest_pending_decided_us = q.Int(0);
      PLAUDIT_RETURN_IF_ERROR(q.status());
    }
    SqliteStatement q(
        db,
        "SELECT b.program_id, b.period, b.unit, b.currency, b.amount, "
        "COALESCE((SELECT SUM(l.amount) FROM budget_ledger l WHERE l.program_id = b.program_id "
        "AND l.period = b.period AND l.state = 'reserved'), 0), "
        "COALESCE((SELECT SUM(l.amount) FROM budget_ledger l WHERE l.program_id = b.program_id "
        "AND l.period = b.period AND l.state = 'settled'), 0) "
        "FROM budgets b WHERE b.period = (SELECT MAX(p.period) FROM budgets p WHERE "
        "p.program_id = b.program_id) ORDER BY b.program_id");
    while (q.Step()) {
      figures.budgets.push_back(Figures::Budget{q.Text(0), q.Text(1), q.Text(2), q.Text(3),
                                                q.Double(4), q.Double(5), q.Double(6)});
    }
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  // After the reader above is back in the pool: what is counted is the calls' use, not this.
  const ReadPool::Use use = readers_.use();
  figures.readers_in_use = use.in_use;
  figures.readers_idle = use.idle;
  figures.writes = write_group_stats();
  return figures;
}

absl::StatusOr<bool> SqliteStore::RunAlone(std::string_view name, absl::FunctionRef<void()> work) {
  {
    absl::MutexLock lock(&alone_mu_);
    if (!running_alone_.emplace(name).second) return false;
  }
  work();
  absl::MutexLock lock(&alone_mu_);
  running_alone_.erase(running_alone_.find(name));
  return true;
}

}  // namespace plaudit

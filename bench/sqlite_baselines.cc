#include "bench/sqlite_baselines.h"

#include <sqlite3.h>

#include <chrono>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace plaudit::bench {
namespace {

// The events table and its indexes as core/store declares them (keep in step with its schema).
constexpr const char* kEventsSchema = R"sql(
CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  occurred_at_us INTEGER NOT NULL
);
CREATE INDEX events_by_time ON events (occurred_at_us, agent_id, metric, value);
CREATE INDEX events_by_agent ON events (agent_id, metric, occurred_at_us, value);
)sql";

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

absl::Status Failed(sqlite3* db, const char* what) {
  return absl::InternalError(absl::StrCat(what, ": ", sqlite3_errmsg(db)));
}

absl::Status Exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    absl::Status status = absl::InternalError(absl::StrCat(sql, ": ", message ? message : "?"));
    sqlite3_free(message);
    return status;
  }
  return absl::OkStatus();
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

absl::StatusOr<TimedRows> RawInsertLoop(const std::string& path, SyntheticEventStream& stream,
                                        int64_t count, int batch) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  Db db(raw);
  if (opened != SQLITE_OK) return Failed(raw, "raw insert loop: open");
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", kEventsSchema}) {
    if (absl::Status done = Exec(db.get(), sql); !done.ok()) return done;
  }
  sqlite3_stmt* prepared = nullptr;
  if (sqlite3_prepare_v2(db.get(),
                         "INSERT INTO events (event_id, agent_id, metric, value, occurred_at_us) "
                         "VALUES (?, ?, ?, ?, ?)",
                         -1, &prepared, nullptr) != SQLITE_OK) {
    return Failed(db.get(), "raw insert loop: prepare");
  }
  Statement insert(prepared);
  // Rows are made before the clock starts, batch by batch, so that only SQLite is timed.
  std::vector<StoredEvent> rows(batch);
  TimedRows result;
  while (result.rows < count) {
    int n = 0;
    while (n < batch && result.rows + n < count && stream.Next(&rows[n])) ++n;
    if (n == 0) break;
    const auto start = std::chrono::steady_clock::now();
    if (absl::Status begun = Exec(db.get(), "BEGIN"); !begun.ok()) return begun;
    for (int i = 0; i < n; ++i) {
      const StoredEvent& e = rows[i];
      sqlite3_bind_text(insert.get(), 1, e.event_id.data(), static_cast<int>(e.event_id.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(insert.get(), 2, e.agent_id.data(), static_cast<int>(e.agent_id.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(insert.get(), 3, e.metric.data(), static_cast<int>(e.metric.size()),
                        SQLITE_STATIC);
      sqlite3_bind_double(insert.get(), 4, e.value);
      sqlite3_bind_int64(insert.get(), 5, e.occurred_at_us);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) {
        return Failed(db.get(), "raw insert loop: insert");
      }
      sqlite3_reset(insert.get());
    }
    if (absl::Status committed = Exec(db.get(), "COMMIT"); !committed.ok()) return committed;
    result.seconds += SecondsSince(start);
    result.rows += n;
  }
  return result;
}

absl::StatusOr<TimedRows> GroupByOverWindow(const std::string& path, int64_t start_us,
                                            int64_t end_us) {
  sqlite3* raw = nullptr;
  const int opened =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (opened != SQLITE_OK) return Failed(raw, "group by: open");
  const auto start = std::chrono::steady_clock::now();
  sqlite3_stmt* prepared = nullptr;
  if (sqlite3_prepare_v2(db.get(),
                         "SELECT agent_id, metric, COUNT(*), SUM(value), MIN(value), MAX(value) "
                         "FROM events WHERE occurred_at_us >= ? AND occurred_at_us < ? "
                         "GROUP BY agent_id, metric",
                         -1, &prepared, nullptr) != SQLITE_OK) {
    return Failed(db.get(), "group by: prepare");
  }
  Statement query(prepared);
  sqlite3_bind_int64(query.get(), 1, start_us);
  sqlite3_bind_int64(query.get(), 2, end_us);
  TimedRows result;
  int step;
  while ((step = sqlite3_step(query.get())) == SQLITE_ROW) ++result.rows;
  if (step != SQLITE_DONE) return Failed(db.get(), "group by: step");
  result.seconds = SecondsSince(start);
  return result;
}

absl::StatusOr<TimedRows> ReadEventsInOrder(const std::string& path) {
  sqlite3* raw = nullptr;
  const int opened =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (opened != SQLITE_OK) return Failed(raw, "read events: open");
  const auto start = std::chrono::steady_clock::now();
  sqlite3_stmt* prepared = nullptr;
  if (sqlite3_prepare_v2(db.get(),
                         "SELECT event_id, agent_id, metric, value, occurred_at_us FROM events "
                         "ORDER BY occurred_at_us, agent_id, metric, value, rowid",
                         -1, &prepared, nullptr) != SQLITE_OK) {
    return Failed(db.get(), "read events: prepare");
  }
  Statement query(prepared);
  TimedRows result;
  // Every column is read, as a reader of the rows would; the sum keeps the reads from being
  // optimised away.
  size_t bytes = 0;
  int step;
  while ((step = sqlite3_step(query.get())) == SQLITE_ROW) {
    for (int column = 0; column < 3; ++column) {
      sqlite3_column_text(query.get(), column);
      bytes += static_cast<size_t>(sqlite3_column_bytes(query.get(), column));
    }
    bytes += static_cast<size_t>(sqlite3_column_double(query.get(), 3) != 0);
    bytes += static_cast<size_t>(sqlite3_column_int64(query.get(), 4) & 1);
    ++result.rows;
  }
  if (step != SQLITE_DONE) return Failed(db.get(), "read events: step");
  result.seconds = SecondsSince(start);
  result.bytes = static_cast<int64_t>(bytes);
  return result;
}

}  // namespace plaudit::bench

// Baselines measured by SQLite alone, for the figures the store is held against: the raw insert
// loop (what writing the events costs at the least, with the same table, indexes, batches and
// durability as the store) and SQLite's own GROUP BY over a period's events (what aggregating a
// period costs when every event is read again; evaluating a period should beat it by far), and
// every event read in export order (what an export of the events is held against).
//
// Plain sqlite3 C API on connections of their own; nothing here goes through the Store.
#ifndef PLAUDIT_BENCH_SQLITE_BASELINES_H_
#define PLAUDIT_BENCH_SQLITE_BASELINES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bench/synthetic_contact_centre.h"

namespace plaudit::bench {

struct TimedRows {
  int64_t rows = 0;
  double seconds = 0;
  // Bytes of text read, where a baseline counts them.
  int64_t bytes = 0;
};

// Creates a database at `path` (which must not exist) with the store's events table and its two
// secondary indexes, in WAL mode with synchronous=FULL, and inserts the first `count` events of
// `stream` with one prepared INSERT, `batch` rows per transaction. Times the inserts only.
absl::StatusOr<TimedRows> RawInsertLoop(const std::string& path, SyntheticEventStream& stream,
                                        int64_t count, int batch);

// Runs, read-only on the database at `path`,
//   SELECT agent_id, metric, COUNT(*), SUM(value), MIN(value), MAX(value) FROM events
//   WHERE occurred_at_us >= ? AND occurred_at_us < ? GROUP BY agent_id, metric
// stepping through every row; `rows` is how many groups it returned.
absl::StatusOr<TimedRows> GroupByOverWindow(const std::string& path, int64_t start_us,
                                            int64_t end_us);

// Reads every event, read-only on the database at `path`, in the order `plaudit export events`
// gives them (occurred_at_us, agent_id, metric, value, then the order they were stored in), with
// one statement stepped to the end and every
// column read: the fastest the store's database gives up its events in that order.
absl::StatusOr<TimedRows> ReadEventsInOrder(const std::string& path);

}  // namespace plaudit::bench

#endif  // PLAUDIT_BENCH_SQLITE_BASELINES_H_

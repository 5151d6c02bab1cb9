// Period aggregates kept as events arrive: for each (time zone, cadence) that a program decides
// by (a "scheme"), and each of its periods, every agent's count, exact sum, minimum and maximum of
// each metric, and how many of those events reach each top_box threshold the programs use. They
// are written in the same transaction as the events that change them, so reading a period's
// standings never re-reads its raw events, and restarting rebuilds nothing.
//
// Sums are ExactSum partials rounded once, the same as the exact_sum() SQL function that
// re-aggregation from raw events uses: both give the same bits whatever the order events came in.
// Inserted events are added in; a retraction or replacement re-reads the raw events of the one
// (period, agent, metric) cell it changes (a minimum cannot be taken back out).
//
// Used by Store under its write lock: Begin(), then Added()/Changed() per event, then Flush()
// inside the transaction and Committed() after it. A transaction that does not reach Committed()
// leaves nothing cached that it wrote. Covers()/SchemeOf() may be called from any thread.
#ifndef PLAUDIT_CORE_STORE_SQLITE_ROLLUPS_H_
#define PLAUDIT_CORE_STORE_SQLITE_ROLLUPS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/domain/period.h"
#include "core/scoring/exact_sum.h"
#include "core/store/store_records.h"

struct sqlite3;

namespace plaudit {

// Registers exact_sum(value) on `db`: the ExactSum of the group's values, correctly rounded.
absl::Status RegisterExactSumFunction(sqlite3* db);

class Rollups {
 public:
  Rollups() = default;
  Rollups(const Rollups&) = delete;
  Rollups& operator=(const Rollups&) = delete;

  // Reads the registered schemes and their thresholds.
  absl::Status Load(sqlite3* db);

  // The scheme id of (time_zone, cadence) when it is registered with every threshold in
  // `thresholds`; nullopt otherwise.
  std::optional<int64_t> Covers(const std::string& time_zone, const std::string& cadence,
                                const ThresholdSet& thresholds) const;

  // Registers the scheme and thresholds that are missing, filling them in from the raw events in
  // one pass over them; inside the caller's transaction. INVALID_ARGUMENT for an unknown zone
  // or cadence. Takes effect for Covers() at Committed().
  absl::Status Register(sqlite3* db, const std::string& time_zone, const std::string& cadence,
                        const ThresholdSet& thresholds);

  // A write transaction begins; forgets what an earlier one left unfinished.
  absl::Status Begin(sqlite3* db);
  // An event was stored: it adds to its period of every scheme.
  absl::Status Added(sqlite3* db, const std::string& agent_id, const std::string& metric,
                     double value, int64_t occurred_at_us);
  // The events of (agent, metric) around `occurred_at_us` changed otherwise (retracted,
  // replaced): those cells are rebuilt from the raw events at Flush().
  absl::Status Changed(sqlite3* db, const std::string& agent_id, const std::string& metric,
                       int64_t occurred_at_us);
  // Writes what the transaction added and changed; inside it.
  absl::Status Flush(sqlite3* db);
  // The transaction committed.
  void Committed();

 private:
  struct Period {
    int64_t id = 0;
    int64_t start_us = 0;
    int64_t end_us = 0;
  };
  struct Scheme {
    int64_t id = 0;
    std::string time_zone;
    std::string cadence_name;
    absl::TimeZone zone;
    Cadence cadence = Cadence::kMonthly;
    // metric -> thresholds, ascending.
    std::map<std::string, std::vector<double>> thresholds;
    // Periods known to exist, by start.
    std::map<int64_t, Period> periods;
  };
  struct Cell {
    int64_t period = 0;
    std::string agent_id;
    std::string metric;
    template <typename H>
    friend H AbslHashValue(H h, const Cell& c) {
      return H::combine(std::move(h), c.period, c.agent_id, c.metric);
    }
    friend bool operator==(const Cell& a, const Cell& b) {
      return a.period == b.period && a.agent_id == b.agent_id && a.metric == b.metric;
    }
  };
  struct Delta {
    int64_t samples = 0;
    ExactSum sum;
    double min = 0;
    double max = 0;
    std::map<double, int64_t> at_least;
  };

  // The period of `scheme` holding `at_us`, created when new.
  absl::StatusOr<Period> PeriodOf(sqlite3* db, Scheme& scheme, int64_t at_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Rebuild(sqlite3* db, const Cell& cell) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One pass over the raw events filling in `scheme`'s aggregates (with_aggregates) and the
  // at-least counts of `fill` (metric -> thresholds).
  absl::Status Backfill(sqlite3* db, Scheme& scheme, bool with_aggregates,
                        const std::map<std::string, std::vector<double>>& fill)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteDeltas(sqlite3* db, const absl::flat_hash_map<Cell, Delta>& deltas,
                           bool replace) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ForgetUncommitted() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes the schemes as they stand what Covers() answers from.
  void PublishSchemes() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Scheme>> schemes_ ABSL_GUARDED_BY(mu_);
  // What Covers() answers from: schemes as last committed.
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, ThresholdSet>> committed_
      ABSL_GUARDED_BY(mu_);
  // Period id -> (scheme index, period), for cells.
  absl::flat_hash_map<int64_t, std::pair<size_t, Period>> period_by_id_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Cell, Delta> pending_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Cell> changed_ ABSL_GUARDED_BY(mu_);
  bool in_transaction_ ABSL_GUARDED_BY(mu_) = false;
  bool schemes_dirty_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_SQLITE_ROLLUPS_H_

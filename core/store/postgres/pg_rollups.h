// Period aggregates on PostgreSQL, kept in the transactions that store events, as the embedded
// store keeps them (core/store/sqlite/rollups.h): for each registered (time zone, cadence) and
// each of its periods, every agent's count, exact sum (ExactSum partials, rounded once), minimum
// and maximum of each metric, and the at-least counts of the registered thresholds.
//
// Several replicas write the same database, so nothing is cached between transactions: each
// write transaction reads the registered schemes (two small tables) after taking its lock on
// `events`, and registering a scheme takes a SHARE lock on `events` for its backfill. Either the
// backfill sees a concurrent insert's events or that insert sees the new scheme; never neither.
// Cells are written in (period, agent, metric) order, so that two transactions touching the same
// cells lock them in the same order.
#ifndef PLAUDIT_CORE_STORE_POSTGRES_PG_ROLLUPS_H_
#define PLAUDIT_CORE_STORE_POSTGRES_PG_ROLLUPS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/domain/period.h"
#include "core/scoring/exact_sum.h"
#include "core/store/postgres/pg_connection.h"
#include "core/store/store_records.h"

namespace plaudit {

// One transaction's changes to the aggregates: Added()/Changed() per event, then Flush(), all on
// the transaction's connection.
class PgRollupWriter {
 public:
  // Reads the registered schemes; call after the transaction has locked `events` (its first
  // INSERT, UPDATE or DELETE there, or LOCK TABLE events IN ROW EXCLUSIVE MODE).
  static absl::StatusOr<PgRollupWriter> Begin(PgConnection& db);

  // An event was stored: it adds to its period of every scheme.
  absl::Status Added(const std::string& agent_id, const std::string& metric, double value,
                     int64_t occurred_at_us);
  // The events of (agent, metric) around `occurred_at_us` changed otherwise (retracted,
  // replaced): those cells are rebuilt from the raw events at Flush().
  absl::Status Changed(const std::string& agent_id, const std::string& metric,
                       int64_t occurred_at_us);
  // Writes what the transaction added and changed.
  absl::Status Flush();

  // Registers (time_zone, cadence) and the thresholds it misses, filling in what is missing
  // from the raw events in one pass over them. INVALID_ARGUMENT for an unknown zone or cadence.
  static absl::Status Register(PgConnection& db, const std::string& time_zone,
                               const std::string& cadence, const ThresholdSet& thresholds);
  // The id of the scheme (time_zone, cadence) when it is registered with every threshold in
  // `thresholds`; nullopt otherwise.
  static absl::StatusOr<std::optional<int64_t>> Covers(PgConnection& db,
                                                       const std::string& time_zone,
                                                       const std::string& cadence,
                                                       const ThresholdSet& thresholds);

 private:
  struct Period {
    int64_t id = 0;
    int64_t start_us = 0;
    int64_t end_us = 0;
  };
  struct Scheme {
    int64_t id = 0;
    absl::TimeZone zone;
    Cadence cadence = Cadence::kMonthly;
    // metric -> thresholds, ascending.
    std::map<std::string, std::vector<double>> thresholds;
    // Periods met in this transaction, by start.
    std::map<int64_t, Period> periods;
  };
  // (period id, agent, metric).
  using Cell = std::tuple<int64_t, std::string, std::string>;
  struct Delta {
    int64_t samples = 0;
    ExactSum sum;
    double min = 0;
    double max = 0;
    std::map<double, int64_t> at_least;
  };

  explicit PgRollupWriter(PgConnection& db) : db_(&db) {}
  static absl::StatusOr<std::vector<Scheme>> LoadSchemes(PgConnection& db);
  static absl::StatusOr<Period> PeriodOf(PgConnection& db, Scheme& scheme, int64_t at_us);
  static absl::Status WriteDeltas(PgConnection& db, const std::map<Cell, Delta>& deltas,
                                  bool with_aggregates);
  absl::Status Rebuild(const Cell& cell);

  PgConnection* db_;
  std::vector<Scheme> schemes_;
  // Period id -> (scheme index, period), for cells.
  std::map<int64_t, std::pair<size_t, Period>> period_by_id_;
  std::map<Cell, Delta> pending_;
  std::map<Cell, bool> changed_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_POSTGRES_PG_ROLLUPS_H_

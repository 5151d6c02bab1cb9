#include "core/store/postgres/pg_rollups.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/store/period_aggregate.h"

namespace plaudit {
namespace {

// Rows a backfill reads per round trip.
constexpr int kBackfillBatch = 10000;

}  // namespace

absl::StatusOr<std::vector<PgRollupWriter::Scheme>> PgRollupWriter::LoadSchemes(PgConnection& db) {
  auto q = db.Exec("SELECT id, time_zone, cadence FROM rollup_schemes ORDER BY id");
  if (!q.ok()) return q.status();
  std::vector<Scheme> schemes;
  for (int i = 0; i < q->rows(); ++i) {
    Scheme scheme;
    scheme.id = q->Int(i, 0);
    auto zone = LoadZone(q->TextView(i, 1));
    auto cadence = CadenceFromName(q->TextView(i, 2));
    if (!zone.ok() || !cadence.has_value()) {
      return absl::DataLossError(absl::StrCat("rollups: scheme ", scheme.id, " (", q->Text(i, 1),
                                              ", ", q->Text(i, 2),
                                              ") names an unknown time zone or cadence"));
    }
    scheme.zone = *zone;
    scheme.cadence = *cadence;
    schemes.push_back(std::move(scheme));
  }
  auto t = db.Exec("SELECT scheme, metric, threshold FROM rollup_thresholds");
  if (!t.ok()) return t.status();
  for (int i = 0; i < t->rows(); ++i) {
    for (Scheme& scheme : schemes) {
      if (scheme.id == t->Int(i, 0)) scheme.thresholds[t->Text(i, 1)].push_back(t->Double(i, 2));
    }
  }
  for (Scheme& scheme : schemes) {
    for (auto& [metric, values] : scheme.thresholds) std::sort(values.begin(), values.end());
  }
  return schemes;
}

absl::StatusOr<PgRollupWriter> PgRollupWriter::Begin(PgConnection& db) {
  PgRollupWriter writer(db);
  auto schemes = LoadSchemes(db);
  if (!schemes.ok()) return schemes.status();
  writer.schemes_ = *std::move(schemes);
  return writer;
}

absl::StatusOr<PgRollupWriter::Period> PgRollupWriter::PeriodOf(PgConnection& db, Scheme& scheme,
                                                                int64_t at_us) {
  auto it = scheme.periods.upper_bound(at_us);
  if (it != scheme.periods.begin()) {
    --it;
    if (at_us < it->second.end_us) return it->second;
  }
  const PeriodWindow window =
      PeriodContaining(scheme.cadence, absl::FromUnixMicros(at_us), scheme.zone);
  Period period{0, absl::ToUnixMicros(window.start), absl::ToUnixMicros(window.end)};
  // Another replica may create the same period meanwhile: the unique key lets one in, and both
  // read its id.
  PLAUDIT_PG_RETURN_IF_ERROR(
      db.Exec("INSERT INTO rollup_periods (scheme, label, start_us, end_us) "
              "VALUES ($1, $2, $3, $4) ON CONFLICT (scheme, label) DO NOTHING",
              {scheme.id, window.label, period.start_us, period.end_us})
          .status());
  auto found = db.Exec("SELECT id FROM rollup_periods WHERE scheme = $1 AND label = $2",
                       {scheme.id, window.label});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) {
    return absl::InternalError(absl::StrCat("rollups: period ", window.label, " not found"));
  }
  period.id = found->Int(0, 0);
  scheme.periods[period.start_us] = period;
  return period;
}

absl::Status PgRollupWriter::Added(const std::string& agent_id, const std::string& metric,
                                   double value, int64_t occurred_at_us) {
  for (size_t i = 0; i < schemes_.size(); ++i) {
    Scheme& scheme = schemes_[i];
    auto period = PeriodOf(*db_, scheme, occurred_at_us);
    if (!period.ok()) return period.status();
    period_by_id_[period->id] = {i, *period};
    Delta& delta = pending_[Cell{period->id, agent_id, metric}];
    auto thresholds = scheme.thresholds.find(metric);
    AddToAggregate(value, thresholds == scheme.thresholds.end() ? nullptr : &thresholds->second,
                   delta.samples, delta.sum, delta.min, delta.max, delta.at_least);
  }
  return absl::OkStatus();
}

absl::Status PgRollupWriter::Changed(const std::string& agent_id, const std::string& metric,
                                     int64_t occurred_at_us) {
  for (size_t i = 0; i < schemes_.size(); ++i) {
    auto period = PeriodOf(*db_, schemes_[i], occurred_at_us);
    if (!period.ok()) return period.status();
    period_by_id_[period->id] = {i, *period};
    changed_[Cell{period->id, agent_id, metric}] = true;
  }
  return absl::OkStatus();
}

absl::Status PgRollupWriter::Flush() {
  for (const auto& [cell, unused] : changed_) pending_.erase(cell);
  PLAUDIT_PG_RETURN_IF_ERROR(WriteDeltas(*db_, pending_, /*with_aggregates=*/true));
  for (const auto& [cell, unused] : changed_) PLAUDIT_PG_RETURN_IF_ERROR(Rebuild(cell));
  pending_.clear();
  changed_.clear();
  return absl::OkStatus();
}

absl::Status PgRollupWriter::WriteDeltas(PgConnection& db, const std::map<Cell, Delta>& deltas,
                                         bool with_aggregates) {
  // A few statements for the whole batch, whatever its number of cells: the cells' rows are
  // locked and read in one, merged here (ExactSum partials), then updated in one and the new
  // ones inserted in one; the at-least counts are added in one.
  std::vector<int64_t> periods;
  std::vector<std::string> agents, metrics;
  for (const auto& [cell, delta] : deltas) {
    if (!with_aggregates || delta.samples == 0) continue;
    periods.push_back(std::get<0>(cell));
    agents.push_back(std::get<1>(cell));
    metrics.push_back(std::get<2>(cell));
  }
  if (!periods.empty()) {
    // std::map: cells in (period, agent, metric) order, the order every writer locks them in.
    auto read = db.Exec(
        "SELECT r.period, r.agent_id, r.metric, r.samples, r.partials, r.min, r.max "
        "FROM rollups r JOIN unnest($1::int8[], $2::text[], $3::text[]) AS k(period, agent_id, "
        "metric) ON r.period = k.period AND r.agent_id = k.agent_id AND r.metric = k.metric "
        "ORDER BY r.period, r.agent_id, r.metric FOR UPDATE OF r",
        {PgNumberArray(periods), PgTextArray(agents), PgTextArray(metrics)});
    if (!read.ok()) return read.status();
    struct Stored {
      int64_t samples = 0;
      ExactSum sum;
      double min = 0, max = 0;
    };
    std::map<Cell, Stored> stored;
    for (int i = 0; i < read->rows(); ++i) {
      const Cell cell{read->Int(i, 0), read->Text(i, 1), read->Text(i, 2)};
      auto partials = ExactSum::Decode(read->Bytes(i, 4));
      if (!partials.ok()) {
        return absl::DataLossError(absl::StrCat("rollups: period ", std::get<0>(cell), " agent ",
                                                std::get<1>(cell), " metric ", std::get<2>(cell),
                                                ": ", partials.status().message()));
      }
      stored[cell] =
          Stored{read->Int(i, 3), *std::move(partials), read->Double(i, 5), read->Double(i, 6)};
    }
    struct Columns {
      std::vector<int64_t> period, samples;
      std::vector<std::string> agent, metric, partials;
      std::vector<double> sum, min, max;
    };
    Columns update, insert;
    for (const auto& [cell, delta] : deltas) {
      if (delta.samples == 0) continue;
      int64_t samples = delta.samples;
      ExactSum sum = delta.sum;
      double min = delta.min;
      double max = delta.max;
      auto had = stored.find(cell);
      if (had != stored.end()) {
        samples += had->second.samples;
        sum.Merge(had->second.sum);
        min = std::min(min, had->second.min);
        max = std::max(max, had->second.max);
      }
      Columns& into = had != stored.end() ? update : insert;
      into.period.push_back(std::get<0>(cell));
      into.agent.push_back(std::get<1>(cell));
      into.metric.push_back(std::get<2>(cell));
      into.samples.push_back(samples);
      into.sum.push_back(sum.Value());
      into.partials.push_back(*PgParam::Bytes(sum.Encode()).text());
      into.min.push_back(min);
      into.max.push_back(max);
    }
    auto arrays = [](const Columns& c) {
      return std::vector<PgParam>{PgNumberArray(c.period), PgTextArray(c.agent),
                                  PgTextArray(c.metric),   PgNumberArray(c.samples),
                                  PgNumberArray(c.sum),    PgTextArray(c.partials),
                                  PgNumberArray(c.min),    PgNumberArray(c.max)};
    };
    if (!update.period.empty()) {
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("UPDATE rollups r SET samples = v.samples, sum = v.sum, partials = v.partials, "
                  "min = v.min, max = v.max FROM unnest($1::int8[], $2::text[], $3::text[], "
                  "$4::int8[], $5::float8[], $6::bytea[], $7::float8[], $8::float8[]) AS "
                  "v(period, agent_id, metric, samples, sum, partials, min, max) "
                  "WHERE r.period = v.period AND r.agent_id = v.agent_id AND r.metric = v.metric",
                  arrays(update))
              .status());
    }
    if (!insert.period.empty()) {
      auto inserted = db.Exec(
          "INSERT INTO rollups (period, agent_id, metric, samples, sum, partials, min, max) "
          "SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::int8[], $5::float8[], "
          "$6::bytea[], $7::float8[], $8::float8[]) ON CONFLICT DO NOTHING",
          arrays(insert));
      if (!inserted.ok()) return inserted.status();
      // A cell nobody had, inserted by another replica meanwhile: the whole transaction is
      // tried again (ABORTED), and then finds the cell to merge into.
      if (inserted->affected() != static_cast<int64_t>(insert.period.size())) {
        return absl::AbortedError("rollups: a cell was created concurrently");
      }
    }
  }
  std::vector<int64_t> count_periods, counts;
  std::vector<std::string> count_metrics, count_agents;
  std::vector<double> thresholds;
  for (const auto& [cell, delta] : deltas) {
    for (const auto& [threshold, n] : delta.at_least) {
      if (n == 0) continue;
      count_periods.push_back(std::get<0>(cell));
      count_metrics.push_back(std::get<2>(cell));
      thresholds.push_back(threshold);
      count_agents.push_back(std::get<1>(cell));
      counts.push_back(n);
    }
  }
  if (count_periods.empty()) return absl::OkStatus();
  return db
      .Exec(
          "INSERT INTO rollup_at_least (period, metric, threshold, agent_id, count) "
          "SELECT * FROM unnest($1::int8[], $2::text[], $3::float8[], $4::text[], $5::int8[]) "
          "ON CONFLICT (period, metric, threshold, agent_id) "
          "DO UPDATE SET count = rollup_at_least.count + excluded.count",
          {PgNumberArray(count_periods), PgTextArray(count_metrics), PgNumberArray(thresholds),
           PgTextArray(count_agents), PgNumberArray(counts)})
      .status();
}

absl::Status PgRollupWriter::Rebuild(const Cell& cell) {
  const auto& [period_id, agent_id, metric] = cell;
  auto found = period_by_id_.find(period_id);
  if (found == period_by_id_.end()) {
    return absl::InternalError(absl::StrCat("rollups: period ", period_id, " is not known"));
  }
  const Scheme& scheme = schemes_[found->second.first];
  const Period& period = found->second.second;
  auto thresholds = scheme.thresholds.find(metric);
  const std::vector<double>* wanted =
      thresholds == scheme.thresholds.end() ? nullptr : &thresholds->second;
  Delta delta;
  auto q = db_->Exec(
      "SELECT value FROM events WHERE agent_id = $1 AND metric = $2 AND occurred_at_us >= $3 "
      "AND occurred_at_us < $4",
      {agent_id, metric, period.start_us, period.end_us});
  if (!q.ok()) return q.status();
  for (int i = 0; i < q->rows(); ++i) {
    AddToAggregate(q->Double(i, 0), wanted, delta.samples, delta.sum, delta.min, delta.max,
                   delta.at_least);
  }
  PLAUDIT_PG_RETURN_IF_ERROR(
      db_->Exec("DELETE FROM rollups WHERE period = $1 AND agent_id = $2 AND metric = $3",
                {period_id, agent_id, metric})
          .status());
  PLAUDIT_PG_RETURN_IF_ERROR(
      db_->Exec("DELETE FROM rollup_at_least WHERE period = $1 AND metric = $2 AND agent_id = $3",
                {period_id, metric, agent_id})
          .status());
  if (delta.samples == 0) return absl::OkStatus();
  std::map<Cell, Delta> one;
  one.emplace(cell, std::move(delta));
  return WriteDeltas(*db_, one, /*with_aggregates=*/true);
}

absl::StatusOr<std::optional<int64_t>> PgRollupWriter::Covers(PgConnection& db,
                                                              const std::string& time_zone,
                                                              const std::string& cadence,
                                                              const ThresholdSet& thresholds) {
  auto scheme = db.Exec("SELECT id FROM rollup_schemes WHERE time_zone = $1 AND cadence = $2",
                        {time_zone, cadence});
  if (!scheme.ok()) return scheme.status();
  if (scheme->rows() == 0) return std::optional<int64_t>();
  const int64_t id = scheme->Int(0, 0);
  if (!thresholds.empty()) {
    auto have = db.Exec("SELECT metric, threshold FROM rollup_thresholds WHERE scheme = $1", {id});
    if (!have.ok()) return have.status();
    ThresholdSet registered;
    for (int i = 0; i < have->rows(); ++i) registered.emplace(have->Text(i, 0), have->Double(i, 1));
    for (const auto& threshold : thresholds) {
      if (!registered.contains(threshold)) return std::optional<int64_t>();
    }
  }
  return std::optional<int64_t>(id);
}

absl::Status PgRollupWriter::Register(PgConnection& db, const std::string& time_zone,
                                      const std::string& cadence, const ThresholdSet& thresholds) {
  auto zone = LoadZone(time_zone);
  if (!zone.ok()) return zone.status();
  auto parsed_cadence = CadenceFromName(cadence);
  if (!parsed_cadence.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("rollups: unknown cadence \"", cadence, "\""));
  }
  // Inserts of events wait until this commits, and this waits for those under way: the backfill
  // below and every insert after it agree on which events the scheme holds.
  PLAUDIT_PG_RETURN_IF_ERROR(db.Exec("LOCK TABLE events IN SHARE MODE").status());
  // Registrations take turns, so that two replicas do not both backfill the same scheme.
  PLAUDIT_PG_RETURN_IF_ERROR(db.Exec("LOCK TABLE rollup_schemes IN EXCLUSIVE MODE").status());
  auto schemes = LoadSchemes(db);
  if (!schemes.ok()) return schemes.status();
  auto existing = db.Exec("SELECT id FROM rollup_schemes WHERE time_zone = $1 AND cadence = $2",
                          {time_zone, cadence});
  if (!existing.ok()) return existing.status();
  const bool is_new = existing->rows() == 0;
  Scheme scheme;
  if (is_new) {
    auto created =
        db.Exec("INSERT INTO rollup_schemes (time_zone, cadence) VALUES ($1, $2) RETURNING id",
                {time_zone, cadence});
    if (!created.ok()) return created.status();
    scheme.id = created->Int(0, 0);
  } else {
    scheme.id = existing->Int(0, 0);
    for (Scheme& s : *schemes) {
      if (s.id == scheme.id) scheme.thresholds = s.thresholds;
    }
  }
  scheme.zone = *zone;
  scheme.cadence = *parsed_cadence;
  std::map<std::string, std::vector<double>> missing;
  for (const auto& [metric, threshold] : thresholds) {
    const auto& have = scheme.thresholds[metric];
    if (std::find(have.begin(), have.end(), threshold) == have.end()) {
      missing[metric].push_back(threshold);
    }
  }
  if (!is_new && missing.empty()) return absl::OkStatus();
  for (auto& [metric, values] : missing) {
    for (double v : values) {
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO rollup_thresholds (scheme, metric, threshold) VALUES ($1, $2, $3)",
                  {scheme.id, metric, v})
              .status());
    }
  }
  // One pass over the raw events in time order; a period's cells are written when the scan
  // leaves it.
  std::map<Cell, Delta> cells;
  int64_t period_end = 0;
  PLAUDIT_PG_RETURN_IF_ERROR(db.ForEach(
      "SELECT agent_id, metric, value, occurred_at_us FROM events ORDER BY occurred_at_us", {},
      kBackfillBatch, [&](const PgResult& row, int i) -> absl::Status {
        const int64_t at_us = row.Int(i, 3);
        std::string metric = row.Text(i, 1);
        auto fill = missing.find(metric);
        if (!is_new && fill == missing.end()) return absl::OkStatus();
        if (at_us >= period_end && !cells.empty()) {
          PLAUDIT_PG_RETURN_IF_ERROR(WriteDeltas(db, cells, is_new));
          cells.clear();
        }
        auto period = PeriodOf(db, scheme, at_us);
        if (!period.ok()) return period.status();
        period_end = period->end_us;
        Delta& delta = cells[Cell{period->id, row.Text(i, 0), std::move(metric)}];
        AddToAggregate(row.Double(i, 2), fill == missing.end() ? nullptr : &fill->second,
                       delta.samples, delta.sum, delta.min, delta.max, delta.at_least);
        return absl::OkStatus();
      }));
  return WriteDeltas(db, cells, is_new);
}

}  // namespace plaudit

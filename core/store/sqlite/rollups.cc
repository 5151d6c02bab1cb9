#include "core/store/sqlite/rollups.h"

#include <sqlite3.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/store/period_aggregate.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
namespace {

void ExactSumStep(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  auto* sum = static_cast<ExactSum**>(sqlite3_aggregate_context(context, sizeof(ExactSum*)));
  if (sum == nullptr) {
    sqlite3_result_error_nomem(context);
    return;
  }
  if (*sum == nullptr) *sum = new ExactSum();
  (*sum)->Add(sqlite3_value_double(argv[0]));
}

void ExactSumFinal(sqlite3_context* context) {
  auto* sum = static_cast<ExactSum**>(sqlite3_aggregate_context(context, 0));
  if (sum == nullptr || *sum == nullptr) {
    sqlite3_result_null(context);
    return;
  }
  sqlite3_result_double(context, (*sum)->Value());
  delete *sum;
  *sum = nullptr;
}

}  // namespace

absl::Status RegisterExactSumFunction(sqlite3* db) {
  if (sqlite3_create_function_v2(db, "exact_sum", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 nullptr, ExactSumStep, ExactSumFinal, nullptr) != SQLITE_OK) {
    return SqliteError(db, "register exact_sum");
  }
  return absl::OkStatus();
}

absl::Status Rollups::Load(sqlite3* db) {
  absl::MutexLock lock(&mu_);
  schemes_.clear();
  committed_.clear();
  period_by_id_.clear();
  pending_.clear();
  changed_.clear();
  SqliteStatement q(db, "SELECT id, time_zone, cadence FROM rollup_schemes ORDER BY id");
  while (q.Step()) {
    auto scheme = std::make_unique<Scheme>();
    scheme->id = q.Int(0);
    scheme->time_zone = q.Text(1);
    scheme->cadence_name = q.Text(2);
    auto zone = LoadZone(scheme->time_zone);
    auto cadence = CadenceFromName(scheme->cadence_name);
    if (!zone.ok() || !cadence.has_value()) {
      return absl::DataLossError(absl::StrCat("rollups: scheme ", scheme->id, " (",
                                              scheme->time_zone, ", ", scheme->cadence_name,
                                              ") names an unknown time zone or cadence"));
    }
    scheme->zone = *zone;
    scheme->cadence = *cadence;
    schemes_.push_back(std::move(scheme));
  }
  PLAUDIT_RETURN_IF_ERROR(q.status());
  SqliteStatement t(db, "SELECT scheme, metric, threshold FROM rollup_thresholds");
  while (t.Step()) {
    for (auto& scheme : schemes_) {
      if (scheme->id == t.Int(0)) scheme->thresholds[t.Text(1)].push_back(t.Double(2));
    }
  }
  PLAUDIT_RETURN_IF_ERROR(t.status());
  for (auto& scheme : schemes_) {
    for (auto& [metric, values] : scheme->thresholds) std::sort(values.begin(), values.end());
  }
  PublishSchemes();
  in_transaction_ = false;
  schemes_dirty_ = false;
  return absl::OkStatus();
}

std::optional<int64_t> Rollups::Covers(const std::string& time_zone, const std::string& cadence,
                                       const ThresholdSet& thresholds) const {
  absl::MutexLock lock(&mu_);
  auto it = committed_.find({time_zone, cadence});
  if (it == committed_.end()) return std::nullopt;
  for (const auto& threshold : thresholds) {
    if (!it->second.second.contains(threshold)) return std::nullopt;
  }
  return it->second.first;
}

absl::Status Rollups::Begin(sqlite3* db) {
  bool reload = false;
  {
    absl::MutexLock lock(&mu_);
    if (in_transaction_) {
      // The last transaction rolled back: what it cached may not exist.
      ForgetUncommitted();
      reload = schemes_dirty_;
    }
    in_transaction_ = true;
  }
  if (!reload) return absl::OkStatus();
  PLAUDIT_RETURN_IF_ERROR(Load(db));
  absl::MutexLock lock(&mu_);
  in_transaction_ = true;
  return absl::OkStatus();
}

void Rollups::Committed() {
  absl::MutexLock lock(&mu_);
  in_transaction_ = false;
  pending_.clear();
  changed_.clear();
  if (!schemes_dirty_) return;
  schemes_dirty_ = false;
  PublishSchemes();
}

void Rollups::PublishSchemes() {
  for (const auto& scheme : schemes_) {
    ThresholdSet set;
    for (const auto& [metric, values] : scheme->thresholds) {
      for (double v : values) set.emplace(metric, v);
    }
    committed_[{scheme->time_zone, scheme->cadence_name}] = {scheme->id, std::move(set)};
  }
}

void Rollups::ForgetUncommitted() {
  for (auto& scheme : schemes_) scheme->periods.clear();
  period_by_id_.clear();
  pending_.clear();
  changed_.clear();
}

absl::StatusOr<Rollups::Period> Rollups::PeriodOf(sqlite3* db, Scheme& scheme, int64_t at_us) {
  auto it = scheme.periods.upper_bound(at_us);
  if (it != scheme.periods.begin()) {
    --it;
    if (at_us < it->second.end_us) return it->second;
  }
  const PeriodWindow window =
      PeriodContaining(scheme.cadence, absl::FromUnixMicros(at_us), scheme.zone);
  Period period{0, absl::ToUnixMicros(window.start), absl::ToUnixMicros(window.end)};
  SqliteStatement find(db, "SELECT id FROM rollup_periods WHERE scheme = ? AND label = ?");
  find.Bind(1, scheme.id).Bind(2, window.label);
  if (find.Step()) {
    period.id = find.Int(0);
  } else {
    PLAUDIT_RETURN_IF_ERROR(find.status());
    SqliteStatement put(db,
                        "INSERT INTO rollup_periods (scheme, label, start_us, end_us) "
                        "VALUES (?, ?, ?, ?)");
    put.Bind(1, scheme.id).Bind(2, window.label).Bind(3, period.start_us).Bind(4, period.end_us);
    PLAUDIT_RETURN_IF_ERROR(put.Run());
    period.id = sqlite3_last_insert_rowid(db);
  }
  scheme.periods[period.start_us] = period;
  for (size_t i = 0; i < schemes_.size(); ++i) {
    if (schemes_[i].get() == &scheme) period_by_id_[period.id] = {i, period};
  }
  return period;
}

absl::Status Rollups::Added(sqlite3* db, const std::string& agent_id, const std::string& metric,
                            double value, int64_t occurred_at_us) {
  absl::MutexLock lock(&mu_);
  for (auto& scheme : schemes_) {
    auto period = PeriodOf(db, *scheme, occurred_at_us);
    if (!period.ok()) return period.status();
    Delta& delta = pending_[Cell{period->id, agent_id, metric}];
    auto thresholds = scheme->thresholds.find(metric);
    AddToAggregate(value, thresholds == scheme->thresholds.end() ? nullptr : &thresholds->second,
                   delta.samples, delta.sum, delta.min, delta.max, delta.at_least);
  }
  return absl::OkStatus();
}

absl::Status Rollups::Changed(sqlite3* db, const std::string& agent_id, const std::string& metric,
                              int64_t occurred_at_us) {
  absl::MutexLock lock(&mu_);
  for (auto& scheme : schemes_) {
    auto period = PeriodOf(db, *scheme, occurred_at_us);
    if (!period.ok()) return period.status();
    changed_.insert(Cell{period->id, agent_id, metric});
  }
  return absl::OkStatus();
}

absl::Status Rollups::Flush(sqlite3* db) {
  absl::MutexLock lock(&mu_);
  for (const Cell& cell : changed_) pending_.erase(cell);
  PLAUDIT_RETURN_IF_ERROR(WriteDeltas(db, pending_, /*with_aggregates=*/true));
  for (const Cell& cell : changed_) PLAUDIT_RETURN_IF_ERROR(Rebuild(db, cell));
  pending_.clear();
  changed_.clear();
  return absl::OkStatus();
}

absl::Status Rollups::WriteDeltas(sqlite3* db, const absl::flat_hash_map<Cell, Delta>& deltas,
                                  bool with_aggregates) {
  if (deltas.empty()) return absl::OkStatus();
  SqliteStatement read(db,
                       "SELECT samples, partials, min, max FROM rollups "
                       "WHERE period = ? AND agent_id = ? AND metric = ?");
  SqliteStatement write(db,
                        "INSERT OR REPLACE INTO rollups (period, agent_id, metric, samples, sum, "
                        "partials, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  SqliteStatement count(db,
                        "INSERT INTO rollup_at_least (period, metric, threshold, agent_id, count) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (period, metric, threshold, agent_id) "
                        "DO UPDATE SET count = count + excluded.count");
  for (const SqliteStatement* s : {&read, &write, &count}) {
    PLAUDIT_RETURN_IF_ERROR(s->status());
  }
  for (const auto& [cell, delta] : deltas) {
    if (with_aggregates && delta.samples > 0) {
      int64_t samples = delta.samples;
      ExactSum sum = delta.sum;
      double min = delta.min;
      double max = delta.max;
      read.Bind(1, cell.period).Bind(2, cell.agent_id).Bind(3, cell.metric);
      if (read.Step()) {
        auto stored = ExactSum::Decode(read.Text(1));
        if (!stored.ok()) {
          return absl::DataLossError(absl::StrCat("rollups: period ", cell.period, " agent ",
                                                  cell.agent_id, " metric ", cell.metric, ": ",
                                                  stored.status().message()));
        }
        samples += read.Int(0);
        sum.Merge(*stored);
        min = std::min(min, read.Double(2));
        max = std::max(max, read.Double(3));
      }
      PLAUDIT_RETURN_IF_ERROR(read.status());
      read.Reset();
      write.Bind(1, cell.period)
          .Bind(2, cell.agent_id)
          .Bind(3, cell.metric)
          .Bind(4, samples)
          .Bind(5, sum.Value())
          .BindBlob(6, sum.Encode())
          .Bind(7, min)
          .Bind(8, max);
      PLAUDIT_RETURN_IF_ERROR(write.Run());
      write.Reset();
    }
    for (const auto& [threshold, n] : delta.at_least) {
      if (n == 0) continue;
      count.Bind(1, cell.period)
          .Bind(2, cell.metric)
          .Bind(3, threshold)
          .Bind(4, cell.agent_id)
          .Bind(5, n);
      PLAUDIT_RETURN_IF_ERROR(count.Run());
      count.Reset();
    }
  }
  return absl::OkStatus();
}

absl::Status Rollups::Rebuild(sqlite3* db, const Cell& cell) {
  auto found = period_by_id_.find(cell.period);
  if (found == period_by_id_.end()) {
    return absl::InternalError(absl::StrCat("rollups: period ", cell.period, " is not known"));
  }
  const Scheme& scheme = *schemes_[found->second.first];
  const Period& period = found->second.second;
  auto thresholds = scheme.thresholds.find(cell.metric);
  const std::vector<double>* wanted =
      thresholds == scheme.thresholds.end() ? nullptr : &thresholds->second;
  Delta delta;
  SqliteStatement q(db,
                    "SELECT value FROM events INDEXED BY events_by_agent WHERE agent_id = ? "
                    "AND metric = ? AND occurred_at_us >= ? AND occurred_at_us < ?");
  q.Bind(1, cell.agent_id).Bind(2, cell.metric).Bind(3, period.start_us).Bind(4, period.end_us);
  while (q.Step()) {
    AddToAggregate(q.Double(0), wanted, delta.samples, delta.sum, delta.min, delta.max,
                   delta.at_least);
  }
  PLAUDIT_RETURN_IF_ERROR(q.status());
  SqliteStatement drop(db, "DELETE FROM rollups WHERE period = ? AND agent_id = ? AND metric = ?");
  drop.Bind(1, cell.period).Bind(2, cell.agent_id).Bind(3, cell.metric);
  PLAUDIT_RETURN_IF_ERROR(drop.Run());
  SqliteStatement drop_counts(
      db, "DELETE FROM rollup_at_least WHERE period = ? AND metric = ? AND agent_id = ?");
  drop_counts.Bind(1, cell.period).Bind(2, cell.metric).Bind(3, cell.agent_id);
  PLAUDIT_RETURN_IF_ERROR(drop_counts.Run());
  if (delta.samples == 0) return absl::OkStatus();
  absl::flat_hash_map<Cell, Delta> one;
  one.emplace(cell, std::move(delta));
  return WriteDeltas(db, one, /*with_aggregates=*/true);
}

absl::Status Rollups::Register(sqlite3* db, const std::string& time_zone,
                               const std::string& cadence, const ThresholdSet& thresholds) {
  auto zone = LoadZone(time_zone);
  if (!zone.ok()) return zone.status();
  auto parsed_cadence = CadenceFromName(cadence);
  if (!parsed_cadence.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("rollups: unknown cadence \"", cadence, "\""));
  }
  absl::MutexLock lock(&mu_);
  Scheme* scheme = nullptr;
  for (auto& s : schemes_) {
    if (s->time_zone == time_zone && s->cadence_name == cadence) scheme = s.get();
  }
  const bool is_new = scheme == nullptr;
  if (is_new) {
    SqliteStatement put(db, "INSERT INTO rollup_schemes (time_zone, cadence) VALUES (?, ?)");
    PLAUDIT_RETURN_IF_ERROR(put.Bind(1, time_zone).Bind(2, cadence).Run());
    auto created = std::make_unique<Scheme>();
    created->id = sqlite3_last_insert_rowid(db);
    created->time_zone = time_zone;
    created->cadence_name = cadence;
    created->zone = *zone;
    created->cadence = *parsed_cadence;
    scheme = created.get();
    schemes_.push_back(std::move(created));
  }
  std::map<std::string, std::vector<double>> missing;
  for (const auto& [metric, threshold] : thresholds) {
    const auto& have = scheme->thresholds[metric];
    if (std::find(have.begin(), have.end(), threshold) == have.end()) {
      missing[metric].push_back(threshold);
    }
  }
  if (!is_new && missing.empty()) return absl::OkStatus();
  SqliteStatement put(db,
                      "INSERT INTO rollup_thresholds (scheme, metric, threshold) VALUES (?, ?, ?)");
  for (auto& [metric, values] : missing) {
    for (double v : values) {
      PLAUDIT_RETURN_IF_ERROR(put.Bind(1, scheme->id).Bind(2, metric).Bind(3, v).Run());
      put.Reset();
      scheme->thresholds[metric].push_back(v);
    }
    std::sort(scheme->thresholds[metric].begin(), scheme->thresholds[metric].end());
  }
  schemes_dirty_ = true;
  return Backfill(db, *scheme, is_new, missing);
}

absl::Status Rollups::Backfill(sqlite3* db, Scheme& scheme, bool with_aggregates,
                               const std::map<std::string, std::vector<double>>& fill) {
  // In time order, one period at a time: a period's cells are written when the scan leaves it.
  SqliteStatement q(db,
                    "SELECT agent_id, metric, value, occurred_at_us FROM events "
                    "INDEXED BY events_by_time ORDER BY occurred_at_us");
  absl::flat_hash_map<Cell, Delta> cells;
  int64_t period_end = 0;
  while (q.Step()) {
    const int64_t at_us = q.Int(3);
    std::string metric = q.Text(1);
    auto thresholds = fill.find(metric);
    if (!with_aggregates && thresholds == fill.end()) continue;
    if (at_us >= period_end && !cells.empty()) {
      PLAUDIT_RETURN_IF_ERROR(WriteDeltas(db, cells, with_aggregates));
      cells.clear();
    }
    auto period = PeriodOf(db, scheme, at_us);
    if (!period.ok()) return period.status();
    period_end = period->end_us;
    Delta& delta = cells[Cell{period->id, q.Text(0), std::move(metric)}];
    AddToAggregate(q.Double(2), thresholds == fill.end() ? nullptr : &thresholds->second,
                   delta.samples, delta.sum, delta.min, delta.max, delta.at_least);
  }
  PLAUDIT_RETURN_IF_ERROR(q.status());
  return WriteDeltas(db, cells, with_aggregates);
}

}  // namespace plaudit

// Ingest: validates agents and metric events arriving as CSV rows (from the CLI and the csv_dir
// plugin) or as typed events (the batch RPC), stores the valid ones and reports every rejected
// one with its line and reason. One bad row never sinks the others.
//
// Thread-safe as far as the Store is.
#ifndef PLAUDIT_CORE_INGEST_INGEST_H_
#define PLAUDIT_CORE_INGEST_INGEST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/domain/telemetry.h"
#include "core/store/store.h"

namespace plaudit {

struct CsvLine {
  int64_t line = 0;
  std::vector<std::string> fields;
};

struct RowError {
  int64_t line = 0;
  std::string reason;
};

struct ImportSummary {
  int64_t imported = 0;
  // Rows that replaced a stored or retracted event of the same id (only when asked to).
  int64_t replaced = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  std::vector<RowError> errors;

  void Add(const ImportSummary& other);
};

// Where each required column sits in a CSV header.
struct EventColumns {
  int event_id = -1, agent_id = -1, metric = -1, value = -1, occurred_at = -1;
  size_t width = 0;
};

// Header `event_id,agent_id,metric,value,occurred_at` in any order; extra columns are ignored.
// INVALID_ARGUMENT names the missing columns.
absl::StatusOr<EventColumns> ParseEventHeader(const std::vector<std::string>& header);

// Parses an RFC 3339 instant with an offset ("2026-10-05T14:03:00+02:00", "...Z").
std::optional<absl::Time> ParseRfc3339(const std::string& text);

// A typed event before validation.
struct EventInput {
  std::string event_id;
  std::string agent_id;
  std::string metric;
  double value = 0;
  absl::Time occurred_at;
};

enum class EventOutcome { kStored, kDuplicate, kRejected, kReplaced };

struct EventResult {
  EventOutcome outcome = EventOutcome::kRejected;
  std::string error;
};

class EventIngestor {
 public:
  // Counts what becomes of each event in `telemetry` (plaudit_events_ingested_total, by
  // outcome) when given.
  explicit EventIngestor(Store* store, Telemetry* telemetry = nullptr);

  // Validates and stores one chunk of CSV rows in one transaction. With `replacement`, a row
  // whose event_id is stored with different content, or was retracted, replaces it (see
  // Store::InsertEvents) instead of being rejected.
  absl::StatusOr<ImportSummary> IngestCsv(
      const EventColumns& columns, const std::vector<CsvLine>& rows,
      const std::optional<EventReplacement>& replacement = std::nullopt);

  // Validates and stores typed events in one transaction; one result per event, in order.
  // `replacement` as for IngestCsv.
  absl::StatusOr<std::vector<EventResult>> IngestEvents(
      const std::vector<EventInput>& events,
      const std::optional<EventReplacement>& replacement = std::nullopt);

 private:
  // The ids of all agents, re-read only after agents changed.
  absl::StatusOr<std::shared_ptr<const absl::flat_hash_set<std::string>>> KnownAgents();

  void Count(int64_t stored, int64_t replaced, int64_t duplicate, int64_t rejected);

  Store* store_;
  Telemetry::Counter* const events_;
  absl::Mutex mu_;
  std::shared_ptr<const absl::flat_hash_set<std::string>> agent_ids_ ABSL_GUARDED_BY(mu_);
  int64_t agent_ids_generation_ ABSL_GUARDED_BY(mu_) = -1;
};

// Validates agent rows (header `id,display_name,email,team,channel,hire_date,status`) and upserts
// the valid ones by id.
absl::StatusOr<ImportSummary> ImportAgents(Store* store, const std::vector<std::string>& header,
                                           const std::vector<CsvLine>& rows);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_INGEST_INGEST_H_

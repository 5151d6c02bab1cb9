// Metric events and the per-period aggregates kept from them.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_EVENT_STORE_H_
#define PLAUDIT_CORE_STORE_EVENT_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/store/store_records.h"

namespace plaudit {

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Events. One outcome per event, in order; all stored in one transaction, with the
  // corrections that record replacements. Without `replacement` an id stored with different
  // content is kConflict and a retracted id kRetracted, nothing written for either; with it both
  // are kReplaced, each recorded as an "event_replaced" correction by its actor whose detail is
  // the content before ("... (retracted)" for a retracted id, which is then no longer retracted).
  // Identical content is kDuplicate either way and records nothing.
  virtual absl::StatusOr<std::vector<InsertOutcome>> InsertEvents(
      const std::vector<StoredEvent>& events,
      const std::optional<EventReplacement>& replacement = std::nullopt) = 0;
  virtual absl::StatusOr<int64_t> CountEvents() = 0;
  // Per (agent, metric) aggregates of events with start_us <= occurred_at_us < end_us, ordered
  // by agent then metric. An empty agent_id means every agent.
  virtual absl::StatusOr<std::vector<AggregateRow>> Aggregate(int64_t start_us, int64_t end_us,
                                                              const std::string& agent_id = "") = 0;
  // Per agent, how many events of `metric` with start_us <= occurred_at_us < end_us have
  // value >= threshold, ordered by agent; agents with none are left out.
  virtual absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountAtLeast(
      int64_t start_us, int64_t end_us, const std::string& metric, double threshold) = 0;
  // Keeps the aggregates of every period of (time_zone, cadence) up to date from now on, with
  // at-least counts for `thresholds`, filling in what is missing from the raw events once (one
  // pass over them, in one transaction). INVALID_ARGUMENT for an unknown zone or cadence.
  virtual absl::Status EnsureRollup(const std::string& time_zone, const std::string& cadence,
                                    const ThresholdSet& thresholds) = 0;
  // The aggregates of the period `label` ([start_us, end_us)) of (time_zone, cadence), as
  // Aggregate() and CountAtLeast() give them from the raw events (bit for bit), with at_least
  // filled in for `thresholds`, ordered by agent then metric; only `agent_id`'s unless it is empty.
  // Read from the rollups without touching raw events; nullopt when they do not cover it (not
  // registered by EnsureRollup, or the zone's rules moved the period since).
  virtual absl::StatusOr<std::optional<std::vector<AggregateRow>>> RolledUpAggregates(
      const std::string& time_zone, const std::string& cadence, const std::string& label,
      int64_t start_us, int64_t end_us, const ThresholdSet& thresholds,
      const std::string& agent_id = "") = 0;
  // Changes whenever something standings are computed from is written (events, agents,
  // programs), so callers can cache standings.
  virtual int64_t standings_generation() const = 0;
  // At most `limit` rows of the same aggregates (optionally for one agent) that come after
  // (after_agent, after_metric) in (agent, metric) order; empty strings start at the beginning.
  virtual absl::StatusOr<std::vector<AggregateRow>> AggregatePage(int64_t start_us, int64_t end_us,
                                                                  const std::string& agent_id,
                                                                  const std::string& after_agent,
                                                                  const std::string& after_metric,
                                                                  int limit) = 0;
  // Retracts stored events: each leaves every aggregate, its content is kept in the
  // correction, and its id stays taken (InsertEvents reports it kRetracted). Returns the ids
  // that were not stored (unknown or already retracted); the others are retracted in one
  // transaction.
  virtual absl::StatusOr<std::vector<std::string>> RetractEvents(
      const std::vector<std::string>& ids, const std::string& actor, const std::string& reason,
      int64_t at_us) = 0;
  // The first and last occurred_at_us of the events with from_us <= occurred_at_us < to_us, from
  // the time index's two ends; nullopt when there are none.
  virtual absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>> EventTimeSpan(
      int64_t from_us, int64_t to_us) = 0;
  // Calls `each` with the agent and time of every event with start_us <= occurred_at_us < end_us,
  // in time order, read on a reader from the time index alone.
  virtual absl::Status ForEachEventTime(
      int64_t start_us, int64_t end_us,
      absl::FunctionRef<void(absl::string_view agent_id, int64_t occurred_at_us)> each) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_EVENT_STORE_H_

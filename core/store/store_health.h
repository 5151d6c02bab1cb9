// What operators see of the store: readiness and the figures metrics report.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_STORE_HEALTH_H_
#define PLAUDIT_CORE_STORE_STORE_HEALTH_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

class StoreHealth {
 public:
  virtual ~StoreHealth() = default;

  // How the group-committed writes went so far: writes, and the commits that made them durable
  // (fewer when writes shared one); `queued` are waiting now. All zero for a backend whose
  // writes are not grouped.
  struct WriteGroupStats {
    int64_t writes = 0;
    int64_t commits = 0;
    int64_t queued = 0;
  };
  virtual WriteGroupStats write_group_stats() const = 0;

  // What plauditd's telemetry reads at each scrape.
  struct Figures {
    // Rewards waiting for their award's approval, and pending (due, in flight, or waiting on
    // the vendor).
    int64_t waiting = 0;
    int64_t pending = 0;
    // When the award of the oldest pending reward was decided; unset when none is pending.
    std::optional<int64_t> oldest_pending_decided_us;
    // Each program's latest budgeted period: its budget and what awards hold of it.
    struct Budget {
      std::string program_id, period, unit, currency;
      double amount = 0, reserved = 0, settled = 0;
    };
    std::vector<Budget> budgets;
    // Pending rewards whose fulfilment lease this replica holds now (0 for a backend without
    // leases: one process owns all its work).
    int64_t leases_held = 0;
    // Connections lent out now, and open but idle.
    int readers_in_use = 0;
    int readers_idle = 0;
    WriteGroupStats writes;
  };
  virtual absl::StatusOr<Figures> ReadFigures() = 0;
  // OK when the database answers a read and its schema is the one this plauditd migrates to;
  // UNAVAILABLE or FAILED_PRECONDITION naming the problem otherwise.
  virtual absl::Status CheckReady() = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_STORE_HEALTH_H_

// Peer recognition: an agent praises another with a message, within a monthly allowance, never
// themselves. Each praise is stored together with the recipient's praise_received event (value 1)
// in one transaction, so programs can score praise like any other metric. Thread-safe.
#ifndef PLAUDIT_CORE_PRAISE_PRAISE_LEDGER_H_
#define PLAUDIT_CORE_PRAISE_PRAISE_LEDGER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "core/domain/clock.h"
#include "core/store/store.h"

namespace plaudit {

class PraiseLedger {
 public:
  struct Options {
    // Praise one agent may send per calendar month.
    int monthly_allowance = 5;
    // The zone whose calendar months the allowance follows.
    absl::TimeZone zone = absl::UTCTimeZone();
  };

  PraiseLedger(Store* store, Clock* clock, Options options)
      : store_(store), clock_(clock), options_(options) {}

  // INVALID_ARGUMENT: missing or malformed field, or self-praise. NOT_FOUND: unknown agent.
  // FAILED_PRECONDITION: an inactive giver or recipient. RESOURCE_EXHAUSTED: allowance used.
  // A request_id sent before returns that praise and changes nothing.
  absl::StatusOr<PraiseRecord> Send(const std::string& from_agent_id,
                                    const std::string& to_agent_id, const std::string& message,
                                    const std::string& value, const std::string& request_id);

  struct Allowance {
    absl::CivilMonth month;
    int monthly = 0;
    int used = 0;
  };
  // What `agent_id` has sent of this month's allowance.
  absl::StatusOr<Allowance> AllowanceOf(const std::string& agent_id);

  // Newest first; only praise sent or received by `agent_id` when it is not empty.
  absl::StatusOr<std::vector<PraiseRecord>> Feed(const std::string& agent_id);

 private:
  // The allowance's window: the calendar month in the allowance's zone.
  PraiseAllowance AllowanceIn(absl::CivilMonth month) const;

  Store* store_;
  Clock* clock_;
  Options options_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_PRAISE_PRAISE_LEDGER_H_

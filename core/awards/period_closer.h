// Closes periods by itself: once a program's period has ended and its grace time for late data
// (close_after) has passed, the period is decided and committed, exactly as
// `plaudit awards evaluate` would. Periods are closed from the one in which the program was first
// applied onwards; after downtime every missed period is closed, each once (a committed decision
// is never redone). Time comes from the Clock, so tests drive it with a FakeClock.
// Replicas sharing a database close one at a time (Store::RunAlone); a replica that finds another
// closing passes until its next check. Thread-safe as far as the store and the decider are.
#ifndef PLAUDIT_CORE_AWARDS_PERIOD_CLOSER_H_
#define PLAUDIT_CORE_AWARDS_PERIOD_CLOSER_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/awards/award_decider.h"
#include "core/domain/clock.h"
#include "core/store/store.h"

namespace plaudit {

class PeriodCloser {
 public:
  PeriodCloser(Store* store, AwardDecider* decider, Clock* clock)
      : store_(store), decider_(decider), clock_(clock) {}

  // What RunOnce runs alone under among replicas (Store::RunAlone).
  static constexpr char kClosingLock[] = "period-closing";

  // Decides every closable, undecided period of every program; returns how many it committed
  // (0 when another replica is closing).
  int RunOnce();

  struct ProgramClosing {
    std::string program_id;
    Cadence cadence = Cadence::kMonthly;
    absl::Duration close_after;
    // The decided period that ended last; empty when none.
    std::string last_closed;
    // The first period not decided yet, and when it will be closed.
    std::string next_period;
    absl::Time next_close;
    // Why the program cannot be closed (its YAML no longer parses, the store failed).
    std::string error;
    // Disabled programs close nothing until enabled; periods that closed meanwhile are passed
    // over.
    bool disabled = false;
  };

  // One entry per program, by id.
  std::vector<ProgramClosing> Status();

 private:
  // Closes what is due for one program (when `commit`), and describes where it stands.
  ProgramClosing Visit(const ProgramRecord& program, bool commit, int* committed);

  Store* store_;
  AwardDecider* decider_;
  Clock* clock_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_PERIOD_CLOSER_H_

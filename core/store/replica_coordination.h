// Work that one plauditd at a time may do among the replicas sharing a database (closing
// periods). An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_REPLICA_COORDINATION_H_
#define PLAUDIT_CORE_STORE_REPLICA_COORDINATION_H_

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace plaudit {

class ReplicaCoordination {
 public:
  virtual ~ReplicaCoordination() = default;

  // Runs `work` unless it is already running under `name`, in this process or in another
  // replica on the same database; true when it ran, false when it was left to the one running
  // it. A replica that dies while running it (kill -9 included) lets it go at once: the next
  // caller runs it. Errors only when the store cannot be asked.
  virtual absl::StatusOr<bool> RunAlone(std::string_view name, absl::FunctionRef<void()> work) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_REPLICA_COORDINATION_H_

// Praise agents send one another.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_PRAISE_STORE_H_
#define PLAUDIT_CORE_STORE_PRAISE_STORE_H_

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

class PraiseStore {
 public:
  virtual ~PraiseStore() = default;

  // Praise. InsertPraise stores the praise and the recipient's praise_received event (value 1,
  // event_id "praise:<id>") in one transaction. It returns the giver's earlier praise when the
  // request_id was used before, and nullopt (nothing written) when the giver has already sent
  // `allowance.limit` praise in the allowance window.
  virtual absl::StatusOr<std::optional<PraiseRecord>> InsertPraise(
      const PraiseRecord& praise, const PraiseAllowance& allowance) = 0;
  // Newest first; only praise sent or received by `agent_id` unless it is empty.
  virtual absl::StatusOr<std::vector<PraiseRecord>> ListPraise(const std::string& agent_id) = 0;
  // How much praise `from_agent_id` sent within the allowance's window, on a reader.
  virtual absl::StatusOr<int64_t> CountPraiseSent(const std::string& from_agent_id,
                                                  const PraiseAllowance& allowance) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_PRAISE_STORE_H_

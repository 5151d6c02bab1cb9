// Programs' budgets per period and what awards hold of them.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_BUDGET_STORE_H_
#define PLAUDIT_CORE_STORE_BUDGET_STORE_H_

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

class BudgetStore {
 public:
  virtual ~BudgetStore() = default;

  // Nullopt when the period has no decision or its program version had no budget.
  virtual absl::StatusOr<std::optional<BudgetReport>> GetBudget(const std::string& program_id,
                                                                const std::string& period) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_BUDGET_STORE_H_

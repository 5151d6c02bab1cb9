// Corrections: changes to what Plaudit decides on, made by a person with a reason (the event,
// program and agent stores record them). An interface of the store (core/store/store.h),
// implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_CORRECTION_STORE_H_
#define PLAUDIT_CORE_STORE_CORRECTION_STORE_H_

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

class CorrectionStore {
 public:
  virtual ~CorrectionStore() = default;

  // Corrections, oldest first; an empty `subject` lists all of them.
  virtual absl::StatusOr<std::vector<CorrectionRecord>> ListCorrections(
      const std::string& subject) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_CORRECTION_STORE_H_

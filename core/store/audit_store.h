// The audit log, in seq order.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_AUDIT_STORE_H_
#define PLAUDIT_CORE_STORE_AUDIT_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/audit_records.h"
#include "core/store/store_records.h"

namespace plaudit {

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Only AuditTrail appends to the log. Appends
  // `entry` after the last record in one transaction: `seal` gets the record with its seq and the
  // MAC (hex) of the record before it ("" for the first) and returns the record's MAC.
  virtual absl::StatusOr<AuditRecord> AppendAuditRecord(
      const AuditEntry& entry,
      absl::FunctionRef<std::string(const AuditRecord&, const std::string&)> seal) = 0;
  // The records `filter` matches, in seq order.
  virtual absl::StatusOr<std::vector<AuditRecord>> ListAuditRecords(const AuditFilter& filter) = 0;
  // Whether a record of `method` on `resource` with `outcome` exists (a revocation, say).
  virtual absl::StatusOr<bool> AuditRecordExists(const std::string& method,
                                                 const std::string& resource,
                                                 const std::string& outcome) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_AUDIT_STORE_H_

// The records of the audit trail: who did what to which resource, when, and how it ended. The
// store keeps them in sequence; AuditTrail (audit_trail.h) seals and verifies the chain.
#ifndef PLAUDIT_CORE_STORE_AUDIT_RECORDS_H_
#define PLAUDIT_CORE_STORE_AUDIT_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace plaudit {

// One audited call, as the API layer describes it.
struct AuditEntry {
  absl::Time time;
  // The authenticated caller.
  std::string subject;
  std::vector<std::string> roles;
  // The full gRPC method: "plaudit.v1.AwardService/ApproveAward".
  std::string method;
  // What it acted on or read: "awards/123".
  std::string resource;
  // "OK", or a status code name and its message: "PERMISSION_DENIED: needs admin".
  std::string outcome;
  std::string request_id;
  // Optional, free text.
  std::string detail;
};

// An entry as stored: its place in the sequence (from 1) and the chained MAC sealing it.
struct AuditRecord : AuditEntry {
  int64_t seq = 0;
  // Lowercase hex HMAC-SHA256.
  std::string mac_hex;
};

struct AuditFilter {
  // Only this subject; empty for all.
  std::string subject;
  // Only records at or after this time.
  absl::Time since = absl::InfinitePast();
  // Only records before this time.
  absl::Time until = absl::InfiniteFuture();
  // Only records after this seq (the last one of the page before).
  int64_t after_seq = 0;
  // At most this many; 0 for no limit.
  int64_t limit = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_AUDIT_RECORDS_H_

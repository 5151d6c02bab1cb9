// The tamper-evident audit trail: every mutating call to plauditd, and every read of a secret,
// appended as a record in the store's audit_log.
//
// Each record n is sealed by mac_n = HMAC-SHA256(key, encoding(record n, its seq) || mac_{n-1}),
// with mac_0 all zeros, so that editing, deleting, inserting or reordering records breaks the
// chain where it happened. The key lives in a file outside the database (32 random bytes, made
// 0600 when missing), so that whoever can write the database cannot reseal it. A checkpoint file
// beside the key holds the last seq and MAC, rewritten atomically after every append, so that
// records cut off the end are missed too.
//
// Thread-safe: appends are serialised, each durable (record committed, checkpoint on disk) when
// it returns.
#ifndef PLAUDIT_CORE_STORE_AUDIT_TRAIL_H_
#define PLAUDIT_CORE_STORE_AUDIT_TRAIL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/store/audit_records.h"
#include "core/store/audit_store.h"

namespace plaudit {

// What Verify() found: the first problem, precisely, or that the trail is intact.
struct AuditVerdict {
  bool intact = false;
  // Records in the table.
  int64_t records = 0;
  // The checkpoint's seq; 0 when there is none.
  int64_t checkpoint_seq = 0;
  // The seq where the first problem is; 0 when intact (or the problem has no seq).
  int64_t first_bad_seq = 0;
  // When not intact: "record 17 was edited", "record 17 is missing (deleted)", ...
  std::string problem;

  // "12 records, chain intact, checkpoint at seq 12", or the problem.
  std::string Summary() const;
};

class AuditTrail {
 public:
  // Opens the trail kept in `store` (which must outlive it). Creates the key file when missing;
  // FAILED_PRECONDITION when it is not 32 bytes or its mode lets group or others at it (naming
  // the file and its mode). Writes the checkpoint file when missing and the trail is empty.
  static absl::StatusOr<std::unique_ptr<AuditTrail>> Open(AuditStore* store, std::string key_file,
                                                          std::string checkpoint_file);

  // Appends `entry` as the next record and moves the checkpoint to it. INVALID_ARGUMENT for an
  // empty role name or one with a \x1f in it. An error after the record was committed (the
  // checkpoint could not be written) says so; Verify() still accepts such a record, as its chain
  // is sound.
  absl::Status Append(const AuditEntry& entry);

  // The records `filter` matches, in seq order.
  absl::StatusOr<std::vector<AuditRecord>> List(const AuditFilter& filter);

  // Walks the whole trail in seq order against the key and the checkpoint.
  AuditVerdict Verify();

  const std::string& key_file() const { return key_file_; }
  const std::string& checkpoint_file() const { return checkpoint_file_; }

 private:
  AuditTrail(AuditStore* store, std::string key, std::string key_file, std::string checkpoint_file)
      : store_(store),
        key_(std::move(key)),
        key_file_(std::move(key_file)),
        checkpoint_file_(std::move(checkpoint_file)) {}

  // The raw MAC of `record` at `seq` chained to `previous_mac_hex` ("" for none: all zeros).
  std::string Seal(const AuditEntry& record, int64_t seq,
                   const std::string& previous_mac_hex) const;
  // True when the record's stored MAC is its seal at `seq` after `previous_mac_hex`.
  bool Chains(const AuditRecord& record, int64_t seq, const std::string& previous_mac_hex) const;
  // Names the problem with records[i], the first whose MAC does not chain.
  void Diagnose(const std::vector<AuditRecord>& records, size_t i,
                const std::optional<std::pair<int64_t, std::string>>& checkpoint,
                AuditVerdict& verdict) const;
  absl::Status WriteCheckpoint(int64_t seq, const std::string& mac_hex)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  AuditStore* const store_;
  const std::string key_;
  const std::string key_file_;
  const std::string checkpoint_file_;
  absl::Mutex mu_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_AUDIT_TRAIL_H_

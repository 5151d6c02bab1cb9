// Store's audit log: appending a sealed record after the last one, and reading records in order.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
namespace {

// Separates roles in the roles column; no role name contains it.
constexpr char kRoleSeparator = '\x1f';

constexpr const char* kAuditColumns =
    "seq, time_us, subject, roles, method, resource, outcome, request_id, detail, mac";

AuditRecord ReadAuditRecord(const SqliteStatement& s) {
  AuditRecord r;
  r.seq = s.Int(0);
  r.time = absl::FromUnixMicros(s.Int(1));
  r.subject = s.Text(2);
  const std::string roles = s.Text(3);
  if (!roles.empty()) r.roles = absl::StrSplit(roles, kRoleSeparator);
  r.method = s.Text(4);
  r.resource = s.Text(5);
  r.outcome = s.Text(6);
  r.request_id = s.Text(7);
  r.detail = s.Text(8);
  r.mac_hex = s.Text(9);
  return r;
}

}  // namespace

absl::StatusOr<AuditRecord> SqliteStore::AppendAuditRecord(
    const AuditEntry& entry,
    absl::FunctionRef<std::string(const AuditRecord&, const std::string&)> seal) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  AuditRecord record;
  static_cast<AuditEntry&>(record) = entry;
  record.seq = 1;
  std::string previous_mac;
  {
    SqliteStatement last(db_, "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1");
    PLAUDIT_RETURN_IF_ERROR(last.status());
    if (last.Step()) {
      record.seq = last.Int(0) + 1;
      previous_mac = last.Text(1);
    }
    PLAUDIT_RETURN_IF_ERROR(last.status());
  }
  // The time is kept to the microsecond; seal what will be read back.
  record.time = absl::FromUnixMicros(absl::ToUnixMicros(entry.time));
  record.mac_hex = seal(record, previous_mac);
  SqliteStatement insert(db_,
                         "INSERT INTO audit_log (seq, time_us, subject, roles, method, resource, "
                         "outcome, request_id, detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, record.seq)
      .Bind(2, absl::ToUnixMicros(record.time))
      .Bind(3, record.subject)
      .Bind(4, absl::StrJoin(record.roles, std::string(1, kRoleSeparator)))
      .Bind(5, record.method)
      .Bind(6, record.resource)
      .Bind(7, record.outcome)
      .Bind(8, record.request_id)
      .Bind(9, record.detail)
      .Bind(10, record.mac_hex);
  PLAUDIT_RETURN_IF_ERROR(insert.Run());
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  return record;
}

absl::StatusOr<std::vector<AuditRecord>> SqliteStore::ListAuditRecords(const AuditFilter& filter) {
  absl::MutexLock lock(&mu_);
  const bool by_subject = !filter.subject.empty();
  const std::string sql = absl::StrCat(
      "SELECT ", kAuditColumns, " FROM audit_log WHERE seq > ? AND time_us >= ? AND time_us < ?",
      by_subject ? " AND subject = ?" : "", " ORDER BY seq", filter.limit > 0 ? " LIMIT ?" : "");
  SqliteStatement q(db_, sql.c_str());
  PLAUDIT_RETURN_IF_ERROR(q.status());
  const int64_t since_us = filter.since == absl::InfinitePast()
                               ? std::numeric_limits<int64_t>::min()
                               : absl::ToUnixMicros(filter.since);
  const int64_t until_us = filter.until == absl::InfiniteFuture()
                               ? std::numeric_limits<int64_t>::max()
                               : absl::ToUnixMicros(filter.until);
  q.Bind(1, filter.after_seq).Bind(2, since_us).Bind(3, until_us);
  int next = 4;
  if (by_subject) q.Bind(next++, filter.subject);
  if (filter.limit > 0) q.Bind(next, filter.limit);
  return CollectRows<AuditRecord>(q, ReadAuditRecord);
}

absl::StatusOr<bool> SqliteStore::AuditRecordExists(const std::string& method,
                                                    const std::string& resource,
                                                    const std::string& outcome) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_,
                    "SELECT 1 FROM audit_log WHERE resource = ? AND method = ? AND outcome = ? "
                    "LIMIT 1");
  PLAUDIT_RETURN_IF_ERROR(q.status());
  q.Bind(1, resource).Bind(2, method).Bind(3, outcome);
  const bool found = q.Step();
  PLAUDIT_RETURN_IF_ERROR(q.status());
  return found;
}

}  // namespace plaudit

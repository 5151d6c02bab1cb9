// Store's correction methods: retracting events, disabling programs, deactivating agents, and
// the corrections log that records each with who, when and why.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {

absl::Status RecordCorrection(sqlite3* db, const CorrectionRecord& c) {
  SqliteStatement insert(db,
                         "INSERT INTO corrections (kind, subject, detail, actor, reason, at_us) "
                         "VALUES (?, ?, ?, ?, ?, ?)");
  insert.Bind(1, c.kind)
      .Bind(2, c.subject)
      .Bind(3, c.detail)
      .Bind(4, c.actor)
      .Bind(5, c.reason)
      .Bind(6, c.at_us);
  return insert.Run();
}

std::string EventContent(const std::string& agent_id, const std::string& metric, double value,
                         int64_t occurred_at_us) {
  return absl::StrFormat(
      "%s %s %.15g at %s", agent_id, metric, value,
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMicros(occurred_at_us),
                       absl::UTCTimeZone()));
}

absl::StatusOr<std::vector<std::string>> SqliteStore::RetractEvents(
    const std::vector<std::string>& ids, const std::string& actor, const std::string& reason,
    int64_t at_us) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  PLAUDIT_RETURN_IF_ERROR(rollups_.Begin(db_));
  auto not_stored = RetractEventsLocked(ids, actor, reason, at_us);
  if (!not_stored.ok()) return not_stored.status();
  PLAUDIT_RETURN_IF_ERROR(rollups_.Flush(db_));
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  rollups_.Committed();
  standings_generation_.fetch_add(1);
  return not_stored;
}

absl::StatusOr<std::vector<std::string>> SqliteStore::RetractEventsLocked(
    const std::vector<std::string>& ids, const std::string& actor, const std::string& reason,
    int64_t at_us) {
  SqliteStatement find(
      db_, "SELECT agent_id, metric, value, occurred_at_us FROM events WHERE event_id = ?");
  SqliteStatement keep(db_,
                       "INSERT INTO retracted_events (event_id, agent_id, metric, value, "
                       "occurred_at_us) VALUES (?, ?, ?, ?, ?)");
  SqliteStatement remove(db_, "DELETE FROM events WHERE event_id = ?");
  PLAUDIT_RETURN_IF_ERROR(find.status());
  PLAUDIT_RETURN_IF_ERROR(keep.status());
  PLAUDIT_RETURN_IF_ERROR(remove.status());
  std::vector<std::string> not_stored;
  for (const std::string& id : ids) {
    find.Bind(1, id);
    if (!find.Step()) {
      PLAUDIT_RETURN_IF_ERROR(find.status());
      find.Reset();
      not_stored.push_back(id);
      continue;
    }
    const std::string agent_id = find.Text(0);
    const std::string metric = find.Text(1);
    const double value = find.Double(2);
    const int64_t occurred_at_us = find.Int(3);
    find.Reset();
    keep.Bind(1, id).Bind(2, agent_id).Bind(3, metric).Bind(4, value).Bind(5, occurred_at_us);
    PLAUDIT_RETURN_IF_ERROR(keep.Run());
    keep.Reset();
    remove.Bind(1, id);
    PLAUDIT_RETURN_IF_ERROR(remove.Run());
    remove.Reset();
    PLAUDIT_RETURN_IF_ERROR(rollups_.Changed(db_, agent_id, metric, occurred_at_us));
    PLAUDIT_RETURN_IF_ERROR(RecordCorrection(
        db_, CorrectionRecord{0, "event_retracted", id,
                              EventContent(agent_id, metric, value, occurred_at_us), actor, reason,
                              at_us}));
  }
  return not_stored;
}

absl::StatusOr<ProgramRecord> SqliteStore::SetProgramDisabled(const std::string& id, bool disabled,
                                                              const std::string& actor,
                                                              const std::string& reason,
                                                              int64_t at_us) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  SqliteStatement update(db_,
                         "UPDATE programs SET disabled = ?1, "
                         "enabled_us = CASE WHEN ?1 = 0 THEN ?2 ELSE enabled_us END "
                         "WHERE id = ?3 AND disabled != ?1");
  update.Bind(1, static_cast<int64_t>(disabled ? 1 : 0)).Bind(2, at_us).Bind(3, id);
  PLAUDIT_RETURN_IF_ERROR(update.Run());
  if (sqlite3_changes(db_) == 1) {
    PLAUDIT_RETURN_IF_ERROR(
        RecordCorrection(db_, CorrectionRecord{0, disabled ? "program_disabled" : "program_enabled",
                                               id, "", actor, reason, at_us}));
  }
  SqliteStatement read(db_,
                       "SELECT id, name, cadence, time_zone, version, yaml, disabled, enabled_us "
                       "FROM programs WHERE id = ?");
  read.Bind(1, id);
  if (!read.Step()) {
    PLAUDIT_RETURN_IF_ERROR(read.status());
    return absl::NotFoundError(absl::StrCat("program \"", id, "\" not found"));
  }
  ProgramRecord program{read.Text(0), read.Text(1), read.Text(2),
                        read.Text(3), read.Int(4),  read.Text(5)};
  program.disabled = read.Int(6) != 0;
  program.enabled_us = read.Int(7);
  read.Reset();
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  standings_generation_.fetch_add(1);
  return program;
}

absl::Status SqliteStore::DeactivateAgent(const std::string& id, const std::string& actor,
                                          const std::string& reason, int64_t at_us) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  SqliteStatement exists(db_, "SELECT active FROM agents WHERE id = ?");
  exists.Bind(1, id);
  if (!exists.Step()) {
    PLAUDIT_RETURN_IF_ERROR(exists.status());
    return absl::NotFoundError(absl::StrCat("agent \"", id, "\" not found"));
  }
  const bool active = exists.Int(0) != 0;
  exists.Reset();
  if (active) {
    SqliteStatement update(db_, "UPDATE agents SET active = 0 WHERE id = ?");
    update.Bind(1, id);
    PLAUDIT_RETURN_IF_ERROR(update.Run());
    PLAUDIT_RETURN_IF_ERROR(RecordCorrection(
        db_, CorrectionRecord{0, "agent_deactivated", id, "", actor, reason, at_us}));
  }
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  agents_generation_.fetch_add(1);
  standings_generation_.fetch_add(1);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ProgramVersionRecord>> SqliteStore::ProgramVersions(
    const std::string& id) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_,
                    "SELECT version, applied_us FROM program_versions WHERE program_id = ? "
                    "ORDER BY version");
  q.Bind(1, id);
  return CollectRows<ProgramVersionRecord>(q, [](const SqliteStatement& row) {
    return ProgramVersionRecord{row.Int(0), row.Int(1)};
  });
}

absl::StatusOr<std::vector<CorrectionRecord>> SqliteStore::ListCorrections(
    const std::string& subject) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_,
                    "SELECT seq, kind, subject, detail, actor, reason, at_us FROM corrections "
                    "WHERE ?1 = '' OR subject = ?1 ORDER BY seq");
  q.Bind(1, subject);
  return CollectRows<CorrectionRecord>(q, [](const SqliteStatement& row) {
    return CorrectionRecord{row.Int(0),  row.Text(1), row.Text(2), row.Text(3),
                            row.Text(4), row.Text(5), row.Int(6)};
  });
}

}  // namespace plaudit

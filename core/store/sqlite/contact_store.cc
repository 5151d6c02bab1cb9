// Store's contact methods: contacts as metric sources last reported them, the events derived from
// them, and each source's status.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/store/contact_writes.h"
#include "core/store/record_codec.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
namespace {

// Reads the facts of each contact in `contacts` (already holding source, id and version).
absl::Status ReadFacts(sqlite3* db, std::vector<ContactRecord>& contacts) {
  SqliteStatement q(db,
                    "SELECT participant, agent_id, occurred_us, channel, queue, metrics "
                    "FROM contact_facts WHERE source = ? AND contact_id = ? ORDER BY participant");
  PLAUDIT_RETURN_IF_ERROR(q.status());
  for (ContactRecord& contact : contacts) {
    q.Bind(1, contact.source).Bind(2, contact.contact_id);
    while (q.Step()) {
      contact.facts.push_back(ContactFactRecord{q.Text(0), q.Text(1), q.Int(2), q.Text(3),
                                                q.Text(4), DecodeMetricValues(q.TextView(5))});
    }
    PLAUDIT_RETURN_IF_ERROR(q.status());
    q.Reset();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> SqliteStore::ContactVersions(
    const std::string& source, const std::vector<std::string>& contact_ids) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(),
                    "SELECT version_us FROM contacts WHERE source = ? AND contact_id = ?");
  PLAUDIT_RETURN_IF_ERROR(q.status());
  std::vector<std::pair<std::string, int64_t>> versions;
  for (const std::string& id : contact_ids) {
    q.Bind(1, source).Bind(2, id);
    if (q.Step()) versions.emplace_back(id, q.Int(0));
    PLAUDIT_RETURN_IF_ERROR(q.status());
    q.Reset();
  }
  return versions;
}

absl::StatusOr<std::optional<ContactRecord>> SqliteStore::GetContact(
    const std::string& source, const std::string& contact_id) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "BEGIN"));
  std::vector<ContactRecord> found;
  {
    SqliteStatement q(db,
                      "SELECT version_us, received_us FROM contacts "
                      "WHERE source = ? AND contact_id = ?");
    q.Bind(1, source).Bind(2, contact_id);
    if (q.Step()) found.push_back(ContactRecord{source, contact_id, q.Int(0), q.Int(1), {}});
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  PLAUDIT_RETURN_IF_ERROR(ReadFacts(db, found));
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "COMMIT"));
  if (found.empty()) return std::optional<ContactRecord>();
  return std::optional<ContactRecord>(std::move(found.front()));
}

absl::StatusOr<std::vector<bool>> SqliteStore::WriteContacts(
    const std::vector<ContactWrite>& writes, const EventReplacement& as,
    const SourceProgress& progress) {
  PLAUDIT_RETURN_IF_ERROR(CheckDistinctContacts(writes));
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  PLAUDIT_RETURN_IF_ERROR(rollups_.Begin(db_));
  SqliteStatement version(db_,
                          "SELECT version_us, event_ids FROM contacts "
                          "WHERE source = ? AND contact_id = ?");
  SqliteStatement drop_facts(db_, "DELETE FROM contact_facts WHERE source = ? AND contact_id = ?");
  SqliteStatement put_contact(
      db_,
      "INSERT INTO contacts (source, contact_id, version_us, received_us, event_ids) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, contact_id) DO UPDATE "
      "SET version_us = excluded.version_us, received_us = excluded.received_us, "
      "event_ids = excluded.event_ids");
  SqliteStatement put_fact(db_,
                           "INSERT INTO contact_facts (source, contact_id, participant, agent_id, "
                           "occurred_us, channel, queue, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (const SqliteStatement* statement : {&version, &drop_facts, &put_contact, &put_fact}) {
    PLAUDIT_RETURN_IF_ERROR(statement->status());
  }
  std::vector<bool> written;
  written.reserve(writes.size());
  std::vector<StoredEvent> events;
  std::vector<std::string> retract;
  for (const ContactWrite& w : writes) {
    const ContactRecord& c = w.contact;
    version.Bind(1, c.source).Bind(2, c.contact_id);
    std::optional<int64_t> stored;
    std::set<std::string> before;
    if (version.Step()) {
      stored = version.Int(0);
      before = DecodeIds(version.TextView(1));
    }
    PLAUDIT_RETURN_IF_ERROR(version.status());
    version.Reset();
    if (stored != w.replaces_version) {
      written.push_back(false);
      continue;
    }
    written.push_back(true);
    std::set<std::string> now;
    for (const StoredEvent& e : w.events) now.insert(e.event_id);
    for (const std::string& id : before) {
      if (!now.contains(id)) retract.push_back(id);
    }
    events.insert(events.end(), w.events.begin(), w.events.end());
    if (stored.has_value()) {
      drop_facts.Bind(1, c.source).Bind(2, c.contact_id);
      PLAUDIT_RETURN_IF_ERROR(drop_facts.Run());
      drop_facts.Reset();
    }
    put_contact.Bind(1, c.source)
        .Bind(2, c.contact_id)
        .Bind(3, c.version_us)
        .Bind(4, c.received_us)
        .Bind(5, EncodeIds(now));
    PLAUDIT_RETURN_IF_ERROR(put_contact.Run());
    put_contact.Reset();
    for (const ContactFactRecord& f : c.facts) {
      put_fact.Bind(1, c.source)
          .Bind(2, c.contact_id)
          .Bind(3, f.participant)
          .Bind(4, f.agent_id)
          .Bind(5, f.occurred_us)
          .Bind(6, f.channel)
          .Bind(7, f.queue)
          .Bind(8, EncodeMetricValues(f.metrics));
      PLAUDIT_RETURN_IF_ERROR(put_fact.Run());
      put_fact.Reset();
    }
  }
  // The contacts of one call are distinct, so their event ids are too: what one retracts no other
  // stores.
  if (!events.empty()) {
    auto outcomes = InsertEventsLocked(events, as);
    if (!outcomes.ok()) return outcomes.status();
  }
  if (!retract.empty()) {
    auto not_stored = RetractEventsLocked(retract, as.actor, as.reason, as.at_us);
    if (!not_stored.ok()) return not_stored.status();
  }
  if (!progress.source.empty()) {
    SqliteStatement put_progress(
        db_,
        "INSERT INTO metric_sources (source, position, lag, taken, rejected, last_problem, "
        "updated_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (source) DO UPDATE SET "
        "position = CASE WHEN ?2 = '' THEN position ELSE ?2 END, lag = ?3, "
        "taken = taken + ?4, rejected = rejected + ?5, "
        "last_problem = CASE WHEN ?6 = '' THEN last_problem ELSE ?6 END, updated_us = ?7");
    put_progress.Bind(1, progress.source)
        .Bind(2, progress.position)
        .Bind(3, progress.lag)
        .Bind(4, progress.taken)
        .Bind(5, progress.rejected)
        .Bind(6, progress.last_problem)
        .Bind(7, progress.at_us);
    PLAUDIT_RETURN_IF_ERROR(put_progress.Run());
  }
  PLAUDIT_RETURN_IF_ERROR(rollups_.Flush(db_));
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  rollups_.Committed();
  if (!events.empty() || !retract.empty()) standings_generation_.fetch_add(1);
  return written;
}

absl::StatusOr<std::vector<ContactRecord>> SqliteStore::ListUnmatchedContacts(
    const std::string& source, const std::string& after_source, const std::string& after_contact,
    int limit) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "BEGIN"));
  std::vector<ContactRecord> contacts;
  {
    SqliteStatement q(db,
                      "SELECT DISTINCT f.source, f.contact_id, c.version_us, c.received_us "
                      "FROM contact_facts f JOIN contacts c USING (source, contact_id) "
                      "WHERE f.agent_id = '' AND (?1 = '' OR f.source = ?1) "
                      "AND (f.source, f.contact_id) > (?2, ?3) "
                      "ORDER BY f.source, f.contact_id LIMIT ?4");
    q.Bind(1, source).Bind(2, after_source).Bind(3, after_contact).Bind(4, int64_t{limit});
    while (q.Step())
      contacts.push_back(ContactRecord{q.Text(0), q.Text(1), q.Int(2), q.Int(3), {}});
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  PLAUDIT_RETURN_IF_ERROR(ReadFacts(db, contacts));
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "COMMIT"));
  return contacts;
}

absl::StatusOr<std::vector<SourceStatusRecord>> SqliteStore::ListSourceStatus() {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(
      reader->db(),
      "WITH names AS (SELECT source FROM metric_sources UNION SELECT DISTINCT source FROM "
      "contacts) "
      "SELECT n.source, COALESCE(m.position, ''), COALESCE(m.lag, ''), COALESCE(m.taken, 0), "
      "COALESCE(m.rejected, 0), "
      "(SELECT COUNT(*) FROM contact_facts f WHERE f.source = n.source AND f.agent_id = ''), "
      "(SELECT COUNT(*) FROM contacts c WHERE c.source = n.source), "
      "COALESCE(m.last_problem, ''), COALESCE(m.updated_us, 0) "
      "FROM names n LEFT JOIN metric_sources m USING (source) ORDER BY n.source");
  return CollectRows<SourceStatusRecord>(q, [](const SqliteStatement& r) {
    return SourceStatusRecord{r.Text(0), r.Text(1), r.Text(2), r.Int(3), r.Int(4),
                              r.Int(5),  r.Int(6),  r.Text(7), r.Int(8)};
  });
}

}  // namespace plaudit

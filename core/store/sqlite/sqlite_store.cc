#include "core/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "core/store/record_codec.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
namespace {

// Schema migrations, applied in order; the index + 1 is the schema version they lead to.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  email TEXT NOT NULL,
  team TEXT NOT NULL,
  channel TEXT NOT NULL,
  hire_date TEXT NOT NULL,
  active INTEGER NOT NULL
);
CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  occurred_at_us INTEGER NOT NULL
);
CREATE INDEX events_by_time ON events (occurred_at_us, agent_id, metric, value);
CREATE TABLE programs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  cadence TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  version INTEGER NOT NULL,
  yaml TEXT NOT NULL
);
CREATE TABLE program_versions (
  program_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  yaml TEXT NOT NULL,
  applied_us INTEGER NOT NULL,
  PRIMARY KEY (program_id, version)
);
CREATE TABLE decisions (
  program_id TEXT NOT NULL,
  period TEXT NOT NULL,
  program_version INTEGER NOT NULL,
  decided_us INTEGER NOT NULL,
  standings TEXT NOT NULL,
  PRIMARY KEY (program_id, period)
);
CREATE TABLE awards (
  id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  period TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  rank INTEGER NOT NULL,
  program_version INTEGER NOT NULL,
  decided_us INTEGER NOT NULL
);
CREATE INDEX awards_by_decision ON awards (program_id, period, rank);
CREATE TABLE fulfilments (
  id TEXT PRIMARY KEY,
  award_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  agent_id TEXT NOT NULL,
  type TEXT NOT NULL,
  params TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT NOT NULL,
  artifact TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  next_attempt_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL
);
CREATE INDEX fulfilments_by_award ON fulfilments (award_id, seq);
CREATE INDEX fulfilments_due ON fulfilments (state, next_attempt_us);
CREATE TABLE plugin_state (
  plugin TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (plugin, key)
);
)sql",
    // Per-agent reads (a summary page, one agent's month) walk this instead of the whole period.
    R"sql(
CREATE INDEX events_by_agent ON events (agent_id, metric, occurred_at_us, value);
)sql",
    R"sql(
CREATE TABLE praise (
  id TEXT PRIMARY KEY,
  from_agent_id TEXT NOT NULL,
  to_agent_id TEXT NOT NULL,
  message TEXT NOT NULL,
  value TEXT NOT NULL,
  request_id TEXT NOT NULL,
  sent_us INTEGER NOT NULL
);
CREATE INDEX praise_by_giver ON praise (from_agent_id, sent_us);
CREATE INDEX praise_by_time ON praise (sent_us);
CREATE UNIQUE INDEX praise_by_request ON praise (from_agent_id, request_id) WHERE request_id != '';
)sql",
    // The tier an award reached under rule tiers; empty for other rules and older awards.
    R"sql(
ALTER TABLE awards ADD COLUMN tier TEXT NOT NULL DEFAULT '';
)sql",
    // Award lifecycle: a stored state with its history, approvals, and the budget ledger. Awards
    // decided before had no approval step: their state follows from their fulfilments.
    R"sql(
ALTER TABLE awards ADD COLUMN state TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE awards ADD COLUMN state_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE awards ADD COLUMN value REAL NOT NULL DEFAULT 0;
ALTER TABLE awards ADD COLUMN approvals_needed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE awards ADD COLUMN approver_role TEXT NOT NULL DEFAULT 'manager';
ALTER TABLE awards ADD COLUMN over_flexible_budget INTEGER NOT NULL DEFAULT 0;
UPDATE awards SET state = CASE
  WHEN EXISTS (SELECT 1 FROM fulfilments f WHERE f.award_id = awards.id AND f.state = 'failed')
    THEN 'failed'
  WHEN NOT EXISTS (SELECT 1 FROM fulfilments f
                   WHERE f.award_id = awards.id AND f.state != 'fulfilled')
    THEN 'fulfilled'
  WHEN EXISTS (SELECT 1 FROM fulfilments f WHERE f.award_id = awards.id AND f.attempts > 0)
    THEN 'fulfilling'
  ELSE 'approved' END;
CREATE TABLE award_history (
  award_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_us INTEGER NOT NULL,
  PRIMARY KEY (award_id, seq)
);
CREATE TABLE award_approvals (
  award_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  at_us INTEGER NOT NULL,
  PRIMARY KEY (award_id, actor)
);
CREATE TABLE budgets (
  program_id TEXT NOT NULL,
  period TEXT NOT NULL,
  mode TEXT NOT NULL,
  unit TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount REAL NOT NULL,
  PRIMARY KEY (program_id, period)
);
CREATE TABLE budget_ledger (
  award_id TEXT PRIMARY KEY,
  program_id TEXT NOT NULL,
  period TEXT NOT NULL,
  amount REAL NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX budget_ledger_by_period ON budget_ledger (program_id, period, state);
)sql",
    // The team of a team award (scope team; agent_id is then empty); empty for agent awards.
    R"sql(
ALTER TABLE awards ADD COLUMN team TEXT NOT NULL DEFAULT '';
)sql",
    // Fulfilment in depth: whether the next call must look the reward up first (the last
    // outcome left it uncertain), and every call made for a reward.
    R"sql(
ALTER TABLE fulfilments ADD COLUMN check_first INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN public_praise INTEGER NOT NULL DEFAULT 1;
CREATE TABLE fulfilment_attempts (
  fulfilment_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  started_us INTEGER NOT NULL,
  finished_us INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT NOT NULL,
  actor TEXT NOT NULL,
  PRIMARY KEY (fulfilment_id, seq)
);
)sql",
    // Corrections: programs disabled and enabled, agents deactivated, events retracted or
    // replaced, each recorded with who, when and why. A retracted event leaves `events` (so no
    // aggregate counts it) and keeps its id, so that importing it again does not bring it back.
    R"sql(
ALTER TABLE programs ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE programs ADD COLUMN enabled_us INTEGER NOT NULL DEFAULT 0;
CREATE TABLE corrections (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_us INTEGER NOT NULL
);
CREATE INDEX corrections_by_subject ON corrections (subject, seq);
CREATE TABLE retracted_events (
  event_id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  occurred_at_us INTEGER NOT NULL
);
)sql",
    // Plugin state is sealed from here on: Migrate() seals the rows written before (kSealedState).
    // The check value tells a database's secrets key from another one.
    R"sql(
CREATE TABLE secrets_key_check (sealed TEXT NOT NULL);
)sql",
    // Vendor callbacks applied, by signature, kept until a replay would be refused as stale.
    R"sql(
CREATE TABLE applied_callbacks (
  plugin TEXT NOT NULL,
  digest TEXT NOT NULL,
  expires_us INTEGER NOT NULL,
  PRIMARY KEY (plugin, digest)
);
CREATE INDEX applied_callbacks_by_expiry ON applied_callbacks (expires_us);
)sql",
    // The audit trail: one row per audited call, each sealed by a MAC chained to the row before
    // (see core/store/audit_trail.h). Roles are joined by \x1f.
    R"sql(
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  subject TEXT NOT NULL,
  roles TEXT NOT NULL,
  method TEXT NOT NULL,
  resource TEXT NOT NULL,
  outcome TEXT NOT NULL,
  request_id TEXT NOT NULL,
  detail TEXT NOT NULL,
  mac TEXT NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_by_resource ON audit_log (resource, method);
)sql",
    // Tokens may name an agent by email (auth.agent_match: email): found by index, per call.
    R"sql(
CREATE INDEX agents_by_email ON agents (email COLLATE NOCASE);
)sql",
    // Period aggregates kept as events arrive (core/store/sqlite/rollups.h), per (time zone,
    // cadence).
    R"sql(
CREATE TABLE rollup_schemes (
  id INTEGER PRIMARY KEY,
  time_zone TEXT NOT NULL,
  cadence TEXT NOT NULL,
  UNIQUE (time_zone, cadence)
);
CREATE TABLE rollup_thresholds (
  scheme INTEGER NOT NULL,
  metric TEXT NOT NULL,
  threshold REAL NOT NULL,
  PRIMARY KEY (scheme, metric, threshold)
) WITHOUT ROWID;
CREATE TABLE rollup_periods (
  id INTEGER PRIMARY KEY,
  scheme INTEGER NOT NULL,
  label TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  UNIQUE (scheme, label)
);
CREATE TABLE rollups (
  period INTEGER NOT NULL,
  agent_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  samples INTEGER NOT NULL,
  sum REAL NOT NULL,
  partials BLOB NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (period, agent_id, metric)
) WITHOUT ROWID;
CREATE TABLE rollup_at_least (
  period INTEGER NOT NULL,
  metric TEXT NOT NULL,
  threshold REAL NOT NULL,
  agent_id TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (period, metric, threshold, agent_id)
) WITHOUT ROWID;
)sql",
    // A decision's standings, one row each in the decision's order, so that a page of them, or
    // one competitor's, is read without the rest (and members of team standings, so that an
    // agent's team standing is found). Migrate() moves the standings of decisions stored before
    // (one TEXT column) into rows (kStandingRowsVersion).
    R"sql(
CREATE TABLE decision_standings (
  program_id TEXT NOT NULL,
  period TEXT NOT NULL,
  position INTEGER NOT NULL,
  competitor TEXT NOT NULL,
  rank INTEGER NOT NULL,
  standing TEXT NOT NULL,
  PRIMARY KEY (program_id, period, position)
) WITHOUT ROWID;
CREATE INDEX decision_standings_by_competitor ON decision_standings (program_id, period,
  competitor);
CREATE TABLE decision_standing_members (
  program_id TEXT NOT NULL,
  period TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (program_id, period, agent_id, position)
) WITHOUT ROWID;
)sql",
    // The language each agent reads Plaudit in (a language tag; empty when not set).
    R"sql(
ALTER TABLE agents ADD COLUMN locale TEXT NOT NULL DEFAULT '';
)sql",
    // Each reward's own value (in the budget unit), its face value outside the budget, and when
    // the vendor reported it redeemed. Rewards decided before: an award's only reward takes the
    // award's value; those of an award of several stay unknown (NULL).
    R"sql(
ALTER TABLE fulfilments ADD COLUMN value REAL;
ALTER TABLE fulfilments ADD COLUMN face_value REAL NOT NULL DEFAULT 0;
ALTER TABLE fulfilments ADD COLUMN redeemed_us INTEGER NOT NULL DEFAULT 0;
UPDATE fulfilments SET value = (SELECT a.value FROM awards a WHERE a.id = fulfilments.award_id)
  WHERE (SELECT COUNT(*) FROM fulfilments g WHERE g.award_id = fulfilments.award_id) = 1;
)sql",
    // Contacts as metric sources last reported them: each contact's version and the ids of the
    // events derived from it (EncodeIds), its facts (one per agent who took part; agent_id empty
    // while unmatched, metrics as EncodeMetricValues text), and each source's reported position
    // and counts.
    R"sql(
CREATE TABLE contacts (
  source TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  version_us INTEGER NOT NULL,
  received_us INTEGER NOT NULL,
  event_ids TEXT NOT NULL,
  PRIMARY KEY (source, contact_id)
) WITHOUT ROWID;
CREATE TABLE contact_facts (
  source TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  participant TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  occurred_us INTEGER NOT NULL,
  channel TEXT NOT NULL,
  queue TEXT NOT NULL,
  metrics TEXT NOT NULL,
  PRIMARY KEY (source, contact_id, participant)
) WITHOUT ROWID;
CREATE INDEX contact_facts_unmatched ON contact_facts (source, contact_id) WHERE agent_id = '';
CREATE TABLE metric_sources (
  source TEXT PRIMARY KEY,
  position TEXT NOT NULL,
  lag TEXT NOT NULL,
  taken INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  last_problem TEXT NOT NULL,
  updated_us INTEGER NOT NULL
);
)sql",
};

// The schema version from which plugin_state values are sealed.
constexpr int64_t kSealedStateVersion = 9;
// The schema version from which a decision's standings are rows of decision_standings.
constexpr int64_t kStandingRowsVersion = 14;
// What the check value holds, sealed under the database's key with an empty plugin name, which no
// plugin has.
constexpr char kKeyCheckName[] = "secrets_key_check";
constexpr char kKeyCheckText[] = "plaudit secrets key";

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

// The standings column of decisions stored before kStandingRowsVersion: one line each.
std::vector<Standing> DecodeStandings(const std::string& text) {
  std::vector<Standing> standings;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::optional<Standing> s = DecodeStanding(line);
    if (s.has_value()) standings.push_back(*std::move(s));
  }
  return standings;
}

// Writes a decision's standings as rows, in order, with one statement each prepared once.
absl::Status InsertStandingRows(sqlite3* db, const std::string& program_id,
                                const std::string& period, const std::vector<Standing>& standings) {
  SqliteStatement row(db,
                      "INSERT INTO decision_standings (program_id, period, position, competitor, "
                      "rank, standing) VALUES (?, ?, ?, ?, ?, ?)");
  SqliteStatement member(db,
                         "INSERT OR IGNORE INTO decision_standing_members (program_id, period, "
                         "agent_id, position) VALUES (?, ?, ?, ?)");
  int64_t position = 0;
  for (const Standing& s : standings) {
    row.Bind(1, program_id)
        .Bind(2, period)
        .Bind(3, position)
        .Bind(4, CompetitorId(s))
        .Bind(5, int64_t{s.rank})
        .Bind(6, EncodeStanding(s));
    PLAUDIT_RETURN_IF_ERROR(row.Run());
    row.Reset();
    for (const std::string& agent_id : s.members) {
      member.Bind(1, program_id).Bind(2, period).Bind(3, agent_id).Bind(4, position);
      PLAUDIT_RETURN_IF_ERROR(member.Run());
      member.Reset();
    }
    ++position;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PositionedStanding> ReadStandingRow(const SqliteStatement& q) {
  std::optional<Standing> standing = DecodeStanding(q.Text(1));
  if (!standing.has_value()) {
    return absl::DataLossError(
        absl::StrCat("stored standing at position ", q.Int(0), " cannot be read"));
  }
  return PositionedStanding{q.Int(0), *std::move(standing)};
}

FulfilmentState ParseFulfilmentState(const std::string& text) {
  for (FulfilmentState state :
       {FulfilmentState::kWaiting, FulfilmentState::kPending, FulfilmentState::kFulfilled,
        FulfilmentState::kFailed, FulfilmentState::kCancelled}) {
    if (FulfilmentStateName(state) == text) return state;
  }
  return FulfilmentState::kPending;
}

FulfilmentRecord ReadFulfilment(const SqliteStatement& s) {
  FulfilmentRecord r;
  r.id = s.Text(0);
  r.award_id = s.Text(1);
  r.agent_id = s.Text(2);
  r.type = s.Text(3);
  r.params = DecodeParams(s.Text(4));
  r.state = ParseFulfilmentState(s.Text(5));
  r.attempts = static_cast<int>(s.Int(6));
  r.error = s.Text(7);
  r.artifact = s.Text(8);
  r.idempotency_key = s.Text(9);
  r.next_attempt_us = s.Int(10);
  r.updated_us = s.Int(11);
  r.check_first = s.Int(12) != 0;
  if (!s.IsNull(13)) r.value = s.Double(13);
  r.face_value = s.Double(14);
  r.redeemed_us = s.Int(15);
  return r;
}

Agent ReadAgent(const SqliteStatement& s) {
  Agent a;
  a.id = s.Text(0);
  a.display_name = s.Text(1);
  a.email = s.Text(2);
  a.team = s.Text(3);
  a.channel = ParseChannel(s.Text(4)).value_or(Channel::kPhone);
  // Written by the store itself as YYYY-MM-DD, so it parses.
  absl::ParseCivilTime(s.Text(5), &a.hire_date);
  a.active = s.Int(6) != 0;
  a.public_praise = s.Int(7) != 0;
  a.locale = s.Text(8);
  return a;
}

AwardRecord ReadAward(const SqliteStatement& q) {
  AwardRecord a;
  a.id = q.Text(0);
  a.program_id = q.Text(1);
  a.period = q.Text(2);
  a.agent_id = q.Text(3);
  a.rank = static_cast<int>(q.Int(4));
  a.program_version = q.Int(5);
  a.decided_us = q.Int(6);
  a.tier = q.Text(7);
  a.state = ParseAwardState(q.Text(8)).value_or(AwardState::kProposed);
  a.state_reason = q.Text(9);
  a.value = q.Double(10);
  a.approvals_needed = static_cast<int>(q.Int(11));
  a.approver_role = q.Text(12) == "admin" ? Role::kAdmin : Role::kManager;
  a.over_flexible_budget = q.Int(13) != 0;
  a.team = q.Text(14);
  return a;
}

namespace {

// Columns: agent_id, metric, COUNT, SUM, MIN, MAX.
AggregateRow ReadAggregateRow(const SqliteStatement& s) {
  return AggregateRow{s.Text(0), s.Text(1),
                      MetricAggregate{s.Int(2), s.Double(3), s.Double(4), s.Double(5), {}}};
}

constexpr const char* kProgramColumns =
    "id, name, cadence, time_zone, version, yaml, disabled, enabled_us";

// Columns: kProgramColumns.
ProgramRecord ReadProgram(const SqliteStatement& s) {
  ProgramRecord program{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5)};
  program.disabled = s.Int(6) != 0;
  program.enabled_us = s.Int(7);
  return program;
}

}  // namespace

std::string_view FulfilmentStateName(FulfilmentState state) {
  switch (state) {
    case FulfilmentState::kWaiting:
      return "waiting";
    case FulfilmentState::kPending:
      return "pending";
    case FulfilmentState::kFulfilled:
      return "fulfilled";
    case FulfilmentState::kFailed:
      return "failed";
    case FulfilmentState::kCancelled:
      return "cancelled";
  }
  return "pending";
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  return SqliteStore::Open(path, StateCipher::WithRandomKey());
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& path, StateCipher cipher) {
  return SqliteStore::Open(path, std::move(cipher));
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               StateCipher cipher) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open database ", path, ": ", message));
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, std::move(cipher), path));
  absl::Status status = store->Migrate();
  if (!status.ok()) return status;
  absl::MutexLock lock(&store->mu_);
  PLAUDIT_RETURN_IF_ERROR(RegisterExactSumFunction(store->db_));
  PLAUDIT_RETURN_IF_ERROR(store->rollups_.Load(store->db_));
  return store;
}

SqliteStore::~SqliteStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status SqliteStore::Migrate() {
  absl::MutexLock lock(&mu_);
  // WAL with a full sync on commit: an acknowledged write is on disk.
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db_, "PRAGMA journal_mode=WAL"));
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db_, "PRAGMA synchronous=FULL"));
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db_, "PRAGMA foreign_keys=ON"));
  // Overwritten and deleted content is zeroed, so no freed page keeps a secret sealed since.
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db_, "PRAGMA secure_delete=ON"));
  PLAUDIT_RETURN_IF_ERROR(
      SqliteExec(db_, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  int64_t version = 0;
  {
    SqliteStatement q(db_, "SELECT version FROM schema_version");
    if (q.Step()) version = q.Int(0);
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  const int64_t target = static_cast<int64_t>(std::size(kMigrations));
  if (version > target) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", version, " is newer than this plauditd (", target, ")"));
  }
  for (int64_t v = version; v < target; ++v) {
    PLAUDIT_RETURN_IF_ERROR(SqliteExec(db_, kMigrations[v]));
    if (v + 1 == kSealedStateVersion) PLAUDIT_RETURN_IF_ERROR(SealPlaintextState());
    if (v + 1 == kStandingRowsVersion) PLAUDIT_RETURN_IF_ERROR(MoveStandingsToRows());
  }
  PLAUDIT_RETURN_IF_ERROR(CheckSecretsKey());
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db_, "DELETE FROM schema_version"));
  SqliteStatement set(db_, "INSERT INTO schema_version (version) VALUES (?)");
  PLAUDIT_RETURN_IF_ERROR(set.Bind(1, target).Run());
  return txn.Commit();
}

int64_t SqliteStore::SchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

absl::Status SqliteStore::CheckReady() {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(), "SELECT version FROM schema_version");
  if (!q.Step()) {
    if (!q.status().ok()) {
      return absl::UnavailableError(
          absl::StrCat("the database does not answer: ", q.status().message()));
    }
    return absl::FailedPreconditionError("the database has no schema version");
  }
  const int64_t version = q.Int(0);
  const int64_t target = static_cast<int64_t>(std::size(kMigrations));
  if (version != target) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database schema is version ", version, "; this plauditd needs ", target));
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::MoveStandingsToRows() {
  struct Decided {
    std::string program_id, period, standings;
  };
  std::vector<Decided> decided;
  {
    SqliteStatement q(db_, "SELECT program_id, period, standings FROM decisions");
    while (q.Step()) decided.push_back(Decided{q.Text(0), q.Text(1), q.Text(2)});
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  SqliteStatement clear(db_,
                        "UPDATE decisions SET standings = '' WHERE program_id = ? AND period = ?");
  for (const Decided& d : decided) {
    PLAUDIT_RETURN_IF_ERROR(
        InsertStandingRows(db_, d.program_id, d.period, DecodeStandings(d.standings)));
    clear.Bind(1, d.program_id).Bind(2, d.period);
    PLAUDIT_RETURN_IF_ERROR(clear.Run());
    clear.Reset();
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::SealPlaintextState() {
  struct Row {
    std::string plugin, key, value;
  };
  std::vector<Row> rows;
  {
    SqliteStatement q(db_, "SELECT plugin, key, value FROM plugin_state");
    while (q.Step()) rows.push_back(Row{q.Text(0), q.Text(1), q.Text(2)});
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  SqliteStatement put(db_, "UPDATE plugin_state SET value = ? WHERE plugin = ? AND key = ?");
  for (const Row& row : rows) {
    auto sealed = cipher_.Seal(row.plugin, row.key, row.value);
    if (!sealed.ok()) return sealed.status();
    put.Bind(1, *sealed).Bind(2, row.plugin).Bind(3, row.key);
    PLAUDIT_RETURN_IF_ERROR(put.Run());
    put.Reset();
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::CheckSecretsKey() {
  SqliteStatement q(db_, "SELECT sealed FROM secrets_key_check");
  if (q.Step()) {
    if (cipher_.Open("", kKeyCheckName, q.Text(0)).ok()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        "secrets key: not the key this database's plugin state is sealed under (restore the "
        "secrets key file that belongs with this database)");
  }
  PLAUDIT_RETURN_IF_ERROR(q.status());
  auto sealed = cipher_.Seal("", kKeyCheckName, kKeyCheckText);
  if (!sealed.ok()) return sealed.status();
  SqliteStatement put(db_, "INSERT INTO secrets_key_check (sealed) VALUES (?)");
  return put.Bind(1, *sealed).Run();
}

absl::Status SqliteStore::UpsertAgents(const std::vector<Agent>& agents) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  SqliteStatement upsert(db_,
                         "INSERT INTO agents (id, display_name, email, team, channel, hire_date, "
                         "active, public_praise, locale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON "
                         "CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, "
                         "email = excluded.email, team = excluded.team, channel = "
                         "excluded.channel, hire_date = excluded.hire_date, active = "
                         "excluded.active, public_praise = excluded.public_praise, locale = "
                         "excluded.locale");
  PLAUDIT_RETURN_IF_ERROR(upsert.status());
  for (const Agent& a : agents) {
    upsert.Bind(1, a.id)
        .Bind(2, a.display_name)
        .Bind(3, a.email)
        .Bind(4, a.team)
        .Bind(5, ChannelName(a.channel))
        .Bind(6, absl::FormatCivilTime(a.hire_date))
        .Bind(7, int64_t{a.active ? 1 : 0})
        .Bind(8, int64_t{a.public_praise ? 1 : 0})
        .Bind(9, a.locale);
    PLAUDIT_RETURN_IF_ERROR(upsert.Run());
    upsert.Reset();
  }
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  agents_generation_.fetch_add(1);
  standings_generation_.fetch_add(1);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SqliteStore::ListAgentIds() {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(db, "SELECT id FROM agents");
  return CollectRows<std::string>(q, [](const SqliteStatement& row) { return row.Text(0); });
}

absl::StatusOr<std::vector<Agent>> SqliteStore::ListAgents() {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(
      db,
      "SELECT id, display_name, email, team, channel, hire_date, active, public_praise, "
      "locale FROM agents "
      "ORDER BY id");
  return CollectRows<Agent>(q, ReadAgent);
}

absl::StatusOr<std::optional<Agent>> SqliteStore::GetAgent(const std::string& id) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(
      db,
      "SELECT id, display_name, email, team, channel, hire_date, active, public_praise, "
      "locale FROM agents "
      "WHERE id = ?");
  q.Bind(1, id);
  if (q.Step()) return std::optional<Agent>(ReadAgent(q));
  if (!q.status().ok()) return q.status();
  return std::optional<Agent>();
}

absl::StatusOr<std::optional<std::string>> SqliteStore::FindAgentIdByEmail(
    const std::string& email) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(db,
                    "SELECT id FROM agents WHERE email = ? COLLATE NOCASE AND email != '' "
                    "ORDER BY id LIMIT 1");
  q.Bind(1, email);
  if (q.Step()) return std::optional<std::string>(q.Text(0));
  if (!q.status().ok()) return q.status();
  return std::optional<std::string>();
}

absl::StatusOr<std::vector<InsertOutcome>> SqliteStore::InsertEvents(
    const std::vector<StoredEvent>& events, const std::optional<EventReplacement>& replacement) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  PLAUDIT_RETURN_IF_ERROR(rollups_.Begin(db_));
  auto outcomes = InsertEventsLocked(events, replacement);
  if (!outcomes.ok()) return outcomes.status();
  PLAUDIT_RETURN_IF_ERROR(rollups_.Flush(db_));
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  rollups_.Committed();
  standings_generation_.fetch_add(1);
  return outcomes;
}

absl::StatusOr<std::vector<InsertOutcome>> SqliteStore::InsertEventsLocked(
    const std::vector<StoredEvent>& events, const std::optional<EventReplacement>& replacement) {
  auto added = [this](const StoredEvent& e) {
    return rollups_.Added(db_, e.agent_id, e.metric, e.value, e.occurred_at_us);
  };
  SqliteStatement insert(db_,
                         "INSERT INTO events (event_id, agent_id, metric, value, occurred_at_us) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING");
  SqliteStatement existing(
      db_, "SELECT agent_id, metric, value, occurred_at_us FROM events WHERE event_id = ?");
  SqliteStatement retracted(
      db_,
      "SELECT agent_id, metric, value, occurred_at_us FROM retracted_events WHERE event_id = ?");
  SqliteStatement undo(db_, "DELETE FROM events WHERE event_id = ?");
  SqliteStatement unretract(db_, "DELETE FROM retracted_events WHERE event_id = ?");
  SqliteStatement update(db_,
                         "UPDATE events SET agent_id = ?, metric = ?, value = ?, "
                         "occurred_at_us = ? WHERE event_id = ?");
  for (const SqliteStatement* statement :
       {&insert, &existing, &retracted, &undo, &unretract, &update}) {
    PLAUDIT_RETURN_IF_ERROR(statement->status());
  }
  bool any_retracted = false;
  {
    SqliteStatement any(db_, "SELECT EXISTS (SELECT 1 FROM retracted_events)");
    any_retracted = any.Step() && any.Int(0) != 0;
    PLAUDIT_RETURN_IF_ERROR(any.status());
  }
  auto record_replacement = [&](const StoredEvent& e, std::string before) {
    return RecordCorrection(
        db_, CorrectionRecord{0, "event_replaced", e.event_id, std::move(before),
                              replacement->actor, replacement->reason, replacement->at_us});
  };
  std::vector<InsertOutcome> outcomes;
  outcomes.reserve(events.size());
  for (const StoredEvent& e : events) {
    insert.Bind(1, e.event_id)
        .Bind(2, e.agent_id)
        .Bind(3, e.metric)
        .Bind(4, e.value)
        .Bind(5, e.occurred_at_us);
    PLAUDIT_RETURN_IF_ERROR(insert.Run());
    insert.Reset();
    if (sqlite3_changes(db_) == 1) {
      if (!any_retracted) {
        PLAUDIT_RETURN_IF_ERROR(added(e));
        outcomes.push_back(InsertOutcome::kStored);
        continue;
      }
      retracted.Bind(1, e.event_id);
      if (!retracted.Step()) {
        PLAUDIT_RETURN_IF_ERROR(retracted.status());
        retracted.Reset();
        PLAUDIT_RETURN_IF_ERROR(added(e));
        outcomes.push_back(InsertOutcome::kStored);
        continue;
      }
      const std::string before =
          EventContent(retracted.Text(0), retracted.Text(1), retracted.Double(2), retracted.Int(3));
      retracted.Reset();
      if (!replacement) {
        // A retracted id must not come back unless an admin replaces it: undo the insert.
        undo.Bind(1, e.event_id);
        PLAUDIT_RETURN_IF_ERROR(undo.Run());
        undo.Reset();
        outcomes.push_back(InsertOutcome::kRetracted);
        continue;
      }
      // Stored again: the id is live, and a later retraction keeps this content.
      unretract.Bind(1, e.event_id);
      PLAUDIT_RETURN_IF_ERROR(unretract.Run());
      unretract.Reset();
      PLAUDIT_RETURN_IF_ERROR(record_replacement(e, absl::StrCat(before, " (retracted)")));
      PLAUDIT_RETURN_IF_ERROR(added(e));
      outcomes.push_back(InsertOutcome::kReplaced);
      continue;
    }
    existing.Bind(1, e.event_id);
    if (!existing.Step()) {
      PLAUDIT_RETURN_IF_ERROR(existing.status());
      return absl::InternalError(
          absl::StrCat("store: event \"", e.event_id, "\" conflicts but cannot be read"));
    }
    const bool identical = existing.Text(0) == e.agent_id && existing.Text(1) == e.metric &&
                           existing.Double(2) == e.value && existing.Int(3) == e.occurred_at_us;
    if (identical || !replacement) {
      existing.Reset();
      outcomes.push_back(identical ? InsertOutcome::kDuplicate : InsertOutcome::kConflict);
      continue;
    }
    const std::string before =
        EventContent(existing.Text(0), existing.Text(1), existing.Double(2), existing.Int(3));
    PLAUDIT_RETURN_IF_ERROR(
        rollups_.Changed(db_, existing.Text(0), existing.Text(1), existing.Int(3)));
    PLAUDIT_RETURN_IF_ERROR(rollups_.Changed(db_, e.agent_id, e.metric, e.occurred_at_us));
    existing.Reset();
    update.Bind(1, e.agent_id)
        .Bind(2, e.metric)
        .Bind(3, e.value)
        .Bind(4, e.occurred_at_us)
        .Bind(5, e.event_id);
    PLAUDIT_RETURN_IF_ERROR(update.Run());
    update.Reset();
    PLAUDIT_RETURN_IF_ERROR(record_replacement(e, before));
    outcomes.push_back(InsertOutcome::kReplaced);
  }
  return outcomes;
}

absl::StatusOr<int64_t> SqliteStore::CountEvents() {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(db, "SELECT COUNT(*) FROM events");
  int64_t n = q.Step() ? q.Int(0) : 0;
  if (!q.status().ok()) return q.status();
  return n;
}

absl::Status SqliteStore::EnsureRollup(const std::string& time_zone, const std::string& cadence,
                                       const ThresholdSet& thresholds) {
  if (rollups_.Covers(time_zone, cadence, thresholds).has_value()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  PLAUDIT_RETURN_IF_ERROR(rollups_.Begin(db_));
  PLAUDIT_RETURN_IF_ERROR(rollups_.Register(db_, time_zone, cadence, thresholds));
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  rollups_.Committed();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::vector<AggregateRow>>> SqliteStore::RolledUpAggregates(
    const std::string& time_zone, const std::string& cadence, const std::string& label,
    int64_t start_us, int64_t end_us, const ThresholdSet& thresholds, const std::string& agent_id) {
  using Result = std::optional<std::vector<AggregateRow>>;
  const std::optional<int64_t> scheme = rollups_.Covers(time_zone, cadence, thresholds);
  if (!scheme.has_value()) return Result();
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  // One read transaction: the aggregates and the counts come from the same commit.
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "BEGIN"));
  std::vector<AggregateRow> rows;
  {
    SqliteStatement period(db,
                           "SELECT id, start_us, end_us FROM rollup_periods "
                           "WHERE scheme = ? AND label = ?");
    period.Bind(1, *scheme).Bind(2, label);
    if (!period.Step()) {
      PLAUDIT_RETURN_IF_ERROR(period.status());
      // Covered, and nothing ever fell in the period.
      PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "COMMIT"));
      return Result(std::move(rows));
    }
    if (period.Int(1) != start_us || period.Int(2) != end_us) {
      PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "COMMIT"));
      return Result();
    }
    const int64_t id = period.Int(0);
    SqliteStatement q(db, agent_id.empty()
                              ? "SELECT agent_id, metric, samples, sum, min, max FROM rollups "
                                "WHERE period = ?1 ORDER BY agent_id, metric"
                              : "SELECT agent_id, metric, samples, sum, min, max FROM rollups "
                                "WHERE period = ?1 AND agent_id = ?2 ORDER BY metric");
    q.Bind(1, id);
    if (!agent_id.empty()) q.Bind(2, agent_id);
    auto read = CollectRows<AggregateRow>(q, ReadAggregateRow);
    if (!read.ok()) return read.status();
    rows = *std::move(read);
    SqliteStatement counts(db, agent_id.empty()
                                   ? "SELECT agent_id, count FROM rollup_at_least WHERE "
                                     "period = ?1 AND metric = ?2 AND threshold = ?3"
                                   : "SELECT agent_id, count FROM rollup_at_least WHERE "
                                     "period = ?1 AND metric = ?2 AND threshold = ?3 "
                                     "AND agent_id = ?4");
    PLAUDIT_RETURN_IF_ERROR(counts.status());
    // Rows are in (agent, metric) order: found by binary search.
    auto find = [&rows](const std::string& agent, const std::string& metric) -> AggregateRow* {
      auto it = std::lower_bound(rows.begin(), rows.end(), std::make_pair(agent, metric),
                                 [](const AggregateRow& row, const auto& key) {
                                   return std::tie(row.agent_id, row.metric) <
                                          std::tie(key.first, key.second);
                                 });
      if (it == rows.end() || it->agent_id != agent || it->metric != metric) return nullptr;
      return &*it;
    };
    for (const auto& [metric, threshold] : thresholds) {
      counts.Bind(1, id).Bind(2, metric).Bind(3, threshold);
      if (!agent_id.empty()) counts.Bind(4, agent_id);
      while (counts.Step()) {
        if (AggregateRow* row = find(counts.Text(0), metric)) {
          row->aggregate.at_least[threshold] = counts.Int(1);
        }
      }
      PLAUDIT_RETURN_IF_ERROR(counts.status());
      counts.Reset();
    }
  }
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "COMMIT"));
  return Result(std::move(rows));
}

absl::StatusOr<std::vector<AggregateRow>> SqliteStore::Aggregate(int64_t start_us, int64_t end_us,
                                                                 const std::string& agent_id) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  // One agent's by an equality lookup on events_by_agent; everyone's from the window's stretch
  // of events_by_time.
  SqliteStatement q(
      db, agent_id.empty() ? "SELECT agent_id, metric, COUNT(*), exact_sum(value), MIN(value), "
                             "MAX(value) FROM events INDEXED BY events_by_time "
                             "WHERE occurred_at_us >= ?1 AND occurred_at_us < ?2 "
                             "GROUP BY agent_id, metric ORDER BY agent_id, metric"
                           : "SELECT agent_id, metric, COUNT(*), exact_sum(value), MIN(value), "
                             "MAX(value) FROM events INDEXED BY events_by_agent "
                             "WHERE agent_id = ?3 AND occurred_at_us >= ?1 AND occurred_at_us < ?2 "
                             "GROUP BY agent_id, metric ORDER BY agent_id, metric");
  q.Bind(1, start_us).Bind(2, end_us);
  if (!agent_id.empty()) q.Bind(3, agent_id);
  return CollectRows<AggregateRow>(q, ReadAggregateRow);
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> SqliteStore::CountAtLeast(
    int64_t start_us, int64_t end_us, const std::string& metric, double threshold) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  // events_by_time covers the query and reads only the window's events; events_by_agent would
  // be scanned whole, every period ever.
  SqliteStatement q(db,
                    "SELECT agent_id, COUNT(*) FROM events INDEXED BY events_by_time "
                    "WHERE metric = ? AND occurred_at_us >= ? AND occurred_at_us < ? "
                    "AND value >= ? GROUP BY agent_id ORDER BY agent_id");
  q.Bind(1, metric).Bind(2, start_us).Bind(3, end_us).Bind(4, threshold);
  return CollectRows<std::pair<std::string, int64_t>>(
      q, [](const SqliteStatement& row) { return std::make_pair(row.Text(0), row.Int(1)); });
}

absl::StatusOr<std::vector<AggregateRow>> SqliteStore::AggregatePage(
    int64_t start_us, int64_t end_us, const std::string& agent_id, const std::string& after_agent,
    const std::string& after_metric, int limit) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  if (!agent_id.empty()) {
    // One agent: an equality lookup on events_by_agent, that agent's metrics after after_metric.
    if (!after_agent.empty() && after_agent > agent_id) return std::vector<AggregateRow>();
    SqliteStatement q(db,
                      "SELECT agent_id, metric, COUNT(*), exact_sum(value), MIN(value), "
                      "MAX(value) FROM events INDEXED BY events_by_agent "
                      "WHERE agent_id = ?1 AND metric > ?2 "
                      "AND occurred_at_us >= ?3 AND occurred_at_us < ?4 "
                      "GROUP BY metric ORDER BY metric LIMIT ?5");
    q.Bind(1, agent_id)
        .Bind(2, after_agent == agent_id ? after_metric : std::string())
        .Bind(3, start_us)
        .Bind(4, end_us)
        .Bind(5, int64_t{limit});
    return CollectRows<AggregateRow>(q, ReadAggregateRow);
  }
  // Keyed: each page starts where the last ended and stops after `limit` groups, walking
  // events_by_agent in agent order, so paging through a month reads it about once.
  SqliteStatement q(db,
                    "SELECT agent_id, metric, COUNT(*), exact_sum(value), MIN(value), MAX(value) "
                    "FROM events INDEXED BY events_by_agent "
                    "WHERE agent_id >= ?1 "
                    "AND occurred_at_us >= ?3 AND occurred_at_us < ?4 "
                    "GROUP BY agent_id, metric HAVING agent_id > ?1 OR metric > ?5 "
                    "ORDER BY agent_id, metric LIMIT ?6");
  q.Bind(1, after_agent)
      .Bind(3, start_us)
      .Bind(4, end_us)
      .Bind(5, after_metric)
      .Bind(6, int64_t{limit});
  return CollectRows<AggregateRow>(q, ReadAggregateRow);
}

absl::StatusOr<ProgramRecord> SqliteStore::PutProgram(const ProgramRecord& program,
                                                      int64_t applied_us) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  ProgramRecord stored = program;
  stored.version = 1;
  {
    SqliteStatement q(db_, "SELECT version, yaml FROM programs WHERE id = ?");
    q.Bind(1, program.id);
    if (q.Step()) {
      if (q.Text(1) == program.yaml) {
        stored.version = q.Int(0);
        return stored;
      }
      stored.version = q.Int(0) + 1;
    }
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  SqliteStatement put(db_,
                      "INSERT INTO programs (id, name, cadence, time_zone, version, yaml) VALUES "
                      "(?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                      "cadence = excluded.cadence, time_zone = excluded.time_zone, "
                      "version = excluded.version, yaml = excluded.yaml");
  put.Bind(1, stored.id)
      .Bind(2, stored.name)
      .Bind(3, stored.cadence)
      .Bind(4, stored.time_zone)
      .Bind(5, stored.version)
      .Bind(6, stored.yaml);
  PLAUDIT_RETURN_IF_ERROR(put.Run());
  SqliteStatement history(db_,
                          "INSERT INTO program_versions (program_id, version, yaml, applied_us) "
                          "VALUES (?, ?, ?, ?)");
  history.Bind(1, stored.id)
      .Bind(2, stored.version)
      .Bind(3, stored.yaml)
      .Bind(4, applied_us != 0 ? applied_us : NowMicros());
  PLAUDIT_RETURN_IF_ERROR(history.Run());
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  standings_generation_.fetch_add(1);
  return stored;
}

absl::StatusOr<std::vector<ProgramRecord>> SqliteStore::ListPrograms() {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(db,
                    absl::StrCat("SELECT ", kProgramColumns, " FROM programs ORDER BY id").c_str());
  return CollectRows<ProgramRecord>(q, ReadProgram);
}

absl::StatusOr<std::optional<ProgramRecord>> SqliteStore::GetProgram(const std::string& id) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(
      db, absl::StrCat("SELECT ", kProgramColumns, " FROM programs WHERE id = ?").c_str());
  q.Bind(1, id);
  if (q.Step()) return std::optional<ProgramRecord>(ReadProgram(q));
  if (!q.status().ok()) return q.status();
  return std::optional<ProgramRecord>();
}

absl::StatusOr<std::optional<ProgramRecord>> SqliteStore::ProgramVersionAt(const std::string& id,
                                                                           int64_t at_us) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  // Versions applied by then, newest first; failing that, the first version.
  SqliteStatement q(db,
                    "SELECT version, yaml FROM program_versions WHERE program_id = ?1 "
                    "ORDER BY applied_us <= ?2 DESC, "
                    "CASE WHEN applied_us <= ?2 THEN -version ELSE version END LIMIT 1");
  q.Bind(1, id).Bind(2, at_us);
  if (q.Step()) {
    ProgramRecord record;
    record.id = id;
    record.version = q.Int(0);
    record.yaml = q.Text(1);
    return std::optional<ProgramRecord>(std::move(record));
  }
  if (!q.status().ok()) return q.status();
  return std::optional<ProgramRecord>();
}

absl::StatusOr<std::optional<ProgramRecord>> SqliteStore::GetProgramVersion(const std::string& id,
                                                                            int64_t version) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_,
                    "SELECT yaml FROM program_versions WHERE program_id = ?1 AND version = ?2");
  q.Bind(1, id).Bind(2, version);
  if (q.Step()) {
    ProgramRecord record;
    record.id = id;
    record.version = version;
    record.yaml = q.Text(0);
    return std::optional<ProgramRecord>(std::move(record));
  }
  if (!q.status().ok()) return q.status();
  return std::optional<ProgramRecord>();
}

absl::StatusOr<std::optional<int64_t>> SqliteStore::ProgramFirstAppliedUs(const std::string& id) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_, "SELECT MIN(applied_us) FROM program_versions WHERE program_id = ?");
  q.Bind(1, id);
  if (q.Step() && !q.IsNull(0)) return std::optional<int64_t>(q.Int(0));
  if (!q.status().ok()) return q.status();
  return std::optional<int64_t>();
}

absl::StatusOr<std::optional<int64_t>> SqliteStore::DecisionVersion(const std::string& program_id,
                                                                    const std::string& period) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(),
                    "SELECT program_version FROM decisions WHERE program_id = ? AND period = ?");
  q.Bind(1, program_id).Bind(2, period);
  if (q.Step()) return std::optional<int64_t>(q.Int(0));
  if (!q.status().ok()) return q.status();
  return std::optional<int64_t>();
}

absl::StatusOr<std::vector<std::string>> SqliteStore::DecidedPeriods(
    const std::string& program_id) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_, "SELECT period FROM decisions WHERE program_id = ?");
  q.Bind(1, program_id);
  return CollectRows<std::string>(q, [](const SqliteStatement& row) { return row.Text(0); });
}

absl::StatusOr<std::vector<AwardRecord>> SqliteStore::LoadAwards(
    const std::string& where, const std::vector<std::string>& args) {
  std::string sql = absl::StrCat("SELECT ", kAwardColumns, " FROM awards ", where,
                                 " ORDER BY program_id, period, rank, agent_id");
  SqliteStatement q(db_, sql.c_str());
  for (size_t i = 0; i < args.size(); ++i) q.Bind(static_cast<int>(i + 1), args[i]);
  std::vector<AwardRecord> awards;
  while (q.Step()) awards.push_back(ReadAward(q));
  if (!q.status().ok()) return q.status();
  std::string fsql = absl::StrCat("SELECT ", kFulfilmentColumns,
                                  " FROM fulfilments WHERE award_id = ? ORDER BY seq");
  SqliteStatement f(db_, fsql.c_str());
  SqliteStatement approvals(db_,
                            "SELECT actor FROM award_approvals WHERE award_id = ? ORDER BY at_us, "
                            "actor");
  for (AwardRecord& a : awards) {
    f.Bind(1, a.id);
    while (f.Step()) a.fulfilments.push_back(ReadFulfilment(f));
    if (!f.status().ok()) return f.status();
    f.Reset();
    approvals.Bind(1, a.id);
    while (approvals.Step()) a.approvals.push_back(approvals.Text(0));
    if (!approvals.status().ok()) return approvals.status();
    approvals.Reset();
  }
  return awards;
}

absl::StatusOr<std::pair<DecisionRecord, bool>> SqliteStore::CommitDecision(
    const DecisionRecord& decision, const AwardPlanner& auto_approval) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  {
    auto stored = LoadDecision(decision.program_id, decision.period, /*with_standings=*/false);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) return std::make_pair(**std::move(stored), false);
  }
  SqliteStatement d(db_,
                    "INSERT INTO decisions (program_id, period, program_version, decided_us, "
                    "standings) VALUES (?, ?, ?, ?, '')");
  d.Bind(1, decision.program_id)
      .Bind(2, decision.period)
      .Bind(3, decision.program_version)
      .Bind(4, decision.decided_us);
  PLAUDIT_RETURN_IF_ERROR(d.Run());
  PLAUDIT_RETURN_IF_ERROR(
      InsertStandingRows(db_, decision.program_id, decision.period, decision.standings));
  if (decision.budget.has_value()) {
    SqliteStatement b(db_,
                      "INSERT INTO budgets (program_id, period, mode, unit, currency, amount) "
                      "VALUES (?, ?, ?, ?, ?, ?)");
    b.Bind(1, decision.program_id)
        .Bind(2, decision.period)
        .Bind(3, BudgetModeName(decision.budget->mode))
        .Bind(4, BudgetUnitName(decision.budget->unit))
        .Bind(5, decision.budget->currency)
        .Bind(6, decision.budget->amount);
    PLAUDIT_RETURN_IF_ERROR(b.Run());
  }
  SqliteStatement a(db_,
                    "INSERT INTO awards (id, program_id, period, agent_id, rank, program_version, "
                    "decided_us, tier, state, state_reason, value, approvals_needed, "
                    "approver_role, team) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SqliteStatement f(
      db_,
      "INSERT INTO fulfilments (id, award_id, seq, agent_id, type, params, state, "
      "attempts, error, artifact, idempotency_key, next_attempt_us, updated_us, value, "
      "face_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const AwardRecord& award : decision.awards) {
    a.Bind(1, award.id)
        .Bind(2, award.program_id)
        .Bind(3, award.period)
        .Bind(4, award.agent_id)
        .Bind(5, int64_t{award.rank})
        .Bind(6, award.program_version)
        .Bind(7, award.decided_us)
        .Bind(8, award.tier)
        .Bind(9, AwardStateName(award.state))
        .Bind(10, award.state_reason)
        .Bind(11, award.value)
        .Bind(12, int64_t{award.approvals_needed})
        .Bind(13, RoleName(award.approver_role))
        .Bind(14, award.team);
    PLAUDIT_RETURN_IF_ERROR(a.Run());
    a.Reset();
    PLAUDIT_RETURN_IF_ERROR(AppendHistory(award.id, "", award.state, decision.decided_by,
                                          award.state_reason, decision.decided_us));
    int64_t seq = 0;
    for (const FulfilmentRecord& r : award.fulfilments) {
      f.Bind(1, r.id)
          .Bind(2, award.id)
          .Bind(3, seq++)
          .Bind(4, r.agent_id)
          .Bind(5, r.type)
          .Bind(6, EncodeParams(r.params))
          .Bind(7, FulfilmentStateName(FulfilmentState::kWaiting))
          .Bind(8, int64_t{r.attempts})
          .Bind(9, r.error)
          .Bind(10, r.artifact)
          .Bind(11, r.idempotency_key)
          .Bind(12, r.next_attempt_us)
          .Bind(13, r.updated_us)
          .Bind(14, r.value.value_or(0))
          .Bind(15, r.face_value);
      PLAUDIT_RETURN_IF_ERROR(f.Run());
      f.Reset();
    }
  }
  // Awards that need nobody's approval are approved now, best rank first, so that a fixed budget
  // goes to the best.
  for (const AwardRecord& award : decision.awards) {
    if (award.approvals_needed > 0 || award.state != AwardState::kProposed) continue;
    auto facts = LoadAwardFacts(award);
    if (!facts.ok()) return facts.status();
    auto plan = auto_approval(*facts);
    if (!plan.ok()) return plan.status();
    PLAUDIT_RETURN_IF_ERROR(
        ApplyPlan(award, *plan, std::string(kSystemActor), decision.decided_us));
  }
  // Returned without its standings, like a stored one: no second copy of a large field.
  DecisionRecord committed;
  committed.program_id = decision.program_id;
  committed.period = decision.period;
  committed.program_version = decision.program_version;
  committed.decided_us = decision.decided_us;
  committed.decided_by = decision.decided_by;
  committed.budget = decision.budget;
  committed.standings_count = static_cast<int64_t>(decision.standings.size());
  committed.standings_loaded = false;
  auto awards =
      LoadAwards("WHERE program_id = ? AND period = ?", {decision.program_id, decision.period});
  if (!awards.ok()) return awards.status();
  committed.awards = *std::move(awards);
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  return std::make_pair(std::move(committed), true);
}

absl::StatusOr<std::optional<DecisionRecord>> SqliteStore::GetDecision(
    const std::string& program_id, const std::string& period, bool with_standings) {
  absl::MutexLock lock(&mu_);
  return LoadDecision(program_id, period, with_standings);
}

absl::StatusOr<std::optional<DecisionRecord>> SqliteStore::LoadDecision(
    const std::string& program_id, const std::string& period, bool with_standings) {
  SqliteStatement q(db_,
                    "SELECT program_version, decided_us FROM decisions "
                    "WHERE program_id = ? AND period = ?");
  q.Bind(1, program_id).Bind(2, period);
  if (!q.Step()) {
    if (!q.status().ok()) return q.status();
    return std::optional<DecisionRecord>();
  }
  DecisionRecord stored;
  stored.program_id = program_id;
  stored.period = period;
  stored.program_version = q.Int(0);
  stored.decided_us = q.Int(1);
  auto count = CountStandingRows(program_id, period);
  if (!count.ok()) return count.status();
  stored.standings_count = *count;
  stored.standings_loaded = with_standings;
  if (with_standings) {
    auto standings = LoadStandingRows(program_id, period, 0, *count);
    if (!standings.ok()) return standings.status();
    stored.standings.reserve(standings->size());
    for (PositionedStanding& s : *standings) stored.standings.push_back(std::move(s.standing));
  }
  auto awards = LoadAwards("WHERE program_id = ? AND period = ?", {program_id, period});
  if (!awards.ok()) return awards.status();
  stored.awards = *std::move(awards);
  return std::optional<DecisionRecord>(std::move(stored));
}

absl::StatusOr<int64_t> SqliteStore::CountStandingRows(const std::string& program_id,
                                                       const std::string& period) {
  // The last position by the primary key: one seek, however many standings there are.
  SqliteStatement q(db_,
                    "SELECT position FROM decision_standings WHERE program_id = ? AND period = ? "
                    "ORDER BY position DESC LIMIT 1");
  q.Bind(1, program_id).Bind(2, period);
  if (q.Step()) return q.Int(0) + 1;
  if (!q.status().ok()) return q.status();
  return int64_t{0};
}

absl::StatusOr<std::vector<PositionedStanding>> SqliteStore::LoadStandingRows(
    const std::string& program_id, const std::string& period, int64_t offset, int64_t limit) {
  std::vector<PositionedStanding> page;
  if (limit <= 0) return page;
  SqliteStatement q(db_,
                    "SELECT position, standing FROM decision_standings WHERE program_id = ? AND "
                    "period = ? AND position >= ? ORDER BY position LIMIT ?");
  q.Bind(1, program_id).Bind(2, period).Bind(3, offset).Bind(4, limit);
  while (q.Step()) {
    auto standing = ReadStandingRow(q);
    if (!standing.ok()) return standing.status();
    page.push_back(*std::move(standing));
  }
  if (!q.status().ok()) return q.status();
  return page;
}

absl::StatusOr<int64_t> SqliteStore::CountStandings(const std::string& program_id,
                                                    const std::string& period) {
  absl::MutexLock lock(&mu_);
  return CountStandingRows(program_id, period);
}

absl::StatusOr<std::vector<PositionedStanding>> SqliteStore::ListStandings(
    const std::string& program_id, const std::string& period, int64_t offset, int64_t limit) {
  absl::MutexLock lock(&mu_);
  return LoadStandingRows(program_id, period, std::max<int64_t>(offset, 0), limit);
}

absl::StatusOr<std::optional<PositionedStanding>> SqliteStore::FindStanding(
    const std::string& program_id, const std::string& period, const std::string& competitor,
    bool members_only) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_,
                    "SELECT position, standing FROM decision_standings WHERE program_id = ?1 AND "
                    "period = ?2 AND position = COALESCE((SELECT MIN(position) FROM "
                    "decision_standings WHERE ?4 = 0 AND program_id = ?1 AND period = ?2 AND "
                    "competitor = ?3), (SELECT MIN(position) FROM decision_standing_members WHERE "
                    "program_id = ?1 AND period = ?2 AND agent_id = ?3))");
  q.Bind(1, program_id).Bind(2, period).Bind(3, competitor).Bind(4, int64_t{members_only ? 1 : 0});
  if (q.Step()) {
    auto standing = ReadStandingRow(q);
    if (!standing.ok()) return standing.status();
    return std::optional<PositionedStanding>(*std::move(standing));
  }
  if (!q.status().ok()) return q.status();
  return std::optional<PositionedStanding>();
}

absl::StatusOr<std::vector<AwardRecord>> SqliteStore::ListAwards(const std::string& program_id,
                                                                 const std::string& period) {
  absl::MutexLock lock(&mu_);
  return LoadAwards("WHERE (?1 = '' OR program_id = ?1) AND (?2 = '' OR period = ?2)",
                    {program_id, period});
}

absl::StatusOr<std::string> SqliteStore::LatestAwardPeriod(const std::string& program_id) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(), "SELECT MAX(period) FROM awards WHERE program_id = ?");
  q.Bind(1, program_id);
  if (q.Step()) return q.Text(0);
  if (!q.status().ok()) return q.status();
  return std::string();
}

absl::StatusOr<std::optional<AwardRecord>> SqliteStore::GetAward(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto awards = LoadAwards("WHERE id = ?", {id});
  if (!awards.ok()) return awards.status();
  if (awards->empty()) return std::optional<AwardRecord>();
  return std::optional<AwardRecord>(std::move(awards->front()));
}

absl::StatusOr<std::optional<std::string>> SqliteStore::StateGet(const std::string& plugin,
                                                                 const std::string& key) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_, "SELECT value FROM plugin_state WHERE plugin = ? AND key = ?");
  q.Bind(1, plugin).Bind(2, key);
  if (q.Step()) {
    auto value = cipher_.Open(plugin, key, q.Text(0));
    if (!value.ok()) return value.status();
    return std::optional<std::string>(*std::move(value));
  }
  if (!q.status().ok()) return q.status();
  return std::optional<std::string>();
}

absl::StatusOr<bool> SqliteStore::StateCommit(
    const std::string& plugin, const std::vector<std::pair<std::string, std::string>>& puts,
    const std::vector<std::string>& absent,
    const std::vector<std::pair<std::string, std::string>>& expected) {
  bool written = false;
  // Grouped: a plugin's state is written mid-fulfilment (the gift card's "an order may exist"
  // mark before every order), as often as rewards go out.
  PLAUDIT_RETURN_IF_ERROR(WriteInGroup([&]() -> absl::Status {
    mu_.AssertHeld();
    SqliteStatement get(db_, "SELECT value FROM plugin_state WHERE plugin = ? AND key = ?");
    for (const std::string& key : absent) {
      get.Bind(1, plugin).Bind(2, key);
      bool found = get.Step();
      PLAUDIT_RETURN_IF_ERROR(get.status());
      get.Reset();
      if (found) return absl::OkStatus();
    }
    for (const auto& [key, value] : expected) {
      get.Bind(1, plugin).Bind(2, key);
      std::optional<std::string> sealed;
      if (get.Step()) sealed = get.Text(0);
      PLAUDIT_RETURN_IF_ERROR(get.status());
      get.Reset();
      if (!sealed.has_value()) return absl::OkStatus();
      auto stored = cipher_.Open(plugin, key, *sealed);
      if (!stored.ok()) return stored.status();
      if (*stored != value) return absl::OkStatus();
    }
    SqliteStatement put(db_,
                        "INSERT INTO plugin_state (plugin, key, value) VALUES (?, ?, ?) "
                        "ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value");
    for (const auto& [key, value] : puts) {
      auto sealed = cipher_.Seal(plugin, key, value);
      if (!sealed.ok()) return sealed.status();
      put.Bind(1, plugin).Bind(2, key).Bind(3, *sealed);
      PLAUDIT_RETURN_IF_ERROR(put.Run());
      put.Reset();
    }
    written = true;
    return absl::OkStatus();
  }));
  return written;
}

}  // namespace plaudit

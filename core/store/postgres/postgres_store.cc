#include "core/store/postgres/postgres_store.h"

#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/domain/log.h"
#include "core/scoring/exact_sum.h"
#include "core/store/contact_writes.h"
#include "core/store/postgres/pg_rollups.h"
#include "core/store/record_codec.h"

namespace plaudit {
namespace {

// Schema migrations, applied in order; the index + 1 is the schema version they lead to. Times
// are microseconds since the Unix epoch (bigint), as in the embedded store, so that both
// backends hand back the same records bit for bit.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE agents (
  id text COLLATE "C" PRIMARY KEY,
  display_name text COLLATE "C" NOT NULL,
  email text COLLATE "C" NOT NULL,
  team text COLLATE "C" NOT NULL,
  channel text COLLATE "C" NOT NULL,
  hire_date text COLLATE "C" NOT NULL,
  active boolean NOT NULL,
  public_praise boolean NOT NULL DEFAULT true,
  locale text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX agents_by_email ON agents (lower(email));
CREATE TABLE programs (
  id text COLLATE "C" PRIMARY KEY,
  name text COLLATE "C" NOT NULL,
  cadence text COLLATE "C" NOT NULL,
  time_zone text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  yaml text COLLATE "C" NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  enabled_us bigint NOT NULL DEFAULT 0
);
CREATE TABLE program_versions (
  program_id text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  yaml text COLLATE "C" NOT NULL,
  applied_us bigint NOT NULL,
  PRIMARY KEY (program_id, version)
);
CREATE TABLE corrections (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text COLLATE "C" NOT NULL,
  subject text COLLATE "C" NOT NULL,
  detail text COLLATE "C" NOT NULL,
  actor text COLLATE "C" NOT NULL,
  reason text COLLATE "C" NOT NULL,
  at_us bigint NOT NULL
);
CREATE INDEX corrections_by_subject ON corrections (subject, seq);
CREATE TABLE plugin_state (
  plugin text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value text COLLATE "C" NOT NULL,
  PRIMARY KEY (plugin, key)
);
CREATE TABLE secrets_key_check (sealed text COLLATE "C" NOT NULL);
CREATE TABLE applied_callbacks (
  plugin text COLLATE "C" NOT NULL,
  digest text COLLATE "C" NOT NULL,
  expires_us bigint NOT NULL,
  PRIMARY KEY (plugin, digest)
);
CREATE INDEX applied_callbacks_by_expiry ON applied_callbacks (expires_us);
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  time_us bigint NOT NULL,
  subject text COLLATE "C" NOT NULL,
  roles text COLLATE "C" NOT NULL,
  method text COLLATE "C" NOT NULL,
  resource text COLLATE "C" NOT NULL,
  outcome text COLLATE "C" NOT NULL,
  request_id text COLLATE "C" NOT NULL,
  detail text COLLATE "C" NOT NULL,
  mac text COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_by_resource ON audit_log (resource, method);
CREATE TABLE generations (
  name text COLLATE "C" PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO generations (name, value) VALUES ('agents', 0), ('standings', 0);
)sql",
    // Metric events, the ids of retracted ones, and the period aggregates kept from them
    // (pg_rollups.h). `row` is the order events were stored in.
    R"sql(
CREATE TABLE events (
  event_id text COLLATE "C" PRIMARY KEY,
  agent_id text COLLATE "C" NOT NULL,
  metric text COLLATE "C" NOT NULL,
  value double precision NOT NULL,
  occurred_at_us bigint NOT NULL,
  row bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX events_by_time ON events (occurred_at_us, agent_id, metric, value);
CREATE INDEX events_by_agent ON events (agent_id, metric, occurred_at_us, value);
CREATE TABLE retracted_events (
  event_id text COLLATE "C" PRIMARY KEY,
  agent_id text COLLATE "C" NOT NULL,
  metric text COLLATE "C" NOT NULL,
  value double precision NOT NULL,
  occurred_at_us bigint NOT NULL
);
CREATE TABLE rollup_schemes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time_zone text COLLATE "C" NOT NULL,
  cadence text COLLATE "C" NOT NULL,
  UNIQUE (time_zone, cadence)
);
CREATE TABLE rollup_thresholds (
  scheme bigint NOT NULL REFERENCES rollup_schemes (id),
  metric text COLLATE "C" NOT NULL,
  threshold double precision NOT NULL,
  PRIMARY KEY (scheme, metric, threshold)
);
CREATE TABLE rollup_periods (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scheme bigint NOT NULL REFERENCES rollup_schemes (id),
  label text COLLATE "C" NOT NULL,
  start_us bigint NOT NULL,
  end_us bigint NOT NULL,
  UNIQUE (scheme, label)
);
CREATE TABLE rollups (
  period bigint NOT NULL REFERENCES rollup_periods (id),
  agent_id text COLLATE "C" NOT NULL,
  metric text COLLATE "C" NOT NULL,
  samples bigint NOT NULL,
  sum double precision NOT NULL,
  partials bytea NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  PRIMARY KEY (period, agent_id, metric)
);
CREATE TABLE rollup_at_least (
  period bigint NOT NULL REFERENCES rollup_periods (id),
  metric text COLLATE "C" NOT NULL,
  threshold double precision NOT NULL,
  agent_id text COLLATE "C" NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (period, metric, threshold, agent_id)
);
)sql",
    // Praise agents send one another; each feeds a praise_received event.
    R"sql(
CREATE TABLE praise (
  id text COLLATE "C" PRIMARY KEY,
  from_agent_id text COLLATE "C" NOT NULL,
  to_agent_id text COLLATE "C" NOT NULL,
  message text NOT NULL,
  value text COLLATE "C" NOT NULL,
  request_id text COLLATE "C" NOT NULL,
  sent_us bigint NOT NULL
);
CREATE INDEX praise_by_giver ON praise (from_agent_id, sent_us);
CREATE INDEX praise_by_time ON praise (sent_us);
)sql",
    // Decisions with their standings (one row each, and the agents of team standings), awards
    // with their history and approvals, budgets with their ledger, and the rewards' fulfilment
    // rows: what a decision commits together (the transactional outbox).
    R"sql(
CREATE TABLE decisions (
  program_id text COLLATE "C" NOT NULL,
  period text COLLATE "C" NOT NULL,
  program_version bigint NOT NULL,
  decided_us bigint NOT NULL,
  PRIMARY KEY (program_id, period)
);
CREATE TABLE decision_standings (
  program_id text COLLATE "C" NOT NULL,
  period text COLLATE "C" NOT NULL,
  position bigint NOT NULL,
  competitor text COLLATE "C" NOT NULL,
  rank bigint NOT NULL,
  standing text NOT NULL,
  PRIMARY KEY (program_id, period, position)
);
CREATE INDEX decision_standings_by_competitor ON decision_standings (program_id, period,
  competitor);
CREATE TABLE decision_standing_members (
  program_id text COLLATE "C" NOT NULL,
  period text COLLATE "C" NOT NULL,
  agent_id text COLLATE "C" NOT NULL,
  position bigint NOT NULL,
  PRIMARY KEY (program_id, period, agent_id, position)
);
CREATE TABLE awards (
  id text COLLATE "C" PRIMARY KEY,
  program_id text COLLATE "C" NOT NULL,
  period text COLLATE "C" NOT NULL,
  agent_id text COLLATE "C" NOT NULL,
  rank bigint NOT NULL,
  program_version bigint NOT NULL,
  decided_us bigint NOT NULL,
  tier text COLLATE "C" NOT NULL DEFAULT '',
  state text COLLATE "C" NOT NULL,
  state_reason text NOT NULL DEFAULT '',
  value double precision NOT NULL DEFAULT 0,
  approvals_needed bigint NOT NULL DEFAULT 0,
  approver_role text COLLATE "C" NOT NULL DEFAULT 'manager',
  over_flexible_budget boolean NOT NULL DEFAULT false,
  team text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX awards_by_decision ON awards (program_id, period, rank);
CREATE TABLE award_history (
  award_id text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  from_state text COLLATE "C" NOT NULL,
  to_state text COLLATE "C" NOT NULL,
  actor text COLLATE "C" NOT NULL,
  reason text NOT NULL,
  at_us bigint NOT NULL,
  PRIMARY KEY (award_id, seq)
);
CREATE TABLE award_approvals (
  award_id text COLLATE "C" NOT NULL,
  actor text COLLATE "C" NOT NULL,
  at_us bigint NOT NULL,
  PRIMARY KEY (award_id, actor)
);
CREATE TABLE budgets (
  program_id text COLLATE "C" NOT NULL,
  period text COLLATE "C" NOT NULL,
  mode text COLLATE "C" NOT NULL,
  unit text COLLATE "C" NOT NULL,
  currency text COLLATE "C" NOT NULL,
  amount double precision NOT NULL,
  PRIMARY KEY (program_id, period)
);
CREATE TABLE budget_ledger (
  award_id text COLLATE "C" PRIMARY KEY,
  program_id text COLLATE "C" NOT NULL,
  period text COLLATE "C" NOT NULL,
  amount double precision NOT NULL,
  state text COLLATE "C" NOT NULL
);
CREATE INDEX budget_ledger_by_period ON budget_ledger (program_id, period, state);
CREATE TABLE fulfilments (
  id text COLLATE "C" PRIMARY KEY,
  award_id text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  agent_id text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  params text NOT NULL,
  state text COLLATE "C" NOT NULL,
  attempts bigint NOT NULL,
  error text NOT NULL,
  artifact text NOT NULL,
  idempotency_key text COLLATE "C" NOT NULL UNIQUE,
  next_attempt_us bigint NOT NULL,
  updated_us bigint NOT NULL,
  check_first boolean NOT NULL DEFAULT false,
  value double precision,
  face_value double precision NOT NULL DEFAULT 0,
  redeemed_us bigint NOT NULL DEFAULT 0
);
CREATE INDEX fulfilments_by_award ON fulfilments (award_id, seq);
CREATE INDEX fulfilments_due ON fulfilments (state, next_attempt_us);
)sql",
    // The fulfilment queue shared by replicas: who holds a reward's lease and until when (on the
    // database's clock); every call made for a reward; the order rewards were stored in.
    R"sql(
ALTER TABLE fulfilments ADD COLUMN lease_owner text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE fulfilments ADD COLUMN lease_until_us bigint NOT NULL DEFAULT 0;
ALTER TABLE fulfilments ADD COLUMN row bigint GENERATED ALWAYS AS IDENTITY;
CREATE TABLE fulfilment_attempts (
  fulfilment_id text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  kind text COLLATE "C" NOT NULL,
  started_us bigint NOT NULL,
  finished_us bigint NOT NULL,
  outcome text COLLATE "C" NOT NULL,
  error text NOT NULL,
  actor text COLLATE "C" NOT NULL,
  PRIMARY KEY (fulfilment_id, seq)
);
)sql",
    // Contacts as metric sources last reported them (as in the embedded store).
    R"sql(
CREATE TABLE contacts (
  source text COLLATE "C" NOT NULL,
  contact_id text COLLATE "C" NOT NULL,
  version_us bigint NOT NULL,
  received_us bigint NOT NULL,
  event_ids text NOT NULL,
  PRIMARY KEY (source, contact_id)
);
CREATE TABLE contact_facts (
  source text COLLATE "C" NOT NULL,
  contact_id text COLLATE "C" NOT NULL,
  participant text COLLATE "C" NOT NULL,
  agent_id text COLLATE "C" NOT NULL,
  occurred_us bigint NOT NULL,
  channel text NOT NULL,
  queue text NOT NULL,
  metrics text NOT NULL,
  PRIMARY KEY (source, contact_id, participant)
);
CREATE INDEX contact_facts_unmatched ON contact_facts (source, contact_id) WHERE agent_id = '';
CREATE TABLE metric_sources (
  source text COLLATE "C" PRIMARY KEY,
  position text NOT NULL,
  lag text NOT NULL,
  taken bigint NOT NULL,
  rejected bigint NOT NULL,
  last_problem text NOT NULL,
  updated_us bigint NOT NULL
);
)sql",
};

// Advisory lock keys (pg_advisory_lock's one-bigint form): migrating, and appending to the audit
// chain. Plugin state locks use the two-int form (pg_advisory_xact_lock(int, int)) keyed by
// kStateLockClass and hashtext(plugin), so they cannot meet these.
constexpr int64_t kMigrationLock = 0x506c617564697401;  // "Plaudit\x01"
constexpr int64_t kAuditLock = 0x506c617564697402;
constexpr int kStateLockClass = 0x50530001;
// Praise sent by one giver: pg_advisory_xact_lock(kPraiseLockClass, hashtext(giver)).
constexpr int kPraiseLockClass = 0x50530002;
// Work one replica at a time does (RunAlone): pg_try_advisory_lock(kAloneLockClass,
// hashtext(name)), held by the session.
constexpr int kAloneLockClass = 0x50530003;

// What the check value holds, sealed under the database's key with an empty plugin name, which no
// plugin has (as the embedded store).
constexpr char kKeyCheckName[] = "secrets_key_check";
constexpr char kKeyCheckText[] = "plaudit secrets key";

// Separates roles in the audit log's roles column; no role name contains it.
constexpr char kRoleSeparator = '\x1f';

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

constexpr const char* kAgentColumns =
    "id, display_name, email, team, channel, hire_date, active, public_praise, locale";

Agent ReadAgent(const PgResult& r, int row) {
  Agent a;
  a.id = r.Text(row, 0);
  a.display_name = r.Text(row, 1);
  a.email = r.Text(row, 2);
  a.team = r.Text(row, 3);
  a.channel = ParseChannel(r.TextView(row, 4)).value_or(Channel::kPhone);
  // Written by the store itself as YYYY-MM-DD, so it parses.
  absl::ParseCivilTime(r.Text(row, 5), &a.hire_date);
  a.active = r.Bool(row, 6);
  a.public_praise = r.Bool(row, 7);
  a.locale = r.Text(row, 8);
  return a;
}

constexpr const char* kProgramColumns =
    "id, name, cadence, time_zone, version, yaml, disabled, enabled_us";

ProgramRecord ReadProgram(const PgResult& r, int row) {
  ProgramRecord program{r.Text(row, 0), r.Text(row, 1), r.Text(row, 2),
                        r.Text(row, 3), r.Int(row, 4),  r.Text(row, 5)};
  program.disabled = r.Bool(row, 6);
  program.enabled_us = r.Int(row, 7);
  return program;
}

constexpr const char* kAuditColumns =
    "seq, time_us, subject, roles, method, resource, outcome, request_id, detail, mac";

AuditRecord ReadAuditRecord(const PgResult& r, int row) {
  AuditRecord a;
  a.seq = r.Int(row, 0);
  a.time = absl::FromUnixMicros(r.Int(row, 1));
  a.subject = r.Text(row, 2);
  const std::string roles = r.Text(row, 3);
  if (!roles.empty()) a.roles = absl::StrSplit(roles, kRoleSeparator);
  a.method = r.Text(row, 4);
  a.resource = r.Text(row, 5);
  a.outcome = r.Text(row, 6);
  a.request_id = r.Text(row, 7);
  a.detail = r.Text(row, 8);
  a.mac_hex = r.Text(row, 9);
  return a;
}

absl::Status RecordCorrection(PgConnection& db, const CorrectionRecord& c) {
  return db
      .Exec(
          "INSERT INTO corrections (kind, subject, detail, actor, reason, at_us) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {c.kind, c.subject, c.detail, c.actor, c.reason, c.at_us})
      .status();
}

absl::Status BumpGenerations(PgConnection& db, std::vector<PgParam> names) {
  for (const PgParam& name : names) {
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("UPDATE generations SET value = value + 1 WHERE name = $1", {name}).status());
  }
  return absl::OkStatus();
}

// "a017 csat 4 at 2026-10-05T12:03:00Z": an event's content as a correction keeps it (as the
// embedded store writes it).
std::string EventContent(const std::string& agent_id, const std::string& metric, double value,
                         int64_t occurred_at_us) {
  return absl::StrFormat(
      "%s %s %.15g at %s", agent_id, metric, value,
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMicros(occurred_at_us),
                       absl::UTCTimeZone()));
}

// Rows of (agent_id, metric, value) in (agent, metric) order, grouped into aggregates with exact
// sums.
std::vector<AggregateRow> GroupAggregates(const PgResult& rows) {
  std::vector<AggregateRow> out;
  ExactSum sum;
  auto finish = [&] {
    if (!out.empty()) out.back().aggregate.sum = sum.Value();
    sum = ExactSum();
  };
  for (int i = 0; i < rows.rows(); ++i) {
    const std::string_view agent = rows.TextView(i, 0);
    const std::string_view metric = rows.TextView(i, 1);
    const double value = rows.Double(i, 2);
    if (out.empty() || out.back().agent_id != agent || out.back().metric != metric) {
      finish();
      out.push_back(AggregateRow{std::string(agent), std::string(metric),
                                 MetricAggregate{0, 0, value, value, {}}});
    }
    MetricAggregate& a = out.back().aggregate;
    ++a.samples;
    a.min = std::min(a.min, value);
    a.max = std::max(a.max, value);
    sum.Add(value);
  }
  finish();
  return out;
}

// Takes the lock a transaction writing events holds before it reads the rollup schemes.
absl::Status LockEvents(PgConnection& db) {
  return db.Exec("LOCK TABLE events IN ROW EXCLUSIVE MODE").status();
}

struct EventContentRow {
  std::string agent_id, metric;
  double value = 0;
  int64_t occurred_at_us = 0;
  bool operator==(const EventContentRow&) const = default;
};

}  // namespace

Agent PostgresStore::ReadAgentRow(const PgResult& rows, int row) { return ReadAgent(rows, row); }

int64_t PostgresStore::SchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const Options& options,
                                                                   StateCipher cipher) {
  // A replica's name in leases: its host, process and a random part (a restarted process on the
  // same host is another replica: the leases of the one that died run out).
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string replica_id =
      absl::StrCat(host, ":", getpid(), ":", absl::Hex(absl::Uniform<uint64_t>(absl::BitGen())));
  std::unique_ptr<PostgresStore> store(new PostgresStore(options, std::move(cipher), replica_id));
  PLAUDIT_PG_RETURN_IF_ERROR(store->Migrate());
  return store;
}

absl::Status PostgresStore::Migrate() {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  // A session lock: replicas starting together wait here, and find the schema migrated.
  auto locked = (*db)->Exec("SELECT pg_advisory_lock($1)", {kMigrationLock});
  if (!locked.ok()) return locked.status();
  absl::Status status = [&]() -> absl::Status {
    PgTransaction txn(**db);
    PLAUDIT_PG_RETURN_IF_ERROR(txn.status());
    PLAUDIT_PG_RETURN_IF_ERROR(
        (*db)
            ->Exec("CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL)")
            .status());
    auto current = (*db)->Exec("SELECT version FROM schema_version");
    if (!current.ok()) return current.status();
    const int64_t version = current->rows() > 0 ? current->Int(0, 0) : 0;
    const int64_t target = SchemaVersion();
    if (version > target) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database schema version ", version, " is newer than this plauditd (", target, ")"));
    }
    for (int64_t v = version; v < target; ++v) {
      PLAUDIT_PG_RETURN_IF_ERROR((*db)->Script(kMigrations[v]));
    }
    PLAUDIT_PG_RETURN_IF_ERROR((*db)->Exec("DELETE FROM schema_version").status());
    PLAUDIT_PG_RETURN_IF_ERROR(
        (*db)->Exec("INSERT INTO schema_version (version) VALUES ($1)", {target}).status());
    // The secrets key: refuse another key than the one the database was first sealed under.
    auto check = (*db)->Exec("SELECT sealed FROM secrets_key_check");
    if (!check.ok()) return check.status();
    if (check->rows() > 0) {
      if (!cipher_.Open("", kKeyCheckName, check->Text(0, 0)).ok()) {
        return absl::FailedPreconditionError(
            "secrets key: not the key this database's plugin state is sealed under (use the "
            "secrets key file that belongs with this database)");
      }
    } else {
      auto sealed = cipher_.Seal("", kKeyCheckName, kKeyCheckText);
      if (!sealed.ok()) return sealed.status();
      PLAUDIT_PG_RETURN_IF_ERROR(
          (*db)->Exec("INSERT INTO secrets_key_check (sealed) VALUES ($1)", {*sealed}).status());
    }
    return txn.Commit();
  }();
  auto unlocked = (*db)->Exec("SELECT pg_advisory_unlock($1)", {kMigrationLock});
  if (status.ok() && !unlocked.ok()) status = unlocked.status();
  return status;
}

absl::StatusOr<bool> PostgresStore::RunAlone(std::string_view name,
                                             absl::FunctionRef<void()> work) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  const std::string key(name);
  auto taken =
      (*db)->Exec("SELECT pg_try_advisory_lock($1, hashtext($2))", {int64_t{kAloneLockClass}, key});
  if (!taken.ok()) return taken.status();
  if (!taken->Bool(0, 0)) return false;
  work();
  // When this fails the connection is broken, and the server let the lock go with it.
  auto released =
      (*db)->Exec("SELECT pg_advisory_unlock($1, hashtext($2))", {int64_t{kAloneLockClass}, key});
  if (!released.ok()) {
    LogWarning("store", absl::StrCat("releasing ", key, ": ", released.status().message()));
  }
  return true;
}

absl::Status PostgresStore::CheckReady() {
  auto db = pool_.Acquire();
  if (!db.ok()) return absl::UnavailableError(db.status().message());
  auto q = (*db)->Exec("SELECT version FROM schema_version");
  if (!q.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the database does not answer: ", q.status().message()));
  }
  if (q->rows() == 0) return absl::FailedPreconditionError("the database has no schema version");
  const int64_t version = q->Int(0, 0);
  if (version != SchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat("the database schema is version ", version,
                                                      "; this plauditd needs ", SchemaVersion()));
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::InTransaction(absl::FunctionRef<absl::Status(PgConnection&)> work) {
  constexpr int kAttempts = 5;
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto db = pool_.Acquire();
    if (!db.ok()) return db.status();
    PgTransaction txn(**db);
    PLAUDIT_PG_RETURN_IF_ERROR(txn.status());
    status = work(**db);
    if (status.ok()) status = txn.Commit();
    if (!absl::IsAborted(status)) return status;
  }
  return status;
}

int64_t PostgresStore::Generation(const char* name) const {
  auto db = pool_.Acquire();
  if (!db.ok()) return -1;
  auto q = (*db)->Exec("SELECT value FROM generations WHERE name = $1", {name});
  if (!q.ok() || q->rows() == 0) return -1;
  return q->Int(0, 0);
}

// Agents.

absl::Status PostgresStore::UpsertAgents(const std::vector<Agent>& agents) {
  return InTransaction([&](PgConnection& db) -> absl::Status {
    for (const Agent& a : agents) {
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO agents (id, display_name, email, team, channel, hire_date, active, "
                  "public_praise, locale) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                  "ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, "
                  "email = excluded.email, team = excluded.team, channel = excluded.channel, "
                  "hire_date = excluded.hire_date, active = excluded.active, "
                  "public_praise = excluded.public_praise, locale = excluded.locale",
                  {a.id, a.display_name, a.email, a.team, ChannelName(a.channel),
                   absl::FormatCivilTime(a.hire_date), a.active, a.public_praise, a.locale})
              .status());
    }
    return BumpGenerations(db, {"agents", "standings"});
  });
}

absl::StatusOr<std::vector<Agent>> PostgresStore::ListAgents() {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(absl::StrCat("SELECT ", kAgentColumns, " FROM agents ORDER BY id"));
  if (!q.ok()) return q.status();
  std::vector<Agent> agents;
  agents.reserve(q->rows());
  for (int i = 0; i < q->rows(); ++i) agents.push_back(ReadAgent(*q, i));
  return agents;
}

absl::StatusOr<std::optional<Agent>> PostgresStore::GetAgent(const std::string& id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(absl::StrCat("SELECT ", kAgentColumns, " FROM agents WHERE id = $1"), {id});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<Agent>();
  return std::optional<Agent>(ReadAgent(*q, 0));
}

absl::StatusOr<std::optional<std::string>> PostgresStore::FindAgentIdByEmail(
    const std::string& email) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT id FROM agents WHERE lower(email) = lower($1) AND email <> '' ORDER BY id LIMIT 1",
      {email});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(q->Text(0, 0));
}

absl::StatusOr<std::vector<std::string>> PostgresStore::ListAgentIds() {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec("SELECT id FROM agents");
  if (!q.ok()) return q.status();
  std::vector<std::string> ids;
  ids.reserve(q->rows());
  for (int i = 0; i < q->rows(); ++i) ids.push_back(q->Text(i, 0));
  return ids;
}

int64_t PostgresStore::agents_generation() const { return Generation("agents"); }

absl::Status PostgresStore::DeactivateAgent(const std::string& id, const std::string& actor,
                                            const std::string& reason, int64_t at_us) {
  return InTransaction([&](PgConnection& db) -> absl::Status {
    auto exists = db.Exec("SELECT active FROM agents WHERE id = $1 FOR UPDATE", {id});
    if (!exists.ok()) return exists.status();
    if (exists->rows() == 0)
      return absl::NotFoundError(absl::StrCat("agent \"", id, "\" not found"));
    if (!exists->Bool(0, 0)) return absl::OkStatus();
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("UPDATE agents SET active = false WHERE id = $1", {id}).status());
    PLAUDIT_PG_RETURN_IF_ERROR(RecordCorrection(
        db, CorrectionRecord{0, "agent_deactivated", id, "", actor, reason, at_us}));
    return BumpGenerations(db, {"agents", "standings"});
  });
}

// Events and their aggregates.

namespace {

// InsertEvents inside the caller's transaction, with its rollup writer (begun once `events` was
// locked: see pg_rollups.h).
absl::StatusOr<std::vector<InsertOutcome>> InsertEventsIn(
    PgConnection& db, PgRollupWriter& rollups, const std::vector<StoredEvent>& events,
    const std::optional<EventReplacement>& replacement) {
  std::vector<InsertOutcome> outcomes;
  if (events.empty()) return outcomes;
  std::vector<std::string> ids, agents, metrics;
  std::vector<double> values;
  std::vector<int64_t> times;
  for (const StoredEvent& e : events) {
    ids.push_back(e.event_id);
    agents.push_back(e.agent_id);
    metrics.push_back(e.metric);
    values.push_back(e.value);
    times.push_back(e.occurred_at_us);
  }
  const std::string id_array = PgTextArray(ids);
  {
    // One statement for the whole batch; the ids it stored come back (an id twice in the batch
    // is stored once, its first time).
    auto inserted = db.Exec(
        "INSERT INTO events (event_id, agent_id, metric, value, occurred_at_us) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::int8[]) "
        "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        {id_array, PgTextArray(agents), PgTextArray(metrics), PgNumberArray(values),
         PgNumberArray(times)});
    if (!inserted.ok()) return inserted.status();
    std::map<std::string, bool> fresh;  // id -> its first occurrence not yet met
    for (int i = 0; i < inserted->rows(); ++i) fresh[inserted->Text(i, 0)] = true;

    // What the batch's ids held before: stored content, or retracted content.
    std::map<std::string, EventContentRow> stored, retracted;
    auto read_contents = [&](const char* table, std::map<std::string, EventContentRow>& into) {
      auto q = db.Exec(absl::StrCat("SELECT event_id, agent_id, metric, value, occurred_at_us "
                                    "FROM ",
                                    table, " WHERE event_id = ANY($1::text[])"),
                       {id_array});
      if (!q.ok()) return q.status();
      for (int i = 0; i < q->rows(); ++i) {
        into[q->Text(i, 0)] =
            EventContentRow{q->Text(i, 1), q->Text(i, 2), q->Double(i, 3), q->Int(i, 4)};
      }
      return absl::OkStatus();
    };
    if (static_cast<size_t>(inserted->rows()) < events.size()) {
      PLAUDIT_PG_RETURN_IF_ERROR(read_contents("events", stored));
    }
    PLAUDIT_PG_RETURN_IF_ERROR(read_contents("retracted_events", retracted));
    for (const auto& [id, unused] : fresh) stored.erase(id);

    auto record_replacement = [&](const StoredEvent& e, std::string before) {
      return RecordCorrection(
          db, CorrectionRecord{0, "event_replaced", e.event_id, std::move(before),
                               replacement->actor, replacement->reason, replacement->at_us});
    };
    outcomes.reserve(events.size());
    for (const StoredEvent& e : events) {
      const EventContentRow content{e.agent_id, e.metric, e.value, e.occurred_at_us};
      auto first = fresh.find(e.event_id);
      if (first != fresh.end() && first->second) {
        first->second = false;
        auto was = retracted.find(e.event_id);
        if (was == retracted.end()) {
          PLAUDIT_PG_RETURN_IF_ERROR(
              rollups.Added(e.agent_id, e.metric, e.value, e.occurred_at_us));
          stored[e.event_id] = content;
          outcomes.push_back(InsertOutcome::kStored);
          continue;
        }
        const std::string before = EventContent(was->second.agent_id, was->second.metric,
                                                was->second.value, was->second.occurred_at_us);
        if (!replacement) {
          // A retracted id does not come back unless an admin replaces it: undo the insert.
          PLAUDIT_PG_RETURN_IF_ERROR(
              db.Exec("DELETE FROM events WHERE event_id = $1", {e.event_id}).status());
          outcomes.push_back(InsertOutcome::kRetracted);
          continue;
        }
        // Stored again: the id is live, and a later retraction keeps this content.
        PLAUDIT_PG_RETURN_IF_ERROR(
            db.Exec("DELETE FROM retracted_events WHERE event_id = $1", {e.event_id}).status());
        retracted.erase(was);
        PLAUDIT_PG_RETURN_IF_ERROR(record_replacement(e, absl::StrCat(before, " (retracted)")));
        PLAUDIT_PG_RETURN_IF_ERROR(rollups.Added(e.agent_id, e.metric, e.value, e.occurred_at_us));
        stored[e.event_id] = content;
        outcomes.push_back(InsertOutcome::kReplaced);
        continue;
      }
      auto existing = stored.find(e.event_id);
      if (existing == stored.end()) {
        // Met again in the batch after its first time was refused as retracted.
        outcomes.push_back(InsertOutcome::kRetracted);
        continue;
      }
      const bool identical = existing->second == content;
      if (identical || !replacement) {
        outcomes.push_back(identical ? InsertOutcome::kDuplicate : InsertOutcome::kConflict);
        continue;
      }
      const EventContentRow& old = existing->second;
      PLAUDIT_PG_RETURN_IF_ERROR(rollups.Changed(old.agent_id, old.metric, old.occurred_at_us));
      PLAUDIT_PG_RETURN_IF_ERROR(rollups.Changed(e.agent_id, e.metric, e.occurred_at_us));
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("UPDATE events SET agent_id = $1, metric = $2, value = $3, "
                  "occurred_at_us = $4 WHERE event_id = $5",
                  {e.agent_id, e.metric, e.value, e.occurred_at_us, e.event_id})
              .status());
      PLAUDIT_PG_RETURN_IF_ERROR(record_replacement(
          e, EventContent(old.agent_id, old.metric, old.value, old.occurred_at_us)));
      existing->second = content;
      outcomes.push_back(InsertOutcome::kReplaced);
    }
  }
  return outcomes;
}

}  // namespace

absl::StatusOr<std::vector<InsertOutcome>> PostgresStore::InsertEvents(
    const std::vector<StoredEvent>& events, const std::optional<EventReplacement>& replacement) {
  std::vector<InsertOutcome> outcomes;
  if (events.empty()) return outcomes;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    PLAUDIT_PG_RETURN_IF_ERROR(LockEvents(db));
    auto rollups = PgRollupWriter::Begin(db);
    if (!rollups.ok()) return rollups.status();
    auto inserted = InsertEventsIn(db, *rollups, events, replacement);
    if (!inserted.ok()) return inserted.status();
    outcomes = *std::move(inserted);
    PLAUDIT_PG_RETURN_IF_ERROR(rollups->Flush());
    return BumpGenerations(db, {"standings"});
  }));
  return outcomes;
}

absl::StatusOr<int64_t> PostgresStore::CountEvents() {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec("SELECT COUNT(*) FROM events");
  if (!q.ok()) return q.status();
  return q->Int(0, 0);
}

absl::Status PostgresStore::EnsureRollup(const std::string& time_zone, const std::string& cadence,
                                         const ThresholdSet& thresholds) {
  {
    auto db = pool_.Acquire();
    if (!db.ok()) return db.status();
    auto covered = PgRollupWriter::Covers(**db, time_zone, cadence, thresholds);
    if (!covered.ok()) return covered.status();
    if (covered->has_value()) return absl::OkStatus();
  }
  return InTransaction([&](PgConnection& db) {
    return PgRollupWriter::Register(db, time_zone, cadence, thresholds);
  });
}

absl::StatusOr<std::optional<std::vector<AggregateRow>>> PostgresStore::RolledUpAggregates(
    const std::string& time_zone, const std::string& cadence, const std::string& label,
    int64_t start_us, int64_t end_us, const ThresholdSet& thresholds, const std::string& agent_id) {
  using Result = std::optional<std::vector<AggregateRow>>;
  Result result;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    // One snapshot: the aggregates and the counts come from the same commits.
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    result.reset();
    auto scheme = PgRollupWriter::Covers(db, time_zone, cadence, thresholds);
    if (!scheme.ok()) return scheme.status();
    if (!scheme->has_value()) return absl::OkStatus();
    auto period =
        db.Exec("SELECT id, start_us, end_us FROM rollup_periods WHERE scheme = $1 AND label = $2",
                {**scheme, label});
    if (!period.ok()) return period.status();
    std::vector<AggregateRow> rows;
    if (period->rows() == 0) {
      // Covered, and nothing ever fell in the period.
      result = std::move(rows);
      return absl::OkStatus();
    }
    if (period->Int(0, 1) != start_us || period->Int(0, 2) != end_us) return absl::OkStatus();
    const int64_t id = period->Int(0, 0);
    auto q = agent_id.empty() ? db.Exec(
                                    "SELECT agent_id, metric, samples, sum, min, max FROM rollups "
                                    "WHERE period = $1 ORDER BY agent_id, metric",
                                    {id})
                              : db.Exec(
                                    "SELECT agent_id, metric, samples, sum, min, max FROM rollups "
                                    "WHERE period = $1 AND agent_id = $2 ORDER BY metric",
                                    {id, agent_id});
    if (!q.ok()) return q.status();
    rows.reserve(q->rows());
    for (int i = 0; i < q->rows(); ++i) {
      rows.push_back(AggregateRow{
          q->Text(i, 0), q->Text(i, 1),
          MetricAggregate{q->Int(i, 2), q->Double(i, 3), q->Double(i, 4), q->Double(i, 5), {}}});
    }
    // Rows are in (agent, metric) order: found by binary search.
    auto find = [&rows](std::string_view agent, const std::string& metric) -> AggregateRow* {
      auto it = std::lower_bound(rows.begin(), rows.end(), std::make_pair(agent, metric),
                                 [](const AggregateRow& row, const auto& key) {
                                   return std::make_pair(std::string_view(row.agent_id),
                                                         std::string_view(row.metric)) <
                                          std::make_pair(key.first, std::string_view(key.second));
                                 });
      if (it == rows.end() || it->agent_id != agent || it->metric != metric) return nullptr;
      return &*it;
    };
    for (const auto& [metric, threshold] : thresholds) {
      auto counts = agent_id.empty()
                        ? db.Exec(
                              "SELECT agent_id, count FROM rollup_at_least WHERE period = $1 "
                              "AND metric = $2 AND threshold = $3",
                              {id, metric, threshold})
                        : db.Exec(
                              "SELECT agent_id, count FROM rollup_at_least WHERE period = $1 "
                              "AND metric = $2 AND threshold = $3 AND agent_id = $4",
                              {id, metric, threshold, agent_id});
      if (!counts.ok()) return counts.status();
      for (int i = 0; i < counts->rows(); ++i) {
        if (AggregateRow* row = find(counts->TextView(i, 0), metric)) {
          row->aggregate.at_least[threshold] = counts->Int(i, 1);
        }
      }
    }
    result = std::move(rows);
    return absl::OkStatus();
  }));
  return result;
}

int64_t PostgresStore::standings_generation() const { return Generation("standings"); }

absl::StatusOr<std::vector<AggregateRow>> PostgresStore::Aggregate(int64_t start_us, int64_t end_us,
                                                                   const std::string& agent_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = agent_id.empty() ? (*db)->Exec(
                                  "SELECT agent_id, metric, value FROM events "
                                  "WHERE occurred_at_us >= $1 AND occurred_at_us < $2 "
                                  "ORDER BY agent_id, metric",
                                  {start_us, end_us})
                            : (*db)->Exec(
                                  "SELECT agent_id, metric, value FROM events WHERE agent_id = $3 "
                                  "AND occurred_at_us >= $1 AND occurred_at_us < $2 "
                                  "ORDER BY agent_id, metric",
                                  {start_us, end_us, agent_id});
  if (!q.ok()) return q.status();
  return GroupAggregates(*q);
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> PostgresStore::CountAtLeast(
    int64_t start_us, int64_t end_us, const std::string& metric, double threshold) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT agent_id, COUNT(*) FROM events WHERE metric = $1 AND occurred_at_us >= $2 "
      "AND occurred_at_us < $3 AND value >= $4 GROUP BY agent_id ORDER BY agent_id",
      {metric, start_us, end_us, threshold});
  if (!q.ok()) return q.status();
  std::vector<std::pair<std::string, int64_t>> counts;
  for (int i = 0; i < q->rows(); ++i) counts.emplace_back(q->Text(i, 0), q->Int(i, 1));
  return counts;
}

absl::StatusOr<std::vector<AggregateRow>> PostgresStore::AggregatePage(
    int64_t start_us, int64_t end_us, const std::string& agent_id, const std::string& after_agent,
    const std::string& after_metric, int limit) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  if (!agent_id.empty()) {
    if (!after_agent.empty() && after_agent > agent_id) return std::vector<AggregateRow>();
    auto q = (*db)->Exec(
        "WITH page AS (SELECT DISTINCT metric FROM events WHERE agent_id = $1 AND metric > $2 "
        "AND occurred_at_us >= $3 AND occurred_at_us < $4 ORDER BY metric LIMIT $5) "
        "SELECT e.agent_id, e.metric, e.value FROM events e JOIN page USING (metric) "
        "WHERE e.agent_id = $1 AND e.occurred_at_us >= $3 AND e.occurred_at_us < $4 "
        "ORDER BY e.metric",
        {agent_id, after_agent == agent_id ? after_metric : std::string(), start_us, end_us,
         int64_t{limit}});
    if (!q.ok()) return q.status();
    return GroupAggregates(*q);
  }
  // Keyed: the next `limit` (agent, metric) groups after the last one, then their events.
  auto q = (*db)->Exec(
      "WITH page AS (SELECT DISTINCT agent_id, metric FROM events "
      "WHERE (agent_id, metric) > ($1, $2) AND occurred_at_us >= $3 AND occurred_at_us < $4 "
      "ORDER BY agent_id, metric LIMIT $5) "
      "SELECT e.agent_id, e.metric, e.value FROM events e JOIN page USING (agent_id, metric) "
      "WHERE e.occurred_at_us >= $3 AND e.occurred_at_us < $4 ORDER BY e.agent_id, e.metric",
      {after_agent, after_metric, start_us, end_us, int64_t{limit}});
  if (!q.ok()) return q.status();
  return GroupAggregates(*q);
}

namespace {

// RetractEvents inside the caller's transaction, with its rollup writer (begun once `events` was
// locked: see pg_rollups.h).
absl::StatusOr<std::vector<std::string>> RetractEventsIn(PgConnection& db, PgRollupWriter& rollups,
                                                         const std::vector<std::string>& ids,
                                                         const std::string& actor,
                                                         const std::string& reason, int64_t at_us) {
  std::vector<std::string> not_stored;
  for (const std::string& id : ids) {
    auto removed = db.Exec(
        "DELETE FROM events WHERE event_id = $1 "
        "RETURNING agent_id, metric, value, occurred_at_us",
        {id});
    if (!removed.ok()) return removed.status();
    if (removed->rows() == 0) {
      not_stored.push_back(id);
      continue;
    }
    const std::string agent_id = removed->Text(0, 0);
    const std::string metric = removed->Text(0, 1);
    const double value = removed->Double(0, 2);
    const int64_t occurred_at_us = removed->Int(0, 3);
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("INSERT INTO retracted_events (event_id, agent_id, metric, value, "
                "occurred_at_us) VALUES ($1, $2, $3, $4, $5)",
                {id, agent_id, metric, value, occurred_at_us})
            .status());
    PLAUDIT_PG_RETURN_IF_ERROR(rollups.Changed(agent_id, metric, occurred_at_us));
    PLAUDIT_PG_RETURN_IF_ERROR(
        RecordCorrection(db, CorrectionRecord{0, "event_retracted", id,
                                              EventContent(agent_id, metric, value, occurred_at_us),
                                              actor, reason, at_us}));
  }
  return not_stored;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PostgresStore::RetractEvents(
    const std::vector<std::string>& ids, const std::string& actor, const std::string& reason,
    int64_t at_us) {
  std::vector<std::string> not_stored;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    PLAUDIT_PG_RETURN_IF_ERROR(LockEvents(db));
    auto rollups = PgRollupWriter::Begin(db);
    if (!rollups.ok()) return rollups.status();
    auto retracted = RetractEventsIn(db, *rollups, ids, actor, reason, at_us);
    if (!retracted.ok()) return retracted.status();
    not_stored = *std::move(retracted);
    PLAUDIT_PG_RETURN_IF_ERROR(rollups->Flush());
    return BumpGenerations(db, {"standings"});
  }));
  return not_stored;
}

// Contacts from metric sources.

namespace {

// Reads the facts of each contact in `contacts` (already holding source, id and version).
absl::Status ReadContactFacts(PgConnection& db, std::vector<ContactRecord>& contacts) {
  if (contacts.empty()) return absl::OkStatus();
  std::vector<std::string> sources, ids;
  std::map<std::pair<std::string, std::string>, ContactRecord*> by_key;
  for (ContactRecord& c : contacts) {
    sources.push_back(c.source);
    ids.push_back(c.contact_id);
    by_key[{c.source, c.contact_id}] = &c;
  }
  auto q = db.Exec(
      "SELECT f.source, f.contact_id, f.participant, f.agent_id, f.occurred_us, f.channel, "
      "f.queue, f.metrics FROM contact_facts f "
      "JOIN unnest($1::text[], $2::text[]) AS k (source, contact_id) USING (source, contact_id) "
      "ORDER BY f.source, f.contact_id, f.participant",
      {PgTextArray(sources), PgTextArray(ids)});
  if (!q.ok()) return q.status();
  for (int i = 0; i < q->rows(); ++i) {
    auto it = by_key.find({q->Text(i, 0), q->Text(i, 1)});
    if (it == by_key.end()) continue;
    it->second->facts.push_back(ContactFactRecord{q->Text(i, 2), q->Text(i, 3), q->Int(i, 4),
                                                  q->Text(i, 5), q->Text(i, 6),
                                                  DecodeMetricValues(q->TextView(i, 7))});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> PostgresStore::ContactVersions(
    const std::string& source, const std::vector<std::string>& contact_ids) {
  std::vector<std::pair<std::string, int64_t>> versions;
  if (contact_ids.empty()) return versions;
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT contact_id, version_us FROM contacts "
      "WHERE source = $1 AND contact_id = ANY($2::text[])",
      {source, PgTextArray(contact_ids)});
  if (!q.ok()) return q.status();
  for (int i = 0; i < q->rows(); ++i) versions.emplace_back(q->Text(i, 0), q->Int(i, 1));
  return versions;
}

absl::StatusOr<std::optional<ContactRecord>> PostgresStore::GetContact(
    const std::string& source, const std::string& contact_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  PgTransaction txn(**db);
  PLAUDIT_PG_RETURN_IF_ERROR(txn.status());
  auto q = (*db)->Exec(
      "SELECT version_us, received_us FROM contacts WHERE source = $1 AND contact_id = $2",
      {source, contact_id});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<ContactRecord>();
  std::vector<ContactRecord> found = {
      ContactRecord{source, contact_id, q->Int(0, 0), q->Int(0, 1), {}}};
  PLAUDIT_PG_RETURN_IF_ERROR(ReadContactFacts(**db, found));
  PLAUDIT_PG_RETURN_IF_ERROR(txn.Commit());
  return std::optional<ContactRecord>(std::move(found.front()));
}

absl::StatusOr<std::vector<bool>> PostgresStore::WriteContacts(
    const std::vector<ContactWrite>& writes, const EventReplacement& as,
    const SourceProgress& progress) {
  PLAUDIT_PG_RETURN_IF_ERROR(CheckDistinctContacts(writes));
  std::vector<bool> written;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    written.assign(writes.size(), false);
    PLAUDIT_PG_RETURN_IF_ERROR(LockEvents(db));
    auto rollups = PgRollupWriter::Begin(db);
    if (!rollups.ok()) return rollups.status();
    // The stored versions, locked: a writer of the same contact waits here for this one.
    std::vector<std::string> sources, ids;
    for (const ContactWrite& w : writes) {
      sources.push_back(w.contact.source);
      ids.push_back(w.contact.contact_id);
    }
    const std::string source_array = PgTextArray(sources);
    const std::string id_array = PgTextArray(ids);
    // Each stored contact's version and event ids.
    std::map<std::pair<std::string, std::string>, std::pair<int64_t, std::set<std::string>>> stored;
    {
      auto q = db.Exec(
          "SELECT c.source, c.contact_id, c.version_us, c.event_ids FROM contacts c "
          "JOIN unnest($1::text[], $2::text[]) AS k (source, contact_id) "
          "USING (source, contact_id) ORDER BY c.source, c.contact_id FOR UPDATE OF c",
          {source_array, id_array});
      if (!q.ok()) return q.status();
      for (int i = 0; i < q->rows(); ++i) {
        stored[{q->Text(i, 0), q->Text(i, 1)}] = {q->Int(i, 2), DecodeIds(q->TextView(i, 3))};
      }
    }
    std::vector<StoredEvent> events;
    std::vector<std::string> retract;
    std::vector<std::string> w_sources, w_ids, w_events, f_sources, f_ids, f_participants, f_agents,
        f_channels, f_queues, f_metrics;
    std::vector<int64_t> w_versions, w_received, f_occurred;
    for (size_t i = 0; i < writes.size(); ++i) {
      const ContactWrite& w = writes[i];
      const ContactRecord& c = w.contact;
      const std::pair<std::string, std::string> key{c.source, c.contact_id};
      auto found = stored.find(key);
      const std::optional<int64_t> version =
          found == stored.end() ? std::nullopt : std::optional<int64_t>(found->second.first);
      if (version != w.replaces_version) continue;
      written[i] = true;
      std::set<std::string> now;
      for (const StoredEvent& e : w.events) now.insert(e.event_id);
      if (found != stored.end()) {
        for (const std::string& id : found->second.second) {
          if (!now.contains(id)) retract.push_back(id);
        }
      }
      events.insert(events.end(), w.events.begin(), w.events.end());
      w_sources.push_back(c.source);
      w_ids.push_back(c.contact_id);
      w_versions.push_back(c.version_us);
      w_received.push_back(c.received_us);
      w_events.push_back(EncodeIds(now));
      for (const ContactFactRecord& f : c.facts) {
        f_sources.push_back(c.source);
        f_ids.push_back(c.contact_id);
        f_participants.push_back(f.participant);
        f_agents.push_back(f.agent_id);
        f_occurred.push_back(f.occurred_us);
        f_channels.push_back(f.channel);
        f_queues.push_back(f.queue);
        f_metrics.push_back(EncodeMetricValues(f.metrics));
      }
    }
    if (!w_ids.empty()) {
      const std::string ws = PgTextArray(w_sources), wi = PgTextArray(w_ids);
      if (!stored.empty()) {
        PLAUDIT_PG_RETURN_IF_ERROR(
            db.Exec("DELETE FROM contact_facts t USING unnest($1::text[], $2::text[]) AS k "
                    "(source, contact_id) WHERE t.source = k.source "
                    "AND t.contact_id = k.contact_id",
                    {ws, wi})
                .status());
      }
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO contacts (source, contact_id, version_us, received_us, event_ids) "
                  "SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], "
                  "$5::text[]) ON CONFLICT (source, contact_id) DO UPDATE SET "
                  "version_us = excluded.version_us, received_us = excluded.received_us, "
                  "event_ids = excluded.event_ids",
                  {ws, wi, PgNumberArray(w_versions), PgNumberArray(w_received),
                   PgTextArray(w_events)})
              .status());
      if (!f_ids.empty()) {
        PLAUDIT_PG_RETURN_IF_ERROR(
            db.Exec("INSERT INTO contact_facts (source, contact_id, participant, agent_id, "
                    "occurred_us, channel, queue, metrics) SELECT * FROM unnest($1::text[], "
                    "$2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], "
                    "$8::text[])",
                    {PgTextArray(f_sources), PgTextArray(f_ids), PgTextArray(f_participants),
                     PgTextArray(f_agents), PgNumberArray(f_occurred), PgTextArray(f_channels),
                     PgTextArray(f_queues), PgTextArray(f_metrics)})
                .status());
      }
    }
    // The contacts of one call are distinct, so their event ids are too: what one retracts no
    // other stores.
    if (!events.empty()) {
      auto outcomes = InsertEventsIn(db, *rollups, events, as);
      if (!outcomes.ok()) return outcomes.status();
    }
    if (!retract.empty()) {
      auto not_stored = RetractEventsIn(db, *rollups, retract, as.actor, as.reason, as.at_us);
      if (!not_stored.ok()) return not_stored.status();
    }
    if (!progress.source.empty()) {
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO metric_sources (source, position, lag, taken, rejected, "
                  "last_problem, updated_us) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                  "ON CONFLICT (source) DO UPDATE SET "
                  "position = CASE WHEN $2 = '' THEN metric_sources.position ELSE $2 END, "
                  "lag = $3, taken = metric_sources.taken + $4, "
                  "rejected = metric_sources.rejected + $5, last_problem = CASE WHEN $6 = '' "
                  "THEN metric_sources.last_problem ELSE $6 END, updated_us = $7",
                  {progress.source, progress.position, progress.lag, progress.taken,
                   progress.rejected, progress.last_problem, progress.at_us})
              .status());
    }
    PLAUDIT_PG_RETURN_IF_ERROR(rollups->Flush());
    if (events.empty() && retract.empty()) return absl::OkStatus();
    return BumpGenerations(db, {"standings"});
  }));
  return written;
}

absl::StatusOr<std::vector<ContactRecord>> PostgresStore::ListUnmatchedContacts(
    const std::string& source, const std::string& after_source, const std::string& after_contact,
    int limit) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  PgTransaction txn(**db);
  PLAUDIT_PG_RETURN_IF_ERROR(txn.status());
  auto q = (*db)->Exec(
      "SELECT c.source, c.contact_id, c.version_us, c.received_us FROM contacts c "
      "WHERE EXISTS (SELECT 1 FROM contact_facts f WHERE f.source = c.source "
      "AND f.contact_id = c.contact_id AND f.agent_id = '') "
      "AND ($1 = '' OR c.source = $1) AND (c.source, c.contact_id) > ($2, $3) "
      "ORDER BY c.source, c.contact_id LIMIT $4",
      {source, after_source, after_contact, int64_t{limit}});
  if (!q.ok()) return q.status();
  std::vector<ContactRecord> contacts;
  for (int i = 0; i < q->rows(); ++i) {
    contacts.push_back(ContactRecord{q->Text(i, 0), q->Text(i, 1), q->Int(i, 2), q->Int(i, 3), {}});
  }
  PLAUDIT_PG_RETURN_IF_ERROR(ReadContactFacts(**db, contacts));
  PLAUDIT_PG_RETURN_IF_ERROR(txn.Commit());
  return contacts;
}

absl::StatusOr<std::vector<SourceStatusRecord>> PostgresStore::ListSourceStatus() {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "WITH names AS (SELECT source FROM metric_sources UNION SELECT DISTINCT source FROM "
      "contacts) "
      "SELECT n.source, COALESCE(m.position, ''), COALESCE(m.lag, ''), COALESCE(m.taken, 0), "
      "COALESCE(m.rejected, 0), "
      "(SELECT COUNT(*) FROM contact_facts f WHERE f.source = n.source AND f.agent_id = ''), "
      "(SELECT COUNT(*) FROM contacts c WHERE c.source = n.source), "
      "COALESCE(m.last_problem, ''), COALESCE(m.updated_us, 0) "
      "FROM names n LEFT JOIN metric_sources m USING (source) ORDER BY n.source");
  if (!q.ok()) return q.status();
  std::vector<SourceStatusRecord> sources;
  for (int i = 0; i < q->rows(); ++i) {
    sources.push_back(SourceStatusRecord{q->Text(i, 0), q->Text(i, 1), q->Text(i, 2), q->Int(i, 3),
                                         q->Int(i, 4), q->Int(i, 5), q->Int(i, 6), q->Text(i, 7),
                                         q->Int(i, 8)});
  }
  return sources;
}

absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>> PostgresStore::EventTimeSpan(
    int64_t from_us, int64_t to_us) {
  using Span = std::optional<std::pair<int64_t, int64_t>>;
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT MIN(occurred_at_us), MAX(occurred_at_us) FROM events "
      "WHERE occurred_at_us >= $1 AND occurred_at_us < $2",
      {from_us, to_us});
  if (!q.ok()) return q.status();
  if (q->rows() == 0 || q->IsNull(0, 0)) return Span();
  return Span(std::make_pair(q->Int(0, 0), q->Int(0, 1)));
}

absl::Status PostgresStore::ForEachEventTime(
    int64_t start_us, int64_t end_us,
    absl::FunctionRef<void(absl::string_view agent_id, int64_t occurred_at_us)> each) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  PgTransaction txn(**db);
  PLAUDIT_PG_RETURN_IF_ERROR(txn.status());
  PLAUDIT_PG_RETURN_IF_ERROR(
      (*db)->ForEach("SELECT agent_id, occurred_at_us FROM events WHERE occurred_at_us >= $1 "
                     "AND occurred_at_us < $2 ORDER BY occurred_at_us",
                     {start_us, end_us}, 10000, [&](const PgResult& rows, int i) {
                       const std::string_view agent = rows.TextView(i, 0);
                       each(absl::string_view(agent.data(), agent.size()), rows.Int(i, 1));
                       return absl::OkStatus();
                     }));
  return txn.Commit();
}

// Praise.

namespace {

constexpr const char* kPraiseColumns =
    "id, from_agent_id, to_agent_id, message, value, request_id, sent_us";

PraiseRecord ReadPraise(const PgResult& r, int row) {
  return PraiseRecord{r.Text(row, 0), r.Text(row, 1), r.Text(row, 2), r.Text(row, 3),
                      r.Text(row, 4), r.Text(row, 5), r.Int(row, 6)};
}

}  // namespace

absl::StatusOr<std::optional<PraiseRecord>> PostgresStore::InsertPraise(
    const PraiseRecord& praise, const PraiseAllowance& allowance) {
  std::optional<PraiseRecord> result;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    result.reset();
    // One giver's praise takes turns on every replica: the request id is looked up and the
    // allowance counted with no other of theirs on its way in.
    PLAUDIT_PG_RETURN_IF_ERROR(db.Exec("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                                       {kPraiseLockClass, praise.from_agent_id})
                                   .status());
    if (!praise.request_id.empty()) {
      auto earlier = db.Exec(absl::StrCat("SELECT ", kPraiseColumns,
                                          " FROM praise WHERE from_agent_id = $1 AND "
                                          "request_id = $2"),
                             {praise.from_agent_id, praise.request_id});
      if (!earlier.ok()) return earlier.status();
      if (earlier->rows() > 0) {
        result = ReadPraise(*earlier, 0);
        return absl::OkStatus();
      }
    }
    auto sent = db.Exec(
        "SELECT COUNT(*) FROM praise WHERE from_agent_id = $1 AND sent_us >= $2 AND sent_us < $3",
        {praise.from_agent_id, allowance.start_us, allowance.end_us});
    if (!sent.ok()) return sent.status();
    if (sent->Int(0, 0) >= allowance.limit) return absl::OkStatus();
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec(absl::StrCat("INSERT INTO praise (", kPraiseColumns,
                             ") VALUES ($1, $2, $3, $4, $5, $6, $7)"),
                {praise.id, praise.from_agent_id, praise.to_agent_id, praise.message, praise.value,
                 praise.request_id, praise.sent_us})
            .status());
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("INSERT INTO events (event_id, agent_id, metric, value, occurred_at_us) "
                "VALUES ($1, $2, 'praise_received', 1, $3)",
                {absl::StrCat("praise:", praise.id), praise.to_agent_id, praise.sent_us})
            .status());
    auto rollups = PgRollupWriter::Begin(db);
    if (!rollups.ok()) return rollups.status();
    PLAUDIT_PG_RETURN_IF_ERROR(
        rollups->Added(praise.to_agent_id, "praise_received", 1, praise.sent_us));
    PLAUDIT_PG_RETURN_IF_ERROR(rollups->Flush());
    PLAUDIT_PG_RETURN_IF_ERROR(BumpGenerations(db, {"standings"}));
    result = praise;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::vector<PraiseRecord>> PostgresStore::ListPraise(const std::string& agent_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(absl::StrCat("SELECT ", kPraiseColumns,
                                    " FROM praise WHERE $1 = '' OR from_agent_id = $1 OR "
                                    "to_agent_id = $1 ORDER BY sent_us DESC, id"),
                       {agent_id});
  if (!q.ok()) return q.status();
  std::vector<PraiseRecord> praise;
  praise.reserve(q->rows());
  for (int i = 0; i < q->rows(); ++i) praise.push_back(ReadPraise(*q, i));
  return praise;
}

absl::StatusOr<int64_t> PostgresStore::CountPraiseSent(const std::string& from_agent_id,
                                                       const PraiseAllowance& allowance) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT COUNT(*) FROM praise WHERE from_agent_id = $1 AND sent_us >= $2 AND sent_us < $3",
      {from_agent_id, allowance.start_us, allowance.end_us});
  if (!q.ok()) return q.status();
  return q->Int(0, 0);
}

// Programs.

absl::StatusOr<ProgramRecord> PostgresStore::PutProgram(const ProgramRecord& program,
                                                        int64_t applied_us) {
  ProgramRecord stored;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    stored = program;
    stored.version = 1;
    // Two replicas applying the same program: the second waits on the row (or, for a new
    // program, on the primary key) and then sees the first one's version.
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("INSERT INTO programs (id, name, cadence, time_zone, version, yaml) "
                "VALUES ($1, '', '', '', 0, '') ON CONFLICT (id) DO NOTHING",
                {program.id})
            .status());
    auto current =
        db.Exec("SELECT version, yaml FROM programs WHERE id = $1 FOR UPDATE", {program.id});
    if (!current.ok()) return current.status();
    const int64_t version = current->Int(0, 0);
    if (version > 0 && current->TextView(0, 1) == program.yaml) {
      stored.version = version;
      return absl::OkStatus();
    }
    stored.version = version + 1;
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("UPDATE programs SET name = $2, cadence = $3, time_zone = $4, version = $5, "
                "yaml = $6 WHERE id = $1",
                {stored.id, stored.name, stored.cadence, stored.time_zone, stored.version,
                 stored.yaml})
            .status());
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec(
              "INSERT INTO program_versions (program_id, version, yaml, applied_us) "
              "VALUES ($1, $2, $3, $4)",
              {stored.id, stored.version, stored.yaml, applied_us != 0 ? applied_us : NowMicros()})
            .status());
    return BumpGenerations(db, {"standings"});
  }));
  return stored;
}

absl::StatusOr<std::vector<ProgramRecord>> PostgresStore::ListPrograms() {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(absl::StrCat("SELECT ", kProgramColumns, " FROM programs ORDER BY id"));
  if (!q.ok()) return q.status();
  std::vector<ProgramRecord> programs;
  for (int i = 0; i < q->rows(); ++i) programs.push_back(ReadProgram(*q, i));
  return programs;
}

absl::StatusOr<std::optional<ProgramRecord>> PostgresStore::GetProgram(const std::string& id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q =
      (*db)->Exec(absl::StrCat("SELECT ", kProgramColumns, " FROM programs WHERE id = $1"), {id});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<ProgramRecord>();
  return std::optional<ProgramRecord>(ReadProgram(*q, 0));
}

absl::StatusOr<std::optional<ProgramRecord>> PostgresStore::ProgramVersionAt(const std::string& id,
                                                                             int64_t at_us) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  // Versions applied by then, newest first; failing that, the first version.
  auto q = (*db)->Exec(
      "SELECT version, yaml FROM program_versions WHERE program_id = $1 "
      "ORDER BY applied_us <= $2 DESC, "
      "CASE WHEN applied_us <= $2 THEN -version ELSE version END LIMIT 1",
      {id, at_us});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<ProgramRecord>();
  ProgramRecord record;
  record.id = id;
  record.version = q->Int(0, 0);
  record.yaml = q->Text(0, 1);
  return std::optional<ProgramRecord>(std::move(record));
}

absl::StatusOr<std::vector<ProgramVersionRecord>> PostgresStore::ProgramVersions(
    const std::string& id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT version, applied_us FROM program_versions WHERE program_id = $1 ORDER BY version",
      {id});
  if (!q.ok()) return q.status();
  std::vector<ProgramVersionRecord> versions;
  for (int i = 0; i < q->rows(); ++i) versions.push_back({q->Int(i, 0), q->Int(i, 1)});
  return versions;
}

absl::StatusOr<ProgramRecord> PostgresStore::SetProgramDisabled(const std::string& id,
                                                                bool disabled,
                                                                const std::string& actor,
                                                                const std::string& reason,
                                                                int64_t at_us) {
  ProgramRecord program;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    auto changed = db.Exec(
        "UPDATE programs SET disabled = $1, "
        "enabled_us = CASE WHEN NOT $1 THEN $2 ELSE enabled_us END "
        "WHERE id = $3 AND disabled <> $1",
        {disabled, at_us, id});
    if (!changed.ok()) return changed.status();
    if (changed->affected() == 1) {
      PLAUDIT_PG_RETURN_IF_ERROR(RecordCorrection(
          db, CorrectionRecord{0, disabled ? "program_disabled" : "program_enabled", id, "", actor,
                               reason, at_us}));
      PLAUDIT_PG_RETURN_IF_ERROR(BumpGenerations(db, {"standings"}));
    }
    auto read =
        db.Exec(absl::StrCat("SELECT ", kProgramColumns, " FROM programs WHERE id = $1"), {id});
    if (!read.ok()) return read.status();
    if (read->rows() == 0) {
      return absl::NotFoundError(absl::StrCat("program \"", id, "\" not found"));
    }
    program = ReadProgram(*read, 0);
    return absl::OkStatus();
  }));
  return program;
}

absl::StatusOr<std::optional<ProgramRecord>> PostgresStore::GetProgramVersion(const std::string& id,
                                                                              int64_t version) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec("SELECT yaml FROM program_versions WHERE program_id = $1 AND version = $2",
                       {id, version});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<ProgramRecord>();
  ProgramRecord record;
  record.id = id;
  record.version = version;
  record.yaml = q->Text(0, 0);
  return std::optional<ProgramRecord>(std::move(record));
}

absl::StatusOr<std::optional<int64_t>> PostgresStore::ProgramFirstAppliedUs(const std::string& id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec("SELECT MIN(applied_us) FROM program_versions WHERE program_id = $1", {id});
  if (!q.ok()) return q.status();
  if (q->rows() == 0 || q->IsNull(0, 0)) return std::optional<int64_t>();
  return std::optional<int64_t>(q->Int(0, 0));
}

// Corrections.

absl::StatusOr<std::vector<CorrectionRecord>> PostgresStore::ListCorrections(
    const std::string& subject) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT seq, kind, subject, detail, actor, reason, at_us FROM corrections "
      "WHERE $1 = '' OR subject = $1 ORDER BY seq",
      {subject});
  if (!q.ok()) return q.status();
  std::vector<CorrectionRecord> corrections;
  for (int i = 0; i < q->rows(); ++i) {
    corrections.push_back(CorrectionRecord{q->Int(i, 0), q->Text(i, 1), q->Text(i, 2),
                                           q->Text(i, 3), q->Text(i, 4), q->Text(i, 5),
                                           q->Int(i, 6)});
  }
  return corrections;
}

// Plugin state and vendor callbacks.

absl::StatusOr<bool> PostgresStore::RememberCallback(const std::string& plugin,
                                                     const std::string& digest, int64_t expires_us,
                                                     int64_t now_us) {
  bool fresh = false;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("DELETE FROM applied_callbacks WHERE expires_us <= $1", {now_us}).status());
    // Two replicas receiving the same callback: the primary key lets one of them in.
    auto inserted = db.Exec(
        "INSERT INTO applied_callbacks (plugin, digest, expires_us) VALUES ($1, $2, $3) "
        "ON CONFLICT (plugin, digest) DO NOTHING",
        {plugin, digest, expires_us});
    if (!inserted.ok()) return inserted.status();
    fresh = inserted->affected() > 0;
    return absl::OkStatus();
  }));
  return fresh;
}

absl::Status PostgresStore::ForgetCallback(const std::string& plugin, const std::string& digest) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  return (*db)
      ->Exec("DELETE FROM applied_callbacks WHERE plugin = $1 AND digest = $2", {plugin, digest})
      .status();
}

absl::StatusOr<std::optional<std::string>> PostgresStore::StateGet(const std::string& plugin,
                                                                   const std::string& key) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q =
      (*db)->Exec("SELECT value FROM plugin_state WHERE plugin = $1 AND key = $2", {plugin, key});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<std::string>();
  auto value = cipher_.Open(plugin, key, q->Text(0, 0));
  if (!value.ok()) return value.status();
  return std::optional<std::string>(*std::move(value));
}

absl::StatusOr<bool> PostgresStore::StateCommit(
    const std::string& plugin, const std::vector<std::pair<std::string, std::string>>& puts,
    const std::vector<std::string>& absent,
    const std::vector<std::pair<std::string, std::string>>& expected) {
  bool written = false;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    written = false;
    // The conditions hold for the whole transaction: every commit of this plugin's state, on
    // any replica, takes the same lock first (a key that is absent has no row to lock).
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("SELECT pg_advisory_xact_lock($1, hashtext($2))", {kStateLockClass, plugin})
            .status());
    for (const std::string& key : absent) {
      auto q = db.Exec("SELECT 1 FROM plugin_state WHERE plugin = $1 AND key = $2", {plugin, key});
      if (!q.ok()) return q.status();
      if (q->rows() > 0) return absl::OkStatus();
    }
    for (const auto& [key, value] : expected) {
      auto q =
          db.Exec("SELECT value FROM plugin_state WHERE plugin = $1 AND key = $2", {plugin, key});
      if (!q.ok()) return q.status();
      if (q->rows() == 0) return absl::OkStatus();
      auto stored = cipher_.Open(plugin, key, q->Text(0, 0));
      if (!stored.ok()) return stored.status();
      if (*stored != value) return absl::OkStatus();
    }
    for (const auto& [key, value] : puts) {
      auto sealed = cipher_.Seal(plugin, key, value);
      if (!sealed.ok()) return sealed.status();
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO plugin_state (plugin, key, value) VALUES ($1, $2, $3) "
                  "ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value",
                  {plugin, key, *sealed})
              .status());
    }
    written = true;
    return absl::OkStatus();
  }));
  return written;
}

// The audit log.

absl::StatusOr<AuditRecord> PostgresStore::AppendAuditRecord(
    const AuditEntry& entry,
    absl::FunctionRef<std::string(const AuditRecord&, const std::string&)> seal) {
  AuditRecord record;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    // One chain for every replica: appends take turns.
    PLAUDIT_PG_RETURN_IF_ERROR(db.Exec("SELECT pg_advisory_xact_lock($1)", {kAuditLock}).status());
    record = AuditRecord();
    static_cast<AuditEntry&>(record) = entry;
    record.seq = 1;
    std::string previous_mac;
    auto last = db.Exec("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (!last.ok()) return last.status();
    if (last->rows() > 0) {
      record.seq = last->Int(0, 0) + 1;
      previous_mac = last->Text(0, 1);
    }
    // The time is kept to the microsecond; seal what will be read back.
    record.time = absl::FromUnixMicros(absl::ToUnixMicros(entry.time));
    record.mac_hex = seal(record, previous_mac);
    return db
        .Exec(
            "INSERT INTO audit_log (seq, time_us, subject, roles, method, resource, outcome, "
            "request_id, detail, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            {record.seq, absl::ToUnixMicros(record.time), record.subject,
             absl::StrJoin(record.roles, std::string(1, kRoleSeparator)), record.method,
             record.resource, record.outcome, record.request_id, record.detail, record.mac_hex})
        .status();
  }));
  return record;
}

absl::StatusOr<std::vector<AuditRecord>> PostgresStore::ListAuditRecords(
    const AuditFilter& filter) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  const int64_t since_us = filter.since == absl::InfinitePast()
                               ? std::numeric_limits<int64_t>::min()
                               : absl::ToUnixMicros(filter.since);
  const int64_t until_us = filter.until == absl::InfiniteFuture()
                               ? std::numeric_limits<int64_t>::max()
                               : absl::ToUnixMicros(filter.until);
  std::vector<PgParam> params = {filter.after_seq, since_us, until_us};
  std::string sql = absl::StrCat("SELECT ", kAuditColumns,
                                 " FROM audit_log WHERE seq > $1 AND time_us >= $2 AND "
                                 "time_us < $3");
  if (!filter.subject.empty()) {
    params.push_back(filter.subject);
    absl::StrAppend(&sql, " AND subject = $", params.size());
  }
  absl::StrAppend(&sql, " ORDER BY seq");
  if (filter.limit > 0) {
    params.push_back(filter.limit);
    absl::StrAppend(&sql, " LIMIT $", params.size());
  }
  auto q = (*db)->Exec(sql, params);
  if (!q.ok()) return q.status();
  std::vector<AuditRecord> records;
  records.reserve(q->rows());
  for (int i = 0; i < q->rows(); ++i) records.push_back(ReadAuditRecord(*q, i));
  return records;
}

absl::StatusOr<bool> PostgresStore::AuditRecordExists(const std::string& method,
                                                      const std::string& resource,
                                                      const std::string& outcome) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT 1 FROM audit_log WHERE resource = $1 AND method = $2 AND outcome = $3 LIMIT 1",
      {resource, method, outcome});
  if (!q.ok()) return q.status();
  return q->rows() > 0;
}

}  // namespace plaudit

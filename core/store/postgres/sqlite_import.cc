#include "core/store/postgres/sqlite_import.h"

#include <openssl/sha.h>
#include <sqlite3.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/store/postgres/pg_connection.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/sqlite/sqlite_store.h"

namespace plaudit {
namespace {

// The tables copied, parents before the rows that name them. Not copied: the period aggregates
// (rollup_*; rebuilt from the events), the schema version and the secrets key check (the target
// keeps its own, under the same key), and SQLite's own bookkeeping.
constexpr const char* kTables[] = {
    "agents",
    "programs",
    "program_versions",
    "events",
    "retracted_events",
    "corrections",
    "decisions",
    "decision_standings",
    "decision_standing_members",
    "awards",
    "award_approvals",
    "award_history",
    "budgets",
    "budget_ledger",
    "fulfilments",
    "fulfilment_attempts",
    "plugin_state",
    "applied_callbacks",
    "praise",
    "audit_log",
    "contacts",
    "contact_facts",
    "metric_sources",
};
// What the target may hold before the copy: what creating its schema wrote.
constexpr const char* kDerivedTables[] = {"rollup_schemes", "rollup_periods", "rollups",
                                          "rollup_at_least", "rollup_thresholds"};
// Source columns with no place in the target, which must be empty: decisions.standings, emptied
// when standings became rows of decision_standings.
constexpr std::pair<const char*, const char*> kEmptiedColumns[] = {{"decisions", "standings"}};
constexpr char kKeyCheckName[] = "secrets_key_check";
// Rows per COPY message.
constexpr int kCopyBatch = 5000;

// An order-independent checksum of a table's rows: the sum, lane by lane, of each row's SHA-256
// (the first 16 bytes as two 64-bit lanes), over a canonical form of its values in which both
// databases' representations of the same value agree.
class RowSum {
 public:
  void Null() { row_.append("N;"); }
  void Integer(int64_t v) { absl::StrAppend(&row_, "I", v, ";"); }
  void Real(double v) { absl::StrAppend(&row_, "R", absl::StrFormat("%.17g", v), ";"); }
  void Bytes(std::string_view v) {
    absl::StrAppend(&row_, "S", v.size(), ":");
    row_.append(v);
    row_.push_back(';');
  }
  void EndRow() {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest;
    SHA256(reinterpret_cast<const unsigned char*>(row_.data()), row_.size(), digest.data());
    for (int lane = 0; lane < 2; ++lane) {
      uint64_t part = 0;
      std::memcpy(&part, digest.data() + 8 * lane, sizeof(part));
      lanes_[lane] += part;
    }
    row_.clear();
    ++rows_;
  }
  int64_t rows() const { return rows_; }
  std::string Hex() const { return absl::StrFormat("%016x%016x", lanes_[0], lanes_[1]); }

 private:
  std::string row_;
  std::array<uint64_t, 2> lanes_ = {0, 0};
  int64_t rows_ = 0;
};

// A statement on the source; errors name the SQL.
class SourceQuery {
 public:
  SourceQuery(sqlite3* db, const std::string& sql) : sql_(sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      status_ = absl::InternalError(absl::StrCat("sqlite: ", sqlite3_errmsg(db), " in: ", sql));
    }
  }
  ~SourceQuery() { sqlite3_finalize(stmt_); }
  SourceQuery(const SourceQuery&) = delete;
  SourceQuery& operator=(const SourceQuery&) = delete;
  bool Step() {
    if (!status_.ok()) return false;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) {
      status_ = absl::InternalError(
          absl::StrCat("sqlite: ", sqlite3_errmsg(sqlite3_db_handle(stmt_)), " in: ", sql_));
    }
    return false;
  }
  sqlite3_stmt* get() const { return stmt_; }
  const absl::Status& status() const { return status_; }
  std::string Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text == nullptr ? "" : std::string(text, sqlite3_column_bytes(stmt_, column));
  }

 private:
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  absl::Status status_;
};

// A target column: its name and PostgreSQL type, and what the source gives it: a column of the
// same name, or SQLite's rowid (a `row` column that records the order rows were stored in).
struct Column {
  std::string name;
  std::string type;  // information_schema's data_type: text, bigint, boolean, ...
  std::string source;
  // An identity column: the copy sets its sequence to go on after the values copied.
  bool identity = false;
};

absl::StatusOr<std::vector<Column>> PlanColumns(sqlite3* source, PgConnection& target,
                                                const std::string& table) {
  std::set<std::string> source_columns;
  {
    SourceQuery q(source, absl::StrCat("SELECT name FROM pragma_table_info('", table, "')"));
    while (q.Step()) source_columns.insert(q.Text(0));
    if (!q.status().ok()) return q.status();
  }
  if (source_columns.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("the source database has no table ", table));
  }
  for (const auto& [emptied_table, column] : kEmptiedColumns) {
    if (table != emptied_table || source_columns.erase(column) == 0) continue;
    SourceQuery filled(source, absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE ", column,
                                            " IS NOT NULL AND ", column, " != ''"));
    if (!filled.Step()) return filled.status();
    if (sqlite3_column_int64(filled.get(), 0) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("table ", table, ": column ", column, " still holds data"));
    }
  }
  auto target_columns = target.Exec(
      "SELECT column_name, data_type, column_default IS NOT NULL OR is_identity = 'YES', "
      "is_identity = 'YES' "
      "FROM information_schema.columns WHERE table_schema = current_schema() AND "
      "table_name = $1 ORDER BY ordinal_position",
      {table});
  if (!target_columns.ok()) return target_columns.status();
  std::vector<Column> columns;
  for (int i = 0; i < target_columns->rows(); ++i) {
    Column column{target_columns->Text(i, 0), target_columns->Text(i, 1), "",
                  target_columns->Bool(i, 3)};
    if (source_columns.erase(column.name) > 0) {
      column.source = column.name;
    } else if (column.name == "row") {
      column.source = "rowid";
    } else if (target_columns->Bool(i, 2)) {
      continue;  // Its default fills it (a replica's lease, say).
    } else {
      return absl::FailedPreconditionError(absl::StrCat(
          "table ", table, ": the source has no column ", column.name, " for the target's"));
    }
    columns.push_back(std::move(column));
  }
  if (!source_columns.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("table ", table, ": the target has no column ", *source_columns.begin(),
                     " for the source's"));
  }
  return columns;
}

// A value in COPY's text format for a column of `type`.
void AppendCopyValue(sqlite3_stmt* row, int i, const std::string& type, std::string* out) {
  switch (sqlite3_column_type(row, i)) {
    case SQLITE_NULL:
      out->append("\\N");
      return;
    case SQLITE_INTEGER:
      if (type == "boolean") {
        out->append(sqlite3_column_int64(row, i) != 0 ? "t" : "f");
      } else {
        absl::StrAppend(out, sqlite3_column_int64(row, i));
      }
      return;
    case SQLITE_FLOAT:
      out->append(absl::StrFormat("%.17g", sqlite3_column_double(row, i)));
      return;
    default:
      break;
  }
  const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(row, i));
  const int size = sqlite3_column_bytes(row, i);
  if (type == "bytea") {
    out->append("\\\\x");
    for (int b = 0; b < size; ++b) absl::StrAppend(out, absl::Hex(bytes[b], absl::kZeroPad2));
    return;
  }
  for (int b = 0; b < size; ++b) {
    const char c = static_cast<char>(bytes[b]);
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

// The source value's part of the row checksum.
void AddSourceValue(sqlite3_stmt* row, int i, RowSum* sum) {
  switch (sqlite3_column_type(row, i)) {
    case SQLITE_NULL:
      sum->Null();
      return;
    case SQLITE_INTEGER:
      sum->Integer(sqlite3_column_int64(row, i));
      return;
    case SQLITE_FLOAT:
      sum->Real(sqlite3_column_double(row, i));
      return;
    default:
      sum->Bytes(std::string_view(static_cast<const char*>(sqlite3_column_blob(row, i)),
                                  static_cast<size_t>(sqlite3_column_bytes(row, i))));
  }
}

// The same for a value the target holds.
void AddTargetValue(const PgResult& rows, int r, int i, const std::string& type, RowSum* sum) {
  if (rows.IsNull(r, i)) {
    sum->Null();
  } else if (type == "boolean") {
    sum->Integer(rows.Bool(r, i) ? 1 : 0);
  } else if (type == "bigint" || type == "integer" || type == "smallint") {
    sum->Integer(rows.Int(r, i));
  } else if (type == "double precision" || type == "real") {
    sum->Real(rows.Double(r, i));
  } else if (type == "bytea") {
    sum->Bytes(rows.Bytes(r, i));
  } else {
    sum->Bytes(rows.TextView(r, i));
  }
}

std::string SelectList(const std::vector<Column>& columns, bool source) {
  std::vector<std::string> names;
  for (const Column& column : columns) {
    names.push_back(source ? column.source : absl::StrCat("\"", column.name, "\""));
  }
  return absl::StrJoin(names, ", ");
}

// Copies one table, returning the source's count and checksum.
absl::StatusOr<CopiedTable> CopyTable(sqlite3* source, PgConnection& target,
                                      const std::string& table,
                                      const std::vector<Column>& columns) {
  const std::string target_list = SelectList(columns, /*source=*/false);
  // Identity columns take the source's values (OVERRIDING SYSTEM VALUE), through a staging table.
  PLAUDIT_PG_RETURN_IF_ERROR(target
                                 .Exec(absl::StrCat("CREATE TEMP TABLE import_rows (LIKE ", table,
                                                    " INCLUDING DEFAULTS) ON COMMIT DROP"))
                                 .status());
  const bool has_rowid = [&] {
    SourceQuery probe(source, absl::StrCat("SELECT rowid FROM ", table, " LIMIT 1"));
    return probe.status().ok();
  }();
  SourceQuery rows(source, absl::StrCat("SELECT ", SelectList(columns, /*source=*/true), " FROM ",
                                        table, has_rowid ? " ORDER BY rowid" : ""));
  if (!rows.status().ok()) return rows.status();
  const std::string copy = absl::StrCat("COPY import_rows (", target_list, ") FROM STDIN");
  RowSum sum;
  std::string buffer;
  int pending = 0;
  while (rows.Step()) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) buffer.push_back('\t');
      AppendCopyValue(rows.get(), static_cast<int>(i), columns[i].type, &buffer);
      AddSourceValue(rows.get(), static_cast<int>(i), &sum);
    }
    buffer.push_back('\n');
    sum.EndRow();
    if (++pending == kCopyBatch) {
      PLAUDIT_PG_RETURN_IF_ERROR(target.CopyIn(copy, buffer).status());
      buffer.clear();
      pending = 0;
    }
  }
  if (!rows.status().ok()) return rows.status();
  if (pending > 0) PLAUDIT_PG_RETURN_IF_ERROR(target.CopyIn(copy, buffer).status());
  PLAUDIT_PG_RETURN_IF_ERROR(
      target
          .Exec(absl::StrCat("INSERT INTO ", table, " (", target_list, ") OVERRIDING SYSTEM VALUE ",
                             "SELECT ", target_list, " FROM import_rows"))
          .status());
  PLAUDIT_PG_RETURN_IF_ERROR(target.Exec("DROP TABLE import_rows").status());
  // Identities go on after the highest value copied.
  for (const Column& column : columns) {
    if (!column.identity) continue;
    PLAUDIT_PG_RETURN_IF_ERROR(
        target
            .Exec(absl::StrCat("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(\"",
                               column.name, "\"), 0) + 1, false) FROM ", table),
                  {table, column.name})
            .status());
  }
  return CopiedTable{table, sum.rows(), sum.Hex()};
}

// The target's count and checksum of a table, read back inside the copying transaction.
absl::StatusOr<CopiedTable> SumTarget(PgConnection& target, const std::string& table,
                                      const std::vector<Column>& columns) {
  RowSum sum;
  PLAUDIT_PG_RETURN_IF_ERROR(target.ForEach(
      absl::StrCat("SELECT ", SelectList(columns, /*source=*/false), " FROM ", table), {}, 5000,
      [&](const PgResult& rows, int r) {
        for (size_t i = 0; i < columns.size(); ++i) {
          AddTargetValue(rows, r, static_cast<int>(i), columns[i].type, &sum);
        }
        sum.EndRow();
        return absl::OkStatus();
      }));
  return CopiedTable{table, sum.rows(), sum.Hex()};
}

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

}  // namespace

absl::StatusOr<std::vector<CopiedTable>> ImportSqliteIntoPostgres(
    const std::string& sqlite_path, const std::string& dsn, const StateCipher& cipher,
    const std::function<void(const CopiedTable&)>& progress) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(sqlite_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, SqliteCloser> source(raw);
  if (opened != SQLITE_OK) {
    return absl::NotFoundError(absl::StrCat("cannot open ", sqlite_path, ": ",
                                            raw != nullptr ? sqlite3_errmsg(raw) : "no memory"));
  }
  sqlite3_busy_timeout(source.get(), 10000);
  // One snapshot from the first read on, whatever a running plauditd writes meanwhile.
  if (sqlite3_exec(source.get(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("sqlite: ", sqlite3_errmsg(source.get())));
  }
  {
    SourceQuery version(source.get(), "SELECT version FROM schema_version");
    const bool has_version = version.Step();
    if (!has_version) {
      return absl::NotFoundError(absl::StrCat(
          sqlite_path, " is not a Plaudit database (",
          version.status().ok() ? "no schema version" : version.status().message(), ")"));
    }
    const int64_t found = sqlite3_column_int64(version.get(), 0);
    if (found != SqliteStore::SchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrCat(
          sqlite_path, " has schema version ", found, "; this plaudit copies version ",
          SqliteStore::SchemaVersion(), " (start this release's plauditd on it once first)"));
    }
  }
  {
    SourceQuery check(source.get(), "SELECT sealed FROM secrets_key_check");
    while (check.Step()) {
      if (!cipher.Open("", kKeyCheckName, check.Text(0)).ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat(sqlite_path,
                         " was sealed under another secrets key than the one given; give its own "
                         "(the source data directory's secrets.key, or its secrets.key_file)"));
      }
    }
    if (!check.status().ok()) return check.status();
  }

  // Creates or migrates the target's schema, and checks the key against a target sealed before.
  {
    auto store = PostgresStore::Open({dsn, 1}, cipher);
    if (!store.ok()) return store.status();
  }
  auto target = PgConnection::Connect(dsn);
  if (!target.ok()) return target.status();
  PgTransaction txn(**target);
  PLAUDIT_PG_RETURN_IF_ERROR(txn.status());
  // Nothing else writes the target while it is filled (replicas started early wait).
  for (const char* table : kTables) {
    PLAUDIT_PG_RETURN_IF_ERROR(
        (*target)->Exec(absl::StrCat("LOCK TABLE ", table, " IN EXCLUSIVE MODE")).status());
  }
  std::vector<std::string> checked(std::begin(kTables), std::end(kTables));
  checked.insert(checked.end(), std::begin(kDerivedTables), std::end(kDerivedTables));
  for (const std::string& table : checked) {
    auto any = (*target)->Exec(absl::StrCat("SELECT EXISTS (SELECT 1 FROM ", table, ")"));
    if (!any.ok()) return any.status();
    if (any->Bool(0, 0)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the target database is not empty (table ", table,
                       " has rows); migrate only into a new database"));
    }
  }

  std::vector<CopiedTable> copied;
  for (const char* table : kTables) {
    auto columns = PlanColumns(source.get(), **target, table);
    if (!columns.ok()) return columns.status();
    auto from = CopyTable(source.get(), **target, table, *columns);
    if (!from.ok()) {
      return absl::Status(from.status().code(),
                          absl::StrCat("copying ", table, ": ", from.status().message()));
    }
    auto to = SumTarget(**target, table, *columns);
    if (!to.ok()) return to.status();
    if (to->rows != from->rows || to->checksum != from->checksum) {
      return absl::DataLossError(absl::StrCat(
          "table ", table, ": the source has ", from->rows, " rows (checksum ", from->checksum,
          "), the target ", to->rows, " (checksum ", to->checksum, "); nothing was committed"));
    }
    if (progress) progress(*from);
    copied.push_back(*std::move(from));
  }
  PLAUDIT_PG_RETURN_IF_ERROR(txn.Commit());
  return copied;
}

}  // namespace plaudit

#include "core/store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace plaudit {
namespace {

// The first line of libpq's message, without its trailing newline.
std::string Trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  absl::StripTrailingAsciiWhitespace(&text);
  return text;
}

// A failed statement as a status whose code says what the caller may do about it.
absl::Status ResultError(pg_conn* conn, const pg_result* result, std::string_view sql) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string code = state == nullptr ? "" : state;
  std::string message =
      Trimmed(result == nullptr ? PQerrorMessage(conn) : PQresultErrorMessage(result));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn));
  // The statement's first line, enough to tell which one failed.
  const std::string_view first_line = sql.substr(0, std::min<size_t>(sql.find('\n'), 80));
  const std::string text =
      absl::StrCat("postgres: ", message, " (in \"",
                   absl::string_view(first_line.data(), first_line.size()), "\")");
  if (PQstatus(conn) != CONNECTION_OK) return absl::UnavailableError(text);
  // SQLSTATE 23505 unique_violation; 40001 serialization_failure; 40P01 deadlock_detected;
  // class 53 insufficient resources (disk full, out of memory, too many connections); class 08
  // connection exceptions.
  if (code == "23505") return absl::AlreadyExistsError(text);
  if (code == "40001" || code == "40P01") return absl::AbortedError(text);
  if (code.rfind("53", 0) == 0) return absl::ResourceExhaustedError(text);
  if (code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0) return absl::UnavailableError(text);
  return absl::InternalError(text);
}

}  // namespace

PgParam::PgParam(int64_t value) : text_(absl::StrCat(value)) {}

PgParam::PgParam(double value) {
  // The shortest text that reads back as exactly `value` (float8in parses it exactly).
  char buffer[32];
  const std::to_chars_result end = std::to_chars(buffer, buffer + sizeof(buffer), value);
  text_ = std::string(buffer, end.ptr);
}

PgParam PgParam::Bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "\\x";
  text.reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    text.push_back(kHex[c >> 4]);
    text.push_back(kHex[c & 0xf]);
  }
  return PgParam(text);
}

std::string PgTextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string PgNumberArray(const std::vector<double>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += *PgParam(items[i]).text();
  }
  out.push_back('}');
  return out;
}

std::string PgNumberArray(const std::vector<int64_t>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, items[i]);
  }
  out.push_back('}');
  return out;
}

PgResult::~PgResult() { PQclear(result_); }

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(result_); }

int64_t PgResult::affected() const {
  int64_t count = 0;
  (void)absl::SimpleAtoi(PQcmdTuples(result_), &count);
  return count;
}

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view PgResult::TextView(int row, int column) const {
  return std::string_view(PQgetvalue(result_, row, column),
                          static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t PgResult::Int(int row, int column) const {
  int64_t value = 0;
  const std::string_view text = TextView(row, column);
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

double PgResult::Double(int row, int column) const {
  double value = 0;
  const std::string_view text = TextView(row, column);
  // float8out writes the shortest exact text, or NaN, Infinity, -Infinity.
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

bool PgResult::Bool(int row, int column) const { return TextView(row, column) == "t"; }

std::string PgResult::Bytes(int row, int column) const {
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (bytes == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& dsn) {
  pg_conn* conn = PQconnectdb(dsn.c_str());
  if (conn == nullptr) return absl::ResourceExhaustedError("postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("postgres: cannot connect: ", message));
  }
  std::unique_ptr<PgConnection> connection(new PgConnection(conn));
  // Quiet notices (IF NOT EXISTS ...), and times in UTC wherever the server is.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto set = connection->Exec("SET TIME ZONE 'UTC'");
  if (!set.ok()) return set.status();
  return connection;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

absl::StatusOr<PgResult> PgConnection::Exec(std::string_view sql,
                                            const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p.text() ? p.text()->c_str() : nullptr);
  const std::string text(sql);
  pg_result* raw = PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, /*resultFormat=*/0);
  PgResult result(raw);
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ResultError(conn_, raw, sql);
  }
  return result;
}

absl::Status PgConnection::ForEach(std::string_view sql, const std::vector<PgParam>& params,
                                   int batch,
                                   absl::FunctionRef<absl::Status(const PgResult&, int)> row) {
  const std::string cursor = absl::StrCat("plaudit_cursor_", ++cursors_);
  auto declared = Exec(absl::StrCat("DECLARE ", cursor, " NO SCROLL CURSOR FOR ",
                                    absl::string_view(sql.data(), sql.size())),
                       params);
  if (!declared.ok()) return declared.status();
  const std::string fetch = absl::StrCat("FETCH FORWARD ", batch, " FROM ", cursor);
  absl::Status status;
  while (status.ok()) {
    auto rows = Exec(fetch);
    if (!rows.ok()) return rows.status();
    for (int i = 0; i < rows->rows() && status.ok(); ++i) status = row(*rows, i);
    if (rows->rows() < batch) break;
  }
  auto closed = Exec(absl::StrCat("CLOSE ", cursor));
  if (status.ok() && !closed.ok()) status = closed.status();
  return status;
}

absl::StatusOr<int64_t> PgConnection::CopyIn(std::string_view copy, std::string_view data) {
  const std::string text(copy);
  {
    pg_result* raw = PQexec(conn_, text.c_str());
    PgResult started(raw);
    if (raw == nullptr || PQresultStatus(raw) != PGRES_COPY_IN) {
      return ResultError(conn_, raw, copy);
    }
  }
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    const size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) break;
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    return absl::UnavailableError(
        absl::StrCat("postgres: copy failed: ", Trimmed(PQerrorMessage(conn_))));
  }
  absl::StatusOr<int64_t> rows = int64_t{0};
  while (pg_result* raw = PQgetResult(conn_)) {
    PgResult result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK) {
      rows = ResultError(conn_, raw, copy);
    } else if (rows.ok()) {
      rows = result.affected();
    }
  }
  return rows;
}

absl::Status PgConnection::Script(std::string_view sql) {
  const std::string text(sql);
  // PQexec runs every statement and returns the last one's result; an error stops it there.
  pg_result* raw = PQexec(conn_, text.c_str());
  PgResult result(raw);
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ResultError(conn_, raw, sql);
  }
  return absl::OkStatus();
}

PgTransaction::PgTransaction(PgConnection& connection) : connection_(connection) {
  auto begun = connection_.Exec("BEGIN");
  status_ = begun.status();
  open_ = status_.ok();
}

PgTransaction::~PgTransaction() {
  if (open_) (void)connection_.Exec("ROLLBACK");
}

absl::Status PgTransaction::Commit() {
  if (!open_) return status_.ok() ? absl::FailedPreconditionError("no transaction") : status_;
  open_ = false;
  auto committed = connection_.Exec("COMMIT");
  if (!committed.ok()) {
    (void)connection_.Exec("ROLLBACK");
    return committed.status();
  }
  return absl::OkStatus();
}

PgPool::~PgPool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->Return(std::move(connection_));
}

absl::StatusOr<PgPool::Lease> PgPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](PgPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
          return !pool->idle_.empty() || pool->open_ < pool->size_;
        },
        this));
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      ++lent_;
      return Lease(this, std::move(connection));
    }
    ++open_;
    ++lent_;
  }
  // Connect outside the lock: it may take a while, and others may return connections meanwhile.
  auto connection = PgConnection::Connect(dsn_);
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    --lent_;
    return connection.status();
  }
  return Lease(this, *std::move(connection));
}

void PgPool::Return(std::unique_ptr<PgConnection> connection) {
  absl::MutexLock lock(&mu_);
  --lent_;
  if (connection->ok()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
}

int PgPool::in_use() const {
  absl::MutexLock lock(&mu_);
  return lent_;
}

int PgPool::idle() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(idle_.size());
}

}  // namespace plaudit

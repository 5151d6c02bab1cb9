// Thin RAII wrappers over libpq used by PostgresStore: a connection, its results, a transaction
// and a pool of connections. Parameters and results travel as text (PostgreSQL's own input and
// output functions do the conversions, so a double goes both ways exactly). A connection is not
// thread-safe; the pool is.
#ifndef PLAUDIT_CORE_STORE_POSTGRES_PG_CONNECTION_H_
#define PLAUDIT_CORE_STORE_POSTGRES_PG_CONNECTION_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct pg_conn;
struct pg_result;

// Returns the status of `expr` from the enclosing function unless it is OK.
#define PLAUDIT_PG_RETURN_IF_ERROR(expr) \
  do {                                   \
    absl::Status _status = (expr);       \
    if (!_status.ok()) return _status;   \
  } while (false)

namespace plaudit {

// One parameter of a statement, as text; NULL when unset.
class PgParam {
 public:
  PgParam(std::string_view text) : text_(std::string(text)) {}  // NOLINT: implicit on purpose.
  PgParam(const std::string& text) : text_(text) {}             // NOLINT
  PgParam(const char* text) : text_(std::string(text)) {}       // NOLINT
  PgParam(int64_t value);                                       // NOLINT
  PgParam(int value) : PgParam(static_cast<int64_t>(value)) {}  // NOLINT
  PgParam(bool value) : text_(value ? "t" : "f") {}             // NOLINT
  PgParam(double value);                                        // NOLINT
  static PgParam Null() { return PgParam(); }
  // Bytes, sent as a bytea literal (hex).
  static PgParam Bytes(std::string_view bytes);

  const std::optional<std::string>& text() const { return text_; }

 private:
  PgParam() = default;
  std::optional<std::string> text_;
};

// An array parameter as PostgreSQL's array literal: "{"a","b"}" with quotes and backslashes
// escaped, for `= ANY($1::text[])` and `unnest($1::text[], ...)`.
std::string PgTextArray(const std::vector<std::string>& items);
// Numbers the same way: "{1.5,2}".
std::string PgNumberArray(const std::vector<double>& items);
std::string PgNumberArray(const std::vector<int64_t>& items);

// The rows of one statement. Columns are read by index, as text converted on the way.
class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  // The rows a statement without RETURNING changed (INSERT, UPDATE, DELETE).
  int64_t affected() const;
  bool IsNull(int row, int column) const;
  std::string_view TextView(int row, int column) const;
  std::string Text(int row, int column) const { return std::string(TextView(row, column)); }
  int64_t Int(int row, int column) const;
  double Double(int row, int column) const;
  bool Bool(int row, int column) const;
  // A bytea column's bytes.
  std::string Bytes(int row, int column) const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Connects to `dsn` (a postgresql:// URI or key=value pairs). UNAVAILABLE naming the server's
  // answer when it cannot.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& dsn);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with $1, $2, ... bound to `params`. Errors name what failed and the
  // server's message; a unique violation is ALREADY_EXISTS, a serialisation failure or deadlock
  // ABORTED (retry the transaction), a lost connection UNAVAILABLE.
  absl::StatusOr<PgResult> Exec(std::string_view sql, const std::vector<PgParam>& params = {});
  absl::StatusOr<PgResult> Exec(std::string_view sql, std::initializer_list<PgParam> params) {
    return Exec(sql, std::vector<PgParam>(params));
  }
  // Runs a query through a server-side cursor, `batch` rows at a time, calling `row` for each
  // until it returns an error (returned) or the rows end: results of any size in bounded memory.
  // Only inside a transaction (PgTransaction).
  absl::Status ForEach(std::string_view sql, const std::vector<PgParam>& params, int batch,
                       absl::FunctionRef<absl::Status(const PgResult&, int)> row);
  // Runs `copy` (COPY ... FROM STDIN) with `data` as its input, in COPY's text format; the
  // number of rows copied.
  absl::StatusOr<int64_t> CopyIn(std::string_view copy, std::string_view data);
  // Runs statements separated by semicolons, without parameters (migrations).
  absl::Status Script(std::string_view sql);
  // Whether the connection is still usable (a pool drops broken ones).
  bool ok() const;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
  // Numbers the cursors ForEach opens, so that nested ones do not meet.
  int64_t cursors_ = 0;
};

// BEGIN ... COMMIT on one connection, rolled back unless Commit() succeeds.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  const absl::Status& status() const { return status_; }
  absl::Status Commit();

 private:
  PgConnection& connection_;
  bool open_ = false;
  absl::Status status_;
};

// Up to `size` connections to one database, opened when first needed and reused.
class PgPool {
 public:
  PgPool(std::string dsn, int size) : dsn_(std::move(dsn)), size_(size < 1 ? 1 : size) {}
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection lent out until destroyed, when it goes back to the pool (or is closed when
  // broken).
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *connection_; }
    PgConnection* operator->() const { return connection_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // Waits while every connection is lent out.
  absl::StatusOr<Lease> Acquire();

  // Connections lent out now, and open but idle.
  int in_use() const;
  int idle() const;

 private:
  void Return(std::unique_ptr<PgConnection> connection);

  const std::string dsn_;
  const int size_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int lent_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_POSTGRES_PG_CONNECTION_H_

// Exports:
//   plaudit export DATASET [--program P] [--period L] [--from T] [--to T] [--team T] [--agent A]
//                  [--format csv|ndjson] [-o FILE] [--resume]
// DATASET is events, agents, standings, awards, fulfilments, budget-ledger, praise or audit.
// The rows stream from plauditd a batch at a time and are written as they come, so neither side
// holds the export in memory. docs/exports.md lists every dataset's columns.
//
// CSV: UTF-8, one header row, the columns in a fixed order; nested lists (a standing's metrics, an
// award's transitions, a reward's attempts) are flattened to one line each, the parent's columns
// repeated. Text cells beginning with = + - @ are written with a leading apostrophe so that a
// spreadsheet shows them instead of running them as formulas. NDJSON: one object per exported row,
// nested lists as arrays. Times are UTC RFC 3339; money is a decimal string beside its currency.
//
// With -o FILE, the cursor of the last batch written is kept in FILE.export-state together with
// the file's length at that point; --resume cuts the file back to that length and goes on from
// the cursor, so an interrupted export ends with every row exactly once. The state file is removed
// when the export completes.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/plaudit/commands.h"
#include "clients/plaudit/import_progress.h"
#include "clients/plaudit/output.h"
#include "clients/plaudit/time_text.h"
#include "plaudit/v1/exports.grpc.pb.h"

namespace plaudit::cli {
namespace {

using Json = nlohmann::ordered_json;

// An export may run for a long time; an interrupted one resumes.
constexpr std::chrono::seconds kExportDeadline{12 * 60 * 60};

struct ExportOptions {
  std::string dataset;
  std::string program;
  std::string period;
  std::string from;
  std::string to;
  std::string team;
  std::string agent;
  std::string format = "csv";
  std::string output;
  int batch_size = 0;
  bool resume = false;
};

// Writes `value` as `width` decimal digits at `out`.
void PutDigits(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Appends "2026-10-05T12:03:00Z", with ".123456" when the time has a fraction of a second.
// Written digit by digit (an export writes one per row, and printf was most of its time), for
// years 0 to 9999.
void AppendRfc3339(int64_t seconds, int64_t micros, std::string& out) {
  int64_t day = seconds / 86400;
  int64_t of_day = seconds % 86400;
  if (of_day < 0) {
    of_day += 86400;
    --day;
  }
  // Rows come in time order, so most share the day of the row before: its date is kept.
  thread_local int64_t cached_day = std::numeric_limits<int64_t>::min();
  thread_local char cached_date[11];
  if (day != cached_day) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
    char date[12] = "0000-00-00T";
    PutDigits(date, static_cast<int>(ymd.year()), 4);
    PutDigits(date + 5, static_cast<unsigned>(ymd.month()), 2);
    PutDigits(date + 8, static_cast<unsigned>(ymd.day()), 2);
    std::memcpy(cached_date, date, sizeof(cached_date));
    cached_day = day;
  }
  char text[32] = "0000-00-00T00:00:00";
  std::memcpy(text, cached_date, sizeof(cached_date));
  PutDigits(text + 11, of_day / 3600, 2);
  PutDigits(text + 14, of_day / 60 % 60, 2);
  PutDigits(text + 17, of_day % 60, 2);
  size_t length = 19;
  if (micros != 0) {
    text[length++] = '.';
    PutDigits(text + length, micros, 6);
    length += 6;
  }
  text[length++] = 'Z';
  out.append(text, length);
}

// Microseconds since the epoch, as AppendRfc3339 writes them.
void AppendRfc3339Micros(int64_t us, std::string& out) {
  int64_t seconds = us / 1000000;
  int64_t micros = us % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  AppendRfc3339(seconds, micros, out);
}

// "" when unset.
std::string Rfc3339(bool set, const google::protobuf::Timestamp& t) {
  std::string text;
  if (set) AppendRfc3339(t.seconds(), t.nanos() / 1000, text);
  return text;
}

// The shortest text that reads back as `value`.
void AppendNumber(double value, std::string& out) {
  char buffer[32];
  // A whole number of fewer than six digits (most counts and scores) is written as an integer,
  // which is quicker: the shortest form is the same digits for these (ties go to the plain form),
  // and only from 100000 on can the exponent form (1e+05) be shorter. -0 keeps its sign below.
  if (value > -100000 && value < 100000 && value == std::trunc(value) &&
      !(value == 0 && std::signbit(value))) {
    const auto written =
        std::to_chars(buffer, buffer + sizeof(buffer), static_cast<int32_t>(value));
    out.append(buffer, written.ptr);
    return;
  }
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

// One CSV line being written into `out`.
class CsvLine {
 public:
  explicit CsvLine(std::string& out) : out_(out) {}
  CsvLine& Text(std::string_view text) {
    Separate();
    const bool formula = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' ||
                                           text[0] == '@' || text[0] == '\t' || text[0] == '\r');
    bool plain = !formula;
    for (size_t i = 0; plain && i < text.size(); ++i) {
      const char c = text[i];
      plain = c != ',' && c != '"' && c != '\r' && c != '\n';
    }
    if (plain) {
      out_.append(text);
      return *this;
    }
    out_.push_back('"');
    if (formula) out_.push_back('\'');
    for (char c : text) {
      if (c == '"') out_.push_back('"');
      out_.push_back(c);
    }
    out_.push_back('"');
    return *this;
  }
  CsvLine& Number(double value) {
    Separate();
    AppendNumber(value, out_);
    return *this;
  }
  CsvLine& Integer(int64_t value) {
    Separate();
    char buffer[24];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out_.append(buffer, error == std::errc() ? end : buffer);
    return *this;
  }
  CsvLine& Bool(bool value) {
    Separate();
    out_.append(value ? "true" : "false");
    return *this;
  }
  CsvLine& Time(bool set, const google::protobuf::Timestamp& t) {
    Separate();
    if (set) AppendRfc3339(t.seconds(), t.nanos() / 1000, out_);
    return *this;
  }
  CsvLine& Micros(int64_t us) {
    Separate();
    AppendRfc3339Micros(us, out_);
    return *this;
  }
  // A cell already written as CSV (CsvCell()).
  CsvLine& Cell(std::string_view cell) {
    Separate();
    out_.append(cell);
    return *this;
  }
  // Empty cells, for a parent without nested rows.
  CsvLine& Empty(int count) {
    for (int i = 0; i < count; ++i) Separate();
    return *this;
  }
  void End() { out_.push_back('\n'); }

 private:
  void Separate() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

// `text` as one CSV cell, quoted and guarded as CsvLine writes it.
std::string CsvCell(std::string_view text) {
  std::string cell;
  CsvLine(cell).Text(text);
  return cell;
}

// `text` as a JSON string. Text of printable ASCII without quotes or backslashes (nearly every id)
// is written as it is; anything else goes through the JSON library.
void AppendJsonString(std::string_view text, std::string& out) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out.append(Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace));
    return;
  }
  out.push_back('"');
  out.append(text);
  out.push_back('"');
}

// A double as the JSON library writes one: a whole number keeps ".0", so that readers take the
// value for a number with a fraction in every row.
void AppendJsonNumber(double value, std::string& out) {
  const size_t start = out.size();
  AppendNumber(value, out);
  if (out.find_first_of(".eE", start) == std::string::npos) out.append(".0");
}

std::string JoinParams(const google::protobuf::Map<std::string, std::string>& params) {
  std::map<std::string, std::string> sorted(params.begin(), params.end());
  return absl::StrJoin(sorted, ";", absl::PairFormatter("="));
}

Json TimeJson(bool set, const google::protobuf::Timestamp& t) {
  return set ? Json(Rfc3339(true, t)) : Json(nullptr);
}

// Each dataset: its RPC, its CSV columns, and how a batch is written as CSV lines or NDJSON
// objects. Datasets whose batches hold rows give Csv() and ToJson() for a row (RowBatches).
template <typename Spec>
struct RowBatches {
  template <typename Batch>
  static int Rows(const Batch& batch) {
    return batch.rows_size();
  }
  // Appends the batch's lines; why not, when the batch cannot be read.
  template <typename Batch>
  static std::string Write(const Batch& batch, bool csv, std::string& out) {
    for (const auto& row : batch.rows()) {
      if (csv) {
        Spec::Csv(row, out);
      } else {
        out.append(Spec::ToJson(row).dump(-1, ' ', false, Json::error_handler_t::replace));
        out.push_back('\n');
      }
    }
    return "";
  }
};

// Events come in columns (exports.proto): each metric is written out once per batch.
struct EventsSpec {
  using Batch = v1::ExportEventsBatch;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportEvents(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"event_id", "agent_id", "metric", "value", "occurred_at"};
  }
  static int Rows(const Batch& batch) { return batch.event_id_lengths_size(); }
  // Whether a text column's lengths count `rows` and cover its text exactly.
  static bool Fits(const std::string& text,
                   const google::protobuf::RepeatedField<uint32_t>& lengths, int rows) {
    if (lengths.size() != rows) return false;
    uint64_t total = 0;
    for (const uint32_t length : lengths) total += length;
    return total == text.size();
  }
  static std::string Write(const Batch& batch, bool csv, std::string& out) {
    std::vector<std::string> metrics;
    metrics.reserve(static_cast<size_t>(batch.metrics_size()));
    for (const std::string& name : batch.metrics()) {
      if (csv) {
        metrics.push_back(CsvCell(name));
      } else {
        metrics.emplace_back();
        AppendJsonString(name, metrics.back());
      }
    }
    const int rows = Rows(batch);
    if (!Fits(batch.event_ids(), batch.event_id_lengths(), rows) ||
        !Fits(batch.agent_ids(), batch.agent_id_lengths(), rows) ||
        batch.metric_index_size() != rows || batch.values_size() != rows ||
        batch.occurred_at_steps_us_size() != rows) {
      return "an events batch whose columns differ in length";
    }
    const char* event_id = batch.event_ids().data();
    const char* agent_id = batch.agent_ids().data();
    // The rows' times are steps from the one before, the first from zero (exports.proto).
    int64_t occurred_at_us = 0;
    for (int i = 0; i < rows; ++i) {
      const int64_t step = batch.occurred_at_steps_us(i);
      if (i > 0 && step < 0) {
        return absl::StrCat("an events batch whose row ", i + 1, " goes back in time");
      }
      if (__builtin_add_overflow(occurred_at_us, step, &occurred_at_us)) {
        return absl::StrCat("an events batch whose row ", i + 1, " has a time out of range");
      }
      const std::string_view event(event_id, batch.event_id_lengths(i));
      const std::string_view agent(agent_id, batch.agent_id_lengths(i));
      event_id += event.size();
      agent_id += agent.size();
      if (batch.metric_index(i) >= metrics.size()) {
        return absl::StrCat("an events batch whose row ", i + 1,
                            " names a metric the batch does not hold");
      }
      const std::string_view metric = metrics[batch.metric_index(i)];
      if (csv) {
        CsvLine(out)
            .Text(event)
            .Text(agent)
            .Cell(metric)
            .Number(batch.values(i))
            .Micros(occurred_at_us)
            .End();
        continue;
      }
      out.append("{\"event_id\":");
      AppendJsonString(event, out);
      out.append(",\"agent_id\":");
      AppendJsonString(agent, out);
      out.append(",\"metric\":");
      out.append(metric);
      out.append(",\"value\":");
      AppendJsonNumber(batch.values(i), out);
      out.append(",\"occurred_at\":\"");
      AppendRfc3339Micros(occurred_at_us, out);
      out.append("\"}\n");
    }
    return "";
  }
};

struct AgentsSpec : RowBatches<AgentsSpec> {
  using Batch = v1::ExportAgentsBatch;
  using Row = v1::ExportedAgent;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportAgents(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"agent_id",  "display_name", "email",  "team",         "channel",
            "hire_date", "active",       "locale", "public_praise"};
  }
  static void Csv(const Row& r, std::string& out) {
    CsvLine(out)
        .Text(r.agent_id())
        .Text(r.display_name())
        .Text(r.email())
        .Text(r.team())
        .Text(r.channel())
        .Text(r.hire_date())
        .Bool(r.active())
        .Text(r.locale())
        .Bool(r.public_praise())
        .End();
  }
  static Json ToJson(const Row& r) {
    return Json{{"agent_id", r.agent_id()},
                {"display_name", r.display_name()},
                {"email", r.email()},
                {"team", r.team()},
                {"channel", r.channel()},
                {"hire_date", r.hire_date()},
                {"active", r.active()},
                {"locale", r.locale()},
                {"public_praise", r.public_praise()}};
  }
};

struct StandingsSpec : RowBatches<StandingsSpec> {
  using Batch = v1::ExportStandingsBatch;
  using Row = v1::ExportedStanding;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportStandings(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"program_id",       "period",     "position", "competitor",   "peer_group",
            "eligible",         "rank",       "score",    "reasons",      "members",
            "program_version",  "decided_at", "metric",   "metric_value", "metric_samples",
            "metric_normalized"};
  }
  static void Csv(const Row& r, std::string& out) {
    std::string head;
    CsvLine(head)
        .Text(r.program_id())
        .Text(r.period())
        .Integer(r.position())
        .Text(r.competitor())
        .Text(r.peer_group())
        .Bool(r.eligible())
        .Integer(r.rank())
        .Number(r.score())
        .Text(absl::StrJoin(r.reasons(), "; "))
        .Text(absl::StrJoin(r.members(), ";"))
        .Integer(r.program_version())
        .Time(r.has_decided_at(), r.decided_at());
    if (r.metrics().empty()) {
      out.append(head);
      out.append(",,,,\n");
      return;
    }
    for (const v1::ExportedStandingMetric& m : r.metrics()) {
      out.append(head);
      out.push_back(',');
      CsvLine(out)
          .Text(m.metric())
          .Number(m.value())
          .Integer(m.samples())
          .Number(m.normalized())
          .End();
    }
  }
  static Json ToJson(const Row& r) {
    Json metrics = Json::array();
    for (const v1::ExportedStandingMetric& m : r.metrics()) {
      metrics.push_back(Json{{"metric", m.metric()},
                             {"value", m.value()},
                             {"samples", m.samples()},
                             {"normalized", m.normalized()}});
    }
    return Json{{"program_id", r.program_id()},
                {"period", r.period()},
                {"position", r.position()},
                {"competitor", r.competitor()},
                {"peer_group", r.peer_group()},
                {"eligible", r.eligible()},
                {"rank", r.rank()},
                {"score", r.score()},
                {"reasons", std::vector<std::string>(r.reasons().begin(), r.reasons().end())},
                {"members", std::vector<std::string>(r.members().begin(), r.members().end())},
                {"program_version", r.program_version()},
                {"decided_at", TimeJson(r.has_decided_at(), r.decided_at())},
                {"metrics", std::move(metrics)}};
  }
};

struct AwardsSpec : RowBatches<AwardsSpec> {
  using Batch = v1::ExportAwardsBatch;
  using Row = v1::ExportedAward;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportAwards(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"award_id",
            "program_id",
            "period",
            "agent_id",
            "team",
            "rank",
            "tier",
            "state",
            "state_reason",
            "value",
            "unit",
            "currency",
            "program_version",
            "decided_at",
            "approvals",
            "transition_seq",
            "transition_from",
            "transition_to",
            "transition_actor",
            "transition_reason",
            "transition_at"};
  }
  static void Csv(const Row& r, std::string& out) {
    std::string head;
    CsvLine(head)
        .Text(r.award_id())
        .Text(r.program_id())
        .Text(r.period())
        .Text(r.agent_id())
        .Text(r.team())
        .Integer(r.rank())
        .Text(r.tier())
        .Text(r.state())
        .Text(r.state_reason())
        .Text(r.value())
        .Text(r.unit())
        .Text(r.currency())
        .Integer(r.program_version())
        .Time(r.has_decided_at(), r.decided_at())
        .Text(absl::StrJoin(r.approvals(), ";"));
    if (r.transitions().empty()) {
      out.append(head);
      out.append(",,,,,,\n");
      return;
    }
    for (const v1::AwardTransition& t : r.transitions()) {
      out.append(head);
      out.push_back(',');
      CsvLine(out)
          .Integer(t.seq())
          .Text(t.from_state())
          .Text(t.to_state())
          .Text(t.actor())
          .Text(t.reason())
          .Time(t.has_at(), t.at())
          .End();
    }
  }
  static Json ToJson(const Row& r) {
    Json transitions = Json::array();
    for (const v1::AwardTransition& t : r.transitions()) {
      transitions.push_back(Json{{"seq", t.seq()},
                                 {"from", t.from_state()},
                                 {"to", t.to_state()},
                                 {"actor", t.actor()},
                                 {"reason", t.reason()},
                                 {"at", TimeJson(t.has_at(), t.at())}});
    }
    return Json{{"award_id", r.award_id()},
                {"program_id", r.program_id()},
                {"period", r.period()},
                {"agent_id", r.agent_id()},
                {"team", r.team()},
                {"rank", r.rank()},
                {"tier", r.tier()},
                {"state", r.state()},
                {"state_reason", r.state_reason()},
                {"value", r.value()},
                {"unit", r.unit()},
                {"currency", r.currency()},
                {"program_version", r.program_version()},
                {"decided_at", TimeJson(r.has_decided_at(), r.decided_at())},
                {"approvals", std::vector<std::string>(r.approvals().begin(), r.approvals().end())},
                {"transitions", std::move(transitions)}};
  }
};

struct FulfilmentsSpec : RowBatches<FulfilmentsSpec> {
  using Batch = v1::ExportFulfilmentsBatch;
  using Row = v1::ExportedFulfilment;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportFulfilments(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"fulfilment_id",
            "award_id",
            "program_id",
            "period",
            "agent_id",
            "type",
            "state",
            "attempts",
            "error",
            "params",
            "idempotency_key",
            "decided_at",
            "updated_at",
            "value",
            "unit",
            "currency",
            "face_value",
            "redeemed_at",
            "attempt_seq",
            "attempt_kind",
            "attempt_started_at",
            "attempt_finished_at",
            "attempt_outcome",
            "attempt_error",
            "attempt_actor"};
  }
  static void Csv(const Row& r, std::string& out) {
    std::string head;
    CsvLine(head)
        .Text(r.fulfilment_id())
        .Text(r.award_id())
        .Text(r.program_id())
        .Text(r.period())
        .Text(r.agent_id())
        .Text(r.type())
        .Text(r.state())
        .Integer(r.attempts())
        .Text(r.error())
        .Text(JoinParams(r.params()))
        .Text(r.idempotency_key())
        .Time(r.has_decided_at(), r.decided_at())
        .Time(r.has_updated_at(), r.updated_at())
        .Text(r.value())
        .Text(r.unit())
        .Text(r.currency())
        .Text(r.face_value())
        .Time(r.has_redeemed_at(), r.redeemed_at());
    if (r.attempt_history().empty()) {
      out.append(head);
      out.append(",,,,,,,\n");
      return;
    }
    for (const v1::FulfilmentAttempt& a : r.attempt_history()) {
      out.append(head);
      out.push_back(',');
      CsvLine(out)
          .Integer(a.seq())
          .Text(a.kind())
          .Time(a.has_started_at(), a.started_at())
          .Time(a.has_finished_at(), a.finished_at())
          .Text(a.outcome())
          .Text(a.error())
          .Text(a.actor())
          .End();
    }
  }
  static Json ToJson(const Row& r) {
    Json attempts = Json::array();
    for (const v1::FulfilmentAttempt& a : r.attempt_history()) {
      attempts.push_back(Json{{"seq", a.seq()},
                              {"kind", a.kind()},
                              {"started_at", TimeJson(a.has_started_at(), a.started_at())},
                              {"finished_at", TimeJson(a.has_finished_at(), a.finished_at())},
                              {"outcome", a.outcome()},
                              {"error", a.error()},
                              {"actor", a.actor()}});
    }
    Json params = Json::object();
    for (const auto& [name, value] :
         std::map<std::string, std::string>(r.params().begin(), r.params().end())) {
      params[name] = value;
    }
    return Json{{"fulfilment_id", r.fulfilment_id()},
                {"award_id", r.award_id()},
                {"program_id", r.program_id()},
                {"period", r.period()},
                {"agent_id", r.agent_id()},
                {"type", r.type()},
                {"state", r.state()},
                {"attempts", r.attempts()},
                {"error", r.error()},
                {"params", std::move(params)},
                {"idempotency_key", r.idempotency_key()},
                {"decided_at", TimeJson(r.has_decided_at(), r.decided_at())},
                {"updated_at", TimeJson(r.has_updated_at(), r.updated_at())},
                {"value", r.value().empty() ? Json(nullptr) : Json(r.value())},
                {"unit", r.unit()},
                {"currency", r.currency()},
                {"face_value", r.face_value()},
                {"redeemed_at", TimeJson(r.has_redeemed_at(), r.redeemed_at())},
                {"attempt_history", std::move(attempts)}};
  }
};

struct LedgerSpec : RowBatches<LedgerSpec> {
  using Batch = v1::ExportBudgetLedgerBatch;
  using Row = v1::ExportedLedgerEntry;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportBudgetLedger(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"program_id", "period",   "award_id", "agent_id", "team",       "amount",
            "unit",       "currency", "state",    "budget",   "budget_mode"};
  }
  static void Csv(const Row& r, std::string& out) {
    CsvLine(out)
        .Text(r.program_id())
        .Text(r.period())
        .Text(r.award_id())
        .Text(r.agent_id())
        .Text(r.team())
        .Text(r.amount())
        .Text(r.unit())
        .Text(r.currency())
        .Text(r.state())
        .Text(r.budget())
        .Text(r.budget_mode())
        .End();
  }
  static Json ToJson(const Row& r) {
    return Json{{"program_id", r.program_id()},
                {"period", r.period()},
                {"award_id", r.award_id()},
                {"agent_id", r.agent_id()},
                {"team", r.team()},
                {"amount", r.amount()},
                {"unit", r.unit()},
                {"currency", r.currency()},
                {"state", r.state()},
                {"budget", r.budget()},
                {"budget_mode", r.budget_mode()}};
  }
};

struct PraiseSpec : RowBatches<PraiseSpec> {
  using Batch = v1::ExportPraiseBatch;
  using Row = v1::ExportedPraise;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportPraise(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"praise_id", "from_agent_id", "to_agent_id", "message", "value", "sent_at"};
  }
  static void Csv(const Row& r, std::string& out) {
    CsvLine(out)
        .Text(r.praise_id())
        .Text(r.from_agent_id())
        .Text(r.to_agent_id())
        .Text(r.message())
        .Text(r.value())
        .Time(r.has_sent_at(), r.sent_at())
        .End();
  }
  static Json ToJson(const Row& r) {
    return Json{{"praise_id", r.praise_id()},
                {"from_agent_id", r.from_agent_id()},
                {"to_agent_id", r.to_agent_id()},
                {"message", r.message()},
                {"value", r.value()},
                {"sent_at", TimeJson(r.has_sent_at(), r.sent_at())}};
  }
};

struct AuditSpec : RowBatches<AuditSpec> {
  using Batch = v1::ExportAuditBatch;
  using Row = v1::AuditRecord;
  static auto Open(v1::ExportService::Stub& stub, grpc::ClientContext* call,
                   const v1::ExportRequest& request) {
    return stub.ExportAudit(call, request);
  }
  static std::vector<std::string> Columns() {
    return {"seq",      "time",    "subject",    "roles",  "method",
            "resource", "outcome", "request_id", "detail", "mac"};
  }
  static void Csv(const Row& r, std::string& out) {
    CsvLine(out)
        .Integer(r.seq())
        .Time(r.has_time(), r.time())
        .Text(r.subject())
        .Text(absl::StrJoin(r.roles(), ","))
        .Text(r.method())
        .Text(r.resource())
        .Text(r.outcome())
        .Text(r.request_id())
        .Text(r.detail())
        .Text(r.mac())
        .End();
  }
  static Json ToJson(const Row& r) {
    return Json{{"seq", r.seq()},
                {"time", TimeJson(r.has_time(), r.time())},
                {"subject", r.subject()},
                {"roles", std::vector<std::string>(r.roles().begin(), r.roles().end())},
                {"method", r.method()},
                {"resource", r.resource()},
                {"outcome", r.outcome()},
                {"request_id", r.request_id()},
                {"detail", r.detail()},
                {"mac", r.mac()}};
  }
};

// Reads a stream's batches on a thread of its own, up to kAhead ahead of the one being written, so
// that the server's next batches keep arriving while one is formatted and written. Read() is never
// called again once it returned false or Stop() was called; call Stop() before Finish().
template <typename Batch>
class BatchQueue {
 public:
  explicit BatchQueue(grpc::ClientReaderInterface<Batch>* reader) : reader_(reader) {
    for (Batch& batch : batches_) free_.push_back(&batch);
    thread_ = std::thread([this] { Run(); });
  }
  ~BatchQueue() { Stop(); }
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  // The next batch in order; nullptr at the end of the stream. Hand it back with Done().
  const Batch* Next() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return !ready_.empty() || ended_; });
    if (ready_.empty()) return nullptr;
    Batch* batch = ready_.front();
    ready_.pop_front();
    return batch;
  }
  void Done(const Batch* batch) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(const_cast<Batch*>(batch));
    changed_.notify_all();
  }
  // Stops reading (after the call was cancelled, or at its end) and waits for the thread.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      changed_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  static constexpr int kAhead = 3;

  void Run() {
    for (;;) {
      Batch* batch = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        changed_.wait(lock, [this] { return !free_.empty() || stopping_; });
        if (stopping_) break;
        batch = free_.back();
        free_.pop_back();
      }
      const bool more = reader_->Read(batch);
      std::lock_guard<std::mutex> lock(mu_);
      if (!more) {
        free_.push_back(batch);
        break;
      }
      ready_.push_back(batch);
      changed_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    changed_.notify_all();
  }

  grpc::ClientReaderInterface<Batch>* const reader_;
  std::array<Batch, kAhead> batches_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Batch*> free_;  // guarded by mu_
  std::deque<Batch*> ready_;  // guarded by mu_
  bool ended_ = false;        // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::thread thread_;
};

// Where an export to a file stands: the cursor of the last batch written and the file's length
// then. Kept in FILE.export-state, replaced atomically.
struct ResumeState {
  std::string dataset;
  std::string format;
  // The request's filter, serialized and base64-encoded: a resume must ask for the same rows.
  std::string filter;
  std::string cursor;
  int64_t bytes = 0;
  int64_t rows = 0;
};

std::string StatePath(const std::string& output) { return output + ".export-state"; }

bool SaveState(const std::string& output, const ResumeState& state, std::string* error) {
  const Json json{{"dataset", state.dataset}, {"format", state.format}, {"filter", state.filter},
                  {"cursor", state.cursor},   {"bytes", state.bytes},   {"rows", state.rows}};
  const std::string path = StatePath(output);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump() << "\n";
    if (!out.good()) {
      *error = "cannot write " + temporary;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    *error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  return true;
}

std::optional<ResumeState> LoadState(const std::string& output, std::string* error) {
  const std::string path = StatePath(output);
  std::ifstream in(path);
  if (!in) {
    *error = "--resume: nothing to resume: " + path +
             " not found (the export finished, or never started)";
    return std::nullopt;
  }
  const Json json = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("cursor") || !json["cursor"].is_string() ||
      !json.contains("bytes") || !json["bytes"].is_number_integer()) {
    *error = "--resume: " + path + " is not an export state file";
    return std::nullopt;
  }
  ResumeState state;
  state.dataset = json.value("dataset", "");
  state.format = json.value("format", "");
  state.filter = json.value("filter", "");
  state.cursor = json["cursor"].get<std::string>();
  state.bytes = json["bytes"].get<int64_t>();
  state.rows = json.value("rows", int64_t{0});
  return state;
}

// Where the rows go: the file, or the command's output stream.
class Sink {
 public:
  Sink(std::FILE* file, std::ostream& out) : file_(file), out_(out) {}
  // False on a write error.
  bool Write(const std::string& text) {
    if (text.empty()) return true;
    if (file_ != nullptr) return std::fwrite(text.data(), 1, text.size(), file_) == text.size();
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    return out_.good();
  }
  bool Flush() {
    if (file_ != nullptr) return std::fflush(file_) == 0;
    out_.flush();
    return out_.good();
  }

 private:
  std::FILE* file_;
  std::ostream& out_;
};

template <typename Spec>
CommandResult RunExport(CliContext& ctx, const ExportOptions& options,
                        const v1::ExportRequest& base) {
  const bool to_file = !options.output.empty() && options.output != "-";
  const bool csv = options.format == "csv";
  std::string filter_bytes;
  base.filter().SerializeToString(&filter_bytes);
  ResumeState state{options.dataset, options.format, absl::Base64Escape(filter_bytes), "", 0, 0};
  std::FILE* file = nullptr;
  if (options.resume) {
    std::string error;
    std::optional<ResumeState> saved = LoadState(options.output, &error);
    if (!saved.has_value()) return CommandResult::Failure(error);
    if (saved->dataset != state.dataset || saved->format != state.format ||
        saved->filter != state.filter) {
      return CommandResult::Failure(absl::StrCat(
          "--resume: ", options.output, " holds an export of ", saved->dataset, " as ",
          saved->format,
          " with other options; run the command that started it again, with --resume"));
    }
    std::error_code ec;
    const auto size = std::filesystem::file_size(options.output, ec);
    if (ec || static_cast<int64_t>(size) < saved->bytes) {
      return CommandResult::Failure(absl::StrCat("--resume: ", options.output,
                                                 " is shorter than when the export stopped; "
                                                 "start it again without --resume"));
    }
    std::filesystem::resize_file(options.output, static_cast<uintmax_t>(saved->bytes), ec);
    if (ec)
      return CommandResult::Failure("cannot cut back " + options.output + ": " + ec.message());
    state = *saved;
    file = std::fopen(options.output.c_str(), "ab");
  } else if (to_file) {
    file = std::fopen(options.output.c_str(), "wb");
  }
  if (to_file && file == nullptr) {
    return CommandResult::Failure("cannot write " + options.output + ": " + std::strerror(errno));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, &std::fclose);
  Sink sink(file, ctx.out());

  std::string buffer;
  if (csv && state.bytes == 0) {
    CsvLine header(buffer);
    for (const std::string& column : Spec::Columns()) header.Text(column);
    header.End();
  }
  v1::ExportRequest request = base;
  request.set_cursor(state.cursor);
  auto stub = v1::ExportService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kExportDeadline);
  auto reader = Spec::Open(*stub, &call, request);
  ImportProgress progress(ctx.err(), ctx.err_is_terminal() && to_file);
  progress.set_verb("exported");
  auto last_saved = std::chrono::steady_clock::now();
  std::string error;
  BatchQueue<typename Spec::Batch> batches(reader.get());
  const auto abandon = [&] {
    call.TryCancel();
    batches.Stop();
    reader->Finish();
  };
  while (const typename Spec::Batch* batch = batches.Next()) {
    if (const std::string bad = Spec::Write(*batch, csv, buffer); !bad.empty()) {
      abandon();
      return CommandResult::Failure(
          absl::StrCat("export of ", options.dataset, ": the server sent ", bad));
    }
    if (!sink.Write(buffer)) {
      abandon();
      return CommandResult::Failure(absl::StrCat(
          "cannot write ", to_file ? options.output : "stdout", ": ", std::strerror(errno)));
    }
    state.bytes += static_cast<int64_t>(buffer.size());
    state.rows += Spec::Rows(*batch);
    state.cursor = batch->cursor();
    batches.Done(batch);
    buffer.clear();
    const auto now = std::chrono::steady_clock::now();
    if (to_file && now - last_saved >= std::chrono::milliseconds(200)) {
      // The rows must be in the file before the state says they are.
      if (!sink.Flush() || !SaveState(options.output, state, &error)) {
        abandon();
        return CommandResult::Failure(error.empty() ? "cannot write " + options.output : error);
      }
      last_saved = now;
    }
    progress.Update(state.rows, state.bytes, now);
  }
  progress.Clear();
  batches.Stop();
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    const bool flushed = sink.Flush();
    if (!to_file) return ctx.RpcFailure(status);
    closer.reset();
    if (state.rows == 0 && !options.resume) {
      // Refused, or failed before any row: no file is left behind.
      std::error_code ec;
      std::filesystem::remove(options.output, ec);
      std::filesystem::remove(StatePath(options.output), ec);
      return ctx.RpcFailure(status);
    }
    if (flushed) (void)SaveState(options.output, state, &error);
    ctx.err() << "plaudit: export of " << options.dataset << " stopped after " << state.rows
              << " rows; run the same command with --resume to go on\n";
    return ctx.RpcFailure(status);
  }
  // The header even of an export without rows.
  const bool wrote = sink.Write(buffer);
  if (wrote) state.bytes += static_cast<int64_t>(buffer.size());
  if (!wrote || !sink.Flush()) {
    return CommandResult::Failure(absl::StrCat("cannot write ", to_file ? options.output : "stdout",
                                               ": ", std::strerror(errno)));
  }
  if (to_file) {
    std::error_code ec;
    std::filesystem::remove(StatePath(options.output), ec);
    ctx.err() << "exported " << state.rows << " rows of " << options.dataset << " to "
              << options.output << "\n";
  }
  return CommandResult::Success();
}

CommandResult Export(CliContext& ctx, const ExportOptions& options) {
  v1::ExportRequest request;
  v1::ExportFilter* filter = request.mutable_filter();
  filter->set_program_id(options.program);
  filter->set_period(options.period);
  filter->set_team(options.team);
  filter->set_agent_id(options.agent);
  const auto set_time = [&](const std::string& text, google::protobuf::Timestamp* out) {
    // Checked when parsed; the display zone is known only now.
    const absl::Time at = ParseTimeText(text, ctx.time_zone()).value_or(absl::UnixEpoch());
    const int64_t micros = absl::ToUnixMicros(at);
    out->set_seconds(micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0));
    out->set_nanos(static_cast<int32_t>(((micros % 1000000) + 1000000) % 1000000 * 1000));
  };
  if (!options.from.empty()) set_time(options.from, filter->mutable_from());
  if (!options.to.empty()) set_time(options.to, filter->mutable_to());
  const std::string& d = options.dataset;
  // Events are small rows and many: large batches cost less a row. Other datasets take the
  // server's default.
  request.set_batch_size(options.batch_size > 0 ? options.batch_size : d == "events" ? 10000 : 0);
  if (d == "events") return RunExport<EventsSpec>(ctx, options, request);
  if (d == "agents") return RunExport<AgentsSpec>(ctx, options, request);
  if (d == "standings") return RunExport<StandingsSpec>(ctx, options, request);
  if (d == "awards") return RunExport<AwardsSpec>(ctx, options, request);
  if (d == "fulfilments") return RunExport<FulfilmentsSpec>(ctx, options, request);
  if (d == "budget-ledger") return RunExport<LedgerSpec>(ctx, options, request);
  if (d == "praise") return RunExport<PraiseSpec>(ctx, options, request);
  return RunExport<AuditSpec>(ctx, options, request);
}

CLI::Validator TimeValidator() {
  return CLI::Validator(
      [](std::string& text) {
        return ParseTimeText(text, absl::UTCTimeZone()).has_value()
                   ? std::string()
                   : "not a time: \"" + text +
                         "\" (expected 2026-11-30, 2026-11-30T12:00:00 or 2026-11-30T12:00:00Z)";
      },
      "TIME");
}

}  // namespace

void AddExportCommands(CLI::App& app, CommandAction* selected) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* command = app.add_subcommand(
      "export", "Export a dataset as CSV or NDJSON, for BI tools and spreadsheets");
  command
      ->add_option("dataset", options->dataset,
                   "events, agents, standings, awards, fulfilments, budget-ledger, praise or "
                   "audit")
      ->required()
      ->check(CLI::IsMember({"events", "agents", "standings", "awards", "fulfilments",
                             "budget-ledger", "praise", "audit"}));
  command->add_option("--program", options->program, "Only this program's rows");
  command->add_option("--period", options->period,
                      "Only this period of --program (2026-10): its decision, or its time range "
                      "for events and praise");
  command->add_option("--from", options->from, "Only rows at or after this time")
      ->check(TimeValidator());
  command->add_option("--to", options->to, "Only rows before this time")->check(TimeValidator());
  command->add_option("--team", options->team, "Only this team's rows");
  command->add_option("--agent", options->agent, "Only this agent's rows");
  command->add_option("--format", options->format, "csv (default) or ndjson")
      ->check(CLI::IsMember({"csv", "ndjson"}));
  command->add_option("-o,--output", options->output, "Write to FILE instead of standard output")
      ->type_name("FILE");
  command->add_option("--batch-size", options->batch_size, "Rows per batch from the server")
      ->check(CLI::Range(1, 10000));
  CLI::Option* resume = command->add_flag(
      "--resume", options->resume,
      "Go on with an interrupted export to the same FILE, from the last batch it wrote");
  command->callback([=] {
    if (options->resume && (options->output.empty() || options->output == "-")) {
      throw CLI::ValidationError("--resume", "needs -o FILE: only an export to a file resumes");
    }
    (void)resume;
    *selected = [=](CliContext& ctx) { return Export(ctx, *options); };
  });
}

}  // namespace plaudit::cli

// Store's export reads: one page of a dataset at a time, after the key of the page before, on a
// reader. Each query walks an index in the dataset's order and stops after `limit` rows, so a page
// costs the same wherever it starts and nothing is held between pages.
#include <algorithm>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
namespace {

using Arg = std::variant<int64_t, double, std::string>;

// The conditions of a WHERE clause and the values they bind, in order.
class Conditions {
 public:
  void Add(std::string condition, std::vector<Arg> args = {}) {
    conditions_.push_back(std::move(condition));
    for (Arg& arg : args) args_.push_back(std::move(arg));
  }
  // Rows of the agents in `teams`: any of `agent_columns` names one of their agents, or any of
  // `team_columns` names one of the teams (a team award's team, a team standing's competitor).
  void AddTeams(const std::optional<std::vector<std::string>>& teams,
                const std::vector<std::string>& agent_columns,
                const std::vector<std::string>& team_columns = {}) {
    if (!teams.has_value()) return;
    if (teams->empty()) {
      Add("0");
      return;
    }
    const std::string marks = absl::StrJoin(std::vector<std::string>(teams->size(), "?"), ", ");
    std::vector<std::string> either;
    std::vector<Arg> args;
    for (const std::string& column : agent_columns) {
      either.push_back(
          absl::StrCat(column, " IN (SELECT id FROM agents WHERE team IN (", marks, "))"));
      args.insert(args.end(), teams->begin(), teams->end());
    }
    for (const std::string& column : team_columns) {
      either.push_back(absl::StrCat(column, " IN (", marks, ")"));
      args.insert(args.end(), teams->begin(), teams->end());
    }
    Add(absl::StrCat("(", absl::StrJoin(either, " OR "), ")"), std::move(args));
  }
  std::string Where() const {
    return conditions_.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(conditions_, " AND "));
  }
  // Binds every value, then `limit`; returns the statement's status.
  absl::Status Bind(SqliteStatement& q, int64_t limit) const {
    int index = 1;
    for (const Arg& arg : args_) {
      if (const auto* number = std::get_if<int64_t>(&arg)) {
        q.Bind(index++, *number);
      } else if (const auto* real = std::get_if<double>(&arg)) {
        q.Bind(index++, *real);
      } else {
        q.Bind(index++, std::get<std::string>(arg));
      }
    }
    q.Bind(index, limit);
    return q.status();
  }

 private:
  std::vector<std::string> conditions_;
  std::vector<Arg> args_;
};

// The program, period and decision-time conditions the award datasets share (`a` is awards).
void AddDecisionScope(const ExportScope& scope, Conditions& where) {
  if (!scope.program_id.empty()) where.Add("a.program_id = ?", {scope.program_id});
  if (!scope.period.empty()) where.Add("a.period = ?", {scope.period});
  where.Add("a.decided_us >= ? AND a.decided_us < ?", {scope.from_us, scope.to_us});
}

}  // namespace

std::string Qualified(const char* alias, const char* columns) {
  std::vector<std::string> names = absl::StrSplit(columns, ", ");
  for (std::string& name : names) name = absl::StrCat(alias, ".", name);
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<ExportedEventsPage> SqliteStore::ExportEvents(
    const ExportScope& scope, const ExportKey& after, int limit,
    absl::FunctionRef<bool(const EventView&)> row) {
  Conditions where;
  // The key's time is given as the range's start too: SQLite does not start an index range at a
  // row value, and would walk every row before the cursor on each page.
  const int64_t from_us = after.started ? std::max(scope.from_us, after.number) : scope.from_us;
  // Without a filter the range's end is checked below, on the time already read from each row:
  // SQLite's own check compares each index entry's record again, a tenth of a whole read's cost
  // with the rowid column (BENCHMARKS.md). A filtered read keeps it in the query, which could
  // otherwise walk far past the end for a row that matches.
  const bool filtered = !scope.agent_id.empty() || scope.teams.has_value();
  if (filtered) {
    where.Add("occurred_at_us >= ? AND occurred_at_us < ?", {from_us, scope.to_us});
  } else {
    where.Add("occurred_at_us >= ?", {from_us});
  }
  if (after.started) {
    where.Add("(occurred_at_us, agent_id, metric, value, rowid) > (?, ?, ?, ?, ?)",
              {after.number, after.text, after.metric, after.value, after.row});
  }
  if (!scope.agent_id.empty()) where.Add("agent_id = ?", {scope.agent_id});
  where.AddTeams(scope.teams, {"agent_id"});
  // events_by_time holds (occurred_at_us, agent_id, metric, value) and the rowid: this order is
  // the index's own, read without sorting. The rowid is not read on each row (that too costs a
  // share of the read), only for the last row, by its event id.
  const std::string sql = absl::StrCat(
      "SELECT event_id, agent_id, metric, value, occurred_at_us FROM events", where.Where(),
      " ORDER BY occurred_at_us, agent_id, metric, value, rowid LIMIT ?");
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  // One read: the last row's rowid is looked up in the same state the page was read from. (A
  // lease that ends inside it rolls it back.)
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "BEGIN"));
  ExportedEventsPage page;
  std::string last_event_id;
  {
    SqliteStatement q(db, sql.c_str());
    PLAUDIT_RETURN_IF_ERROR(where.Bind(q, limit));
    while (q.Step()) {
      const int64_t occurred_at_us = q.Int(4);
      if (occurred_at_us >= scope.to_us) break;
      const std::string_view event_id = q.TextView(0);
      last_event_id.assign(event_id.data(), event_id.size());
      ++page.rows;
      if (!row(EventView{event_id, q.TextView(1), q.TextView(2), q.Double(3), occurred_at_us})) {
        break;
      }
    }
    PLAUDIT_RETURN_IF_ERROR(q.status());
  }
  if (page.rows > 0) {
    SqliteStatement last(db, "SELECT rowid FROM events WHERE event_id = ?");
    last.Bind(1, last_event_id);
    if (!last.Step()) {
      PLAUDIT_RETURN_IF_ERROR(last.status());
      return absl::InternalError(
          absl::StrCat("export events: event ", last_event_id, " is gone from its own read"));
    }
    page.last_row = last.Int(0);
  }
  PLAUDIT_RETURN_IF_ERROR(SqliteExec(db, "COMMIT"));
  return page;
}

absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>> SqliteStore::EventTimeSpan(
    int64_t from_us, int64_t to_us) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  // Two statements: SQLite reads one end of an index for MIN or MAX alone, not for both at once.
  std::pair<int64_t, int64_t> span;
  for (const auto& [order, end] :
       {std::pair{"ASC", &span.first}, std::pair{"DESC", &span.second}}) {
    const std::string sql = absl::StrCat(
        "SELECT occurred_at_us FROM events WHERE occurred_at_us >= ? AND occurred_at_us < ? "
        "ORDER BY occurred_at_us ",
        order, " LIMIT 1");
    SqliteStatement q(reader->db(), sql.c_str());
    q.Bind(1, from_us).Bind(2, to_us);
    if (!q.Step()) {
      PLAUDIT_RETURN_IF_ERROR(q.status());
      return std::nullopt;
    }
    *end = q.Int(0);
  }
  return span;
}

absl::StatusOr<std::vector<Agent>> SqliteStore::ExportAgents(const ExportScope& scope,
                                                             const ExportKey& after, int limit) {
  Conditions where;
  if (after.started) where.Add("id > ?", {after.text});
  if (!scope.agent_id.empty()) where.Add("id = ?", {scope.agent_id});
  where.AddTeams(scope.teams, {"id"});
  const std::string sql =
      absl::StrCat("SELECT ", kAgentColumns, " FROM agents", where.Where(), " ORDER BY id LIMIT ?");
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(), sql.c_str());
  PLAUDIT_RETURN_IF_ERROR(where.Bind(q, limit));
  return CollectRows<Agent>(q, ReadAgent);
}

absl::StatusOr<std::vector<PositionedStanding>> SqliteStore::ExportStandings(
    const ExportScope& scope, const ExportKey& after, int limit) {
  Conditions where;
  where.Add("s.program_id = ? AND s.period = ?", {scope.program_id, scope.period});
  if (after.started) where.Add("s.position > ?", {after.number});
  if (!scope.agent_id.empty()) {
    where.Add(
        "(s.competitor = ? OR s.position IN (SELECT m.position FROM decision_standing_members m "
        "WHERE m.program_id = s.program_id AND m.period = s.period AND m.agent_id = ?))",
        {scope.agent_id, scope.agent_id});
  }
  // An agent's standing by the agent's team; a team standing's competitor is the team itself.
  where.AddTeams(scope.teams, {"s.competitor"}, {"s.competitor"});
  const std::string sql = absl::StrCat("SELECT s.position, s.standing FROM decision_standings s",
                                       where.Where(), " ORDER BY s.position LIMIT ?");
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(), sql.c_str());
  PLAUDIT_RETURN_IF_ERROR(where.Bind(q, limit));
  std::vector<PositionedStanding> rows;
  while (q.Step()) {
    auto row = ReadStandingRow(q);
    if (!row.ok()) return row.status();
    rows.push_back(*std::move(row));
  }
  if (!q.status().ok()) return q.status();
  return rows;
}

absl::StatusOr<std::vector<ExportedAwardRow>> SqliteStore::ExportAwards(const ExportScope& scope,
                                                                        const ExportKey& after,
                                                                        int limit) {
  Conditions where;
  AddDecisionScope(scope, where);
  if (after.started) {
    where.Add("(a.program_id, a.period, a.rank, a.id) > (?, ?, ?, ?)",
              {after.program_id, after.period, after.number, after.text});
  }
  if (!scope.agent_id.empty()) where.Add("a.agent_id = ?", {scope.agent_id});
  where.AddTeams(scope.teams, {"a.agent_id"}, {"a.team"});
  const std::string sql = absl::StrCat(
      "SELECT ", Qualified("a", kAwardColumns),
      ", COALESCE(ag.team, a.team), COALESCE(b.unit, ''), "
      "COALESCE(b.currency, '') FROM awards a LEFT JOIN agents ag ON ag.id = a.agent_id "
      "LEFT JOIN budgets b ON b.program_id = a.program_id AND b.period = a.period",
      where.Where(), " ORDER BY a.program_id, a.period, a.rank, a.id LIMIT ?");
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(db, sql.c_str());
  PLAUDIT_RETURN_IF_ERROR(where.Bind(q, limit));
  std::vector<ExportedAwardRow> rows;
  while (q.Step()) {
    ExportedAwardRow row;
    row.award = ReadAward(q);
    row.team = q.Text(15);
    row.unit = q.Text(16);
    row.currency = q.Text(17);
    rows.push_back(std::move(row));
  }
  if (!q.status().ok()) return q.status();
  SqliteStatement history(db,
                          "SELECT seq, from_state, to_state, actor, reason, at_us FROM "
                          "award_history WHERE award_id = ? ORDER BY seq");
  SqliteStatement approvals(db,
                            "SELECT actor FROM award_approvals WHERE award_id = ? ORDER BY at_us, "
                            "actor");
  for (ExportedAwardRow& row : rows) {
    history.Bind(1, row.award.id);
    while (history.Step()) {
      row.transitions.push_back(AwardTransition{history.Int(0), history.Text(1), history.Text(2),
                                                history.Text(3), history.Text(4), history.Int(5)});
    }
    PLAUDIT_RETURN_IF_ERROR(history.status());
    history.Reset();
    approvals.Bind(1, row.award.id);
    while (approvals.Step()) row.award.approvals.push_back(approvals.Text(0));
    PLAUDIT_RETURN_IF_ERROR(approvals.status());
    approvals.Reset();
  }
  return rows;
}

absl::StatusOr<std::vector<ExportedFulfilmentRow>> SqliteStore::ExportFulfilments(
    const ExportScope& scope, const ExportKey& after, int limit) {
  Conditions where;
  AddDecisionScope(scope, where);
  if (after.started) {
    where.Add("(a.program_id, a.period, f.award_id, f.seq) > (?, ?, ?, ?)",
              {after.program_id, after.period, after.text, after.number});
  }
  if (!scope.agent_id.empty()) where.Add("f.agent_id = ?", {scope.agent_id});
  where.AddTeams(scope.teams, {"f.agent_id"}, {"a.team"});
  const std::string sql = absl::StrCat(
      "SELECT ", Qualified("f", kFulfilmentColumns),
      ", a.program_id, a.period, a.decided_us, f.seq, COALESCE(b.unit, ''), "
      "COALESCE(b.currency, '') FROM fulfilments f JOIN awards a ON a.id = f.award_id LEFT JOIN "
      "budgets b ON b.program_id = a.program_id AND b.period = a.period",
      where.Where(), " ORDER BY a.program_id, a.period, f.award_id, f.seq LIMIT ?");
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  sqlite3* const db = reader->db();
  SqliteStatement q(db, sql.c_str());
  PLAUDIT_RETURN_IF_ERROR(where.Bind(q, limit));
  std::vector<ExportedFulfilmentRow> rows;
  while (q.Step()) {
    ExportedFulfilmentRow row;
    row.fulfilment = ReadFulfilment(q);
    constexpr int kNext = kFulfilmentColumnCount;
    row.program_id = q.Text(kNext);
    row.period = q.Text(kNext + 1);
    row.decided_us = q.Int(kNext + 2);
    row.seq = q.Int(kNext + 3);
    row.unit = q.Text(kNext + 4);
    row.currency = q.Text(kNext + 5);
    rows.push_back(std::move(row));
  }
  if (!q.status().ok()) return q.status();
  SqliteStatement attempts(db,
                           "SELECT seq, kind, started_us, finished_us, outcome, error, actor FROM "
                           "fulfilment_attempts WHERE fulfilment_id = ? ORDER BY seq");
  for (ExportedFulfilmentRow& row : rows) {
    attempts.Bind(1, row.fulfilment.id);
    while (attempts.Step()) {
      row.attempts.push_back(FulfilmentAttempt{row.fulfilment.id, attempts.Int(0), attempts.Text(1),
                                               attempts.Int(2), attempts.Int(3), attempts.Text(4),
                                               attempts.Text(5), attempts.Text(6)});
    }
    PLAUDIT_RETURN_IF_ERROR(attempts.status());
    attempts.Reset();
  }
  return rows;
}

absl::StatusOr<std::vector<ExportedLedgerRow>> SqliteStore::ExportLedger(const ExportScope& scope,
                                                                         const ExportKey& after,
                                                                         int limit) {
  Conditions where;
  AddDecisionScope(scope, where);
  if (after.started) {
    where.Add("(l.program_id, l.period, l.award_id) > (?, ?, ?)",
              {after.program_id, after.period, after.text});
  }
  if (!scope.agent_id.empty()) where.Add("a.agent_id = ?", {scope.agent_id});
  where.AddTeams(scope.teams, {"a.agent_id"}, {"a.team"});
  const std::string sql = absl::StrCat(
      "SELECT l.program_id, l.period, l.award_id, a.agent_id, COALESCE(ag.team, a.team), "
      "l.amount, l.state, COALESCE(b.unit, ''), COALESCE(b.currency, ''), COALESCE(b.amount, 0), "
      "COALESCE(b.mode, '') FROM budget_ledger l JOIN awards a ON a.id = l.award_id LEFT JOIN "
      "agents ag ON ag.id = a.agent_id LEFT JOIN budgets b ON b.program_id = l.program_id AND "
      "b.period = l.period",
      where.Where(), " ORDER BY l.program_id, l.period, l.award_id LIMIT ?");
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(), sql.c_str());
  PLAUDIT_RETURN_IF_ERROR(where.Bind(q, limit));
  return CollectRows<ExportedLedgerRow>(q, [](const SqliteStatement& r) {
    return ExportedLedgerRow{r.Text(0), r.Text(1), r.Text(2), r.Text(3),   r.Text(4), r.Double(5),
                             r.Text(6), r.Text(7), r.Text(8), r.Double(9), r.Text(10)};
  });
}

absl::StatusOr<std::vector<PraiseRecord>> SqliteStore::ExportPraise(const ExportScope& scope,
                                                                    const ExportKey& after,
                                                                    int limit) {
  Conditions where;
  const int64_t from_us = after.started ? std::max(scope.from_us, after.number) : scope.from_us;
  where.Add("sent_us >= ? AND sent_us < ?", {from_us, scope.to_us});
  if (after.started) where.Add("(sent_us, id) > (?, ?)", {after.number, after.text});
  if (!scope.agent_id.empty()) {
    where.Add("(from_agent_id = ? OR to_agent_id = ?)", {scope.agent_id, scope.agent_id});
  }
  // Sent or received by one of the teams' agents.
  where.AddTeams(scope.teams, {"from_agent_id", "to_agent_id"});
  const std::string sql = absl::StrCat("SELECT ", kPraiseColumns, " FROM praise", where.Where(),
                                       " ORDER BY sent_us, id LIMIT ?");
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(), sql.c_str());
  PLAUDIT_RETURN_IF_ERROR(where.Bind(q, limit));
  return CollectRows<PraiseRecord>(q, ReadPraise);
}

absl::Status SqliteStore::ForEachEventTime(
    int64_t start_us, int64_t end_us,
    absl::FunctionRef<void(absl::string_view agent_id, int64_t occurred_at_us)> each) {
  auto reader = readers_.Acquire();
  if (!reader.ok()) return reader.status();
  SqliteStatement q(reader->db(),
                    "SELECT agent_id, occurred_at_us FROM events WHERE occurred_at_us >= ? AND "
                    "occurred_at_us < ? ORDER BY occurred_at_us");
  q.Bind(1, start_us).Bind(2, end_us);
  PLAUDIT_RETURN_IF_ERROR(q.status());
  while (q.Step()) each(q.Text(0), q.Int(1));
  return q.status();
}

}  // namespace plaudit

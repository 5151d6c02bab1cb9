// PostgresStore's export reads: one page of a dataset at a time, after the key of the page before,
// in each dataset's documented order (text compared bytewise, as the embedded store does), so that
// a page costs the same wherever it starts and nothing is held between pages.
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/record_codec.h"

namespace plaudit {
namespace {

// The conditions of a WHERE clause and the values they bind: each `?` of a condition becomes the
// next $n.
class Conditions {
 public:
  void Add(std::string_view condition, std::vector<PgParam> args = {}) {
    std::string numbered;
    size_t next = 0;
    for (char c : condition) {
      if (c == '?') {
        absl::StrAppend(&numbered, "$", params_.size() + 1);
        params_.push_back(args.at(next++));
      } else {
        numbered.push_back(c);
      }
    }
    conditions_.push_back(std::move(numbered));
  }
  // Rows of the agents in `teams`: any of `agent_columns` names one of their agents, or any of
  // `team_columns` names one of the teams (a team award's team, a team standing's competitor).
  void AddTeams(const std::optional<std::vector<std::string>>& teams,
                const std::vector<std::string>& agent_columns,
                const std::vector<std::string>& team_columns = {}) {
    if (!teams.has_value()) return;
    if (teams->empty()) {
      Add("false");
      return;
    }
    const std::string array = PgTextArray(*teams);
    std::vector<std::string> either;
    std::vector<PgParam> args;
    for (const std::string& column : agent_columns) {
      either.push_back(
          absl::StrCat(column, " IN (SELECT id FROM agents WHERE team = ANY(?::text[]))"));
      args.push_back(array);
    }
    for (const std::string& column : team_columns) {
      either.push_back(absl::StrCat(column, " = ANY(?::text[])"));
      args.push_back(array);
    }
    Add(absl::StrCat("(", absl::StrJoin(either, " OR "), ")"), std::move(args));
  }
  std::string Where() const {
    return conditions_.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(conditions_, " AND "));
  }
  // " LIMIT $n" with `limit` as its value.
  std::string Limit(int64_t limit) {
    params_.push_back(limit);
    return absl::StrCat(" LIMIT $", params_.size());
  }
  const std::vector<PgParam>& params() const { return params_; }

 private:
  std::vector<std::string> conditions_;
  std::vector<PgParam> params_;
};

// The program, period and decision-time conditions the award datasets share (`a` is awards).
void AddDecisionScope(const ExportScope& scope, Conditions& where) {
  if (!scope.program_id.empty()) where.Add("a.program_id = ?", {scope.program_id});
  if (!scope.period.empty()) where.Add("a.period = ?", {scope.period});
  where.Add("a.decided_us >= ? AND a.decided_us < ?", {scope.from_us, scope.to_us});
}

std::string Qualified(const char* alias, const char* columns) {
  std::vector<std::string> names = absl::StrSplit(columns, ", ");
  for (std::string& name : names) name = absl::StrCat(alias, ".", name);
  return absl::StrJoin(names, ", ");
}

constexpr const char* kAgentColumns =
    "id, display_name, email, team, channel, hire_date, active, public_praise, locale";
constexpr const char* kAwardColumns =
    "id, program_id, period, agent_id, rank, program_version, decided_us, tier, state, "
    "state_reason, value, approvals_needed, approver_role, over_flexible_budget, team";
constexpr int kFulfilmentColumnCount = 16;

}  // namespace

absl::StatusOr<ExportedEventsPage> PostgresStore::ExportEvents(
    const ExportScope& scope, const ExportKey& after, int limit,
    absl::FunctionRef<bool(const EventView&)> row) {
  Conditions where;
  const int64_t from_us = after.started ? std::max(scope.from_us, after.number) : scope.from_us;
  where.Add("occurred_at_us >= ? AND occurred_at_us < ?", {from_us, scope.to_us});
  if (after.started) {
    where.Add("(occurred_at_us, agent_id, metric, value, row) > (?, ?, ?, ?, ?)",
              {after.number, after.text, after.metric, after.value, after.row});
  }
  if (!scope.agent_id.empty()) where.Add("agent_id = ?", {scope.agent_id});
  where.AddTeams(scope.teams, {"agent_id"});
  const std::string sql = absl::StrCat(
      "SELECT event_id, agent_id, metric, value, occurred_at_us, row FROM events", where.Where(),
      " ORDER BY occurred_at_us, agent_id, metric, value, row", where.Limit(limit));
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(sql, where.params());
  if (!q.ok()) return q.status();
  ExportedEventsPage page;
  for (int i = 0; i < q->rows(); ++i) {
    ++page.rows;
    page.last_row = q->Int(i, 5);
    if (!row(EventView{q->TextView(i, 0), q->TextView(i, 1), q->TextView(i, 2), q->Double(i, 3),
                       q->Int(i, 4)})) {
      break;
    }
  }
  return page;
}

absl::StatusOr<std::vector<Agent>> PostgresStore::ExportAgents(const ExportScope& scope,
                                                               const ExportKey& after, int limit) {
  Conditions where;
  if (after.started) where.Add("id > ?", {after.text});
  if (!scope.agent_id.empty()) where.Add("id = ?", {scope.agent_id});
  where.AddTeams(scope.teams, {"id"});
  const std::string sql = absl::StrCat("SELECT ", kAgentColumns, " FROM agents", where.Where(),
                                       " ORDER BY id", where.Limit(limit));
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(sql, where.params());
  if (!q.ok()) return q.status();
  std::vector<Agent> agents;
  for (int i = 0; i < q->rows(); ++i) agents.push_back(ReadAgentRow(*q, i));
  return agents;
}

absl::StatusOr<std::vector<PositionedStanding>> PostgresStore::ExportStandings(
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
                                       where.Where(), " ORDER BY s.position", where.Limit(limit));
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(sql, where.params());
  if (!q.ok()) return q.status();
  std::vector<PositionedStanding> rows;
  for (int i = 0; i < q->rows(); ++i) {
    std::optional<Standing> standing = DecodeStanding(q->Text(i, 1));
    if (!standing.has_value()) {
      return absl::DataLossError(
          absl::StrCat("stored standing at position ", q->Int(i, 0), " cannot be read"));
    }
    rows.push_back(PositionedStanding{q->Int(i, 0), *std::move(standing)});
  }
  return rows;
}

absl::StatusOr<std::vector<ExportedAwardRow>> PostgresStore::ExportAwards(const ExportScope& scope,
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
      where.Where(), " ORDER BY a.program_id, a.period, a.rank, a.id", where.Limit(limit));
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(sql, where.params());
  if (!q.ok()) return q.status();
  // The awards with their rewards and approvals (LoadAwards), in this page's order.
  std::vector<std::string> ids;
  for (int i = 0; i < q->rows(); ++i) ids.push_back(q->Text(i, 0));
  std::vector<ExportedAwardRow> rows;
  if (ids.empty()) return rows;
  const std::string id_array = PgTextArray(ids);
  auto awards = LoadAwards(**db, "WHERE id = ANY($1::text[])", {id_array}, false);
  if (!awards.ok()) return awards.status();
  std::map<std::string, AwardRecord> by_id;
  for (AwardRecord& a : *awards) by_id[a.id] = std::move(a);
  auto history = (*db)->Exec(
      "SELECT award_id, seq, from_state, to_state, actor, reason, at_us FROM award_history "
      "WHERE award_id = ANY($1::text[]) ORDER BY award_id, seq",
      {id_array});
  if (!history.ok()) return history.status();
  std::map<std::string, std::vector<AwardTransition>> transitions;
  for (int i = 0; i < history->rows(); ++i) {
    transitions[history->Text(i, 0)].push_back(
        AwardTransition{history->Int(i, 1), history->Text(i, 2), history->Text(i, 3),
                        history->Text(i, 4), history->Text(i, 5), history->Int(i, 6)});
  }
  for (int i = 0; i < q->rows(); ++i) {
    ExportedAwardRow row;
    row.award = std::move(by_id[ids[i]]);
    // Exported awards carry their approvals, not their rewards (the fulfilments dataset does).
    row.award.fulfilments.clear();
    row.team = q->Text(i, 15);
    row.unit = q->Text(i, 16);
    row.currency = q->Text(i, 17);
    row.transitions = std::move(transitions[ids[i]]);
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<ExportedFulfilmentRow>> PostgresStore::ExportFulfilments(
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
      where.Where(), " ORDER BY a.program_id, a.period, f.award_id, f.seq", where.Limit(limit));
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(sql, where.params());
  if (!q.ok()) return q.status();
  std::vector<ExportedFulfilmentRow> rows;
  std::vector<std::string> ids;
  for (int i = 0; i < q->rows(); ++i) {
    ExportedFulfilmentRow row;
    row.fulfilment = ReadFulfilment(*q, i);
    constexpr int kNext = kFulfilmentColumnCount;
    row.program_id = q->Text(i, kNext);
    row.period = q->Text(i, kNext + 1);
    row.decided_us = q->Int(i, kNext + 2);
    row.seq = q->Int(i, kNext + 3);
    row.unit = q->Text(i, kNext + 4);
    row.currency = q->Text(i, kNext + 5);
    ids.push_back(row.fulfilment.id);
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return rows;
  auto attempts = (*db)->Exec(
      "SELECT fulfilment_id, seq, kind, started_us, finished_us, outcome, error, actor FROM "
      "fulfilment_attempts WHERE fulfilment_id = ANY($1::text[]) ORDER BY fulfilment_id, seq",
      {PgTextArray(ids)});
  if (!attempts.ok()) return attempts.status();
  std::map<std::string, std::vector<FulfilmentAttempt>> by_reward;
  for (int i = 0; i < attempts->rows(); ++i) {
    by_reward[attempts->Text(i, 0)].push_back(FulfilmentAttempt{
        attempts->Text(i, 0), attempts->Int(i, 1), attempts->Text(i, 2), attempts->Int(i, 3),
        attempts->Int(i, 4), attempts->Text(i, 5), attempts->Text(i, 6), attempts->Text(i, 7)});
  }
  for (ExportedFulfilmentRow& row : rows) row.attempts = std::move(by_reward[row.fulfilment.id]);
  return rows;
}

absl::StatusOr<std::vector<ExportedLedgerRow>> PostgresStore::ExportLedger(const ExportScope& scope,
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
      where.Where(), " ORDER BY l.program_id, l.period, l.award_id", where.Limit(limit));
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(sql, where.params());
  if (!q.ok()) return q.status();
  std::vector<ExportedLedgerRow> rows;
  for (int i = 0; i < q->rows(); ++i) {
    rows.push_back(ExportedLedgerRow{q->Text(i, 0), q->Text(i, 1), q->Text(i, 2), q->Text(i, 3),
                                     q->Text(i, 4), q->Double(i, 5), q->Text(i, 6), q->Text(i, 7),
                                     q->Text(i, 8), q->Double(i, 9), q->Text(i, 10)});
  }
  return rows;
}

absl::StatusOr<std::vector<PraiseRecord>> PostgresStore::ExportPraise(const ExportScope& scope,
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
  const std::string sql = absl::StrCat(
      "SELECT id, from_agent_id, to_agent_id, message, value, request_id, sent_us "
      "FROM praise",
      where.Where(), " ORDER BY sent_us, id", where.Limit(limit));
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(sql, where.params());
  if (!q.ok()) return q.status();
  std::vector<PraiseRecord> praise;
  for (int i = 0; i < q->rows(); ++i) {
    praise.push_back(PraiseRecord{q->Text(i, 0), q->Text(i, 1), q->Text(i, 2), q->Text(i, 3),
                                  q->Text(i, 4), q->Text(i, 5), q->Int(i, 6)});
  }
  return praise;
}

}  // namespace plaudit

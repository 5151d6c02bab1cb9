// Store's award lifecycle: approvals, rejections and cancellations, the budget ledger and each
// award's history. Every change of an award's state is one transaction with its ledger entry,
// its fulfilments and its history row.
#include <sqlite3.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
namespace {

std::optional<BudgetMode> ParseBudgetMode(const std::string& text) {
  if (text == "fixed") return BudgetMode::kFixed;
  if (text == "flexible") return BudgetMode::kFlexible;
  return std::nullopt;
}

std::optional<BudgetUnit> ParseBudgetUnit(const std::string& text) {
  for (BudgetUnit unit : {BudgetUnit::kMoney, BudgetUnit::kHours, BudgetUnit::kItems}) {
    if (BudgetUnitName(unit) == text) return unit;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::optional<BudgetPosition>> SqliteStore::LoadBudgetPosition(
    const std::string& program_id, const std::string& period) {
  SqliteStatement b(db_,
                    "SELECT mode, unit, currency, amount FROM budgets WHERE program_id = ? AND "
                    "period = ?");
  b.Bind(1, program_id).Bind(2, period);
  if (!b.Step()) {
    if (!b.status().ok()) return b.status();
    return std::optional<BudgetPosition>();
  }
  BudgetPosition position;
  std::optional<BudgetMode> mode = ParseBudgetMode(b.Text(0));
  std::optional<BudgetUnit> unit = ParseBudgetUnit(b.Text(1));
  if (!mode.has_value() || !unit.has_value()) {
    return absl::DataLossError(absl::StrCat("budget of ", program_id, " ", period,
                                            " has an unknown mode or unit: ", b.Text(0), " ",
                                            b.Text(1)));
  }
  position.spec.mode = *mode;
  position.spec.unit = *unit;
  position.spec.currency = b.Text(2);
  position.spec.amount = b.Double(3);
  SqliteStatement sums(db_,
                       "SELECT state, SUM(amount) FROM budget_ledger WHERE program_id = ? AND "
                       "period = ? GROUP BY state");
  sums.Bind(1, program_id).Bind(2, period);
  while (sums.Step()) {
    if (sums.Text(0) == "reserved") position.reserved = sums.Double(1);
    if (sums.Text(0) == "settled") position.settled = sums.Double(1);
  }
  if (!sums.status().ok()) return sums.status();
  return std::optional<BudgetPosition>(position);
}

absl::StatusOr<AwardFacts> SqliteStore::LoadAwardFacts(const AwardRecord& award) {
  AwardFacts facts;
  facts.award_id = award.id;
  facts.state = award.state;
  facts.value = award.value;
  facts.approvals_needed = award.approvals_needed;
  facts.approver_role = award.approver_role;
  facts.approvals = award.approvals;
  if (!award.agent_id.empty()) facts.recipients.push_back(award.agent_id);
  for (const FulfilmentRecord& f : award.fulfilments) {
    if (!f.agent_id.empty() && std::find(facts.recipients.begin(), facts.recipients.end(),
                                         f.agent_id) == facts.recipients.end()) {
      facts.recipients.push_back(f.agent_id);
    }
  }
  // A team award belongs to every member of the team, including those who get no reward of
  // their own (rewards_to: team).
  if (!award.team.empty()) {
    SqliteStatement members(db_, "SELECT id FROM agents WHERE team = ? ORDER BY id");
    members.Bind(1, award.team);
    while (members.Step()) {
      std::string id = members.Text(0);
      if (std::find(facts.recipients.begin(), facts.recipients.end(), id) ==
          facts.recipients.end()) {
        facts.recipients.push_back(std::move(id));
      }
    }
    if (!members.status().ok()) return members.status();
  }
  auto budget = LoadBudgetPosition(award.program_id, award.period);
  if (!budget.ok()) return budget.status();
  facts.budget = *budget;
  return facts;
}

absl::Status SqliteStore::AppendHistory(const std::string& award_id, const std::string& from_state,
                                        AwardState to, const std::string& actor,
                                        const std::string& reason, int64_t at_us) {
  SqliteStatement h(db_,
                    "INSERT INTO award_history (award_id, seq, from_state, to_state, actor, "
                    "reason, at_us) VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM "
                    "award_history WHERE award_id = ?1), ?2, ?3, ?4, ?5, ?6)");
  h.Bind(1, award_id)
      .Bind(2, from_state)
      .Bind(3, AwardStateName(to))
      .Bind(4, actor)
      .Bind(5, reason)
      .Bind(6, at_us);
  return h.Run();
}

absl::Status SqliteStore::ApplyPlan(const AwardRecord& award, const TransitionPlan& plan,
                                    const std::string& actor, int64_t now_us) {
  SqliteStatement u(db_,
                    "UPDATE awards SET state = ?, state_reason = ?, over_flexible_budget = "
                    "over_flexible_budget OR ? WHERE id = ?");
  u.Bind(1, AwardStateName(plan.to))
      .Bind(2, plan.reason)
      .Bind(3, int64_t{plan.over_flexible_budget ? 1 : 0})
      .Bind(4, award.id);
  PLAUDIT_RETURN_IF_ERROR(u.Run());
  if (plan.add_approval) {
    SqliteStatement a(db_, "INSERT INTO award_approvals (award_id, actor, at_us) VALUES (?, ?, ?)");
    a.Bind(1, award.id).Bind(2, actor).Bind(3, now_us);
    PLAUDIT_RETURN_IF_ERROR(a.Run());
  }
  if (plan.ledger == LedgerEffect::kReserve) {
    SqliteStatement r(db_,
                      "INSERT INTO budget_ledger (award_id, program_id, period, amount, state) "
                      "VALUES (?, ?, ?, ?, 'reserved') ON CONFLICT (award_id) DO UPDATE SET "
                      "amount = excluded.amount, state = 'reserved'");
    r.Bind(1, award.id).Bind(2, award.program_id).Bind(3, award.period).Bind(4, award.value);
    PLAUDIT_RETURN_IF_ERROR(r.Run());
  } else if (plan.ledger == LedgerEffect::kRelease || plan.ledger == LedgerEffect::kSettle) {
    SqliteStatement r(db_,
                      "UPDATE budget_ledger SET state = ? WHERE award_id = ? AND "
                      "state = 'reserved'");
    r.Bind(1, std::string(plan.ledger == LedgerEffect::kRelease ? "released" : "settled"))
        .Bind(2, award.id);
    PLAUDIT_RETURN_IF_ERROR(r.Run());
  }
  if (plan.release_fulfilments || plan.cancel_fulfilments) {
    SqliteStatement f(db_,
                      "UPDATE fulfilments SET state = ?, next_attempt_us = MAX(next_attempt_us, "
                      "?2), updated_us = ?2 WHERE award_id = ?3 AND state IN ('waiting', "
                      "'pending')");
    f.Bind(1, FulfilmentStateName(plan.release_fulfilments ? FulfilmentState::kPending
                                                           : FulfilmentState::kCancelled))
        .Bind(2, now_us)
        .Bind(3, award.id);
    PLAUDIT_RETURN_IF_ERROR(f.Run());
  }
  return AppendHistory(award.id, std::string(AwardStateName(award.state)), plan.to, actor,
                       plan.reason, now_us);
}

absl::StatusOr<AwardRecord> SqliteStore::ApplyAwardAction(const std::string& award_id,
                                                          const AwardPlanner& planner,
                                                          const std::string& actor,
                                                          int64_t now_us) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  auto awards = LoadAwards("WHERE id = ?", {award_id});
  if (!awards.ok()) return awards.status();
  if (awards->empty()) {
    return absl::NotFoundError(absl::StrCat("award_id: award \"", award_id, "\" not found"));
  }
  const AwardRecord& award = awards->front();
  auto facts = LoadAwardFacts(award);
  if (!facts.ok()) return facts.status();
  auto plan = planner(*facts);
  if (!plan.ok()) return plan.status();
  PLAUDIT_RETURN_IF_ERROR(ApplyPlan(award, *plan, actor, now_us));
  auto updated = LoadAwards("WHERE id = ?", {award_id});
  if (!updated.ok()) return updated.status();
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  return std::move(updated->front());
}

absl::StatusOr<std::vector<AwardTransition>> SqliteStore::AwardHistory(
    const std::string& award_id) {
  absl::MutexLock lock(&mu_);
  SqliteStatement exists(db_, "SELECT 1 FROM awards WHERE id = ?");
  exists.Bind(1, award_id);
  if (!exists.Step()) {
    if (!exists.status().ok()) return exists.status();
    return absl::NotFoundError(absl::StrCat("award_id: award \"", award_id, "\" not found"));
  }
  SqliteStatement q(db_,
                    "SELECT seq, from_state, to_state, actor, reason, at_us FROM award_history "
                    "WHERE award_id = ? ORDER BY seq");
  q.Bind(1, award_id);
  return CollectRows<AwardTransition>(q, [](const SqliteStatement& row) {
    return AwardTransition{row.Int(0),  row.Text(1), row.Text(2),
                           row.Text(3), row.Text(4), row.Int(5)};
  });
}

absl::StatusOr<std::optional<BudgetReport>> SqliteStore::GetBudget(const std::string& program_id,
                                                                   const std::string& period) {
  absl::MutexLock lock(&mu_);
  auto position = LoadBudgetPosition(program_id, period);
  if (!position.ok()) return position.status();
  if (!position->has_value()) return std::optional<BudgetReport>();
  BudgetReport report;
  report.program_id = program_id;
  report.period = period;
  report.position = **position;
  SqliteStatement counts(db_,
                         "SELECT COALESCE(SUM(over_flexible_budget), 0), "
                         "COALESCE(SUM(state = 'over_budget'), 0) FROM awards WHERE "
                         "program_id = ? AND period = ?");
  counts.Bind(1, program_id).Bind(2, period);
  if (counts.Step()) {
    report.flagged_awards = static_cast<int>(counts.Int(0));
    report.over_budget_awards = static_cast<int>(counts.Int(1));
  }
  if (!counts.status().ok()) return counts.status();
  return std::optional<BudgetReport>(report);
}

absl::Status SqliteStore::FinishAwardIfDone(const std::string& award_id, int64_t now_us,
                                            const AwardCompletion& completion) {
  auto awards = LoadAwards("WHERE id = ?", {award_id});
  if (!awards.ok()) return awards.status();
  if (awards->empty()) return absl::OkStatus();
  const AwardRecord& award = awards->front();
  const std::optional<TransitionPlan> plan = completion(award);
  if (!plan.has_value()) return absl::OkStatus();
  return ApplyPlan(award, *plan, std::string(kSystemActor), now_us);
}

}  // namespace plaudit

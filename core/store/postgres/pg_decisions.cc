// PostgresStore's decisions, standings, awards with their history and approvals, and budgets with
// their ledger: the transactional outbox (a decision, its awards and their rewards' fulfilment
// rows commit together). Two replicas closing the same period: the decision's primary key lets one
// in, and the other returns the stored decision. Acting on an award locks its row, then its
// period's budget row, so that concurrent approvals on any replicas never overspend a fixed
// budget.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/record_codec.h"

namespace plaudit {
namespace {

constexpr const char* kAwardColumns =
    "id, program_id, period, agent_id, rank, program_version, decided_us, tier, state, "
    "state_reason, value, approvals_needed, approver_role, over_flexible_budget, team";

AwardRecord ReadAward(const PgResult& q, int i) {
  AwardRecord a;
  a.id = q.Text(i, 0);
  a.program_id = q.Text(i, 1);
  a.period = q.Text(i, 2);
  a.agent_id = q.Text(i, 3);
  a.rank = static_cast<int>(q.Int(i, 4));
  a.program_version = q.Int(i, 5);
  a.decided_us = q.Int(i, 6);
  a.tier = q.Text(i, 7);
  a.state = ParseAwardState(q.TextView(i, 8)).value_or(AwardState::kProposed);
  a.state_reason = q.Text(i, 9);
  a.value = q.Double(i, 10);
  a.approvals_needed = static_cast<int>(q.Int(i, 11));
  a.approver_role = q.TextView(i, 12) == "admin" ? Role::kAdmin : Role::kManager;
  a.over_flexible_budget = q.Bool(i, 13);
  a.team = q.Text(i, 14);
  return a;
}

FulfilmentState ParseFulfilmentStateName(std::string_view text) {
  for (FulfilmentState state :
       {FulfilmentState::kWaiting, FulfilmentState::kPending, FulfilmentState::kFulfilled,
        FulfilmentState::kFailed, FulfilmentState::kCancelled}) {
    if (FulfilmentStateName(state) == text) return state;
  }
  return FulfilmentState::kPending;
}

}  // namespace

const char* const PostgresStore::kFulfilmentColumns =
    "id, award_id, agent_id, type, params, state, attempts, error, artifact, idempotency_key, "
    "next_attempt_us, updated_us, check_first, value, face_value, redeemed_us";

FulfilmentRecord PostgresStore::ReadFulfilment(const PgResult& s, int i) {
  FulfilmentRecord r;
  r.id = s.Text(i, 0);
  r.award_id = s.Text(i, 1);
  r.agent_id = s.Text(i, 2);
  r.type = s.Text(i, 3);
  r.params = DecodeParams(s.Text(i, 4));
  r.state = ParseFulfilmentStateName(s.TextView(i, 5));
  r.attempts = static_cast<int>(s.Int(i, 6));
  r.error = s.Text(i, 7);
  r.artifact = s.Text(i, 8);
  r.idempotency_key = s.Text(i, 9);
  r.next_attempt_us = s.Int(i, 10);
  r.updated_us = s.Int(i, 11);
  r.check_first = s.Bool(i, 12);
  if (!s.IsNull(i, 13)) r.value = s.Double(i, 13);
  r.face_value = s.Double(i, 14);
  r.redeemed_us = s.Int(i, 15);
  return r;
}

absl::StatusOr<std::vector<AwardRecord>> PostgresStore::LoadAwards(
    PgConnection& db, const std::string& where, const std::vector<PgParam>& params, bool lock) {
  auto q = db.Exec(
      absl::StrCat("SELECT ", kAwardColumns, " FROM awards ", where,
                   " ORDER BY program_id, period, rank, agent_id", lock ? " FOR UPDATE" : ""),
      params);
  if (!q.ok()) return q.status();
  std::vector<AwardRecord> awards;
  awards.reserve(q->rows());
  std::vector<std::string> ids;
  for (int i = 0; i < q->rows(); ++i) {
    awards.push_back(ReadAward(*q, i));
    ids.push_back(awards.back().id);
  }
  if (awards.empty()) return awards;
  // Every award's rewards and approvals in one statement each.
  const std::string id_array = PgTextArray(ids);
  auto f = db.Exec(absl::StrCat("SELECT ", kFulfilmentColumns,
                                " FROM fulfilments WHERE award_id = ANY($1::text[]) "
                                "ORDER BY award_id, seq"),
                   {id_array});
  if (!f.ok()) return f.status();
  auto approvals = db.Exec(
      "SELECT award_id, actor FROM award_approvals WHERE award_id = ANY($1::text[]) "
      "ORDER BY award_id, at_us, actor",
      {id_array});
  if (!approvals.ok()) return approvals.status();
  std::map<std::string, AwardRecord*> by_id;
  for (AwardRecord& a : awards) by_id[a.id] = &a;
  for (int i = 0; i < f->rows(); ++i) {
    FulfilmentRecord r = ReadFulfilment(*f, i);
    if (auto it = by_id.find(r.award_id); it != by_id.end()) {
      it->second->fulfilments.push_back(std::move(r));
    }
  }
  for (int i = 0; i < approvals->rows(); ++i) {
    if (auto it = by_id.find(approvals->Text(i, 0)); it != by_id.end()) {
      it->second->approvals.push_back(approvals->Text(i, 1));
    }
  }
  return awards;
}

absl::StatusOr<std::optional<BudgetPosition>> PostgresStore::LoadBudgetPosition(
    PgConnection& db, const std::string& program_id, const std::string& period, bool lock) {
  auto b = db.Exec(absl::StrCat("SELECT mode, unit, currency, amount FROM budgets WHERE "
                                "program_id = $1 AND period = $2",
                                lock ? " FOR UPDATE" : ""),
                   {program_id, period});
  if (!b.ok()) return b.status();
  if (b->rows() == 0) return std::optional<BudgetPosition>();
  BudgetPosition position;
  std::optional<BudgetMode> mode;
  if (b->TextView(0, 0) == "fixed") mode = BudgetMode::kFixed;
  if (b->TextView(0, 0) == "flexible") mode = BudgetMode::kFlexible;
  std::optional<BudgetUnit> unit;
  for (BudgetUnit u : {BudgetUnit::kMoney, BudgetUnit::kHours, BudgetUnit::kItems}) {
    if (BudgetUnitName(u) == b->TextView(0, 1)) unit = u;
  }
  if (!mode.has_value() || !unit.has_value()) {
    return absl::DataLossError(absl::StrCat("budget of ", program_id, " ", period,
                                            " has an unknown mode or unit: ", b->Text(0, 0), " ",
                                            b->Text(0, 1)));
  }
  position.spec.mode = *mode;
  position.spec.unit = *unit;
  position.spec.currency = b->Text(0, 2);
  position.spec.amount = b->Double(0, 3);
  auto sums = db.Exec(
      "SELECT state, SUM(amount) FROM budget_ledger WHERE program_id = $1 AND period = $2 "
      "GROUP BY state",
      {program_id, period});
  if (!sums.ok()) return sums.status();
  for (int i = 0; i < sums->rows(); ++i) {
    if (sums->TextView(i, 0) == "reserved") position.reserved = sums->Double(i, 1);
    if (sums->TextView(i, 0) == "settled") position.settled = sums->Double(i, 1);
  }
  return std::optional<BudgetPosition>(position);
}

absl::StatusOr<AwardFacts> PostgresStore::LoadAwardFacts(PgConnection& db,
                                                         const AwardRecord& award) {
  AwardFacts facts;
  facts.award_id = award.id;
  facts.state = award.state;
  facts.value = award.value;
  facts.approvals_needed = award.approvals_needed;
  facts.approver_role = award.approver_role;
  facts.approvals = award.approvals;
  auto add_recipient = [&facts](std::string id) {
    if (!id.empty() &&
        std::find(facts.recipients.begin(), facts.recipients.end(), id) == facts.recipients.end()) {
      facts.recipients.push_back(std::move(id));
    }
  };
  add_recipient(award.agent_id);
  for (const FulfilmentRecord& f : award.fulfilments) add_recipient(f.agent_id);
  // A team award belongs to every member of the team, including those who get no reward of
  // their own (rewards_to: team).
  if (!award.team.empty()) {
    auto members = db.Exec("SELECT id FROM agents WHERE team = $1 ORDER BY id", {award.team});
    if (!members.ok()) return members.status();
    for (int i = 0; i < members->rows(); ++i) add_recipient(members->Text(i, 0));
  }
  // Locked: concurrent actions on the period's awards, on any replica, decide in turn.
  auto budget = LoadBudgetPosition(db, award.program_id, award.period, /*lock=*/true);
  if (!budget.ok()) return budget.status();
  facts.budget = *budget;
  return facts;
}

absl::Status PostgresStore::AppendHistory(PgConnection& db, const std::string& award_id,
                                          const std::string& from_state, AwardState to,
                                          const std::string& actor, const std::string& reason,
                                          int64_t at_us) {
  // The award's row is locked by the transaction writing its history, so seq is taken in turn.
  return db
      .Exec(
          "INSERT INTO award_history (award_id, seq, from_state, to_state, actor, reason, at_us) "
          "VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM award_history WHERE award_id = "
          "$1), $2, $3, $4, $5, $6)",
          {award_id, from_state, AwardStateName(to), actor, reason, at_us})
      .status();
}

absl::Status PostgresStore::ApplyPlan(PgConnection& db, const AwardRecord& award,
                                      const TransitionPlan& plan, const std::string& actor,
                                      int64_t now_us) {
  PLAUDIT_PG_RETURN_IF_ERROR(
      db.Exec("UPDATE awards SET state = $1, state_reason = $2, over_flexible_budget = "
              "over_flexible_budget OR $3 WHERE id = $4",
              {AwardStateName(plan.to), plan.reason, plan.over_flexible_budget, award.id})
          .status());
  if (plan.add_approval) {
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("INSERT INTO award_approvals (award_id, actor, at_us) VALUES ($1, $2, $3)",
                {award.id, actor, now_us})
            .status());
  }
  if (plan.ledger == LedgerEffect::kReserve) {
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("INSERT INTO budget_ledger (award_id, program_id, period, amount, state) "
                "VALUES ($1, $2, $3, $4, 'reserved') ON CONFLICT (award_id) DO UPDATE SET "
                "amount = excluded.amount, state = 'reserved'",
                {award.id, award.program_id, award.period, award.value})
            .status());
  } else if (plan.ledger == LedgerEffect::kRelease || plan.ledger == LedgerEffect::kSettle) {
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("UPDATE budget_ledger SET state = $1 WHERE award_id = $2 AND state = 'reserved'",
                {std::string(plan.ledger == LedgerEffect::kRelease ? "released" : "settled"),
                 award.id})
            .status());
  }
  if (plan.release_fulfilments || plan.cancel_fulfilments) {
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("UPDATE fulfilments SET state = $1, next_attempt_us = GREATEST(next_attempt_us, "
                "$2), updated_us = $2 WHERE award_id = $3 AND state IN ('waiting', 'pending')",
                {FulfilmentStateName(plan.release_fulfilments ? FulfilmentState::kPending
                                                              : FulfilmentState::kCancelled),
                 now_us, award.id})
            .status());
  }
  return AppendHistory(db, award.id, std::string(AwardStateName(award.state)), plan.to, actor,
                       plan.reason, now_us);
}

absl::StatusOr<std::optional<DecisionRecord>> PostgresStore::LoadDecision(
    PgConnection& db, const std::string& program_id, const std::string& period,
    bool with_standings) {
  auto q = db.Exec(
      "SELECT program_version, decided_us FROM decisions WHERE program_id = $1 AND period = $2",
      {program_id, period});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<DecisionRecord>();
  DecisionRecord stored;
  stored.program_id = program_id;
  stored.period = period;
  stored.program_version = q->Int(0, 0);
  stored.decided_us = q->Int(0, 1);
  auto count = CountStandingRows(db, program_id, period);
  if (!count.ok()) return count.status();
  stored.standings_count = *count;
  stored.standings_loaded = with_standings;
  if (with_standings) {
    auto standings = LoadStandingRows(db, program_id, period, 0, *count);
    if (!standings.ok()) return standings.status();
    stored.standings.reserve(standings->size());
    for (PositionedStanding& s : *standings) stored.standings.push_back(std::move(s.standing));
  }
  auto awards =
      LoadAwards(db, "WHERE program_id = $1 AND period = $2", {program_id, period}, false);
  if (!awards.ok()) return awards.status();
  stored.awards = *std::move(awards);
  return std::optional<DecisionRecord>(std::move(stored));
}

absl::StatusOr<int64_t> PostgresStore::CountStandingRows(PgConnection& db,
                                                         const std::string& program_id,
                                                         const std::string& period) {
  // The last position by the primary key: one seek, however many standings there are.
  auto q = db.Exec(
      "SELECT position FROM decision_standings WHERE program_id = $1 AND period = $2 "
      "ORDER BY position DESC LIMIT 1",
      {program_id, period});
  if (!q.ok()) return q.status();
  return q->rows() == 0 ? int64_t{0} : q->Int(0, 0) + 1;
}

absl::StatusOr<std::vector<PositionedStanding>> PostgresStore::LoadStandingRows(
    PgConnection& db, const std::string& program_id, const std::string& period, int64_t offset,
    int64_t limit) {
  std::vector<PositionedStanding> page;
  if (limit <= 0) return page;
  auto q = db.Exec(
      "SELECT position, standing FROM decision_standings WHERE program_id = $1 AND period = $2 "
      "AND position >= $3 ORDER BY position LIMIT $4",
      {program_id, period, offset, limit});
  if (!q.ok()) return q.status();
  page.reserve(q->rows());
  for (int i = 0; i < q->rows(); ++i) {
    std::optional<Standing> standing = DecodeStanding(q->Text(i, 1));
    if (!standing.has_value()) {
      return absl::DataLossError(
          absl::StrCat("stored standing at position ", q->Int(i, 0), " cannot be read"));
    }
    page.push_back(PositionedStanding{q->Int(i, 0), *std::move(standing)});
  }
  return page;
}

absl::StatusOr<std::optional<int64_t>> PostgresStore::DecisionVersion(const std::string& program_id,
                                                                      const std::string& period) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q =
      (*db)->Exec("SELECT program_version FROM decisions WHERE program_id = $1 AND period = $2",
                  {program_id, period});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(q->Int(0, 0));
}

absl::StatusOr<std::vector<std::string>> PostgresStore::DecidedPeriods(
    const std::string& program_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec("SELECT period FROM decisions WHERE program_id = $1", {program_id});
  if (!q.ok()) return q.status();
  std::vector<std::string> periods;
  for (int i = 0; i < q->rows(); ++i) periods.push_back(q->Text(i, 0));
  return periods;
}

absl::StatusOr<std::pair<DecisionRecord, bool>> PostgresStore::CommitDecision(
    const DecisionRecord& decision, const AwardPlanner& auto_approval) {
  std::pair<DecisionRecord, bool> result;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    // The primary key lets one replica in; another closing the same period waits here for it
    // to commit, and then returns what it stored.
    auto claimed = db.Exec(
        "INSERT INTO decisions (program_id, period, program_version, decided_us) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (program_id, period) DO NOTHING",
        {decision.program_id, decision.period, decision.program_version, decision.decided_us});
    if (!claimed.ok()) return claimed.status();
    if (claimed->affected() == 0) {
      auto stored = LoadDecision(db, decision.program_id, decision.period, false);
      if (!stored.ok()) return stored.status();
      if (!stored->has_value()) {
        return absl::AbortedError("decision: stored by another replica, not yet readable");
      }
      result = std::make_pair(**std::move(stored), false);
      return absl::OkStatus();
    }
    // The standings, in one statement, and the agents of team standings.
    if (!decision.standings.empty()) {
      std::vector<int64_t> positions, ranks, member_positions;
      std::vector<std::string> competitors, encoded, members;
      int64_t position = 0;
      for (const Standing& s : decision.standings) {
        positions.push_back(position);
        ranks.push_back(s.rank);
        competitors.push_back(CompetitorId(s));
        encoded.push_back(EncodeStanding(s));
        for (const std::string& agent_id : s.members) {
          members.push_back(agent_id);
          member_positions.push_back(position);
        }
        ++position;
      }
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO decision_standings (program_id, period, position, competitor, "
                  "rank, standing) SELECT $1, $2, * FROM unnest($3::int8[], $4::text[], "
                  "$5::int8[], $6::text[])",
                  {decision.program_id, decision.period, PgNumberArray(positions),
                   PgTextArray(competitors), PgNumberArray(ranks), PgTextArray(encoded)})
              .status());
      if (!members.empty()) {
        PLAUDIT_PG_RETURN_IF_ERROR(
            db.Exec("INSERT INTO decision_standing_members (program_id, period, agent_id, "
                    "position) SELECT $1, $2, * FROM unnest($3::text[], $4::int8[]) "
                    "ON CONFLICT DO NOTHING",
                    {decision.program_id, decision.period, PgTextArray(members),
                     PgNumberArray(member_positions)})
                .status());
      }
    }
    if (decision.budget.has_value()) {
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO budgets (program_id, period, mode, unit, currency, amount) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
                  {decision.program_id, decision.period, BudgetModeName(decision.budget->mode),
                   BudgetUnitName(decision.budget->unit), decision.budget->currency,
                   decision.budget->amount})
              .status());
    }
    for (const AwardRecord& award : decision.awards) {
      PLAUDIT_PG_RETURN_IF_ERROR(
          db.Exec("INSERT INTO awards (id, program_id, period, agent_id, rank, program_version, "
                  "decided_us, tier, state, state_reason, value, approvals_needed, "
                  "approver_role, team) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                  "$12, $13, $14)",
                  {award.id, award.program_id, award.period, award.agent_id, award.rank,
                   award.program_version, award.decided_us, award.tier, AwardStateName(award.state),
                   award.state_reason, award.value, award.approvals_needed,
                   RoleName(award.approver_role), award.team})
              .status());
      PLAUDIT_PG_RETURN_IF_ERROR(AppendHistory(db, award.id, "", award.state, decision.decided_by,
                                               award.state_reason, decision.decided_us));
      int64_t seq = 0;
      for (const FulfilmentRecord& r : award.fulfilments) {
        PLAUDIT_PG_RETURN_IF_ERROR(
            db.Exec("INSERT INTO fulfilments (id, award_id, seq, agent_id, type, params, state, "
                    "attempts, error, artifact, idempotency_key, next_attempt_us, updated_us, "
                    "value, face_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                    "$12, $13, $14, $15)",
                    {r.id, award.id, seq++, r.agent_id, r.type, EncodeParams(r.params),
                     FulfilmentStateName(FulfilmentState::kWaiting), r.attempts, r.error,
                     r.artifact, r.idempotency_key, r.next_attempt_us, r.updated_us,
                     r.value.value_or(0), r.face_value})
                .status());
      }
    }
    // Awards that need nobody's approval are approved now, best rank first, so that a fixed
    // budget goes to the best.
    for (const AwardRecord& award : decision.awards) {
      if (award.approvals_needed > 0 || award.state != AwardState::kProposed) continue;
      auto facts = LoadAwardFacts(db, award);
      if (!facts.ok()) return facts.status();
      auto plan = auto_approval(*facts);
      if (!plan.ok()) return plan.status();
      PLAUDIT_PG_RETURN_IF_ERROR(
          ApplyPlan(db, award, *plan, std::string(kSystemActor), decision.decided_us));
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
    auto awards = LoadAwards(db, "WHERE program_id = $1 AND period = $2",
                             {decision.program_id, decision.period}, false);
    if (!awards.ok()) return awards.status();
    committed.awards = *std::move(awards);
    result = std::make_pair(std::move(committed), true);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::optional<DecisionRecord>> PostgresStore::GetDecision(
    const std::string& program_id, const std::string& period, bool with_standings) {
  std::optional<DecisionRecord> decision;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    // One snapshot: the header, standings and awards of the same commit.
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    auto loaded = LoadDecision(db, program_id, period, with_standings);
    if (!loaded.ok()) return loaded.status();
    decision = *std::move(loaded);
    return absl::OkStatus();
  }));
  return decision;
}

absl::StatusOr<std::vector<PositionedStanding>> PostgresStore::ListStandings(
    const std::string& program_id, const std::string& period, int64_t offset, int64_t limit) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  return LoadStandingRows(**db, program_id, period, std::max<int64_t>(offset, 0), limit);
}

absl::StatusOr<int64_t> PostgresStore::CountStandings(const std::string& program_id,
                                                      const std::string& period) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  return CountStandingRows(**db, program_id, period);
}

absl::StatusOr<std::optional<PositionedStanding>> PostgresStore::FindStanding(
    const std::string& program_id, const std::string& period, const std::string& competitor,
    bool members_only) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT position, standing FROM decision_standings WHERE program_id = $1 AND period = $2 "
      "AND position = COALESCE((SELECT MIN(position) FROM decision_standings WHERE NOT $4 AND "
      "program_id = $1 AND period = $2 AND competitor = $3), (SELECT MIN(position) FROM "
      "decision_standing_members WHERE program_id = $1 AND period = $2 AND agent_id = $3))",
      {program_id, period, competitor, members_only});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<PositionedStanding>();
  std::optional<Standing> standing = DecodeStanding(q->Text(0, 1));
  if (!standing.has_value()) {
    return absl::DataLossError(
        absl::StrCat("stored standing at position ", q->Int(0, 0), " cannot be read"));
  }
  return std::optional<PositionedStanding>(PositionedStanding{q->Int(0, 0), *std::move(standing)});
}

absl::StatusOr<std::vector<AwardRecord>> PostgresStore::ListAwards(const std::string& program_id,
                                                                   const std::string& period) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  return LoadAwards(**db, "WHERE ($1 = '' OR program_id = $1) AND ($2 = '' OR period = $2)",
                    {program_id, period}, false);
}

absl::StatusOr<std::optional<AwardRecord>> PostgresStore::GetAward(const std::string& id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto awards = LoadAwards(**db, "WHERE id = $1", {id}, false);
  if (!awards.ok()) return awards.status();
  if (awards->empty()) return std::optional<AwardRecord>();
  return std::optional<AwardRecord>(std::move(awards->front()));
}

absl::StatusOr<std::string> PostgresStore::LatestAwardPeriod(const std::string& program_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec("SELECT MAX(period) FROM awards WHERE program_id = $1", {program_id});
  if (!q.ok()) return q.status();
  return q->IsNull(0, 0) ? std::string() : q->Text(0, 0);
}

absl::StatusOr<AwardRecord> PostgresStore::ApplyAwardAction(const std::string& award_id,
                                                            const AwardPlanner& planner,
                                                            const std::string& actor,
                                                            int64_t now_us) {
  AwardRecord updated;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    // The award's row first, then its budget's (LoadAwardFacts): every action takes them in
    // that order.
    auto awards = LoadAwards(db, "WHERE id = $1", {award_id}, /*lock=*/true);
    if (!awards.ok()) return awards.status();
    if (awards->empty()) {
      return absl::NotFoundError(absl::StrCat("award_id: award \"", award_id, "\" not found"));
    }
    const AwardRecord& award = awards->front();
    auto facts = LoadAwardFacts(db, award);
    if (!facts.ok()) return facts.status();
    auto plan = planner(*facts);
    if (!plan.ok()) return plan.status();
    PLAUDIT_PG_RETURN_IF_ERROR(ApplyPlan(db, award, *plan, actor, now_us));
    auto after = LoadAwards(db, "WHERE id = $1", {award_id}, false);
    if (!after.ok()) return after.status();
    updated = std::move(after->front());
    return absl::OkStatus();
  }));
  return updated;
}

absl::StatusOr<std::vector<AwardTransition>> PostgresStore::AwardHistory(
    const std::string& award_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto exists = (*db)->Exec("SELECT 1 FROM awards WHERE id = $1", {award_id});
  if (!exists.ok()) return exists.status();
  if (exists->rows() == 0) {
    return absl::NotFoundError(absl::StrCat("award_id: award \"", award_id, "\" not found"));
  }
  auto q = (*db)->Exec(
      "SELECT seq, from_state, to_state, actor, reason, at_us FROM award_history "
      "WHERE award_id = $1 ORDER BY seq",
      {award_id});
  if (!q.ok()) return q.status();
  std::vector<AwardTransition> history;
  for (int i = 0; i < q->rows(); ++i) {
    history.push_back(AwardTransition{q->Int(i, 0), q->Text(i, 1), q->Text(i, 2), q->Text(i, 3),
                                      q->Text(i, 4), q->Int(i, 5)});
  }
  return history;
}

absl::StatusOr<std::optional<BudgetReport>> PostgresStore::GetBudget(const std::string& program_id,
                                                                     const std::string& period) {
  std::optional<BudgetReport> report;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
    report.reset();
    auto position = LoadBudgetPosition(db, program_id, period, /*lock=*/false);
    if (!position.ok()) return position.status();
    if (!position->has_value()) return absl::OkStatus();
    BudgetReport r;
    r.program_id = program_id;
    r.period = period;
    r.position = **position;
    auto counts = db.Exec(
        "SELECT COUNT(*) FILTER (WHERE over_flexible_budget), "
        "COUNT(*) FILTER (WHERE state = 'over_budget') FROM awards "
        "WHERE program_id = $1 AND period = $2",
        {program_id, period});
    if (!counts.ok()) return counts.status();
    r.flagged_awards = static_cast<int>(counts->Int(0, 0));
    r.over_budget_awards = static_cast<int>(counts->Int(0, 1));
    report = r;
    return absl::OkStatus();
  }));
  return report;
}

}  // namespace plaudit

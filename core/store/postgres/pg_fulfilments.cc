// PostgresStore's fulfilment queue, shared by every replica. Due rewards are claimed with
// SELECT ... FOR UPDATE SKIP LOCKED and a lease (lease_owner, lease_until_us, on the database's
// clock): a replica's DueFulfilments leases the rows it returns, so the others pass them by, and
// BeginFulfilmentAttempt starts a call only under this replica's lease or an expired one. A
// replica that dies mid-call leaves its rows check_first (set before every call) and leased until
// the lease runs out; then another replica claims them and looks each reward up by its
// idempotency key before any new call. Finishing a reward needs no lease (a vendor's callback may
// finish it on any replica); only a pending reward is written, as in the embedded store.
#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/store/postgres/postgres_store.h"

namespace plaudit {
namespace {

// The database's clock in microseconds: one clock for every replica's leases.
constexpr const char* kDbNowUs = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint";

// The id of the first unsettled fulfilment of type `type` (an SQL expression) in the decision of
// award `award_id` (an SQL expression), in rank order: see FulfilmentStore::BeginFulfilmentAttempt
// and the embedded store's TurnHasCome().
std::string FirstUnsettledSql(const std::string& award_id, const std::string& type) {
  return absl::StrCat(
      "SELECT g.id FROM awards mine JOIN awards a ON a.program_id = mine.program_id AND "
      "a.period = mine.period JOIN fulfilments g ON g.award_id = a.id WHERE mine.id = ",
      award_id, " AND g.type = ", type,
      " AND (g.state = 'pending' OR (g.state = 'waiting' AND a.state IN ('proposed', 'held'))) "
      "ORDER BY a.rank, a.id, g.seq LIMIT 1");
}

absl::Status InsertAttempt(PgConnection& db, const FulfilmentAttempt& attempt) {
  // The reward's row is locked by the transaction (or its history is written by one call at a
  // time), so seq is taken in turn; a clash is retried as ABORTED.
  absl::Status inserted =
      db.Exec(
            "INSERT INTO fulfilment_attempts (fulfilment_id, seq, kind, started_us, "
            "finished_us, outcome, error, actor) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 "
            "FROM fulfilment_attempts WHERE fulfilment_id = $1), $2, $3, $4, $5, $6, $7)",
            {attempt.fulfilment_id, attempt.kind, attempt.started_us, attempt.finished_us,
             attempt.outcome, attempt.error, attempt.actor})
          .status();
  if (absl::IsAlreadyExists(inserted)) return absl::AbortedError(inserted.message());
  return inserted;
}

}  // namespace

absl::StatusOr<std::vector<FulfilmentRecord>> PostgresStore::ListFulfilments(
    const std::string& award_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(absl::StrCat("SELECT ", kFulfilmentColumns,
                                    " FROM fulfilments WHERE ($1 = '' OR award_id = $1) "
                                    "ORDER BY award_id, seq"),
                       {award_id});
  if (!q.ok()) return q.status();
  std::vector<FulfilmentRecord> records;
  for (int i = 0; i < q->rows(); ++i) records.push_back(ReadFulfilment(*q, i));
  return records;
}

absl::StatusOr<std::optional<FulfilmentRecord>> PostgresStore::GetFulfilment(
    const std::string& id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      absl::StrCat("SELECT ", kFulfilmentColumns, " FROM fulfilments WHERE id = $1"), {id});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<FulfilmentRecord>();
  return std::optional<FulfilmentRecord>(ReadFulfilment(*q, 0));
}

absl::StatusOr<std::optional<FulfilmentRecord>> PostgresStore::FindFulfilmentByKey(
    const std::string& idempotency_key) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      absl::StrCat("SELECT ", kFulfilmentColumns, " FROM fulfilments WHERE idempotency_key = $1"),
      {idempotency_key});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return std::optional<FulfilmentRecord>();
  return std::optional<FulfilmentRecord>(ReadFulfilment(*q, 0));
}

absl::Status PostgresStore::RecordAttempt(const FulfilmentAttempt& attempt) {
  return InTransaction([&](PgConnection& db) { return InsertAttempt(db, attempt); });
}

absl::StatusOr<std::vector<FulfilmentAttempt>> PostgresStore::ListAttempts(
    const std::string& fulfilment_id) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec(
      "SELECT fulfilment_id, seq, kind, started_us, finished_us, outcome, error, actor "
      "FROM fulfilment_attempts WHERE fulfilment_id = $1 ORDER BY seq",
      {fulfilment_id});
  if (!q.ok()) return q.status();
  std::vector<FulfilmentAttempt> attempts;
  for (int i = 0; i < q->rows(); ++i) {
    attempts.push_back(FulfilmentAttempt{q->Text(i, 0), q->Int(i, 1), q->Text(i, 2), q->Int(i, 3),
                                         q->Int(i, 4), q->Text(i, 5), q->Text(i, 6),
                                         q->Text(i, 7)});
  }
  return attempts;
}

absl::StatusOr<FulfilmentRecord> PostgresStore::LockReward(PgConnection& db, const std::string& id,
                                                           std::vector<AwardRecord>& awards) {
  const std::string not_found = absl::StrCat("fulfilment_id: fulfilment \"", id, "\" not found");
  auto award_of = db.Exec("SELECT award_id FROM fulfilments WHERE id = $1", {id});
  if (!award_of.ok()) return award_of.status();
  if (award_of->rows() == 0) return absl::NotFoundError(not_found);
  // The award first, then its reward: the order every writer takes them in.
  auto loaded = LoadAwards(db, "WHERE id = $1", {award_of->Text(0, 0)}, /*lock=*/true);
  if (!loaded.ok()) return loaded.status();
  awards = *std::move(loaded);
  auto q = db.Exec(
      absl::StrCat("SELECT ", kFulfilmentColumns, " FROM fulfilments WHERE id = $1 FOR UPDATE"),
      {id});
  if (!q.ok()) return q.status();
  if (q->rows() == 0) return absl::NotFoundError(not_found);
  return ReadFulfilment(*q, 0);
}

absl::StatusOr<FulfilmentRecord> PostgresStore::RetryFulfilment(const std::string& id,
                                                                const std::string& actor,
                                                                const std::string& reason,
                                                                int64_t now_us,
                                                                const AwardPlanner& reopen) {
  FulfilmentRecord record;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    std::vector<AwardRecord> awards;
    auto locked = LockReward(db, id, awards);
    if (!locked.ok()) return locked.status();
    record = *std::move(locked);
    if (record.state != FulfilmentState::kFailed) {
      return absl::FailedPreconditionError(
          absl::StrCat("fulfilment ", id, " is ", std::string(FulfilmentStateName(record.state)),
                       "; only failed rewards can be retried"));
    }
    if (!awards.empty() && awards.front().state == AwardState::kFailed) {
      const AwardRecord& award = awards.front();
      auto facts = LoadAwardFacts(db, award);
      if (!facts.ok()) return facts.status();
      auto plan = reopen(*facts);
      if (!plan.ok()) return plan.status();
      PLAUDIT_PG_RETURN_IF_ERROR(ApplyPlan(db, award, *plan, actor, now_us));
    }
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("UPDATE fulfilments SET state = 'pending', attempts = 0, error = '', "
                "check_first = true, next_attempt_us = $1, updated_us = $1, lease_owner = '', "
                "lease_until_us = 0 WHERE id = $2",
                {now_us, id})
            .status());
    PLAUDIT_PG_RETURN_IF_ERROR(InsertAttempt(
        db, FulfilmentAttempt{id, 0, "retry", now_us, now_us, "pending", reason, actor}));
    record.state = FulfilmentState::kPending;
    record.attempts = 0;
    record.error.clear();
    record.check_first = true;
    record.next_attempt_us = now_us;
    record.updated_us = now_us;
    return absl::OkStatus();
  }));
  return record;
}

absl::StatusOr<FulfilmentRecord> PostgresStore::CancelFulfilment(
    const std::string& id, const std::string& actor, const std::string& reason, int64_t now_us,
    const AwardCompletion& completion) {
  FulfilmentRecord record;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    std::vector<AwardRecord> awards;
    auto locked = LockReward(db, id, awards);
    if (!locked.ok()) return locked.status();
    record = *std::move(locked);
    if (record.state != FulfilmentState::kWaiting && record.state != FulfilmentState::kPending) {
      return absl::FailedPreconditionError(
          absl::StrCat("fulfilment ", id, " is ", std::string(FulfilmentStateName(record.state)),
                       "; only waiting or pending rewards can be cancelled"));
    }
    if (record.check_first) {
      return absl::FailedPreconditionError(absl::StrCat(
          "fulfilment ", id,
          " may already be placed with its vendor (its last call ended without a clear answer); "
          "it is looked up again shortly, and can be cancelled once it is known to have "
          "failed"));
    }
    const std::string why =
        absl::StrCat("cancelled by ", actor, reason.empty() ? "" : ": ", reason);
    PLAUDIT_PG_RETURN_IF_ERROR(
        db.Exec("UPDATE fulfilments SET state = 'cancelled', error = $1, updated_us = $2, "
                "lease_owner = '', lease_until_us = 0 WHERE id = $3",
                {why, now_us, id})
            .status());
    PLAUDIT_PG_RETURN_IF_ERROR(InsertAttempt(
        db, FulfilmentAttempt{id, 0, "cancel", now_us, now_us, "cancelled", reason, actor}));
    PLAUDIT_PG_RETURN_IF_ERROR(FinishAwardIfDone(db, record.award_id, now_us, completion));
    record.state = FulfilmentState::kCancelled;
    record.error = why;
    record.updated_us = now_us;
    return absl::OkStatus();
  }));
  return record;
}

absl::StatusOr<bool> PostgresStore::MarkRedeemed(const std::string& id, int64_t redeemed_us) {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto u = (*db)->Exec(
      "UPDATE fulfilments SET redeemed_us = $1 WHERE id = $2 AND state = 'fulfilled' AND "
      "redeemed_us = 0",
      {std::max<int64_t>(redeemed_us, 1), id});
  if (!u.ok()) return u.status();
  return u->affected() == 1;
}

absl::Status PostgresStore::CheckFulfilmentsNow(const std::vector<std::string>& idempotency_keys,
                                                int64_t now_us) {
  return InTransaction([&](PgConnection& db) {
    return db
        .Exec(
            "UPDATE fulfilments SET check_first = true, next_attempt_us = $1 WHERE "
            "idempotency_key = ANY($2::text[]) AND state = 'pending'",
            {now_us, PgTextArray(idempotency_keys)})
        .status();
  });
}

absl::StatusOr<std::vector<FulfilmentRecord>> PostgresStore::DueFulfilments(
    int64_t now_us, int limit, const std::set<std::string>& in_rank_order) {
  std::vector<FulfilmentRecord> due;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    due.clear();
    std::vector<PgParam> params = {now_us, int64_t{limit}, replica_id_, lease_us_};
    // Scarce rewards whose turn has not come are left out here rather than by the caller, so
    // that a long line of them cannot fill `limit` and starve other rewards.
    std::string scarce;
    if (!in_rank_order.empty()) {
      params.push_back(
          PgTextArray(std::vector<std::string>(in_rank_order.begin(), in_rank_order.end())));
      scarce = absl::StrCat(" AND (f.type <> ALL($5::text[]) OR f.id = (",
                            FirstUnsettledSql("f.award_id", "f.type"), "))");
    }
    // Claimed: leased to this replica, and locked while claimed so that two replicas claiming at
    // once take different rows (SKIP LOCKED) instead of waiting for each other.
    auto q =
        db.Exec(absl::StrCat("UPDATE fulfilments SET lease_owner = $3, lease_until_us = ", kDbNowUs,
                             " + $4 WHERE id IN (SELECT f.id FROM fulfilments f WHERE f.state = "
                             "'pending' AND f.next_attempt_us <= $1 AND (f.lease_owner = $3 OR "
                             "f.lease_until_us < ",
                             kDbNowUs, ")", scarce,
                             " ORDER BY f.next_attempt_us, f.row LIMIT $2 FOR UPDATE SKIP LOCKED) "
                             "RETURNING ",
                             kFulfilmentColumns, ", row"),
                params);
    if (!q.ok()) return q.status();
    std::vector<std::pair<std::pair<int64_t, int64_t>, FulfilmentRecord>> rows;
    for (int i = 0; i < q->rows(); ++i) {
      FulfilmentRecord r = ReadFulfilment(*q, i);
      rows.push_back({{r.next_attempt_us, q->Int(i, 16)}, std::move(r)});
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [key, record] : rows) due.push_back(std::move(record));
    return absl::OkStatus();
  }));
  return due;
}

absl::StatusOr<std::optional<int64_t>> PostgresStore::NextFulfilmentDue() {
  auto db = pool_.Acquire();
  if (!db.ok()) return db.status();
  auto q = (*db)->Exec("SELECT MIN(next_attempt_us) FROM fulfilments WHERE state = 'pending'");
  if (!q.ok()) return q.status();
  if (q->rows() == 0 || q->IsNull(0, 0)) return std::optional<int64_t>();
  return std::optional<int64_t>(q->Int(0, 0));
}

absl::StatusOr<bool> PostgresStore::BeginFulfilmentAttempt(FulfilmentRecord& record,
                                                           bool count_attempt, bool in_rank_order) {
  bool begun = false;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    begun = false;
    // The award first (its state may move to fulfilling), then the reward.
    auto awards = LoadAwards(db, "WHERE id = $1", {record.award_id}, /*lock=*/true);
    if (!awards.ok()) return awards.status();
    if (in_rank_order) {
      auto first = db.Exec(FirstUnsettledSql("$1", "$2"), {record.award_id, record.type});
      if (!first.ok()) return first.status();
      // Nothing unsettled: the record itself is no longer pending, which the update finds out.
      if (first->rows() > 0 && first->TextView(0, 0) != record.id) return absl::OkStatus();
    }
    // Only under this replica's lease, or one that has run out (its holder died mid-call: the
    // row is check_first, so the call that follows looks the reward up first).
    auto u = db.Exec(
        absl::StrCat("UPDATE fulfilments SET attempts = attempts + $1, check_first "
                     "= true, updated_us = $2, lease_owner = $4, lease_until_us = ",
                     kDbNowUs,
                     " + $5 WHERE id = $3 AND state = 'pending' AND "
                     "(lease_owner = $4 OR lease_until_us < ",
                     kDbNowUs, ")"),
        {int64_t{count_attempt ? 1 : 0}, record.updated_us, record.id, replica_id_, lease_us_});
    if (!u.ok()) return u.status();
    if (u->affected() != 1) return absl::OkStatus();
    if (!awards->empty() && awards->front().state == AwardState::kApproved) {
      TransitionPlan plan;
      plan.to = AwardState::kFulfilling;
      plan.reason = absl::StrCat("first attempt of ", record.id);
      PLAUDIT_PG_RETURN_IF_ERROR(
          ApplyPlan(db, awards->front(), plan, std::string(kSystemActor), record.updated_us));
    }
    begun = true;
    return absl::OkStatus();
  }));
  if (!begun) return false;
  if (count_attempt) record.attempts += 1;
  record.check_first = true;
  return true;
}

absl::Status PostgresStore::UpdateFulfilment(const FulfilmentRecord& record,
                                             const AwardCompletion& completion,
                                             const std::optional<FulfilmentAttempt>& attempt) {
  absl::Status not_pending;
  PLAUDIT_PG_RETURN_IF_ERROR(InTransaction([&](PgConnection& db) -> absl::Status {
    not_pending = absl::OkStatus();
    auto awards = LoadAwards(db, "WHERE id = $1", {record.award_id}, /*lock=*/true);
    if (!awards.ok()) return awards.status();
    if (attempt.has_value()) PLAUDIT_PG_RETURN_IF_ERROR(InsertAttempt(db, *attempt));
    // Its lease ends with the call: a retry later is any replica's to claim.
    auto u = db.Exec(
        "UPDATE fulfilments SET state = $1, attempts = $2, error = $3, artifact = $4, "
        "next_attempt_us = $5, updated_us = $6, check_first = $7, lease_owner = '', "
        "lease_until_us = 0 WHERE id = $8 AND state = 'pending'",
        {FulfilmentStateName(record.state), record.attempts, record.error, record.artifact,
         record.next_attempt_us, record.updated_us, record.check_first, record.id});
    if (!u.ok()) return u.status();
    if (u->affected() != 1) {
      auto q = db.Exec("SELECT state FROM fulfilments WHERE id = $1", {record.id});
      if (!q.ok()) return q.status();
      if (q->rows() == 0) {
        return absl::NotFoundError(absl::StrCat("fulfilment ", record.id, " not found"));
      }
      // Kept: the attempt, which did happen. Refused: the outcome.
      not_pending = absl::FailedPreconditionError(
          absl::StrCat("fulfilment ", record.id, " is ", q->Text(0, 0), ", no longer pending"));
      return absl::OkStatus();
    }
    return FinishAwardIfDone(db, record.award_id, record.updated_us, completion);
  }));
  return not_pending;
}

absl::Status PostgresStore::FinishAwardIfDone(PgConnection& db, const std::string& award_id,
                                              int64_t now_us, const AwardCompletion& completion) {
  auto awards = LoadAwards(db, "WHERE id = $1", {award_id}, /*lock=*/true);
  if (!awards.ok()) return awards.status();
  if (awards->empty()) return absl::OkStatus();
  const AwardRecord& award = awards->front();
  const std::optional<TransitionPlan> plan = completion(award);
  if (!plan.has_value()) return absl::OkStatus();
  return ApplyPlan(db, award, *plan, std::string(kSystemActor), now_us);
}

// What plauditd's telemetry reads at each scrape.
absl::StatusOr<PostgresStore::Figures> PostgresStore::ReadFigures() {
  Figures figures;
  {
    auto db = pool_.Acquire();
    if (!db.ok()) return db.status();
    auto counts = (*db)->Exec(
        "SELECT COUNT(*) FILTER (WHERE f.state = 'waiting'), "
        "COUNT(*) FILTER (WHERE f.state = 'pending'), "
        "MIN(a.decided_us) FILTER (WHERE f.state = 'pending') "
        "FROM fulfilments f JOIN awards a ON a.id = f.award_id "
        "WHERE f.state IN ('waiting', 'pending')");
    if (!counts.ok()) return counts.status();
    figures.waiting = counts->Int(0, 0);
    figures.pending = counts->Int(0, 1);
    if (!counts->IsNull(0, 2)) figures.oldest_pending_decided_us = counts->Int(0, 2);
    auto leases = (*db)->Exec(absl::StrCat("SELECT COUNT(*) FROM fulfilments WHERE state = "
                                           "'pending' AND lease_owner = $1 AND lease_until_us >= ",
                                           kDbNowUs),
                              {replica_id_});
    if (!leases.ok()) return leases.status();
    figures.leases_held = leases->Int(0, 0);
    auto budgets = (*db)->Exec(
        "SELECT b.program_id, b.period, b.unit, b.currency, b.amount, "
        "COALESCE((SELECT SUM(l.amount) FROM budget_ledger l WHERE l.program_id = b.program_id "
        "AND l.period = b.period AND l.state = 'reserved'), 0), "
        "COALESCE((SELECT SUM(l.amount) FROM budget_ledger l WHERE l.program_id = b.program_id "
        "AND l.period = b.period AND l.state = 'settled'), 0) "
        "FROM budgets b WHERE b.period = (SELECT MAX(p.period) FROM budgets p WHERE "
        "p.program_id = b.program_id) ORDER BY b.program_id");
    if (!budgets.ok()) return budgets.status();
    for (int i = 0; i < budgets->rows(); ++i) {
      figures.budgets.push_back(Figures::Budget{
          budgets->Text(i, 0), budgets->Text(i, 1), budgets->Text(i, 2), budgets->Text(i, 3),
          budgets->Double(i, 4), budgets->Double(i, 5), budgets->Double(i, 6)});
    }
  }
  // After the connection above is back in the pool: what is counted is the calls' use.
  figures.readers_in_use = pool_.in_use();
  figures.readers_idle = pool_.idle();
  figures.writes = write_group_stats();
  return figures;
}

}  // namespace plaudit

// Store's fulfilment rows: what the fulfilment engine reads and writes, each reward's attempt
// history, and the retry and cancel actions people take on a reward.
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/store/sqlite/sqlite_statement.h"
#include "core/store/sqlite/sqlite_store.h"
#include "core/store/sqlite/store_rows.h"

namespace plaudit {
namespace {

// The id of the first unsettled fulfilment of type `type` (an SQL expression) in the decision of
// award `award_id` (an SQL expression), in rank order (see SqliteStore::TurnHasCome()). An award
// still to be approved or rejected keeps its place in line: approved later, it must not be left
// what lower ranks did not want.
std::string FirstUnsettledSql(const std::string& award_id, const std::string& type) {
  return absl::StrCat(
      "SELECT g.id FROM awards mine JOIN awards a ON a.program_id = mine.program_id AND "
      "a.period = mine.period JOIN fulfilments g ON g.award_id = a.id WHERE mine.id = ",
      award_id, " AND g.type = ", type,
      " AND (g.state = 'pending' OR (g.state = 'waiting' AND a.state IN ('proposed', 'held'))) "
      "ORDER BY a.rank, a.id, g.seq LIMIT 1");
}

}  // namespace

absl::StatusOr<std::vector<FulfilmentRecord>> SqliteStore::ListFulfilments(
    const std::string& award_id) {
  absl::MutexLock lock(&mu_);
  std::string sql = absl::StrCat("SELECT ", kFulfilmentColumns,
                                 " FROM fulfilments WHERE (?1 = '' OR award_id = ?1) "
                                 "ORDER BY award_id, seq");
  SqliteStatement q(db_, sql.c_str());
  q.Bind(1, award_id);
  return CollectRows<FulfilmentRecord>(q, ReadFulfilment);
}

absl::StatusOr<std::optional<FulfilmentRecord>> SqliteStore::GetFulfilment(const std::string& id) {
  absl::MutexLock lock(&mu_);
  std::string sql = absl::StrCat("SELECT ", kFulfilmentColumns, " FROM fulfilments WHERE id = ?");
  SqliteStatement q(db_, sql.c_str());
  q.Bind(1, id);
  if (q.Step()) return std::optional<FulfilmentRecord>(ReadFulfilment(q));
  if (!q.status().ok()) return q.status();
  return std::optional<FulfilmentRecord>();
}

absl::StatusOr<std::optional<FulfilmentRecord>> SqliteStore::FindFulfilmentByKey(
    const std::string& idempotency_key) {
  absl::MutexLock lock(&mu_);
  std::string sql =
      absl::StrCat("SELECT ", kFulfilmentColumns, " FROM fulfilments WHERE idempotency_key = ?");
  SqliteStatement q(db_, sql.c_str());
  q.Bind(1, idempotency_key);
  if (q.Step()) return std::optional<FulfilmentRecord>(ReadFulfilment(q));
  if (!q.status().ok()) return q.status();
  return std::optional<FulfilmentRecord>();
}

absl::StatusOr<std::vector<FulfilmentRecord>> SqliteStore::DueFulfilments(
    int64_t now_us, int limit, const std::set<std::string>& in_rank_order) {
  absl::MutexLock lock(&mu_);
  // Scarce rewards whose turn has not come are left out here rather than by the caller, so that
  // a long line of them cannot fill `limit` and starve other rewards.
  std::string scarce;
  if (!in_rank_order.empty()) {
    std::string placeholders;
    for (size_t i = 0; i < in_rank_order.size(); ++i) {
      absl::StrAppend(&placeholders, i == 0 ? "" : ", ", "?", i + 3);
    }
    scarce = absl::StrCat(" AND (f.type NOT IN (", placeholders, ") OR f.id = (",
                          FirstUnsettledSql("f.award_id", "f.type"), "))");
  }
  // In the order of the due index (rowid breaks ties: the order rows were committed in), so that
  // LIMIT stops the scan early instead of sorting every due row.
  std::string sql = absl::StrCat("SELECT ", kFulfilmentColumns,
                                 " FROM fulfilments f WHERE f.state = 'pending' AND "
                                 "f.next_attempt_us <= ?1",
                                 scarce, " ORDER BY f.next_attempt_us, f.rowid LIMIT ?2");
  SqliteStatement q(db_, sql.c_str());
  q.Bind(1, now_us).Bind(2, int64_t{limit});
  int index = 3;
  for (const std::string& type : in_rank_order) q.Bind(index++, type);
  return CollectRows<FulfilmentRecord>(q, ReadFulfilment);
}

absl::StatusOr<bool> SqliteStore::TurnHasCome(const FulfilmentRecord& record) {
  SqliteStatement q(db_, FirstUnsettledSql("?1", "?2").c_str());
  q.Bind(1, record.award_id).Bind(2, record.type);
  if (q.Step()) return q.Text(0) == record.id;
  PLAUDIT_RETURN_IF_ERROR(q.status());
  // Nothing unsettled: the record itself is no longer pending, which the caller finds out.
  return true;
}

absl::StatusOr<std::optional<int64_t>> SqliteStore::NextFulfilmentDue() {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_, "SELECT MIN(next_attempt_us) FROM fulfilments WHERE state = 'pending'");
  if (q.Step() && !q.IsNull(0)) return std::optional<int64_t>(q.Int(0));
  if (!q.status().ok()) return q.status();
  return std::optional<int64_t>();
}

absl::StatusOr<bool> SqliteStore::BeginFulfilmentAttempt(FulfilmentRecord& record,
                                                         bool count_attempt, bool in_rank_order) {
  bool begun = false;
  PLAUDIT_RETURN_IF_ERROR(WriteInGroup([&]() -> absl::Status {
    mu_.AssertHeld();
    if (in_rank_order) {
      absl::StatusOr<bool> turn = TurnHasCome(record);
      if (!turn.ok()) return turn.status();
      if (!*turn) return absl::OkStatus();
    }
    SqliteStatement u(db_,
                      "UPDATE fulfilments SET attempts = attempts + ?, check_first = 1, "
                      "updated_us = ? WHERE id = ? AND state = 'pending'");
    u.Bind(1, int64_t{count_attempt ? 1 : 0}).Bind(2, record.updated_us).Bind(3, record.id);
    PLAUDIT_RETURN_IF_ERROR(u.Run());
    if (sqlite3_changes(db_) != 1) return absl::OkStatus();
    auto awards = LoadAwards("WHERE id = ?", {record.award_id});
    if (!awards.ok()) return awards.status();
    if (!awards->empty() && awards->front().state == AwardState::kApproved) {
      TransitionPlan plan;
      plan.to = AwardState::kFulfilling;
      plan.reason = absl::StrCat("first attempt of ", record.id);
      PLAUDIT_RETURN_IF_ERROR(
          ApplyPlan(awards->front(), plan, std::string(kSystemActor), record.updated_us));
    }
    begun = true;
    return absl::OkStatus();
  }));
  if (!begun) return false;
  if (count_attempt) record.attempts += 1;
  record.check_first = true;
  return true;
}

absl::Status SqliteStore::UpdateFulfilment(const FulfilmentRecord& record,
                                           const AwardCompletion& completion,
                                           const std::optional<FulfilmentAttempt>& attempt) {
  absl::Status not_pending;
  PLAUDIT_RETURN_IF_ERROR(WriteInGroup([&]() -> absl::Status {
    mu_.AssertHeld();
    if (attempt.has_value()) PLAUDIT_RETURN_IF_ERROR(InsertAttempt(*attempt));
    SqliteStatement u(db_,
                      "UPDATE fulfilments SET state = ?, attempts = ?, error = ?, artifact = ?, "
                      "next_attempt_us = ?, updated_us = ?, check_first = ? WHERE id = ? AND "
                      "state = 'pending'");
    u.Bind(1, FulfilmentStateName(record.state))
        .Bind(2, int64_t{record.attempts})
        .Bind(3, record.error)
        .Bind(4, record.artifact)
        .Bind(5, record.next_attempt_us)
        .Bind(6, record.updated_us)
        .Bind(7, int64_t{record.check_first ? 1 : 0})
        .Bind(8, record.id);
    PLAUDIT_RETURN_IF_ERROR(u.Run());
    if (sqlite3_changes(db_) != 1) {
      SqliteStatement q(db_, "SELECT state FROM fulfilments WHERE id = ?");
      q.Bind(1, record.id);
      if (q.Step()) {
        // Kept: the attempt, which did happen. Refused: the outcome.
        not_pending = absl::FailedPreconditionError(
            absl::StrCat("fulfilment ", record.id, " is ", q.Text(0), ", no longer pending"));
        return absl::OkStatus();
      }
      PLAUDIT_RETURN_IF_ERROR(q.status());
      return absl::NotFoundError(absl::StrCat("fulfilment ", record.id, " not found"));
    }
    return FinishAwardIfDone(record.award_id, record.updated_us, completion);
  }));
  return not_pending;
}

absl::Status SqliteStore::RecordAttempt(const FulfilmentAttempt& attempt) {
  return WriteInGroup([&]() -> absl::Status {
    mu_.AssertHeld();
    return InsertAttempt(attempt);
  });
}

absl::Status SqliteStore::InsertAttempt(const FulfilmentAttempt& attempt) {
  SqliteStatement q(db_,
                    "INSERT INTO fulfilment_attempts (fulfilment_id, seq, kind, started_us, "
                    "finished_us, outcome, error, actor) VALUES (?1, (SELECT COALESCE(MAX(seq), "
                    "0) + 1 FROM fulfilment_attempts WHERE fulfilment_id = ?1), ?2, ?3, ?4, ?5, "
                    "?6, ?7)");
  q.Bind(1, attempt.fulfilment_id)
      .Bind(2, attempt.kind)
      .Bind(3, attempt.started_us)
      .Bind(4, attempt.finished_us)
      .Bind(5, attempt.outcome)
      .Bind(6, attempt.error)
      .Bind(7, attempt.actor);
  return q.Run();
}

absl::StatusOr<std::vector<FulfilmentAttempt>> SqliteStore::ListAttempts(
    const std::string& fulfilment_id) {
  absl::MutexLock lock(&mu_);
  SqliteStatement q(db_,
                    "SELECT fulfilment_id, seq, kind, started_us, finished_us, outcome, error, "
                    "actor FROM fulfilment_attempts WHERE fulfilment_id = ? ORDER BY seq");
  q.Bind(1, fulfilment_id);
  return CollectRows<FulfilmentAttempt>(q, [](const SqliteStatement& row) {
    return FulfilmentAttempt{row.Text(0), row.Int(1),  row.Text(2), row.Int(3),
                             row.Int(4),  row.Text(5), row.Text(6), row.Text(7)};
  });
}

absl::StatusOr<FulfilmentRecord> SqliteStore::LoadFulfilmentRow(const std::string& id) {
  std::string sql = absl::StrCat("SELECT ", kFulfilmentColumns, " FROM fulfilments WHERE id = ?");
  SqliteStatement q(db_, sql.c_str());
  q.Bind(1, id);
  if (!q.Step()) {
    PLAUDIT_RETURN_IF_ERROR(q.status());
    return absl::NotFoundError(absl::StrCat("fulfilment_id: fulfilment \"", id, "\" not found"));
  }
  return ReadFulfilment(q);
}

absl::StatusOr<FulfilmentRecord> SqliteStore::RetryFulfilment(const std::string& id,
                                                              const std::string& actor,
                                                              const std::string& reason,
                                                              int64_t now_us,
                                                              const AwardPlanner& reopen) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  auto loaded = LoadFulfilmentRow(id);
  if (!loaded.ok()) return loaded.status();
  FulfilmentRecord record = *std::move(loaded);
  if (record.state != FulfilmentState::kFailed) {
    return absl::FailedPreconditionError(
        absl::StrCat("fulfilment ", id, " is ", std::string(FulfilmentStateName(record.state)),
                     "; only failed rewards can be retried"));
  }
  auto awards = LoadAwards("WHERE id = ?", {record.award_id});
  if (!awards.ok()) return awards.status();
  if (!awards->empty() && awards->front().state == AwardState::kFailed) {
    const AwardRecord& award = awards->front();
    auto facts = LoadAwardFacts(award);
    if (!facts.ok()) return facts.status();
    auto plan = reopen(*facts);
    if (!plan.ok()) return plan.status();
    PLAUDIT_RETURN_IF_ERROR(ApplyPlan(award, *plan, actor, now_us));
  }
  SqliteStatement u(db_,
                    "UPDATE fulfilments SET state = 'pending', attempts = 0, error = '', "
                    "check_first = 1, next_attempt_us = ?, updated_us = ? WHERE id = ?");
  u.Bind(1, now_us).Bind(2, now_us).Bind(3, id);
  PLAUDIT_RETURN_IF_ERROR(u.Run());
  PLAUDIT_RETURN_IF_ERROR(
      InsertAttempt(FulfilmentAttempt{id, 0, "retry", now_us, now_us, "pending", reason, actor}));
  record.state = FulfilmentState::kPending;
  record.attempts = 0;
  record.error.clear();
  record.check_first = true;
  record.next_attempt_us = now_us;
  record.updated_us = now_us;
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  return record;
}

absl::StatusOr<FulfilmentRecord> SqliteStore::CancelFulfilment(const std::string& id,
                                                               const std::string& actor,
                                                               const std::string& reason,
                                                               int64_t now_us,
                                                               const AwardCompletion& completion) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  auto loaded = LoadFulfilmentRow(id);
  if (!loaded.ok()) return loaded.status();
  FulfilmentRecord record = *std::move(loaded);
  if (record.state != FulfilmentState::kWaiting && record.state != FulfilmentState::kPending) {
    return absl::FailedPreconditionError(
        absl::StrCat("fulfilment ", id, " is ", std::string(FulfilmentStateName(record.state)),
                     "; only waiting or pending rewards can be cancelled"));
  }
  if (record.check_first) {
    return absl::FailedPreconditionError(absl::StrCat(
        "fulfilment ", id,
        " may already be placed with its vendor (its last call ended without a clear answer); "
        "it is looked up again ",
        "shortly, and can be cancelled once it is known to have failed"));
  }
  SqliteStatement u(db_,
                    "UPDATE fulfilments SET state = 'cancelled', error = ?, updated_us = ? "
                    "WHERE id = ?");
  const std::string why = absl::StrCat("cancelled by ", actor, reason.empty() ? "" : ": ", reason);
  u.Bind(1, why).Bind(2, now_us).Bind(3, id);
  PLAUDIT_RETURN_IF_ERROR(u.Run());
  PLAUDIT_RETURN_IF_ERROR(InsertAttempt(
      FulfilmentAttempt{id, 0, "cancel", now_us, now_us, "cancelled", reason, actor}));
  PLAUDIT_RETURN_IF_ERROR(FinishAwardIfDone(record.award_id, now_us, completion));
  record.state = FulfilmentState::kCancelled;
  record.error = why;
  record.updated_us = now_us;
  PLAUDIT_RETURN_IF_ERROR(txn.Commit());
  return record;
}

absl::StatusOr<bool> SqliteStore::MarkRedeemed(const std::string& id, int64_t redeemed_us) {
  absl::MutexLock lock(&mu_);
  SqliteStatement u(db_,
                    "UPDATE fulfilments SET redeemed_us = ? WHERE id = ? AND state = 'fulfilled' "
                    "AND redeemed_us = 0");
  u.Bind(1, std::max<int64_t>(redeemed_us, 1)).Bind(2, id);
  PLAUDIT_RETURN_IF_ERROR(u.Run());
  return sqlite3_changes(db_) == 1;
}

absl::Status SqliteStore::CheckFulfilmentsNow(const std::vector<std::string>& idempotency_keys,
                                              int64_t now_us) {
  absl::MutexLock lock(&mu_);
  SqliteTransaction txn(db_);
  PLAUDIT_RETURN_IF_ERROR(txn.status());
  SqliteStatement u(db_,
                    "UPDATE fulfilments SET check_first = 1, next_attempt_us = ? WHERE "
                    "idempotency_key = ? AND state = 'pending'");
  for (const std::string& key : idempotency_keys) {
    u.Bind(1, now_us).Bind(2, key);
    PLAUDIT_RETURN_IF_ERROR(u.Run());
    u.Reset();
  }
  return txn.Commit();
}

}  // namespace plaudit

// The conformance suite's fulfilment queue: due rewards, attempts, outcomes and what they do to
// their awards and budgets, on every backend; and, on PostgreSQL, rewards claimed by one replica
// under a lease that another takes over once it runs out.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/awards/award_actions.h"
#include "core/awards/award_lifecycle.h"
#include "gtest/gtest.h"
#include "tests/core/store/conformance/backends.h"

namespace plaudit {
namespace {

using conformance::AwardIdOf;
using conformance::Decision;
using conformance::Euros;
using conformance::kAnna;
using conformance::kBen;

// A retry as plauditd makes it: core/awards reopens the failed award.
absl::StatusOr<TransitionPlan> RetriedByAnna(const AwardFacts& award) {
  return PlanReopening(award, "anna", "");
}

class FulfilmentConformance : public conformance::BackendTest {
 protected:
  AwardRecord Award(int n) { return **backend_->decisions().GetAward(conformance::AwardIdOf(n)); }
  BudgetReport Report() { return **backend_->budgets().GetBudget("eotm", "2026-10"); }
};

TEST_P(FulfilmentConformance, AutoApprovedAwardMovesThroughFulfilment) {
  DecisionRecord d = testing::TestDecision();
  FulfilmentRecord cert = d.awards[0].fulfilments[0];
  cert.id = d.awards[0].id + ".certificate";
  cert.type = "certificate";
  cert.idempotency_key = "k-cert";
  d.awards[0].fulfilments.push_back(cert);
  ASSERT_TRUE(backend_->decisions().CommitDecision(d, PlanAutoApproval).ok());
  EXPECT_EQ((*backend_->decisions().GetAward("eotm.2026-10.a1"))->state, AwardState::kApproved);

  auto due = backend_->fulfilments().DueFulfilments(100, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  for (FulfilmentRecord f : *due) {
    ASSERT_TRUE(*backend_->fulfilments().BeginFulfilmentAttempt(f));
    EXPECT_EQ(f.attempts, 1);
    EXPECT_EQ((*backend_->decisions().GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilling);
    f.state = FulfilmentState::kFulfilled;
    ASSERT_TRUE(backend_->fulfilments().UpdateFulfilment(f, PlanAwardCompletion).ok());
  }
  EXPECT_EQ((*backend_->decisions().GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilled);
  EXPECT_TRUE(backend_->fulfilments().DueFulfilments(100, 10)->empty());
  EXPECT_FALSE(backend_->fulfilments().NextFulfilmentDue()->has_value());
  // A fulfilment no longer pending is not attempted again.
  FulfilmentRecord again = (*due)[0];
  EXPECT_FALSE(*backend_->fulfilments().BeginFulfilmentAttempt(again));

  auto history = backend_->decisions().AwardHistory("eotm.2026-10.a1");
  ASSERT_TRUE(history.ok()) << history.status();
  std::vector<std::string> steps;
  for (const AwardTransition& t : *history) {
    steps.push_back(absl::StrCat(t.from_state, ">", t.to_state, " by ", t.actor));
  }
  EXPECT_EQ(steps, (std::vector<std::string>{
                       ">proposed by plauditd", "proposed>approved by plauditd",
                       "approved>fulfilling by plauditd", "fulfilling>fulfilled by plauditd"}));
}

TEST_P(FulfilmentConformance, EachRewardKeepsItsValueFaceValueAndRedemption) {
  DecisionRecord d = testing::TestDecision();
  d.awards[0].value = 200;
  d.awards[0].fulfilments[0].value = 120;
  d.awards[0].fulfilments[0].face_value = 160.5;
  FulfilmentRecord card = d.awards[0].fulfilments[0];
  card.id = d.awards[0].id + ".gift_card";
  card.type = "gift_card";
  card.idempotency_key = "k-card";
  card.value = 80;
  card.face_value = 0;
  d.awards[0].fulfilments.push_back(card);
  ASSERT_TRUE(backend_->decisions().CommitDecision(d, PlanAutoApproval).ok());
  Reopen();
  auto rows = backend_->fulfilments().ListFulfilments("eotm.2026-10.a1");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].value, 120);
  EXPECT_EQ((*rows)[0].face_value, 160.5);
  EXPECT_EQ((*rows)[1].value, 80);
  EXPECT_EQ((*rows)[1].redeemed_us, 0);
  // Only a fulfilled reward can be redeemed, and only once.
  EXPECT_FALSE(*backend_->fulfilments().MarkRedeemed((*rows)[1].id, 5000));
  FulfilmentRecord f = (*rows)[1];
  ASSERT_TRUE(*backend_->fulfilments().BeginFulfilmentAttempt(f));
  f.state = FulfilmentState::kFulfilled;
  ASSERT_TRUE(backend_->fulfilments().UpdateFulfilment(f, PlanAwardCompletion).ok());
  EXPECT_TRUE(*backend_->fulfilments().MarkRedeemed(f.id, 5000));
  EXPECT_FALSE(*backend_->fulfilments().MarkRedeemed(f.id, 9000));
  EXPECT_EQ((*backend_->fulfilments().GetFulfilment(f.id))->redeemed_us, 5000);
}

TEST_P(FulfilmentConformance, AFailedRewardFailsItsAward) {
  ASSERT_TRUE(backend_->decisions().CommitDecision(testing::TestDecision(), PlanAutoApproval).ok());
  FulfilmentRecord f = (*backend_->fulfilments().DueFulfilments(100, 10))[0];
  ASSERT_TRUE(*backend_->fulfilments().BeginFulfilmentAttempt(f));
  f.state = FulfilmentState::kFailed;
  f.error = "vendor refused";
  ASSERT_TRUE(backend_->fulfilments().UpdateFulfilment(f, PlanAwardCompletion).ok());
  auto award = *backend_->decisions().GetAward("eotm.2026-10.a1");
  EXPECT_EQ(award->state, AwardState::kFailed);
  EXPECT_EQ(award->state_reason, absl::StrCat(f.id, " failed: vendor refused"));
}

// A failed reward retried: pending again, looked up first, its attempts counted anew, and its
// failed award fulfilling again. Only a failed reward may be retried; neither a failed one nor
// one to be looked up (the vendor may hold its order) may be cancelled.
TEST_P(FulfilmentConformance, AFailedRewardIsRetriedAndLookedUpFirst) {
  ASSERT_TRUE(backend_->decisions().CommitDecision(testing::TestDecision(), PlanAutoApproval).ok());
  FulfilmentStore& store = backend_->fulfilments();
  FulfilmentRecord f = (*store.DueFulfilments(100, 10))[0];
  EXPECT_EQ(store.RetryFulfilment(f.id, "anna", "", 150, RetriedByAnna).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(*store.BeginFulfilmentAttempt(f));
  f.attempts = 1;
  f.state = FulfilmentState::kFailed;
  f.error = "vendor refused";
  ASSERT_TRUE(store.UpdateFulfilment(f, PlanAwardCompletion).ok());
  EXPECT_EQ(store.CancelFulfilment(f.id, "anna", "", 160, PlanAwardCompletion).status().code(),
            absl::StatusCode::kFailedPrecondition);

  auto retried = store.RetryFulfilment(f.id, "anna", "vendor fixed the brand", 200, RetriedByAnna);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->state, FulfilmentState::kPending);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_TRUE(retried->check_first);
  EXPECT_EQ((*backend_->decisions().GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilling);
  Reopen();
  auto due = backend_->fulfilments().DueFulfilments(200, 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, f.id);
  EXPECT_TRUE((*due)[0].check_first);

  // Until the lookup tells, the vendor may hold an order for it: it cannot be cancelled.
  EXPECT_EQ(backend_->fulfilments()
                .CancelFulfilment(f.id, "anna", "brand gone", 300, PlanAwardCompletion)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*backend_->fulfilments().GetFulfilment(f.id))->state, FulfilmentState::kPending);
}

// How an award ends, and whether a failed one may reopen, are the awards stage's rules, not the
// store's: the store applies the plan it is given (its ledger effect and history with it), nothing
// when there is none, and writes nothing when the planner refuses.
TEST_P(FulfilmentConformance, TheStoreAppliesTheAwardPlansItIsGiven) {
  ASSERT_TRUE(backend_->decisions()
                  .CommitDecision(Decision({30, 30, 30}, 0, Euros(100)), PlanAutoApproval)
                  .ok());
  FulfilmentStore& store = backend_->fulfilments();
  EXPECT_DOUBLE_EQ(Report().position.reserved, 90);

  // 1 fails, and a rule with nothing to say leaves its award as it is.
  FulfilmentRecord f1 = Award(1).fulfilments[0];
  ASSERT_TRUE(*store.BeginFulfilmentAttempt(f1));
  f1.state = FulfilmentState::kFailed;
  f1.error = "vendor refused";
  auto no_plan = [](const AwardRecord&) -> std::optional<TransitionPlan> { return std::nullopt; };
  ASSERT_TRUE(store.UpdateFulfilment(f1, no_plan).ok());
  EXPECT_EQ(Award(1).state, AwardState::kFulfilling);
  EXPECT_DOUBLE_EQ(Report().position.reserved, 90);

  // 2 is still pending, and another rule ends its award fulfilled all the same, settled; the rule
  // sees the award with its rewards as they now stand.
  FulfilmentRecord f2 = Award(2).fulfilments[0];
  ASSERT_TRUE(*store.BeginFulfilmentAttempt(f2));
  f2.error = "vendor busy";
  std::vector<FulfilmentState> seen;
  auto settle = [&seen](const AwardRecord& award) -> std::optional<TransitionPlan> {
    for (const FulfilmentRecord& f : award.fulfilments) seen.push_back(f.state);
    TransitionPlan plan;
    plan.to = AwardState::kFulfilled;
    plan.ledger = LedgerEffect::kSettle;
    plan.reason = "the test's rule";
    return plan;
  };
  ASSERT_TRUE(store.UpdateFulfilment(f2, settle).ok());
  EXPECT_EQ(seen, std::vector<FulfilmentState>{FulfilmentState::kPending});
  EXPECT_EQ(Award(2).state, AwardState::kFulfilled);
  EXPECT_EQ(Award(2).state_reason, "the test's rule");
  EXPECT_DOUBLE_EQ(Report().position.settled, 30);
  EXPECT_DOUBLE_EQ(Report().position.reserved, 60);
  auto history = backend_->decisions().AwardHistory(AwardIdOf(2));
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->back().reason, "the test's rule");
  EXPECT_EQ(history->back().to_state, "fulfilled");

  // 3 fails under the awards' rule (released), and a planner that refuses its retry leaves the
  // reward, the award and the budget as they were.
  FulfilmentRecord f3 = Award(3).fulfilments[0];
  ASSERT_TRUE(*store.BeginFulfilmentAttempt(f3));
  f3.state = FulfilmentState::kFailed;
  ASSERT_TRUE(store.UpdateFulfilment(f3, PlanAwardCompletion).ok());
  ASSERT_EQ(Award(3).state, AwardState::kFailed);
  EXPECT_DOUBLE_EQ(Report().position.reserved, 30);
  std::optional<AwardFacts> asked;
  auto refuse = [&asked](const AwardFacts& award) -> absl::StatusOr<TransitionPlan> {
    asked = award;
    return absl::FailedPreconditionError("not today");
  };
  auto refused = store.RetryFulfilment(f3.id, "anna", "", 5000, refuse);
  EXPECT_EQ(refused.status(), absl::FailedPreconditionError("not today"));
  ASSERT_TRUE(asked.has_value());
  EXPECT_EQ(asked->award_id, AwardIdOf(3));
  EXPECT_EQ(asked->state, AwardState::kFailed);
  ASSERT_TRUE(asked->budget.has_value());
  EXPECT_DOUBLE_EQ(asked->budget->remaining(), 40);
  EXPECT_EQ((*store.GetFulfilment(f3.id))->state, FulfilmentState::kFailed);
  EXPECT_EQ(Award(3).state, AwardState::kFailed);
  EXPECT_DOUBLE_EQ(Report().position.reserved, 30);
  // The awards' rule reopens it, reserving its value anew.
  auto retried = store.RetryFulfilment(f3.id, "anna", "", 5000, RetriedByAnna);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(Award(3).state, AwardState::kFulfilling);
  EXPECT_DOUBLE_EQ(Report().position.reserved, 60);
}

TEST_P(FulfilmentConformance, DueFulfilmentsRespectNextAttemptTime) {
  DecisionRecord d = testing::TestDecision();
  d.awards[0].fulfilments[0].next_attempt_us = 500;
  ASSERT_TRUE(backend_->decisions().CommitDecision(d, PlanAutoApproval).ok());
  EXPECT_TRUE(backend_->fulfilments().DueFulfilments(499, 10)->empty());
  EXPECT_EQ(backend_->fulfilments().DueFulfilments(500, 10)->size(), 1u);
  EXPECT_EQ(**backend_->fulfilments().NextFulfilmentDue(), 500);
}

TEST_P(FulfilmentConformance, ReservationIsSettledOnFulfilmentAndReleasedOnCancelAndFailure) {
  ASSERT_TRUE(backend_->decisions()
                  .CommitDecision(Decision({30, 30, 30}, 1, Euros(100)), PlanAutoApproval)
                  .ok());
  EXPECT_TRUE(backend_->fulfilments().DueFulfilments(2000, 10)->empty());  // Nothing approved yet.
  for (int n = 1; n <= 3; ++n) {
    auto approved =
        ActOnAward(backend_->decisions(), AwardIdOf(n), AwardAction::kApprove, kAnna, "", 2000);
    ASSERT_TRUE(approved.ok()) << approved.status();
    EXPECT_EQ(approved->state, AwardState::kApproved);
    EXPECT_EQ(approved->approvals, std::vector<std::string>{"anna"});
  }
  EXPECT_DOUBLE_EQ(Report().position.reserved, 90);

  // 1 is fulfilled: settled.
  FulfilmentRecord f1 = Award(1).fulfilments[0];
  f1.updated_us = 3000;
  ASSERT_TRUE(*backend_->fulfilments().BeginFulfilmentAttempt(f1));
  f1.state = FulfilmentState::kFulfilled;
  ASSERT_TRUE(backend_->fulfilments().UpdateFulfilment(f1, PlanAwardCompletion).ok());
  // 2 fails for good: released.
  FulfilmentRecord f2 = Award(2).fulfilments[0];
  ASSERT_TRUE(*backend_->fulfilments().BeginFulfilmentAttempt(f2));
  f2.state = FulfilmentState::kFailed;
  ASSERT_TRUE(backend_->fulfilments().UpdateFulfilment(f2, PlanAwardCompletion).ok());
  // 3 is cancelled before fulfilment begins: released, and its reward never goes out.
  auto cancelled = ActOnAward(backend_->decisions(), AwardIdOf(3), AwardAction::kCancel, kBen,
                              "duplicate", 4000);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, AwardState::kCancelled);
  EXPECT_EQ(cancelled->fulfilments[0].state, FulfilmentState::kCancelled);
  FulfilmentRecord f3 = cancelled->fulfilments[0];
  EXPECT_FALSE(*backend_->fulfilments().BeginFulfilmentAttempt(f3));

  BudgetReport report = Report();
  EXPECT_DOUBLE_EQ(report.position.settled, 30);
  EXPECT_DOUBLE_EQ(report.position.reserved, 0);
  EXPECT_DOUBLE_EQ(report.position.remaining(), 70);
  EXPECT_EQ(Award(1).state, AwardState::kFulfilled);
  EXPECT_EQ(Award(2).state, AwardState::kFailed);

  auto history = backend_->decisions().AwardHistory(AwardIdOf(3));
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].to_state, "proposed");
  EXPECT_EQ((*history)[1].actor, "anna");
  EXPECT_EQ((*history)[1].to_state, "approved");
  EXPECT_EQ((*history)[2].from_state, "approved");
  EXPECT_EQ((*history)[2].to_state, "cancelled");
  EXPECT_EQ((*history)[2].actor, "ben");
  EXPECT_EQ((*history)[2].reason, "cancelled by ben: duplicate");
  EXPECT_EQ((*history)[2].at_us, 4000);
}

TEST_P(FulfilmentConformance, RejectedAwardKeepsItsRewardsFromTheEngine) {
  DecisionRecord d = Decision({10}, 1, std::nullopt);
  d.awards[0].state = AwardState::kHeld;
  d.awards[0].state_reason = "hold \"fast but repeats\"";
  ASSERT_TRUE(backend_->decisions().CommitDecision(d, PlanAutoApproval).ok());
  EXPECT_EQ(Award(1).state, AwardState::kHeld);
  auto rejected =
      ActOnAward(backend_->decisions(), AwardIdOf(1), AwardAction::kReject, kAnna, "gaming", 2000);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->state, AwardState::kRejected);
  EXPECT_TRUE(backend_->fulfilments().DueFulfilments(1'000'000, 10)->empty());
  EXPECT_FALSE(backend_->budgets().GetBudget("eotm", "2026-10")->has_value());
  // Nothing can be done to it any more; a refused action writes nothing.
  auto again =
      ActOnAward(backend_->decisions(), AwardIdOf(1), AwardAction::kApprove, kBen, "", 3000);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(backend_->decisions().AwardHistory(AwardIdOf(1))->size(), 2u);
}

// Two replicas on one database: due rewards go to the one that claims them first; the other
// passes them by, cannot begin a call on them, and takes them over only once the lease has run
// out, finding them marked to be looked up first (the first replica died mid-call).
TEST(FulfilmentReplicas, ARewardClaimedByOneReplicaIsTakenOverOnlyAfterItsLeaseRunsOut) {
  testing::TestSchema schema;
  PostgresStore::Options options{schema.dsn(), 2, /*lease_ms=*/1500};
  auto first = PostgresStore::Open(options, testing::TestCipher());
  auto second = PostgresStore::Open(options, testing::TestCipher());
  ASSERT_TRUE(first.ok() && second.ok()) << first.status() << " " << second.status();
  ASSERT_TRUE((*first)->CommitDecision(Decision({10, 20}, 0, std::nullopt), PlanAutoApproval).ok());

  FulfilmentStore& a = **first;
  FulfilmentStore& b = **second;
  auto claimed = a.DueFulfilments(5000, 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_TRUE(b.DueFulfilments(5000, 10)->empty());
  // What each replica's metrics report as the leases it holds.
  auto leases_held = [](PostgresStore& store) {
    auto figures = store.ReadFigures();
    EXPECT_TRUE(figures.ok()) << figures.status();
    return figures.ok() ? figures->leases_held : -1;
  };
  EXPECT_EQ(leases_held(**first), 2);
  EXPECT_EQ(leases_held(**second), 0);
  FulfilmentRecord taken = (*claimed)[0];
  taken.updated_us = 5000;
  EXPECT_FALSE(*b.BeginFulfilmentAttempt(taken));
  ASSERT_TRUE(*a.BeginFulfilmentAttempt(taken));  // ... and the first replica dies mid-call.

  std::this_thread::sleep_for(std::chrono::milliseconds(1700));
  EXPECT_EQ(leases_held(**first), 0);
  auto taken_over = b.DueFulfilments(5000, 10);
  ASSERT_TRUE(taken_over.ok());
  ASSERT_EQ(taken_over->size(), 2u);
  EXPECT_EQ(leases_held(**second), 2);
  EXPECT_TRUE(a.DueFulfilments(5000, 10)->empty());
  FulfilmentRecord again = (*taken_over)[0];
  EXPECT_EQ(again.id, taken.id);
  EXPECT_TRUE(again.check_first) << "the call in flight must be looked up before another";
  EXPECT_EQ(again.attempts, 1);
  ASSERT_TRUE(*b.BeginFulfilmentAttempt(again));
  again.state = FulfilmentState::kFulfilled;
  ASSERT_TRUE(b.UpdateFulfilment(again, PlanAwardCompletion).ok());
  EXPECT_EQ(leases_held(**second), 1);
  // The first replica's late answer about the same reward is refused: it is no longer pending.
  taken.state = FulfilmentState::kFulfilled;
  EXPECT_EQ(a.UpdateFulfilment(taken, PlanAwardCompletion).code(),
            absl::StatusCode::kFailedPrecondition);
}

// Replicas draining one queue at once: every reward is begun exactly once. (Within one replica,
// the fulfilment engine keeps its own workers from taking the same reward, as on SQLite.)
TEST(FulfilmentReplicas, SixReplicasBeginEachDueRewardOnce) {
  testing::TestSchema schema;
  std::vector<std::unique_ptr<PostgresStore>> replicas;
  for (int r = 0; r < 6; ++r) {
    auto store = PostgresStore::Open({schema.dsn(), 2}, testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    replicas.push_back(*std::move(store));
  }
  std::vector<double> values(60, 1.0);
  ASSERT_TRUE(
      replicas[0]->CommitDecision(Decision(values, 0, std::nullopt), PlanAutoApproval).ok());
  std::mutex mu;
  std::map<std::string, int> begun;
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      FulfilmentStore& store = *replicas[w];
      for (int round = 0; round < 50; ++round) {
        auto due = store.DueFulfilments(5000, 4);
        ASSERT_TRUE(due.ok()) << due.status();
        if (due->empty()) break;
        for (FulfilmentRecord f : *due) {
          f.updated_us = 5000;
          auto ok = store.BeginFulfilmentAttempt(f);
          ASSERT_TRUE(ok.ok()) << ok.status();
          if (!*ok) continue;
          {
            std::lock_guard<std::mutex> lock(mu);
            ++begun[f.id];
          }
          f.state = FulfilmentState::kFulfilled;
          absl::Status updated = store.UpdateFulfilment(f, PlanAwardCompletion);
          EXPECT_TRUE(updated.ok()) << updated;
        }
      }
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(begun.size(), 60u);
  for (const auto& [id, n] : begun) EXPECT_EQ(n, 1) << id;
  auto awards = replicas[2]->ListAwards("eotm", "2026-10");
  ASSERT_TRUE(awards.ok());
  for (const AwardRecord& award : *awards) EXPECT_EQ(award.state, AwardState::kFulfilled);
}

INSTANTIATE_TEST_SUITE_P(Backends, FulfilmentConformance, ::testing::Values("sqlite", "postgres"),
                         conformance::BackendName);

}  // namespace
}  // namespace plaudit

// The report's effect section on a store whose program started in the middle of October: each
// agent's CSAT before (August, September) against after (November), compared before/after and
// valued; the period holding the start in neither. What each reward type cost, and the return on
// the settled budget (when in money) plus the rewards' face values.
#include "core/reports/program_report.h"

#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "core/awards/award_lifecycle.h"
#include "core/program/holdout.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

int64_t Micros(int month, int day) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(2026, month, day), absl::UTCTimeZone()));
}

// Twelve agents in four teams whose CSAT averages `level` in August and September and
// `level + 0.1 + n/100` in November, in a program applied on 15 October. Returns each agent's
// means before and after.
std::vector<AgentChange> AddCsatCentre(Store& store) {
  std::vector<Agent> agents;
  std::vector<StoredEvent> events;
  std::vector<AgentChange> expected;
  for (int n = 0; n < 12; ++n) {
    Agent a = plaudit::testing::TestAgent(absl::StrCat("a", n));
    a.team = absl::StrCat("team", n % 4);
    agents.push_back(a);
    // Two surveys a month.
    const double level = 3.5 + 0.1 * (n % 5);
    const double after = level + 0.1 + n / 100.0;
    int e = 0;
    for (int month : {8, 9, 11}) {
      const double mean = month == 11 ? after : level;
      for (double value : {mean - 0.5, mean + 0.5}) {
        events.push_back({absl::StrCat("e", n, "-", e++), a.id, "csat", value, Micros(month, 10)});
      }
    }
    // October's surveys, in the month the program started, count in neither side.
    events.push_back({absl::StrCat("e", n, "-oct"), a.id, "csat", 1, Micros(10, 20)});
    expected.push_back({a.id, a.team, true, level, after});
  }
  EXPECT_TRUE(store.UpsertAgents(agents).ok());
  EXPECT_TRUE(store.InsertEvents(events).ok());
  ProgramRecord program{"p", "P", "monthly", "UTC", 0, "id: p", false, 0};
  EXPECT_TRUE(store.PutProgram(program, Micros(10, 15)).ok());
  return expected;
}

ScorecardMetric Csat() {
  ScorecardMetric csat;
  csat.metric = "csat";
  csat.aggregation = Aggregation::kMean;
  return csat;
}

TEST(ProgramReportEffectTest, ComparesEachAgentsMeanBeforeAndAfterTheStart) {
  plaudit::testing::TempDir dir;
  auto store = plaudit::testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  const std::vector<AgentChange> expected = AddCsatCentre(*store);

  const ScorecardMetric csat = Csat();
  ScorecardMetric ratio;
  ratio.metric = "complaints";
  ratio.aggregation = Aggregation::kRatio;
  auto report = BuildProgramReport(*store, "p", "2026-08", "2026-11",
                                   EffectRequest{{csat, ratio}, {{"csat", 100}}, std::nullopt});
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->effect.has_value());
  const EffectSection& e = *report->effect;
  EXPECT_THAT(e.before, ElementsAre("2026-08", "2026-09"));
  EXPECT_THAT(e.after, ElementsAre("2026-11"));
  ASSERT_EQ(e.metrics.size(), 2u);
  const MetricEffect& m = e.metrics[0];
  const EffectEstimate want = BeforeAfter(expected);
  EXPECT_EQ(m.estimate.treated, 12);
  EXPECT_EQ(m.estimate.teams, 4);
  EXPECT_NEAR(m.estimate.estimate, 0.1 + 0.055, 1e-9);  // 0.1 + the mean of n/100, n = 0..11.
  EXPECT_NEAR(m.estimate.estimate, want.estimate, 1e-12);
  EXPECT_NEAR(m.estimate.ci_low, want.ci_low, 1e-12);
  EXPECT_NEAR(m.estimate.ci_high, want.ci_high, 1e-12);
  EXPECT_EQ(m.estimate.method, "before/after (not causal)");
  // Value: improvement x 100 per unit x 12 agent-periods after the start.
  ASSERT_TRUE(m.value_created.has_value());
  EXPECT_NEAR(*m.value_created, want.estimate * 100 * 12, 1e-9);
  EXPECT_NEAR(m.value_low, want.ci_low * 100 * 12, 1e-9);
  EXPECT_THAT(e.metrics[1].skipped, HasSubstr("a ratio is not compared"));
  // No budget settled: no return.
  EXPECT_FALSE(e.return_ratio.has_value());
  EXPECT_THAT(e.caveat, HasSubstr("nothing settled in the budget and no face value yet"));
}

// November's decision: a0's award of 100 in a budget of `unit`, with two rewards: a leave
// credit of value 100 and a certificate of value 0 with a face value of 50, both fulfilled, the
// certificate redeemed.
void DecideNovember(Store& store, BudgetUnit unit) {
  DecisionRecord november;
  november.program_id = "p";
  november.period = "2026-11";
  november.decided_us = Micros(12, 1);
  november.budget =
      BudgetSpec{BudgetMode::kFixed, unit, unit == BudgetUnit::kMoney ? "EUR" : "", 1000};
  AwardRecord award;
  award.id = "p.2026-11.a0";
  award.program_id = "p";
  award.period = "2026-11";
  award.agent_id = "a0";
  award.rank = 1;
  award.value = 100;
  award.decided_us = november.decided_us;
  award.state = AwardState::kProposed;
  for (const auto& [type, value, face] :
       {std::tuple{"leave_credit", 100.0, 0.0}, std::tuple{"certificate", 0.0, 50.0}}) {
    FulfilmentRecord f;
    f.id = absl::StrCat(award.id, ".", type);
    f.award_id = award.id;
    f.agent_id = "a0";
    f.type = type;
    f.value = value;
    f.face_value = face;
    f.idempotency_key = absl::StrCat("key-", type);
    award.fulfilments.push_back(f);
  }
  november.awards.push_back(award);
  ASSERT_TRUE(store.CommitDecision(november, PlanAutoApproval).ok());
  auto due = store.DueFulfilments(Micros(12, 2), 10);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 2u);
  for (FulfilmentRecord f : *due) {
    ASSERT_TRUE(*store.BeginFulfilmentAttempt(f));
    f.state = FulfilmentState::kFulfilled;
    f.updated_us = Micros(12, 2);
    ASSERT_TRUE(store.UpdateFulfilment(f, PlanAwardCompletion).ok());
  }
  ASSERT_TRUE(*store.MarkRedeemed("p.2026-11.a0.certificate", Micros(12, 3)));
}

// The report of August to November, with November decided as DecideNovember() does, and the
// effect of CSAT valued at 100 a unit.
absl::StatusOr<ProgramReport> ReportWithNovember(BudgetUnit unit) {
  plaudit::testing::TempDir dir;
  auto store = plaudit::testing::OpenTestStore(dir);
  if (store == nullptr) return absl::InternalError("no store");
  AddCsatCentre(*store);
  DecideNovember(*store, unit);
  return BuildProgramReport(*store, "p", "2026-08", "2026-11",
                            EffectRequest{{Csat()}, {{"csat", 100}}, std::nullopt});
}

TEST(ProgramReportTest, EachRewardTypesCostAndTheReturnOnSettledMoneyAndFaceValues) {
  auto report = ReportWithNovember(BudgetUnit::kMoney);
  ASSERT_TRUE(report.ok()) << report.status();
  const Spend& spend = report->overall.spend;
  EXPECT_EQ(spend.settled, 100);
  EXPECT_EQ(spend.face_value, 50);
  ASSERT_EQ(spend.reward_types.size(), 2u);
  const RewardTypeCount& certificate = spend.reward_types[0];
  EXPECT_EQ(certificate.type, "certificate");
  EXPECT_EQ(certificate.fulfilled, 1);
  EXPECT_EQ(certificate.redeemed, 1);
  EXPECT_EQ(certificate.settled, 0);
  EXPECT_EQ(certificate.face_value, 50);
  const RewardTypeCount& leave = spend.reward_types[1];
  EXPECT_EQ(leave.type, "leave_credit");
  EXPECT_EQ(leave.value, 100);
  EXPECT_EQ(leave.settled, 100);
  EXPECT_EQ(leave.per_reward, 100);
  EXPECT_EQ(leave.redeemed, 0);
  EXPECT_EQ(report->overall.delivery.redeemed, 1);
  const EffectSection& e = *report->effect;
  EXPECT_EQ(e.cost_budget, 100);
  EXPECT_EQ(e.cost_face_value, 50);
  EXPECT_EQ(e.cost, 150);
  EXPECT_EQ(e.cost_unit, "EUR");
  ASSERT_TRUE(e.return_ratio.has_value());
  EXPECT_NEAR(*e.return_ratio, e.value_created / 150, 1e-12);
  EXPECT_NEAR(e.return_low, e.value_low / 150, 1e-12);
}

TEST(ProgramReportTest, ABudgetInHoursIsNotMoneyOnlyFaceValuesCost) {
  auto report = ReportWithNovember(BudgetUnit::kHours);
  ASSERT_TRUE(report.ok()) << report.status();
  const EffectSection& e = *report->effect;
  EXPECT_EQ(report->overall.spend.settled, 100);  // Hours.
  EXPECT_EQ(e.cost_budget, 0);
  EXPECT_EQ(e.cost, 50);
  EXPECT_EQ(e.cost_unit, "");
  ASSERT_TRUE(e.return_ratio.has_value());
  EXPECT_NEAR(*e.return_ratio, e.value_created / 50, 1e-12);
}

TEST(ProgramReportEffectTest, SaysWhenNoPeriodComesBeforeTheStart) {
  plaudit::testing::TempDir dir;
  auto store = plaudit::testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  ProgramRecord program{"p", "P", "monthly", "UTC", 0, "id: p", false, 0};
  ASSERT_TRUE(store->PutProgram(program, Micros(10, 15)).ok());
  auto report = BuildProgramReport(*store, "p", "2026-11", "2026-11", EffectRequest{});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->effect->caveat, HasSubstr("give an earlier --from"));
}

TEST(ProgramReportEffectTest, WithAHoldoutComparesTreatedAgainstHeldOutAgents) {
  plaudit::testing::TempDir dir;
  auto store = plaudit::testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  const HoldoutSpec holdout{0.25, 7, ""};
  std::vector<Agent> agents;
  std::vector<HoldoutCandidate> candidates;
  DecisionRecord november;
  november.program_id = "p";
  november.period = "2026-11";
  november.decided_us = Micros(12, 1);
  for (int n = 0; n < 40; ++n) {
    Agent a = plaudit::testing::TestAgent(absl::StrCat("a", n));
    a.team = absl::StrCat("team", n % 8);
    agents.push_back(a);
    candidates.push_back({a.id, "all"});
    Standing s;
    s.agent_id = a.id;
    s.peer_group = "all";
    s.eligible = true;
    s.rank = n + 1;
    november.standings.push_back(s);
  }
  const std::set<std::string> control = HoldoutMembers(holdout, candidates);
  ASSERT_EQ(control.size(), 10u);
  std::vector<StoredEvent> events;
  std::vector<AgentChange> expected;
  for (const Agent& a : agents) {
    const int n = static_cast<int>(&a - agents.data());
    const double level = 4.0 + 0.05 * (n % 4);
    // Everyone drifts up 0.1; the rewarded agents 0.2 more; and a little of each agent's own.
    const double after = level + 0.1 + (control.contains(a.id) ? 0 : 0.2) + 0.01 * (n % 3);
    for (int month : {9, 11}) {
      events.push_back({absl::StrCat(a.id, "-", month), a.id, "csat", month == 11 ? after : level,
                        Micros(month, 10)});
    }
    expected.push_back({a.id, a.team, !control.contains(a.id), level, after});
  }
  ASSERT_TRUE(store->UpsertAgents(agents).ok());
  ASSERT_TRUE(store->InsertEvents(events).ok());
  ProgramRecord program{"p", "P", "monthly", "UTC", 0, "id: p", false, 0};
  ASSERT_TRUE(store->PutProgram(program, Micros(10, 15)).ok());
  const AwardPlanner no_approvals = [](const AwardFacts&) -> absl::StatusOr<TransitionPlan> {
    return absl::FailedPreconditionError("no award to approve");
  };
  ASSERT_TRUE(store->CommitDecision(november, no_approvals).ok());

  ScorecardMetric csat;
  csat.metric = "csat";
  csat.aggregation = Aggregation::kMean;
  auto report =
      BuildProgramReport(*store, "p", "2026-09", "2026-11", EffectRequest{{csat}, {}, holdout});
  ASSERT_TRUE(report.ok()) << report.status();
  const EffectEstimate& got = report->effect->metrics[0].estimate;
  const EffectEstimate want = DifferenceInDifferences(expected);
  EXPECT_EQ(got.method, "difference in differences");
  EXPECT_TRUE(got.causal);
  EXPECT_EQ(got.treated, 30);
  EXPECT_EQ(got.control, 10);
  EXPECT_EQ(got.teams, want.teams);
  EXPECT_NEAR(got.estimate, want.estimate, 1e-12);
  EXPECT_NEAR(got.std_error, want.std_error, 1e-12);
  EXPECT_NEAR(got.estimate, 0.2, 0.01);
}

}  // namespace
}  // namespace plaudit

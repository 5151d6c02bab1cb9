// Rules target, most_improved and streak, on hand-computed aggregates.
#include "core/awards/award_rules.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "core/domain/agent.h"
#include "core/domain/period.h"
#include "core/program/program_spec.h"
#include "core/scoring/scorecard.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

Agent MakeAgent(std::string id, bool active = true) {
  Agent agent;
  agent.id = std::move(id);
  agent.display_name = agent.id;
  agent.team = "red";
  agent.channel = Channel::kPhone;
  agent.hire_date = absl::CivilDay(2020, 1, 1);
  agent.active = active;
  return agent;
}

PeriodWindow Month(const char* label) {
  absl::StatusOr<PeriodWindow> window = MonthPeriod(label, absl::UTCTimeZone());
  EXPECT_TRUE(window.ok());
  return *window;
}

std::vector<Agent> Agents(std::initializer_list<const char*> ids) {
  std::vector<Agent> agents;
  for (const char* id : ids) agents.push_back(MakeAgent(id));
  return agents;
}

// One metric's aggregates: agent -> (samples, sum).
AggregateTable Table(const std::string& metric,
                     const std::map<std::string, std::pair<int64_t, double>>& values) {
  AggregateTable table;
  for (const auto& [id, aggregate] : values) {
    table[id][metric] = MetricAggregate{aggregate.first, aggregate.second, 0, 0, {}};
  }
  return table;
}

// A scorecard of one metric with normalisation none, so that the score is the aggregate.
ProgramSpec RawScoreProgram(const std::string& metric, Aggregation aggregation) {
  ProgramSpec program;
  program.id = "test";
  program.normalization = Normalization::kNone;
  ScorecardMetric scored;
  scored.metric = metric;
  scored.aggregation = aggregation;
  program.metrics.push_back(scored);
  program.award.rewards.push_back(
      RewardSpec{.type = "certificate", .params = {}, .value = {}, .path = {}, .line = 0});
  return program;
}

std::vector<std::string> WinnerIds(const Evaluation& evaluation) {
  std::vector<std::string> ids;
  for (const Winner& winner : evaluation.winners) ids.push_back(winner.agent_id);
  return ids;
}

const Standing& StandingOf(const Evaluation& evaluation, const std::string& id) {
  for (const Standing& standing : evaluation.standings) {
    if (standing.agent_id == id) return standing;
  }
  ADD_FAILURE() << "no standing for " << id;
  static const Standing kMissing;
  return kMissing;
}

Gate Measure(std::string metric, Aggregation aggregation, std::optional<double> min = {}) {
  Gate gate;
  gate.metric = std::move(metric);
  gate.aggregation = aggregation;
  gate.min = min;
  return gate;
}

// ---- target

ProgramSpec ReferralTarget() {
  ProgramSpec program = RawScoreProgram("calls_handled", Aggregation::kSum);
  program.award.rule = "target";
  program.award.target = Measure("referral_value", Aggregation::kSum, 2000);
  return program;
}

TEST(TargetRule, EveryoneReachingTheTargetWinsInRankOrder) {
  AggregateTable table = Table("calls_handled", {{"a", {1, 10}}, {"b", {1, 30}}, {"c", {1, 20}}});
  table["a"]["referral_value"] = MetricAggregate{2, 2500, 1000, 1500, {}};
  table["b"]["referral_value"] = MetricAggregate{1, 2000, 2000, 2000, {}};
  table["c"]["referral_value"] = MetricAggregate{3, 1999.5, 500, 1000, {}};
  const Evaluation evaluation =
      EvaluateProgram(ReferralTarget(), Month("2026-10"), Agents({"a", "b", "c"}), table);
  // b (rank 1) reaches exactly 2000, a (rank 3) 2500; c falls 0.5 short.
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("b", "a"));
  EXPECT_THAT(StandingOf(evaluation, "a").target_progress, Optional(DoubleEq(1.25)));
  EXPECT_THAT(StandingOf(evaluation, "b").target_progress, Optional(DoubleEq(1.0)));
  EXPECT_THAT(StandingOf(evaluation, "c").target_progress, Optional(DoubleEq(1999.5 / 2000)));
}

TEST(TargetRule, ProgressIsShownForEveryoneButOnlyTheEligibleWin) {
  AggregateTable table = Table("calls_handled", {{"a", {1, 10}}, {"b", {1, 30}}});
  table["a"]["referral_value"] = MetricAggregate{1, 500, 500, 500, {}};
  table["b"]["referral_value"] = MetricAggregate{1, 3000, 3000, 3000, {}};
  std::vector<Agent> agents = {MakeAgent("a"), MakeAgent("b", /*active=*/false), MakeAgent("c")};
  const Evaluation evaluation = EvaluateProgram(ReferralTarget(), Month("2026-10"), agents, table);
  EXPECT_THAT(evaluation.winners, IsEmpty());
  EXPECT_THAT(StandingOf(evaluation, "a").target_progress, Optional(DoubleEq(0.25)));
  EXPECT_THAT(StandingOf(evaluation, "b").target_progress, Optional(DoubleEq(1.5)));
  // A sum without events is 0: no progress yet.
  EXPECT_THAT(StandingOf(evaluation, "c").target_progress, Optional(DoubleEq(0)));
}

TEST(TargetRule, ATopBoxTargetIsAShare) {
  ProgramSpec program = RawScoreProgram("calls_handled", Aggregation::kSum);
  program.award.rule = "target";
  program.award.target = Measure("csat", Aggregation::kTopBox, 0.8);
  program.award.target->top_box = TopBox{4, Confidence::kNone};
  AggregateTable table = Table("calls_handled", {{"a", {1, 10}}, {"b", {1, 30}}});
  // a: 9 of 10 surveys at 4 or more; b: 7 of 10.
  table["a"]["csat"] = MetricAggregate{10, 42, 2, 5, {{4.0, 9}}};
  table["b"]["csat"] = MetricAggregate{10, 38, 1, 5, {{4.0, 7}}};
  const Evaluation evaluation =
      EvaluateProgram(program, Month("2026-10"), Agents({"a", "b"}), table);
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
  EXPECT_THAT(StandingOf(evaluation, "a").target_progress, Optional(DoubleEq(0.9 / 0.8)));
  EXPECT_THAT(StandingOf(evaluation, "b").target_progress, Optional(DoubleEq(0.7 / 0.8)));
}

TEST(TargetRule, ThresholdWithMinMetricStillWorks) {
  ProgramSpec program = RawScoreProgram("calls_handled", Aggregation::kSum);
  program.award.rule = "threshold";
  program.award.min_metric = Measure("referral_value", Aggregation::kSum, 2000);
  AggregateTable table = Table("calls_handled", {{"a", {1, 10}}, {"b", {1, 30}}});
  table["a"]["referral_value"] = MetricAggregate{1, 2000, 2000, 2000, {}};
  const Evaluation evaluation =
      EvaluateProgram(program, Month("2026-10"), Agents({"a", "b"}), table);
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
  EXPECT_FALSE(StandingOf(evaluation, "a").target_progress.has_value());
}

// ---- most_improved

ProgramSpec MostImproved(int n) {
  ProgramSpec program = RawScoreProgram("csat", Aggregation::kMean);
  program.award.rule = "most_improved";
  program.award.n = n;
  return program;
}

// csat means, one survey each: the score is the mean (normalisation none).
AggregateTable Csat(const std::map<std::string, double>& means) {
  std::map<std::string, std::pair<int64_t, double>> values;
  for (const auto& [id, mean] : means) values[id] = {1, mean};
  return Table("csat", values);
}

TEST(MostImprovedRule, TheLargestImprovementsOfTheScoreWin) {
  // Before: a 3.0, b 4.0, c 2.0, d none (ineligible). Now: d 5.0, a 4.5, b 4.2, c 3.0.
  const std::vector<EarlierPeriod> earlier = {
      {Month("2026-09"), Csat({{"a", 3.0}, {"b", 4.0}, {"c", 2.0}})}};
  const Evaluation evaluation =
      EvaluateProgram(MostImproved(2), Month("2026-10"), Agents({"a", "b", "c", "d"}),
                      Csat({{"a", 4.5}, {"b", 4.2}, {"c", 3.0}, {"d", 5.0}}), earlier);
  // a +1.5 and c +1.0 beat b +0.2; d was not eligible before. Listed in rank order.
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a", "c"));
  EXPECT_EQ(evaluation.winners[0].rank, 2);
  EXPECT_THAT(StandingOf(evaluation, "a").improvement, Optional(DoubleEq(1.5)));
  EXPECT_THAT(StandingOf(evaluation, "a").previous, Optional(DoubleEq(3.0)));
  EXPECT_THAT(StandingOf(evaluation, "b").improvement, Optional(DoubleEq(4.2 - 4.0)));
  EXPECT_FALSE(StandingOf(evaluation, "d").previous.has_value());
  EXPECT_FALSE(StandingOf(evaluation, "d").improvement.has_value());
}

TEST(MostImprovedRule, OnlyImprovementsAboveZeroWin) {
  const std::vector<EarlierPeriod> earlier = {
      {Month("2026-09"), Csat({{"a", 3.0}, {"b", 4.0}, {"c", 4.0}})}};
  const Evaluation evaluation =
      EvaluateProgram(MostImproved(3), Month("2026-10"), Agents({"a", "b", "c"}),
                      Csat({{"a", 3.5}, {"b", 4.0}, {"c", 3.0}}), earlier);
  // b stayed level and c fell: only a improved.
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
  EXPECT_THAT(StandingOf(evaluation, "b").improvement, Optional(DoubleEq(0)));
  EXPECT_THAT(StandingOf(evaluation, "c").improvement, Optional(DoubleEq(-1.0)));
}

TEST(MostImprovedRule, EqualImprovementsGoByRankLikeTopN) {
  // a and b both improve by 1.0; a ranks higher now (4.0 against 3.5) and takes the one award.
  const std::vector<EarlierPeriod> earlier = {{Month("2026-09"), Csat({{"a", 3.0}, {"b", 2.5}})}};
  const Evaluation evaluation =
      EvaluateProgram(MostImproved(1), Month("2026-10"), Agents({"a", "b"}),
                      Csat({{"a", 4.0}, {"b", 3.5}}), earlier);
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
}

TEST(MostImprovedRule, AMetricImprovesInItsDirection) {
  ProgramSpec program = MostImproved(1);
  program.award.improvement_metric = Measure("aht_seconds", Aggregation::kMean);
  program.award.improvement_direction = Direction::kLowerIsBetter;
  auto with_aht = [](AggregateTable table, const std::map<std::string, double>& aht) {
    for (const auto& [id, seconds] : aht) {
      table[id]["aht_seconds"] = MetricAggregate{1, seconds, seconds, seconds, {}};
    }
    return table;
  };
  const std::vector<EarlierPeriod> earlier = {
      {Month("2026-09"), with_aht(Csat({{"a", 4.0}, {"b", 4.0}}), {{"a", 300}, {"b", 200}})}};
  const Evaluation evaluation =
      EvaluateProgram(program, Month("2026-10"), Agents({"a", "b"}),
                      with_aht(Csat({{"a", 3.0}, {"b", 5.0}}), {{"a", 250}, {"b", 220}}), earlier);
  // a is 50 seconds faster (an improvement), b 20 seconds slower.
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
  EXPECT_THAT(StandingOf(evaluation, "a").improvement, Optional(DoubleEq(50)));
  EXPECT_THAT(StandingOf(evaluation, "a").previous, Optional(DoubleEq(300)));
  EXPECT_THAT(StandingOf(evaluation, "b").improvement, Optional(DoubleEq(-20)));
}

TEST(MostImprovedRule, WithoutThePreviousPeriodNobodyWins) {
  const Evaluation evaluation =
      EvaluateProgram(MostImproved(1), Month("2026-10"), Agents({"a"}), Csat({{"a", 4.0}}));
  EXPECT_THAT(evaluation.winners, IsEmpty());
}

// ---- streak

ProgramSpec Streak(int periods) {
  ProgramSpec program = RawScoreProgram("calls_handled", Aggregation::kSum);
  AwardRule base;
  base.rule = "top_n";
  base.n = 1;
  program.award.rule = "streak";
  program.award.streak_periods = periods;
  program.award.streak_of.push_back(base);
  return program;
}

AggregateTable Calls(double a, double b) {
  return Table("calls_handled", {{"a", {1, a}}, {"b", {1, b}}});
}

TEST(StreakRule, WinsAfterWinningEveryPeriodOfTheStreak) {
  const std::vector<EarlierPeriod> earlier = {{Month("2026-09"), Calls(20, 10)},
                                              {Month("2026-08"), Calls(20, 10)}};
  const Evaluation evaluation =
      EvaluateProgram(Streak(3), Month("2026-10"), Agents({"a", "b"}), Calls(20, 10), earlier);
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
  EXPECT_EQ(StandingOf(evaluation, "a").streak, 3);
  EXPECT_EQ(StandingOf(evaluation, "a").earlier_streak, 2);
  EXPECT_EQ(StandingOf(evaluation, "b").streak, 0);
}

TEST(StreakRule, AStreakBrokenInTheMiddleDoesNotWin) {
  // a wins August and October; b wins September.
  const std::vector<EarlierPeriod> earlier = {{Month("2026-09"), Calls(10, 20)},
                                              {Month("2026-08"), Calls(20, 10)}};
  const Evaluation evaluation =
      EvaluateProgram(Streak(3), Month("2026-10"), Agents({"a", "b"}), Calls(20, 10), earlier);
  EXPECT_THAT(evaluation.winners, IsEmpty());
  EXPECT_EQ(StandingOf(evaluation, "a").earlier_streak, 0);
  EXPECT_EQ(StandingOf(evaluation, "b").earlier_streak, 1);
}

TEST(StreakRule, AShortHistoryIsNoStreak) {
  const std::vector<EarlierPeriod> earlier = {{Month("2026-09"), Calls(20, 10)}};
  const Evaluation evaluation =
      EvaluateProgram(Streak(3), Month("2026-10"), Agents({"a", "b"}), Calls(20, 10), earlier);
  EXPECT_THAT(evaluation.winners, IsEmpty());
  EXPECT_EQ(StandingOf(evaluation, "a").earlier_streak, 1);
}

TEST(StreakRule, OnePeriodIsTheBaseRule) {
  ProgramSpec base = RawScoreProgram("calls_handled", Aggregation::kSum);
  base.award.rule = "threshold";
  base.award.min_score = 15;
  ProgramSpec streak = Streak(1);
  streak.award.streak_of[0] = base.award;
  const AggregateTable table =
      Table("calls_handled", {{"a", {1, 20}}, {"b", {1, 10}}, {"c", {1, 30}}});
  const std::vector<Agent> agents = Agents({"a", "b", "c"});
  const Evaluation expected = EvaluateProgram(base, Month("2026-10"), agents, table);
  const Evaluation evaluation = EvaluateProgram(streak, Month("2026-10"), agents, table);
  EXPECT_THAT(WinnerIds(expected), ElementsAre("c", "a"));
  EXPECT_EQ(WinnerIds(evaluation), WinnerIds(expected));
}

TEST(StreakRule, TheBaseRuleKeepsItsTier) {
  ProgramSpec program = Streak(2);
  AwardRule tiers;
  tiers.rule = "tiers";
  tiers.tiers = {Tier{"gold", 25, {}}, Tier{"silver", 15, {}}};
  program.award.streak_of[0] = tiers;
  const std::vector<EarlierPeriod> earlier = {{Month("2026-09"), Calls(30, 16)}};
  const Evaluation evaluation =
      EvaluateProgram(program, Month("2026-10"), Agents({"a", "b"}), Calls(20, 10), earlier);
  // a reached a tier both times (gold, then silver); b only in September.
  ASSERT_THAT(WinnerIds(evaluation), ElementsAre("a"));
  EXPECT_EQ(evaluation.winners[0].tier, "silver");
}

}  // namespace
}  // namespace plaudit

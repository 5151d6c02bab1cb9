#include "core/scoring/scorecard.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "core/awards/award_rules.h"
#include "core/domain/agent.h"
#include "core/domain/period.h"
#include "core/program/program_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pointwise;

Agent MakeAgent(std::string id, Channel channel = Channel::kPhone, std::string team = "red",
                absl::CivilDay hired = absl::CivilDay(2020, 1, 1), bool active = true) {
  Agent agent;
  agent.id = std::move(id);
  agent.display_name = agent.id;
  agent.team = std::move(team);
  agent.channel = channel;
  agent.hire_date = hired;
  agent.active = active;
  return agent;
}

ScorecardMetric Metric(std::string name, Aggregation aggregation = Aggregation::kSum,
                       double weight = 1.0, Direction direction = Direction::kHigherIsBetter) {
  ScorecardMetric metric;
  metric.metric = std::move(name);
  metric.aggregation = aggregation;
  metric.weight = weight;
  metric.direction = direction;
  return metric;
}

ProgramSpec Program(std::vector<ScorecardMetric> metrics) {
  ProgramSpec program;
  program.id = "test";
  program.name = "Test";
  program.metrics = std::move(metrics);
  RewardSpec certificate;
  certificate.type = "certificate";
  program.award.rewards.push_back(certificate);
  return program;
}

// Events of one metric: `samples` events adding up to `sum`, ranging from `min` to `max`.
MetricAggregate Events(int64_t samples, double sum, double min = 0, double max = 0) {
  return MetricAggregate{samples, sum, min, max, {}};
}

PeriodWindow October2026() {
  absl::StatusOr<PeriodWindow> window = MonthPeriod("2026-10", absl::UTCTimeZone());
  EXPECT_TRUE(window.ok());
  return *window;
}

const Standing& StandingOf(const Evaluation& evaluation, const std::string& agent_id) {
  for (const Standing& standing : evaluation.standings) {
    if (standing.agent_id == agent_id) return standing;
  }
  ADD_FAILURE() << "no standing for " << agent_id;
  static const Standing kMissing;
  return kMissing;
}

std::vector<std::string> StandingIds(const Evaluation& evaluation) {
  std::vector<std::string> ids;
  for (const Standing& standing : evaluation.standings) ids.push_back(standing.agent_id);
  return ids;
}

std::vector<std::string> WinnerIds(const Evaluation& evaluation) {
  std::vector<std::string> ids;
  for (const Winner& winner : evaluation.winners) ids.push_back(winner.agent_id);
  return ids;
}

// ---- PercentileScores -----------------------------------------------------------------------

TEST(Percentile, EmptyInputGivesNoScores) { EXPECT_THAT(PercentileScores({}), IsEmpty()); }

TEST(Percentile, SingleValueScoresOne) {
  EXPECT_THAT(PercentileScores({7}), ElementsAre(DoubleEq(1.0)));
}

TEST(Percentile, DistinctValuesSpreadFromZeroToOne) {
  // Sorted 10 < 20 < 30: 0, 1 and 2 others worse, out of n - 1 = 2.
  EXPECT_THAT(PercentileScores({30, 10, 20}),
              ElementsAre(DoubleEq(1.0), DoubleEq(0.0), DoubleEq(0.5)));
}

TEST(Percentile, TiesShareTheMidRank) {
  // Each 20: one worse (10) and one equal: (1 + 0.5) / 3 = 0.5.
  EXPECT_THAT(PercentileScores({20, 10, 30, 20}),
              ElementsAre(DoubleEq(0.5), DoubleEq(0.0), DoubleEq(1.0), DoubleEq(0.5)));
}

TEST(Percentile, AllEqualValuesScoreOneHalf) {
  // (0 worse + 0.5 x 2 equal) / 2.
  EXPECT_THAT(PercentileScores({5, 5, 5}),
              ElementsAre(DoubleEq(0.5), DoubleEq(0.5), DoubleEq(0.5)));
}

TEST(Percentile, ValuesWithinARelativeBillionthAreEqual) {
  // 1000 and 1000 + 1e-7 differ by 1e-10 relative: equal, so (1 + 0.5) / 2 = 0.75 each.
  EXPECT_THAT(PercentileScores({1000.0, 1000.0 + 1e-7, 999.0}),
              ElementsAre(DoubleEq(0.75), DoubleEq(0.75), DoubleEq(0.0)));
}

TEST(Percentile, ValuesFurtherApartThanARelativeBillionthDiffer) {
  // 1e-5 on 1000 is 1e-8 relative: not equal.
  EXPECT_THAT(PercentileScores({1000.0 + 1e-5, 1000.0}), ElementsAre(DoubleEq(1.0), DoubleEq(0.0)));
}

TEST(Percentile, TinyValuesTieWithinTheAbsoluteFloor) {
  // A factor of two apart but only 1e-12 apart in absolute terms: residues of 0, so equal.
  EXPECT_THAT(PercentileScores({2e-12, 1e-12}), ElementsAre(DoubleEq(0.5), DoubleEq(0.5)));
  // 2e-12 apart is beyond the floor and a factor of three: they differ.
  EXPECT_THAT(PercentileScores({3e-12, 1e-12}), ElementsAre(DoubleEq(1.0), DoubleEq(0.0)));
}

TEST(TiedValues, RelativeToleranceWithAnAbsoluteFloor) {
  EXPECT_TRUE(TiedValues(0.9999999999999931, 0.9999999999999991));
  EXPECT_TRUE(TiedValues(1000.0, 1000.0 + 1e-7));
  EXPECT_FALSE(TiedValues(1000.0, 1000.0 + 1e-5));
  // z-scores of exactly 0 and a Wilson bound of exactly 0, as computed.
  EXPECT_TRUE(TiedValues(-1.94e-16, -1.11e-16));
  EXPECT_TRUE(TiedValues(4.87e-17, 0.0));
  EXPECT_FALSE(TiedValues(1e-11, 0.0));
  EXPECT_FALSE(TiedValues(1.0, -1.0));
}

TEST(Percentile, ScoresManyTiedValuesCorrectly) {
  // 200000 values, 200 copies each of 0..999. Value v has 200 v worse and 199 equal:
  // (200 v + 99.5) / 199999. Quadratic counting would take minutes here.
  std::vector<double> values;
  for (int i = 0; i < 200000; ++i) values.push_back(i % 1000);
  const std::vector<double> scores = PercentileScores(values);
  ASSERT_EQ(scores.size(), values.size());
  EXPECT_DOUBLE_EQ(scores[0], 99.5 / 199999);
  EXPECT_DOUBLE_EQ(scores[999], (200 * 999 + 99.5) / 199999);
  EXPECT_DOUBLE_EQ(scores[1500], (200 * 500 + 99.5) / 199999);
}

// ---- ZScores --------------------------------------------------------------------------------

TEST(ZScore, UsesThePopulationStandardDeviation) {
  // Mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; population variance 32 / 8 = 4; sd 2.
  EXPECT_THAT(ZScores({2, 4, 4, 4, 5, 5, 7, 9}),
              ElementsAre(DoubleEq(-1.5), DoubleEq(-0.5), DoubleEq(-0.5), DoubleEq(-0.5),
                          DoubleEq(0.0), DoubleEq(0.0), DoubleEq(1.0), DoubleEq(2.0)));
}

TEST(ZScore, ZeroStandardDeviationGivesZero) {
  EXPECT_THAT(ZScores({3, 3, 3}), ElementsAre(0.0, 0.0, 0.0));
  // 0.1 + 0.1 + 0.1 is not exactly 0.3, which must not show up as a tiny spread.
  EXPECT_THAT(ZScores({0.1, 0.1, 0.1}), ElementsAre(0.0, 0.0, 0.0));
  EXPECT_THAT(ZScores({42}), ElementsAre(0.0));
}

TEST(ZScore, HugeValuesDoNotOverflow) {
  // Same shape as {-1, 1}: mean 0, sd 1.
  EXPECT_THAT(ZScores({-1e308, 1e308}), ElementsAre(DoubleEq(-1.0), DoubleEq(1.0)));
}

// ---- Eligibility ----------------------------------------------------------------------------

TEST(ScorecardEligibility, InactiveAgentIsListedButNotRanked) {
  ProgramSpec program = Program({Metric("calls_handled")});
  const std::vector<Agent> agents = {
      MakeAgent("a"), MakeAgent("b", Channel::kPhone, "red", absl::CivilDay(2020, 1, 1), false)};
  AggregateTable table;
  table["b"]["calls_handled"] = Events(40, 40);
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, table);
  const Standing& b = StandingOf(evaluation, "b");
  EXPECT_FALSE(b.eligible);
  EXPECT_THAT(b.reasons, ElementsAre("inactive"));
  EXPECT_EQ(b.rank, 0);
  EXPECT_EQ(b.score, 0);
  ASSERT_EQ(b.metrics.size(), 1u);
  EXPECT_EQ(b.metrics[0].value, 40);
  EXPECT_EQ(b.metrics[0].samples, 40);
  EXPECT_EQ(b.metrics[0].normalized, 0);
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
}

TEST(ScorecardEligibility, TenureCountsDaysUpToTheDayAfterThePeriod) {
  ProgramSpec program = Program({Metric("calls_handled")});
  program.min_tenure_days = 30;
  // Oct 2 to Nov 1 is 30 days; Oct 3 to Nov 1 is 29.
  const std::vector<Agent> agents = {
      MakeAgent("oct2", Channel::kPhone, "red", absl::CivilDay(2026, 10, 2)),
      MakeAgent("oct3", Channel::kPhone, "red", absl::CivilDay(2026, 10, 3))};
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, {});
  EXPECT_TRUE(StandingOf(evaluation, "oct2").eligible);
  EXPECT_THAT(StandingOf(evaluation, "oct3").reasons, ElementsAre("tenure 29 days < 30"));
}

TEST(ScorecardEligibility, AgentHiredAfterThePeriodIsSaidSo) {
  ProgramSpec program = Program({Metric("calls_handled")});
  const std::vector<Agent> agents = {
      MakeAgent("late", Channel::kPhone, "red", absl::CivilDay(2026, 11, 5))};
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, {});
  EXPECT_THAT(StandingOf(evaluation, "late").reasons, ElementsAre("hired after the period"));
  EXPECT_THAT(evaluation.winners, IsEmpty());
}

TEST(ScorecardEligibility, HiredOnTheDayAfterThePeriodIsAfterIt) {
  ProgramSpec program = Program({Metric("calls_handled")});
  program.min_tenure_days = 30;
  const std::vector<Agent> agents = {
      MakeAgent("oct31", Channel::kPhone, "red", absl::CivilDay(2026, 10, 31)),
      MakeAgent("nov1", Channel::kPhone, "red", absl::CivilDay(2026, 11, 1))};
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, {});
  EXPECT_THAT(StandingOf(evaluation, "oct31").reasons, ElementsAre("tenure 1 days < 30"));
  EXPECT_THAT(StandingOf(evaluation, "nov1").reasons, ElementsAre("hired after the period"));
}

TEST(ScorecardEligibility, EveryReasonIsListed) {
  ProgramSpec program = Program({Metric("csat", Aggregation::kMean)});
  program.metrics[0].min_samples = 20;
  program.min_tenure_days = 30;
  program.gates.push_back(
      Gate{"complaints", Aggregation::kSum, std::nullopt, 2.0, std::nullopt, std::nullopt});
  const std::vector<Agent> agents = {
      MakeAgent("x", Channel::kPhone, "red", absl::CivilDay(2026, 10, 20), false)};
  AggregateTable table;
  table["x"]["complaints"] = Events(3, 3);
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, table);
  EXPECT_THAT(StandingOf(evaluation, "x").reasons,
              ElementsAre("inactive", "tenure 12 days < 30", "csat: 0 samples < min_samples 20",
                          "csat: no events for mean", "gate complaints sum 3 > max 2"));
}

// ---- Aggregation, smoothing, min_samples ----------------------------------------------------

TEST(ScorecardAggregation, EachAggregationReadsItsPartOfTheAggregate) {
  ProgramSpec program = Program({
      Metric("sales_value", Aggregation::kSum),
      Metric("sales_value", Aggregation::kCount),
      Metric("sales_value", Aggregation::kMean),
      Metric("sales_value", Aggregation::kMin),
      Metric("sales_value", Aggregation::kMax),
  });
  AggregateTable table;
  table["a"]["sales_value"] = Events(4, 20, 2, 8);
  const Evaluation evaluation = EvaluateProgram(program, October2026(), {MakeAgent("a")}, table);
  const Standing& a = StandingOf(evaluation, "a");
  ASSERT_EQ(a.metrics.size(), 5u);
  EXPECT_DOUBLE_EQ(a.metrics[0].value, 20);
  EXPECT_DOUBLE_EQ(a.metrics[1].value, 4);
  EXPECT_DOUBLE_EQ(a.metrics[2].value, 5);
  EXPECT_DOUBLE_EQ(a.metrics[3].value, 2);
  EXPECT_DOUBLE_EQ(a.metrics[4].value, 8);
  for (const MetricStanding& metric : a.metrics) EXPECT_EQ(metric.samples, 4);
}

TEST(ScorecardAggregation, SumAndCountWithoutEventsAreZero) {
  ProgramSpec program = Program(
      {Metric("calls_handled", Aggregation::kSum), Metric("emails_handled", Aggregation::kCount)});
  // "a" is not in the aggregate table at all.
  const Evaluation evaluation = EvaluateProgram(program, October2026(), {MakeAgent("a")}, {});
  const Standing& a = StandingOf(evaluation, "a");
  EXPECT_TRUE(a.eligible);
  EXPECT_EQ(a.metrics[0].value, 0);
  EXPECT_EQ(a.metrics[1].value, 0);
  EXPECT_EQ(a.rank, 1);
}

TEST(ScorecardAggregation, MeanMinAndMaxWithoutEventsMakeTheAgentIneligible) {
  ProgramSpec program =
      Program({Metric("aht_seconds", Aggregation::kMean), Metric("qa_score", Aggregation::kMin),
               Metric("nps", Aggregation::kMax)});
  AggregateTable table;
  table["a"]["calls_handled"] = Events(3, 3);
  const Evaluation evaluation = EvaluateProgram(program, October2026(), {MakeAgent("a")}, table);
  EXPECT_THAT(StandingOf(evaluation, "a").reasons,
              ElementsAre("aht_seconds: no events for mean", "qa_score: no events for min",
                          "nps: no events for max"));
}

TEST(ScorecardAggregation, SmoothingPullsTheMeanTowardsThePrior) {
  ProgramSpec program = Program({Metric("csat", Aggregation::kMean)});
  program.metrics[0].smoothing = Smoothing{4.2, 10};
  AggregateTable table;
  table["few"]["csat"] = Events(5, 25);     // raw mean 5.0
  table["many"]["csat"] = Events(90, 360);  // raw mean 4.0
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("few"), MakeAgent("many"), MakeAgent("none")}, table);
  // (25 + 4.2 x 10) / (5 + 10) = 67 / 15.
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "few").metrics[0].value, 67.0 / 15.0);
  // (360 + 42) / (90 + 10) = 4.02.
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "many").metrics[0].value, 4.02);
  // No events: the prior itself, and still eligible.
  const Standing& none = StandingOf(evaluation, "none");
  EXPECT_TRUE(none.eligible);
  EXPECT_DOUBLE_EQ(none.metrics[0].value, 4.2);
  EXPECT_EQ(none.metrics[0].samples, 0);
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("few", "none", "many"));
}

TEST(ScorecardAggregation, FewerThanMinSamplesIsIneligibleButShowsTheValue) {
  ProgramSpec program = Program({Metric("csat", Aggregation::kMean)});
  program.metrics[0].min_samples = 20;
  AggregateTable table;
  table["five"]["csat"] = Events(5, 22.5);
  table["twenty"]["csat"] = Events(20, 80);
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("five"), MakeAgent("twenty")}, table);
  const Standing& five = StandingOf(evaluation, "five");
  EXPECT_FALSE(five.eligible);
  EXPECT_THAT(five.reasons, ElementsAre("csat: 5 samples < min_samples 20"));
  EXPECT_DOUBLE_EQ(five.metrics[0].value, 4.5);
  EXPECT_EQ(five.metrics[0].samples, 5);
  EXPECT_EQ(five.metrics[0].normalized, 0);
  EXPECT_TRUE(StandingOf(evaluation, "twenty").eligible);
}

TEST(ScorecardAggregation, SmoothedMeanStillNeedsMinSamples) {
  ProgramSpec program = Program({Metric("csat", Aggregation::kMean)});
  program.metrics[0].smoothing = Smoothing{4.2, 10};
  program.metrics[0].min_samples = 1;
  const Evaluation evaluation = EvaluateProgram(program, October2026(), {MakeAgent("a")}, {});
  const Standing& a = StandingOf(evaluation, "a");
  EXPECT_THAT(a.reasons, ElementsAre("csat: 0 samples < min_samples 1"));
  EXPECT_DOUBLE_EQ(a.metrics[0].value, 4.2);
}

TEST(ScorecardAggregation, NonFiniteValueMakesTheAgentIneligible) {
  ProgramSpec program = Program({Metric("sales_value")});
  AggregateTable table;
  table["inf"]["sales_value"] = Events(2, std::numeric_limits<double>::infinity());
  table["nan"]["sales_value"] = Events(2, std::nan(""));
  table["ok"]["sales_value"] = Events(2, 10);
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("nan"), MakeAgent("ok"), MakeAgent("inf")}, table);
  EXPECT_THAT(StandingOf(evaluation, "inf").reasons,
              ElementsAre("sales_value: value is not finite"));
  EXPECT_THAT(StandingOf(evaluation, "nan").reasons,
              ElementsAre("sales_value: value is not finite"));
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("ok", "inf", "nan"));
}

// ---- Gates ----------------------------------------------------------------------------------

TEST(ScorecardGate, MaxIsInclusive) {
  ProgramSpec program = Program({Metric("calls_handled")});
  program.gates.push_back(
      Gate{"complaints", Aggregation::kSum, std::nullopt, 2.0, std::nullopt, std::nullopt});
  AggregateTable table;
  table["two"]["complaints"] = Events(2, 2);
  table["three"]["complaints"] = Events(3, 3);
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("two"), MakeAgent("three"), MakeAgent("zero")}, table);
  EXPECT_TRUE(StandingOf(evaluation, "two").eligible);
  EXPECT_TRUE(StandingOf(evaluation, "zero").eligible);
  EXPECT_THAT(StandingOf(evaluation, "three").reasons,
              ElementsAre("gate complaints sum 3 > max 2"));
}

TEST(ScorecardGate, MinIsInclusive) {
  ProgramSpec program = Program({Metric("calls_handled")});
  program.gates.push_back(
      Gate{"qa_score", Aggregation::kMean, 80.0, std::nullopt, std::nullopt, std::nullopt});
  AggregateTable table;
  table["low"]["qa_score"] = Events(2, 159);   // mean 79.5
  table["edge"]["qa_score"] = Events(2, 160);  // mean 80
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("low"), MakeAgent("edge")}, table);
  EXPECT_TRUE(StandingOf(evaluation, "edge").eligible);
  EXPECT_THAT(StandingOf(evaluation, "low").reasons,
              ElementsAre("gate qa_score mean 79.5 < min 80"));
}

TEST(ScorecardGate, GateWithoutEventsChecksZeroForSumAndFailsForMean) {
  ProgramSpec program = Program({Metric("calls_handled")});
  program.gates.push_back(Gate{"followups_resolved", Aggregation::kCount, 1.0, std::nullopt,
                               std::nullopt, std::nullopt});
  program.gates.push_back(Gate{"csat", Aggregation::kMean, 3.0, 5.0, std::nullopt, std::nullopt});
  const Evaluation evaluation = EvaluateProgram(program, October2026(), {MakeAgent("a")}, {});
  EXPECT_THAT(StandingOf(evaluation, "a").reasons,
              ElementsAre("gate followups_resolved count 0 < min 1", "gate csat mean: no events"));
}

// ---- Normalisation --------------------------------------------------------------------------

TEST(ScorecardNormalization, PercentileAppliesLowerIsBetter) {
  ProgramSpec program =
      Program({Metric("aht_seconds", Aggregation::kMean, 1.0, Direction::kLowerIsBetter)});
  AggregateTable table;
  table["fast"]["aht_seconds"] = Events(1, 200);
  table["mid"]["aht_seconds"] = Events(1, 300);
  table["slow"]["aht_seconds"] = Events(1, 400);
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("slow"), MakeAgent("mid"), MakeAgent("fast")}, table);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "fast").metrics[0].normalized, 1.0);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "mid").metrics[0].normalized, 0.5);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "slow").metrics[0].normalized, 0.0);
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("fast", "mid", "slow"));
}

TEST(ScorecardNormalization, ZScoreFlipsTheSignForLowerIsBetter) {
  ProgramSpec program =
      Program({Metric("aht_seconds", Aggregation::kMean, 1.0, Direction::kLowerIsBetter)});
  program.normalization = Normalization::kZScore;
  AggregateTable table;
  table["fast"]["aht_seconds"] = Events(1, 200);
  table["mid"]["aht_seconds"] = Events(1, 300);
  table["slow"]["aht_seconds"] = Events(1, 400);
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("slow"), MakeAgent("mid"), MakeAgent("fast")}, table);
  // Mean 300, population sd sqrt((100^2 + 0 + 100^2) / 3) = 100 sqrt(2/3): z = +-sqrt(1.5).
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "fast").metrics[0].normalized, std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "mid").metrics[0].normalized, 0.0);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "slow").metrics[0].normalized, -std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "fast").score, std::sqrt(1.5));
}

TEST(ScorecardNormalization, ZScoreWithoutSpreadIsZeroForEveryone) {
  ProgramSpec program = Program({Metric("calls_handled")});
  program.normalization = Normalization::kZScore;
  AggregateTable table;
  table["b"]["calls_handled"] = Events(7, 7);
  table["a"]["calls_handled"] = Events(7, 7);
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("b"), MakeAgent("a")}, table);
  for (const Standing& standing : evaluation.standings) {
    EXPECT_EQ(standing.metrics[0].normalized, 0);
    EXPECT_EQ(standing.score, 0);
  }
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("a", "b"));
}

TEST(ScorecardNormalization, NoneUsesTheValueWithTheSignFlippedForLowerIsBetter) {
  ProgramSpec program =
      Program({Metric("calls_handled", Aggregation::kSum, 1.0),
               Metric("aht_seconds", Aggregation::kMean, 1.0, Direction::kLowerIsBetter)});
  program.normalization = Normalization::kNone;
  AggregateTable table;
  table["a"]["calls_handled"] = Events(3, 3);
  table["a"]["aht_seconds"] = Events(2, 500);  // mean 250
  const Evaluation evaluation = EvaluateProgram(program, October2026(), {MakeAgent("a")}, table);
  const Standing& a = StandingOf(evaluation, "a");
  EXPECT_DOUBLE_EQ(a.metrics[0].normalized, 3);
  EXPECT_DOUBLE_EQ(a.metrics[1].normalized, -250);
  // (3 - 250) / 2.
  EXPECT_DOUBLE_EQ(a.score, -123.5);
}

TEST(ScorecardNormalization, OnlyEligibleAgentsOfTheSamePeerGroupCount) {
  ProgramSpec program = Program({Metric("calls_handled")});
  program.peer_group = PeerGroupBy::kTeam;
  AggregateTable table;
  table["r1"]["calls_handled"] = Events(10, 10);
  table["r2"]["calls_handled"] = Events(20, 20);
  table["r3"]["calls_handled"] = Events(99, 99);
  table["b1"]["calls_handled"] = Events(1, 1);
  const std::vector<Agent> agents = {
      MakeAgent("r1", Channel::kPhone, "red"), MakeAgent("r2", Channel::kChat, "red"),
      MakeAgent("r3", Channel::kPhone, "red", absl::CivilDay(2020, 1, 1), false),
      MakeAgent("b1", Channel::kPhone, "blue")};
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, table);
  // The inactive r3 would otherwise push r2 down to 0.5.
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "r2").metrics[0].normalized, 1.0);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "r1").metrics[0].normalized, 0.0);
  // Alone in its team: n = 1 gives 1.0.
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "b1").metrics[0].normalized, 1.0);
  EXPECT_EQ(StandingOf(evaluation, "b1").peer_group, "blue");
  EXPECT_EQ(StandingOf(evaluation, "r3").peer_group, "red");
}

// ---- Score and rank -------------------------------------------------------------------------

TEST(ScorecardScore, IsTheWeightedMeanOfNormalisedValues) {
  ProgramSpec program = Program({Metric("calls_handled", Aggregation::kSum, 3.0),
                                 Metric("followups_resolved", Aggregation::kSum, 1.0),
                                 Metric("sales_value", Aggregation::kSum, 0.0)});
  AggregateTable table;
  table["a"]["calls_handled"] = Events(30, 30);
  table["b"]["calls_handled"] = Events(20, 20);
  table["c"]["calls_handled"] = Events(10, 10);
  table["b"]["followups_resolved"] = Events(5, 5);
  table["c"]["followups_resolved"] = Events(10, 10);
  table["c"]["sales_value"] = Events(1, 1e6);
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("c"), MakeAgent("a"), MakeAgent("b")}, table);
  // calls: a 1, b 0.5, c 0; follow-ups: a 0, b 0.5, c 1; sales weigh nothing.
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "a").score, (3 * 1.0 + 0.0) / 4);  // 0.75
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "b").score, (3 * 0.5 + 0.5) / 4);  // 0.5
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "c").score, (0.0 + 1.0) / 4);      // 0.25
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "c").metrics[2].normalized, 1.0);
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("a", "b", "c"));
}

TEST(ScorecardRank, TiedScoresAreBrokenByTheFirstMetric) {
  ProgramSpec program = Program({Metric("calls_handled"), Metric("followups_resolved")});
  AggregateTable table;
  // a: calls 1, follow-ups 0; b: calls 0, follow-ups 1. Both score 0.5.
  table["a"]["calls_handled"] = Events(20, 20);
  table["b"]["calls_handled"] = Events(10, 10);
  table["b"]["followups_resolved"] = Events(5, 5);
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("b"), MakeAgent("a")}, table);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "a").score, 0.5);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "b").score, 0.5);
  EXPECT_EQ(StandingOf(evaluation, "a").rank, 1);
  EXPECT_EQ(StandingOf(evaluation, "b").rank, 2);
}

TEST(ScorecardRank, ScoresEqualUpToRoundingAreTied) {
  ProgramSpec program = Program({Metric("calls_handled", Aggregation::kSum, 0.3),
                                 Metric("emails_handled", Aggregation::kSum, 0.3),
                                 Metric("chats_handled", Aggregation::kSum, 0.4)});
  AggregateTable table;
  // Percentiles in thirds. ann: (0, 0, 1) -> 0.4 x 1 = 0.4.
  // zed: (1/3, 1, 0) -> 0.3 x 1/3 + 0.3 x 1 = 0.4 too, computed as 0.39999999999999997.
  // p: (2/3, 1/3, 1/3) -> 13/30; q: (1, 2/3, 2/3) -> 23/30.
  const std::vector<std::tuple<std::string, double, double, double>> rows = {
      {"ann", 10, 10, 40}, {"zed", 20, 40, 10}, {"p", 30, 20, 20}, {"q", 40, 30, 30}};
  for (const auto& [id, calls, emails, chats] : rows) {
    table[id]["calls_handled"] = Events(1, calls);
    table[id]["emails_handled"] = Events(1, emails);
    table[id]["chats_handled"] = Events(1, chats);
  }
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(),
                      {MakeAgent("ann"), MakeAgent("zed"), MakeAgent("p"), MakeAgent("q")}, table);
  EXPECT_NE(StandingOf(evaluation, "ann").score, StandingOf(evaluation, "zed").score);
  EXPECT_NEAR(StandingOf(evaluation, "zed").score, 0.4, 1e-15);
  EXPECT_NEAR(StandingOf(evaluation, "p").score, 13.0 / 30, 1e-15);
  EXPECT_NEAR(StandingOf(evaluation, "q").score, 23.0 / 30, 1e-15);
  // The tie goes to zed on the first metric, not to whichever sum rounded up.
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("q", "p", "zed", "ann"));
}

TEST(ScorecardRank, FirstMetricWithinToleranceFallsThroughToId) {
  // Scores tie, and the first metric differs only by rounding residue: bob's value is 0.1 + 0.2
  // as computed (0.30000000000000004), ann's 0.3. Residue must not pick the winner: ann by id.
  ProgramSpec program = Program({Metric("calls_handled", Aggregation::kSum, 1.0),
                                 Metric("emails_handled", Aggregation::kSum, 1.0)});
  program.normalization = Normalization::kNone;
  AggregateTable table;
  table["ann"]["calls_handled"] = Events(1, 0.3);
  table["bob"]["calls_handled"] = Events(1, 0.1 + 0.2);
  table["ann"]["emails_handled"] = Events(1, 2);
  table["bob"]["emails_handled"] = Events(1, 2);
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("bob"), MakeAgent("ann")}, table);
  ASSERT_NE(StandingOf(evaluation, "ann").metrics[0].normalized,
            StandingOf(evaluation, "bob").metrics[0].normalized);
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("ann", "bob"));
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("ann"));
}

TEST(ScorecardRank, ScoresOfZeroTieDespiteResidues) {
  // Scores that are mathematically 0 computed as 4.87e-17 and 0: tied, and the first metric
  // ties too, so the id decides.
  ProgramSpec program = Program({Metric("calls_handled")});
  program.normalization = Normalization::kNone;
  AggregateTable table;
  table["zoe"]["calls_handled"] = Events(1, 4.87e-17);
  table["abe"]["calls_handled"] = Events(1, 0.0);
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("zoe"), MakeAgent("abe")}, table);
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("abe", "zoe"));
}

TEST(ScorecardRank, FullTiesAreBrokenByIdAndRanksHaveNoGaps) {
  ProgramSpec program = Program({Metric("calls_handled")});
  AggregateTable table;
  table["carl"]["calls_handled"] = Events(5, 5);
  table["bea"]["calls_handled"] = Events(5, 5);
  table["ada"]["calls_handled"] = Events(1, 1);
  const std::vector<Agent> agents = {
      MakeAgent("carl"), MakeAgent("bea"), MakeAgent("ada"),
      MakeAgent("aaron", Channel::kPhone, "red", absl::CivilDay(2020, 1, 1), false)};
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, table);
  // bea and carl share 0.75; ada 0; aaron is ineligible and comes last despite the id.
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("bea", "carl", "ada", "aaron"));
  std::vector<int> ranks;
  for (const Standing& standing : evaluation.standings) ranks.push_back(standing.rank);
  EXPECT_THAT(ranks, ElementsAre(1, 2, 3, 0));
}

TEST(ScorecardRank, IneligibleAgentsFollowInIdOrder) {
  ProgramSpec program = Program({Metric("csat", Aggregation::kMean)});
  AggregateTable table;
  table["m"]["csat"] = Events(1, 4);
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("z"), MakeAgent("m"), MakeAgent("b")}, table);
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("m", "b", "z"));
}

// ---- Winners --------------------------------------------------------------------------------

class ScorecardWinnersTest : public ::testing::Test {
 protected:
  ScorecardWinnersTest() : program_(Program({Metric("calls_handled")})) {
    program_.peer_group = PeerGroupBy::kChannel;
    table_["p1"]["calls_handled"] = Events(30, 30);
    table_["p2"]["calls_handled"] = Events(20, 20);
    table_["p3"]["calls_handled"] = Events(10, 10);
    table_["e1"]["calls_handled"] = Events(5, 5);
    table_["e2"]["calls_handled"] = Events(15, 15);
    agents_ = {MakeAgent("p1"), MakeAgent("p2"), MakeAgent("p3"), MakeAgent("e1", Channel::kEmail),
               MakeAgent("e2", Channel::kEmail)};
  }

  Evaluation Evaluate() { return EvaluateProgram(program_, October2026(), agents_, table_); }

  ProgramSpec program_;
  AggregateTable table_;
  std::vector<Agent> agents_;
};

TEST_F(ScorecardWinnersTest, RanksAcrossPeerGroups) {
  // Phone: p1 1, p2 0.5, p3 0. Email: e2 1, e1 0. Ties on score and first metric go by id.
  const Evaluation evaluation = Evaluate();
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("e2", "p1", "p2", "e1", "p3"));
  EXPECT_EQ(StandingOf(evaluation, "e2").peer_group, "email");
  EXPECT_EQ(StandingOf(evaluation, "p1").peer_group, "phone");
}

TEST_F(ScorecardWinnersTest, TopNTakesTheBestOverall) {
  program_.award.n = 2;
  const Evaluation evaluation = Evaluate();
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("e2", "p1"));
  program_.award.n = 3;
  EXPECT_THAT(WinnerIds(Evaluate()), ElementsAre("e2", "p1", "p2"));
}

TEST_F(ScorecardWinnersTest, PerPeerGroupTakesTheBestOfEachGroupInRankOrder) {
  program_.award.per_peer_group = true;
  program_.award.n = 1;
  Evaluation evaluation = Evaluate();
  ASSERT_EQ(evaluation.winners.size(), 2u);
  EXPECT_EQ(evaluation.winners[0].agent_id, "e2");
  EXPECT_EQ(evaluation.winners[0].rank, 1);
  EXPECT_EQ(evaluation.winners[1].agent_id, "p1");
  EXPECT_EQ(evaluation.winners[1].rank, 2);

  program_.award.n = 2;
  EXPECT_THAT(WinnerIds(Evaluate()), ElementsAre("e2", "p1", "p2", "e1"));
}

TEST_F(ScorecardWinnersTest, FewerEligibleAgentsThanNAllWin) {
  program_.award.n = 10;
  EXPECT_THAT(WinnerIds(Evaluate()), ElementsAre("e2", "p1", "p2", "e1", "p3"));
}

TEST_F(ScorecardWinnersTest, ThresholdOnScoreAwardsEveryoneAtOrAboveTheMinimumInRankOrder) {
  // Scores: e2 1, p1 1, p2 0.5, e1 0, p3 0. p2 sits exactly on the minimum and wins.
  program_.award.rule = "threshold";
  program_.award.min_score = 0.5;
  Evaluation evaluation = Evaluate();
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("e2", "p1", "p2"));
  EXPECT_EQ(evaluation.winners[2].rank, 3);
  EXPECT_EQ(evaluation.winners[2].tier, "");
  program_.award.min_score = 0.5000001;
  EXPECT_THAT(WinnerIds(Evaluate()), ElementsAre("e2", "p1"));
  program_.award.min_score = 1.5;
  EXPECT_THAT(WinnerIds(Evaluate()), IsEmpty());
}

TEST_F(ScorecardWinnersTest, ThresholdOnAMetricIgnoresTheScore) {
  // calls_handled sums: p1 30, p2 20, e2 15, p3 10, e1 5; e2 sits exactly on 15.
  program_.award.rule = "threshold";
  program_.award.min_metric =
      Gate{"calls_handled", Aggregation::kSum, 15.0, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_THAT(WinnerIds(Evaluate()), ElementsAre("e2", "p1", "p2"));
}

TEST_F(ScorecardWinnersTest, ThresholdOnAMetricIgnoresItsDirection) {
  // aht_seconds is lower-is-better, but a threshold asks for its aggregate to reach the minimum.
  table_["p1"]["aht_seconds"] = Events(1, 300);
  table_["p2"]["aht_seconds"] = Events(1, 100);
  program_.award.rule = "threshold";
  program_.award.min_metric =
      Gate{"aht_seconds", Aggregation::kMean, 200.0, std::nullopt, std::nullopt, std::nullopt};
  // Agents without aht_seconds events have no mean and do not reach it.
  EXPECT_THAT(WinnerIds(Evaluate()), ElementsAre("p1"));
}

TEST_F(ScorecardWinnersTest, IneligibleAgentsNeverReachAThreshold) {
  agents_[0].active = false;  // p1
  program_.award.rule = "threshold";
  program_.award.min_score = 0;
  EXPECT_THAT(WinnerIds(Evaluate()), ElementsAre("e2", "p2", "e1", "p3"));
}

TEST_F(ScorecardWinnersTest, TiersGiveEachAgentTheHighestTierReached) {
  program_.award.rule = "tiers";
  program_.award.tiers = {Tier{"gold", 1.0, {}}, Tier{"silver", 0.5, {}}};
  Evaluation evaluation = Evaluate();
  // e2 and p1 score exactly 1 (gold), p2 exactly 0.5 (silver); e1 and p3 reach no tier.
  ASSERT_EQ(evaluation.winners.size(), 3u);
  EXPECT_EQ(evaluation.winners[0].agent_id, "e2");
  EXPECT_EQ(evaluation.winners[0].tier, "gold");
  EXPECT_EQ(evaluation.winners[1].agent_id, "p1");
  EXPECT_EQ(evaluation.winners[1].tier, "gold");
  EXPECT_EQ(evaluation.winners[2].agent_id, "p2");
  EXPECT_EQ(evaluation.winners[2].tier, "silver");
  EXPECT_EQ(evaluation.winners[2].rank, 3);

  program_.award.tiers.push_back(Tier{"bronze", 0.0, {}});
  evaluation = Evaluate();
  ASSERT_EQ(evaluation.winners.size(), 5u);
  EXPECT_EQ(evaluation.winners[3].agent_id, "e1");
  EXPECT_EQ(evaluation.winners[3].tier, "bronze");
  EXPECT_EQ(evaluation.winners[4].agent_id, "p3");
  EXPECT_EQ(evaluation.winners[4].tier, "bronze");
}

TEST(ScorecardThreshold, ScoreWithinRoundingOfTheMinimumReachesIt) {
  // 0.1 + 0.7 is 0.7999999999999999 in doubles; with normalization none it is the score.
  ProgramSpec program = Program({Metric("csat", Aggregation::kMean)});
  program.normalization = Normalization::kNone;
  program.award.rule = "threshold";
  program.award.min_score = 0.8;
  AggregateTable table;
  table["a"]["csat"] = Events(1, 0.1 + 0.7);
  table["b"]["csat"] = Events(1, 0.79);
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("a"), MakeAgent("b")}, table);
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("a"));
}

TEST(ScorecardRatio, SumOverSumPer100WithDenominatorSamples) {
  ScorecardMetric metric =
      Metric("complaints", Aggregation::kRatio, 1.0, Direction::kLowerIsBetter);
  metric.ratio = Ratio{"calls_handled", 100};
  ProgramSpec program = Program({metric});
  AggregateTable table;
  // a: 3 complaints over 150 calls in 40 events: 3 / 150 x 100 = 2 per 100 calls.
  table["a"]["complaints"] = Events(2, 3);
  table["a"]["calls_handled"] = Events(40, 150);
  // b: no complaints over 50 calls: 0.
  table["b"]["calls_handled"] = Events(10, 50);
  // c: complaints but no calls: no ratio.
  table["c"]["complaints"] = Events(1, 1);
  const Evaluation evaluation = EvaluateProgram(
      program, October2026(), {MakeAgent("a"), MakeAgent("b"), MakeAgent("c")}, table);
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("b", "a", "c"));
  const Standing& a = StandingOf(evaluation, "a");
  EXPECT_EQ(a.metrics[0].metric, "complaints/calls_handled");
  EXPECT_DOUBLE_EQ(a.metrics[0].value, 2.0);
  EXPECT_EQ(a.metrics[0].samples, 40);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "b").metrics[0].value, 0.0);
  const Standing& c = StandingOf(evaluation, "c");
  EXPECT_FALSE(c.eligible);
  EXPECT_THAT(c.reasons,
              ElementsAre("complaints/calls_handled: denominator calls_handled sums to 0"));
}

TEST(ScorecardRatio, GateOnARatio) {
  ProgramSpec program = Program({Metric("calls_handled")});
  Gate gate{"repeat_contacts", Aggregation::kRatio, std::nullopt, 0.1, std::nullopt, std::nullopt};
  gate.ratio = Ratio{"calls_handled", 1};
  program.gates.push_back(gate);
  AggregateTable table;
  // a: 3 repeats over 20 calls = 0.15 > 0.1; b: 2 over 20 = 0.1, exactly at the max.
  table["a"]["repeat_contacts"] = Events(3, 3);
  table["a"]["calls_handled"] = Events(20, 20);
  table["b"]["repeat_contacts"] = Events(2, 2);
  table["b"]["calls_handled"] = Events(20, 20);
  const Evaluation evaluation =
      EvaluateProgram(program, October2026(), {MakeAgent("a"), MakeAgent("b")}, table);
  EXPECT_THAT(StandingOf(evaluation, "a").reasons,
              ElementsAre("gate repeat_contacts/calls_handled ratio 0.15 > max 0.1"));
  EXPECT_TRUE(StandingOf(evaluation, "b").eligible);
}

// ---- top_box --------------------------------------------------------------------------------

ScorecardMetric TopBoxMetric(std::string name, double at_least,
                             Confidence confidence = Confidence::kNone) {
  ScorecardMetric metric = Metric(std::move(name), Aggregation::kTopBox);
  metric.top_box = TopBox{at_least, confidence};
  return metric;
}

// `samples` events of which `successes` have value >= at_least.
MetricAggregate TopBoxEvents(int64_t samples, double at_least, int64_t successes) {
  MetricAggregate events = Events(samples, 0);
  events.at_least[at_least] = successes;
  return events;
}

// z = 1.959963984540054, z² = 3.841458820694125.
// 3 of 3: p = 1, so the root is z·sqrt(z²/36) = z²/6 = z²/2n and cancels: 1 / (1 + z²/3)
//   = 1 / 2.280486273564708 = 0.438502968244955.
// 57 of 60: p = 0.95; z²/2n = 0.032012156839118; p(1 - p)/n + z²/4n² = 0.000791666666667 +
//   0.000266767973659 = 0.001058434640326, root 0.032533592490317, times z 0.063764687006474;
//   (0.95 + 0.032012156839118 - 0.063764687006474) / (1 + 0.064024313678235)
//   = 0.918247469832644 / 1.064024313678235 = 0.862994835236515.
constexpr double kWilsonThreeOfThree = 0.438502968244955;
constexpr double kWilsonFiftySevenOfSixty = 0.862994835236515;

TEST(Wilson, LowerBoundOfTheNinetyFivePercentInterval) {
  EXPECT_NEAR(WilsonLower95(3, 3), kWilsonThreeOfThree, 1e-9);
  EXPECT_NEAR(WilsonLower95(57, 60), kWilsonFiftySevenOfSixty, 1e-9);
  // p = 0: the root is z²/2n and cancels the numerator.
  EXPECT_NEAR(WilsonLower95(0, 3), 0.0, 1e-12);
  EXPECT_GE(WilsonLower95(0, 3), 0.0);
}

class ScorecardTopBoxTest : public ::testing::Test {
 protected:
  ScorecardTopBoxTest() {
    // csat >= 4: "few" answered 3 surveys, all 5s; "many" 60, of which 57 were 4 or 5.
    table_["few"]["csat"] = TopBoxEvents(3, 4.0, 3);
    table_["many"]["csat"] = TopBoxEvents(60, 4.0, 57);
    agents_ = {MakeAgent("few"), MakeAgent("many")};
  }

  Evaluation Evaluate(const ProgramSpec& program) {
    return EvaluateProgram(program, October2026(), agents_, table_);
  }

  AggregateTable table_;
  std::vector<Agent> agents_;
};

TEST_F(ScorecardTopBoxTest, PlainShareRanksThreePerfectSurveysFirst) {
  const Evaluation evaluation = Evaluate(Program({TopBoxMetric("csat", 4.0)}));
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("few", "many"));
  const Standing& few = StandingOf(evaluation, "few");
  EXPECT_EQ(few.metrics[0].metric, "csat");
  EXPECT_DOUBLE_EQ(few.metrics[0].value, 1.0);
  EXPECT_EQ(few.metrics[0].samples, 3);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "many").metrics[0].value, 0.95);
  EXPECT_EQ(StandingOf(evaluation, "many").metrics[0].samples, 60);
}

TEST_F(ScorecardTopBoxTest, WilsonLowerBoundRanksSixtyVeryGoodSurveysFirst) {
  const Evaluation evaluation =
      Evaluate(Program({TopBoxMetric("csat", 4.0, Confidence::kWilsonLower95)}));
  EXPECT_THAT(StandingIds(evaluation), ElementsAre("many", "few"));
  EXPECT_THAT(WinnerIds(evaluation), ElementsAre("many"));
  const Standing& many = StandingOf(evaluation, "many");
  EXPECT_NEAR(many.metrics[0].value, kWilsonFiftySevenOfSixty, 1e-9);
  EXPECT_EQ(many.metrics[0].samples, 60);
  const Standing& few = StandingOf(evaluation, "few");
  EXPECT_NEAR(few.metrics[0].value, kWilsonThreeOfThree, 1e-9);
  EXPECT_EQ(few.metrics[0].samples, 3);
}

TEST_F(ScorecardTopBoxTest, NoEventsIsIneligibleButNoneAtOrAboveIsZero) {
  // "none" has no csat events; "low" has 5, none of them 4 or more (no count for 4).
  table_["low"]["csat"] = Events(5, 10, 1, 3);
  agents_.push_back(MakeAgent("none"));
  agents_.push_back(MakeAgent("low"));
  for (Confidence confidence : {Confidence::kNone, Confidence::kWilsonLower95}) {
    const Evaluation evaluation = Evaluate(Program({TopBoxMetric("csat", 4.0, confidence)}));
    EXPECT_THAT(StandingOf(evaluation, "none").reasons, ElementsAre("csat: no events for top_box"));
    const Standing& low = StandingOf(evaluation, "low");
    EXPECT_TRUE(low.eligible);
    EXPECT_DOUBLE_EQ(low.metrics[0].value, 0.0);
    EXPECT_EQ(low.metrics[0].samples, 5);
  }
}

TEST_F(ScorecardTopBoxTest, OnlyTheCountForItsOwnThresholdCounts) {
  // 57 of many's events reach 4; 12 reach 5. A top_box at 5 reads the count for 5.
  table_["many"]["csat"].at_least[5.0] = 12;
  table_["few"]["csat"].at_least[5.0] = 3;
  const Evaluation evaluation = Evaluate(Program({TopBoxMetric("csat", 5.0)}));
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "many").metrics[0].value, 12.0 / 60);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "few").metrics[0].value, 1.0);
}

TEST_F(ScorecardTopBoxTest, MinSamplesCountsTheEvents) {
  ProgramSpec program = Program({TopBoxMetric("csat", 4.0, Confidence::kWilsonLower95)});
  program.metrics[0].min_samples = 10;
  const Evaluation evaluation = Evaluate(program);
  EXPECT_THAT(StandingOf(evaluation, "few").reasons,
              ElementsAre("csat: 3 samples < min_samples 10"));
  EXPECT_TRUE(StandingOf(evaluation, "many").eligible);
}

TEST_F(ScorecardTopBoxTest, LowerIsBetterRanksTheSmallerShareFirst) {
  ScorecardMetric metric = TopBoxMetric("csat", 4.0);
  metric.direction = Direction::kLowerIsBetter;
  EXPECT_THAT(StandingIds(Evaluate(Program({metric}))), ElementsAre("many", "few"));
}

TEST_F(ScorecardTopBoxTest, GateOnATopBox) {
  // Gate: share of csat >= 4 at least 0.9. many 0.95 passes; "some" 8 of 10 = 0.8 does not;
  // "none" has no events.
  table_["some"]["csat"] = TopBoxEvents(10, 4.0, 8);
  agents_.push_back(MakeAgent("some"));
  agents_.push_back(MakeAgent("none"));
  ProgramSpec program = Program({Metric("csat", Aggregation::kCount)});
  Gate gate{"csat", Aggregation::kTopBox, 0.9, std::nullopt, std::nullopt, std::nullopt};
  gate.top_box = TopBox{4.0, Confidence::kNone};
  program.gates.push_back(gate);
  Evaluation evaluation = Evaluate(program);
  EXPECT_TRUE(StandingOf(evaluation, "few").eligible);
  EXPECT_TRUE(StandingOf(evaluation, "many").eligible);
  EXPECT_THAT(StandingOf(evaluation, "some").reasons,
              ElementsAre("gate csat top_box 0.8 < min 0.9"));
  EXPECT_THAT(StandingOf(evaluation, "none").reasons, ElementsAre("gate csat top_box: no events"));

  // With the Wilson bound and a min of 0.8, few (0.4385) fails the gate and many (0.8630) passes.
  program.gates[0].top_box->confidence = Confidence::kWilsonLower95;
  program.gates[0].min = 0.8;
  evaluation = Evaluate(program);
  EXPECT_THAT(StandingOf(evaluation, "few").reasons,
              ElementsAre("gate csat top_box 0.438503 < min 0.8"));
  EXPECT_TRUE(StandingOf(evaluation, "many").eligible);
}

TEST_F(ScorecardTopBoxTest, ThresholdOnATopBox) {
  // Every agent with a csat >= 4 share of at least 0.9 wins, however the scorecard ranks them.
  ProgramSpec program = Program({Metric("csat", Aggregation::kCount)});
  program.award.rule = "threshold";
  Gate criterion{"csat", Aggregation::kTopBox, 0.9, std::nullopt, std::nullopt, std::nullopt};
  criterion.top_box = TopBox{4.0, Confidence::kNone};
  program.award.min_metric = criterion;
  EXPECT_THAT(WinnerIds(Evaluate(program)), ElementsAre("many", "few"));

  // Lower bounds: many 0.8630 reaches 0.8, few 0.4385 does not.
  program.award.min_metric->top_box->confidence = Confidence::kWilsonLower95;
  program.award.min_metric->min = 0.8;
  EXPECT_THAT(WinnerIds(Evaluate(program)), ElementsAre("many"));
}

// ---- A whole month --------------------------------------------------------------------------

constexpr char kExampleProgram[] = R"(id: employee-of-the-month
name: Employee of the Month
cadence: monthly
time_zone: Europe/Stockholm
eligibility:
  min_tenure_days: 30
scorecard:
  peer_group: channel
  normalization: percentile
  metrics:
    - metric: csat
      aggregation: mean
      weight: 0.4
      min_samples: 20
      smoothing: {prior_mean: 4.2, prior_weight: 10}
    - metric: aht_seconds
      aggregation: mean
      direction: lower_is_better
      weight: 0.3
    - metric: followups_resolved
      weight: 0.3
  gates:
    - {metric: complaints, aggregation: sum, max: 2}
award:
  rule: top_n
  n: 1
  per_peer_group: true
  rewards:
    - type: certificate
    - {type: leave_credit, hours: 8}
)";

struct Scenario {
  std::vector<Agent> agents;
  AggregateTable table;
};

Scenario OctoberScenario() {
  Scenario s;
  s.agents = {
      MakeAgent("anna", Channel::kPhone, "north", absl::CivilDay(2025, 1, 10)),
      MakeAgent("bo", Channel::kPhone, "north", absl::CivilDay(2024, 3, 1)),
      MakeAgent("cleo", Channel::kPhone, "south", absl::CivilDay(2023, 6, 15)),
      MakeAgent("dan", Channel::kPhone, "south", absl::CivilDay(2026, 10, 10)),
      MakeAgent("eva", Channel::kEmail, "north", absl::CivilDay(2022, 1, 1)),
      MakeAgent("finn", Channel::kEmail, "north", absl::CivilDay(2021, 5, 5)),
      MakeAgent("gus", Channel::kEmail, "south", absl::CivilDay(2021, 1, 1), false),
      MakeAgent("hana", Channel::kEmail, "south", absl::CivilDay(2020, 2, 2)),
      MakeAgent("ivy", Channel::kEmail, "south", absl::CivilDay(2020, 8, 8)),
  };
  AggregateTable& t = s.table;
  t["anna"]["csat"] = Events(30, 138);
  t["anna"]["aht_seconds"] = Events(100, 30000);
  t["anna"]["followups_resolved"] = Events(12, 12);
  t["anna"]["complaints"] = Events(1, 1);
  t["bo"]["csat"] = Events(25, 120);
  t["bo"]["aht_seconds"] = Events(80, 28000);
  t["bo"]["followups_resolved"] = Events(8, 8);
  t["cleo"]["csat"] = Events(40, 164);
  t["cleo"]["aht_seconds"] = Events(120, 30000);
  t["cleo"]["followups_resolved"] = Events(15, 15);
  t["dan"]["csat"] = Events(22, 110);
  t["dan"]["aht_seconds"] = Events(30, 6000);
  t["eva"]["csat"] = Events(5, 25);
  t["eva"]["aht_seconds"] = Events(10, 4000);
  t["eva"]["followups_resolved"] = Events(3, 3);
  t["finn"]["csat"] = Events(20, 90);
  t["finn"]["aht_seconds"] = Events(50, 20000);
  t["finn"]["followups_resolved"] = Events(10, 10);
  t["finn"]["complaints"] = Events(3, 3);
  t["hana"]["csat"] = Events(24, 108);
  t["hana"]["aht_seconds"] = Events(60, 21000);
  t["hana"]["followups_resolved"] = Events(9, 9);
  t["hana"]["complaints"] = Events(2, 2);
  t["ivy"]["csat"] = Events(21, 84);
  t["ivy"]["aht_seconds"] = Events(40, 12000);
  t["ivy"]["followups_resolved"] = Events(20, 20);
  return s;
}

TEST(ScorecardScenario, OctoberStandingsMatchTheHandComputation) {
  absl::StatusOr<ProgramSpec> program =
      ParseProgramYaml(kExampleProgram, {"certificate", "leave_credit"});
  ASSERT_TRUE(program.ok()) << program.status();
  absl::StatusOr<PeriodWindow> october = MonthPeriod("2026-10", program->zone);
  ASSERT_TRUE(october.ok());
  const Scenario s = OctoberScenario();
  const Evaluation evaluation = EvaluateProgram(*program, *october, s.agents, s.table);

  // Smoothed csat = (sum + 42) / (samples + 10):
  //   phone: anna 180/40 = 4.5, bo 162/35 = 4.6286, cleo 206/50 = 4.12
  //   email: hana 150/34 = 4.4118, ivy 126/31 = 4.0645
  // aht: anna 300, bo 350, cleo 250 | hana 350, ivy 300 (lower is better)
  // follow-ups: anna 12, bo 8, cleo 15 | hana 9, ivy 20
  // Phone percentiles (n - 1 = 2): csat bo 1, anna .5, cleo 0; aht cleo 1, anna .5, bo 0;
  //   follow-ups cleo 1, anna .5, bo 0. Scores: cleo .6, anna .5, bo .4.
  // Email percentiles (n - 1 = 1): csat hana 1, ivy 0; aht ivy 1; follow-ups ivy 1.
  //   Scores: ivy .6, hana .4.
  // cleo and ivy tie on .6 and on csat (0): id decides. bo and hana tie on .4 and csat (1).
  EXPECT_THAT(StandingIds(evaluation),
              ElementsAre("cleo", "ivy", "anna", "bo", "hana", "dan", "eva", "finn", "gus"));

  const std::vector<std::pair<std::string, double>> expected_scores = {
      {"cleo", 0.6}, {"ivy", 0.6}, {"anna", 0.5}, {"bo", 0.4}, {"hana", 0.4}};
  for (size_t i = 0; i < expected_scores.size(); ++i) {
    const Standing& standing = evaluation.standings[i];
    EXPECT_EQ(standing.agent_id, expected_scores[i].first);
    EXPECT_TRUE(standing.eligible) << standing.agent_id;
    EXPECT_EQ(standing.rank, static_cast<int>(i) + 1) << standing.agent_id;
    EXPECT_NEAR(standing.score, expected_scores[i].second, 1e-12) << standing.agent_id;
  }

  const Standing& anna = StandingOf(evaluation, "anna");
  EXPECT_EQ(anna.peer_group, "phone");
  ASSERT_EQ(anna.metrics.size(), 3u);
  EXPECT_EQ(anna.metrics[0].metric, "csat");
  EXPECT_DOUBLE_EQ(anna.metrics[0].value, 4.5);
  EXPECT_EQ(anna.metrics[0].samples, 30);
  EXPECT_DOUBLE_EQ(anna.metrics[0].normalized, 0.5);
  EXPECT_DOUBLE_EQ(anna.metrics[1].value, 300);
  EXPECT_DOUBLE_EQ(anna.metrics[1].normalized, 0.5);
  EXPECT_DOUBLE_EQ(anna.metrics[2].value, 12);
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "bo").metrics[0].value, 162.0 / 35.0);
  EXPECT_EQ(StandingOf(evaluation, "ivy").peer_group, "email");
  EXPECT_DOUBLE_EQ(StandingOf(evaluation, "ivy").metrics[1].normalized, 1.0);

  EXPECT_THAT(StandingOf(evaluation, "dan").reasons, ElementsAre("tenure 22 days < 30"));
  const Standing& eva = StandingOf(evaluation, "eva");
  EXPECT_THAT(eva.reasons, ElementsAre("csat: 5 samples < min_samples 20"));
  EXPECT_DOUBLE_EQ(eva.metrics[0].value, 67.0 / 15.0);
  EXPECT_EQ(eva.metrics[0].normalized, 0);
  EXPECT_EQ(eva.rank, 0);
  EXPECT_EQ(eva.score, 0);
  EXPECT_THAT(StandingOf(evaluation, "finn").reasons, ElementsAre("gate complaints sum 3 > max 2"));
  const Standing& gus = StandingOf(evaluation, "gus");
  EXPECT_THAT(gus.reasons, ElementsAre("inactive", "csat: 0 samples < min_samples 20",
                                       "aht_seconds: no events for mean"));
  EXPECT_DOUBLE_EQ(gus.metrics[0].value, 4.2);
  EXPECT_EQ(gus.metrics[1].value, 0);
  EXPECT_EQ(gus.metrics[2].value, 0);

  ASSERT_EQ(evaluation.winners.size(), 2u);
  EXPECT_EQ(evaluation.winners[0].agent_id, "cleo");
  EXPECT_EQ(evaluation.winners[0].rank, 1);
  EXPECT_EQ(evaluation.winners[1].agent_id, "ivy");
  EXPECT_EQ(evaluation.winners[1].rank, 2);
}

// Every field of an evaluation, doubles to the last bit.
std::string Fingerprint(const Evaluation& evaluation) {
  std::string out;
  for (const Standing& s : evaluation.standings) {
    absl::StrAppend(&out, s.agent_id, "|", s.peer_group, "|", s.eligible, "|", s.rank, "|",
                    absl::StrFormat("%a", s.score), "|");
    for (const std::string& reason : s.reasons) absl::StrAppend(&out, reason, ";");
    for (const MetricStanding& m : s.metrics) {
      absl::StrAppend(&out, m.metric, "=",
                      absl::StrFormat("%a/%d/%a", m.value, m.samples, m.normalized), ";");
    }
    absl::StrAppend(&out, "\n");
  }
  for (const Winner& w : evaluation.winners) absl::StrAppend(&out, w.agent_id, "#", w.rank, "\n");
  return out;
}

TEST(ScorecardDeterminism, ShuffledAgentsGiveIdenticalStandings) {
  absl::StatusOr<ProgramSpec> program =
      ParseProgramYaml(kExampleProgram, {"certificate", "leave_credit"});
  ASSERT_TRUE(program.ok()) << program.status();
  const PeriodWindow october = October2026();
  Scenario s = OctoberScenario();
  for (Normalization normalization :
       {Normalization::kPercentile, Normalization::kZScore, Normalization::kNone}) {
    program->normalization = normalization;
    const std::string expected = Fingerprint(EvaluateProgram(*program, october, s.agents, s.table));
    std::mt19937 random(20261031);
    std::vector<Agent> shuffled = s.agents;
    for (int round = 0; round < 20; ++round) {
      std::shuffle(shuffled.begin(), shuffled.end(), random);
      // A table filled in another order, too.
      AggregateTable table;
      for (const Agent& agent : shuffled) {
        auto it = s.table.find(agent.id);
        if (it != s.table.end()) table[agent.id] = it->second;
      }
      EXPECT_EQ(Fingerprint(EvaluateProgram(*program, october, shuffled, table)), expected)
          << "round " << round;
    }
  }
}

}  // namespace
}  // namespace plaudit

#include "core/awards/explain.h"

#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "core/awards/award_rules.h"
#include "core/domain/agent.h"
#include "core/domain/period.h"
#include "core/program/program_spec.h"
#include "core/scoring/scorecard.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/awards/expect_phrased.h"

namespace plaudit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Agent MakeAgent(std::string id, Channel channel = Channel::kPhone) {
  Agent agent;
  agent.id = std::move(id);
  agent.display_name = agent.id;
  agent.team = "red";
  agent.channel = channel;
  agent.hire_date = absl::CivilDay(2020, 1, 1);
  agent.active = true;
  return agent;
}

ScorecardMetric Metric(std::string name, Aggregation aggregation, double weight,
                       Direction direction = Direction::kHigherIsBetter) {
  ScorecardMetric metric;
  metric.metric = std::move(name);
  metric.aggregation = aggregation;
  metric.weight = weight;
  metric.direction = direction;
  return metric;
}

ProgramSpec Program(std::vector<ScorecardMetric> metrics, Normalization normalization) {
  ProgramSpec program;
  program.id = "test";
  program.name = "Test";
  program.normalization = normalization;
  program.metrics = std::move(metrics);
  RewardSpec certificate;
  certificate.type = "certificate";
  program.award.rewards.push_back(certificate);
  return program;
}

// `samples` events of mean `mean`.
MetricAggregate Mean(int64_t samples, double mean) {
  return MetricAggregate{samples, mean * static_cast<double>(samples), mean, mean, {}};
}
MetricAggregate Total(double sum) { return MetricAggregate{1, sum, sum, sum, {}}; }

PeriodWindow October2026() { return *MonthPeriod("2026-10", absl::UTCTimeZone()); }

AwardExplanation Explain(const ProgramSpec& program, const std::vector<Agent>& agents,
                         const AggregateTable& aggregates, const std::string& agent_id) {
  absl::StatusOr<AwardExplanation> explanation =
      ExplainAward(program, October2026(), agents, aggregates, agent_id);
  EXPECT_TRUE(explanation.ok()) << explanation.status();
  if (!explanation.ok()) return AwardExplanation();
  // Every sentence it wrote is one the pages can translate.
  for (const std::string& reason : explanation->reasons) ExpectPhrased(reason);
  for (const std::string& fix : explanation->fixes) ExpectPhrased(fix);
  for (const std::string& hold : explanation->holds) ExpectPhrased(hold);
  ExpectPhrased(explanation->cutoff_basis);
  for (const MetricExplanation& metric : explanation->metrics) ExpectPhrased(metric.what_if.reason);
  return *explanation;
}

// followups_resolved (sum, weight 3) and aht_seconds (mean, lower is better, weight 1),
// percentiles among a, b, c:
//   followups a 10 -> 0, b 20 -> 0.5, c 30 -> 1
//   aht       a 100 -> 1, b 300 -> 0, c 200 -> 0.5
//   score     a 1/4 = 0.25, b 1.5/4 = 0.375, c 3.5/4 = 0.875: c wins top_n 1.
class PercentileExplainTest : public ::testing::Test {
 protected:
  ProgramSpec program_ =
      Program({Metric("followups_resolved", Aggregation::kSum, 3),
               Metric("aht_seconds", Aggregation::kMean, 1, Direction::kLowerIsBetter)},
              Normalization::kPercentile);
  std::vector<Agent> agents_ = {MakeAgent("a"), MakeAgent("b"), MakeAgent("c")};
  AggregateTable aggregates_ = {
      {"a", {{"followups_resolved", Total(10)}, {"aht_seconds", Mean(4, 100)}}},
      {"b", {{"followups_resolved", Total(20)}, {"aht_seconds", Mean(4, 300)}}},
      {"c", {{"followups_resolved", Total(30)}, {"aht_seconds", Mean(4, 200)}}},
  };
};

TEST_F(PercentileExplainTest, ContributionsAddUpToTheScoreAndTheCutoffIsTheWinners) {
  const AwardExplanation b = Explain(program_, agents_, aggregates_, "b");
  EXPECT_TRUE(b.eligible);
  EXPECT_EQ(b.rank, 2);
  EXPECT_DOUBLE_EQ(b.score, 0.375);
  EXPECT_FALSE(b.won);
  ASSERT_EQ(b.metrics.size(), 2u);
  EXPECT_EQ(b.metrics[0].metric, "followups_resolved");
  EXPECT_DOUBLE_EQ(b.metrics[0].value, 20);
  EXPECT_EQ(b.metrics[0].samples, 1);
  EXPECT_DOUBLE_EQ(b.metrics[0].normalized, 0.5);
  EXPECT_DOUBLE_EQ(b.metrics[0].weight, 3);
  EXPECT_DOUBLE_EQ(b.metrics[0].contribution, 0.375);  // 3 x 0.5 / 4
  EXPECT_DOUBLE_EQ(b.metrics[1].value, 300);
  EXPECT_DOUBLE_EQ(b.metrics[1].contribution, 0);
  ASSERT_TRUE(b.cutoff.has_value());
  EXPECT_DOUBLE_EQ(*b.cutoff, 0.875);
  EXPECT_EQ(b.competitors, 3);
}

TEST_F(PercentileExplainTest, TyingTheWinnerIsNotEnoughButBeatingItIs) {
  // Tie at 30: b and c 0.75 each: b (2.25 + 0)/4 = 0.5625 < c (2.25 + 0.5)/4 = 0.6875.
  // Above 30: b 1, c 0.5: b 0.75 > c 0.5.
  const AwardExplanation b = Explain(program_, agents_, aggregates_, "b");
  const MetricWhatIf& followups = b.metrics[0].what_if;
  ASSERT_TRUE(followups.possible) << followups.reason;
  EXPECT_DOUBLE_EQ(followups.target, 30);
  EXPECT_TRUE(followups.beyond);
  EXPECT_DOUBLE_EQ(followups.change, 10);
}

TEST_F(PercentileExplainTest, NoChangeOfAMetricAloneCanWhenEvenTheBestIsNotEnough) {
  // The best handle time gives b aht 1: (1.5 + 1)/4 = 0.625 < c (3 + 0)/4 = 0.75.
  const AwardExplanation b = Explain(program_, agents_, aggregates_, "b");
  EXPECT_FALSE(b.metrics[1].what_if.possible);
  EXPECT_EQ(b.metrics[1].what_if.reason, "even the best value is not enough");
}

TEST_F(PercentileExplainTest, TyingTheWinnerIsEnoughWhenTheOtherMetricLeads) {
  // a at 30 ties c at 0.75: a (2.25 + 1)/4 = 0.8125 > c (2.25 + 0.5)/4 = 0.6875; at 20 (or just
  // above) a still trails c's 0.875.
  const AwardExplanation a = Explain(program_, agents_, aggregates_, "a");
  EXPECT_EQ(a.rank, 3);
  EXPECT_DOUBLE_EQ(a.metrics[1].contribution, 0.25);  // 1 x 1 / 4
  const MetricWhatIf& followups = a.metrics[0].what_if;
  ASSERT_TRUE(followups.possible);
  EXPECT_DOUBLE_EQ(followups.target, 30);
  EXPECT_FALSE(followups.beyond);
  EXPECT_DOUBLE_EQ(followups.change, 20);
}

TEST_F(PercentileExplainTest, TheWinnerIsAlreadyWinning) {
  const AwardExplanation c = Explain(program_, agents_, aggregates_, "c");
  EXPECT_TRUE(c.won);
  EXPECT_EQ(c.rank, 1);
  for (const MetricExplanation& metric : c.metrics) {
    EXPECT_FALSE(metric.what_if.possible);
    EXPECT_EQ(metric.what_if.reason, "already winning");
  }
}

TEST(ExplainAward, LowerIsBetterMustBeatATieLostOnTheId) {
  // aht alone: a 100 wins over b 200. At 100 b ties a and loses on the id, so b needs less than
  // 100: a change of more than -100 seconds.
  const ProgramSpec program =
      Program({Metric("aht_seconds", Aggregation::kMean, 1, Direction::kLowerIsBetter)},
              Normalization::kPercentile);
  const AggregateTable aggregates = {{"a", {{"aht_seconds", Mean(5, 100)}}},
                                     {"b", {{"aht_seconds", Mean(5, 200)}}}};
  const AwardExplanation b = Explain(program, {MakeAgent("a"), MakeAgent("b")}, aggregates, "b");
  const MetricWhatIf& aht = b.metrics[0].what_if;
  ASSERT_TRUE(aht.possible);
  EXPECT_DOUBLE_EQ(aht.target, 100);
  EXPECT_TRUE(aht.beyond);
  EXPECT_DOUBLE_EQ(aht.change, -100);
}

// None: score = (followups + qa_score) / 2.
//   a 10 + 80 -> 45, b 20 + 50 -> 35, c 5 + 90 -> 47.5: c wins.
class NoneExplainTest : public ::testing::Test {
 protected:
  ProgramSpec program_ = Program({Metric("followups_resolved", Aggregation::kSum, 1),
                                  Metric("qa_score", Aggregation::kMean, 1)},
                                 Normalization::kNone);
  std::vector<Agent> agents_ = {MakeAgent("a"), MakeAgent("b"), MakeAgent("c")};
  AggregateTable aggregates_ = {
      {"a", {{"followups_resolved", Total(10)}, {"qa_score", Mean(2, 80)}}},
      {"b", {{"followups_resolved", Total(20)}, {"qa_score", Mean(2, 50)}}},
      {"c", {{"followups_resolved", Total(5)}, {"qa_score", Mean(2, 90)}}},
  };
};

TEST_F(NoneExplainTest, BisectionFindsTheValueThatReachesTheWinnersScore) {
  // b needs (f + 50)/2 = 47.5, f = 45 (a tie it wins on its higher first metric), or
  // (20 + q)/2 = 47.5, q = 75.
  const AwardExplanation b = Explain(program_, agents_, aggregates_, "b");
  EXPECT_DOUBLE_EQ(b.score, 35);
  EXPECT_DOUBLE_EQ(b.metrics[0].contribution, 10);
  EXPECT_DOUBLE_EQ(b.metrics[1].contribution, 25);
  ASSERT_TRUE(b.cutoff.has_value());
  EXPECT_DOUBLE_EQ(*b.cutoff, 47.5);
  ASSERT_TRUE(b.metrics[0].what_if.possible);
  EXPECT_NEAR(b.metrics[0].what_if.target, 45, 1e-6);
  EXPECT_NEAR(b.metrics[0].what_if.change, 25, 1e-6);
  ASSERT_TRUE(b.metrics[1].what_if.possible);
  EXPECT_NEAR(b.metrics[1].what_if.target, 75, 1e-6);
  EXPECT_FALSE(b.metrics[1].what_if.beyond);
}

TEST_F(NoneExplainTest, TiersNameTheNextTierAndTheChangeToReachIt) {
  // gold 40, silver 30: b (35) has silver; gold needs (f + 50)/2 = 40, f = 30.
  program_.award.rule = "tiers";
  program_.award.tiers = {Tier{"gold", 40, {}}, Tier{"silver", 30, {}}};
  const AwardExplanation b = Explain(program_, agents_, aggregates_, "b");
  EXPECT_TRUE(b.won);
  EXPECT_EQ(b.tier, "silver");
  ASSERT_TRUE(b.cutoff.has_value());
  EXPECT_DOUBLE_EQ(*b.cutoff, 30);
  EXPECT_EQ(b.next_tier, "gold");
  EXPECT_EQ(b.next_tier_min, 40);
  ASSERT_TRUE(b.metrics[0].what_if.possible);
  EXPECT_NEAR(b.metrics[0].what_if.target, 30, 1e-6);
}

TEST_F(NoneExplainTest, BoundsLimitTheBestValue) {
  // Followups weigh 9, qa_score 1 and c has 30 followups: a (90 + 80)/10 = 17,
  // b (180 + 50)/10 = 23, c (270 + 90)/10 = 36. qa_score is at most 100, and b's best,
  // (180 + 100)/10 = 28, stays below 36.
  program_.metrics[0].weight = 9;
  aggregates_["c"]["followups_resolved"] = Total(30);
  const AwardExplanation b = Explain(program_, agents_, aggregates_, "b");
  EXPECT_FALSE(b.metrics[1].what_if.possible);
  EXPECT_EQ(b.metrics[1].what_if.reason, "even the best value is not enough");
}

TEST(ExplainAward, ZScoreMustReachTheLeadersValue) {
  // One metric: z-scores keep the order, so b (20) needs c's 30, a tie it wins on the id.
  const ProgramSpec program =
      Program({Metric("followups_resolved", Aggregation::kSum, 1)}, Normalization::kZScore);
  const AggregateTable aggregates = {{"a", {{"followups_resolved", Total(10)}}},
                                     {"b", {{"followups_resolved", Total(20)}}},
                                     {"c", {{"followups_resolved", Total(30)}}}};
  const AwardExplanation b =
      Explain(program, {MakeAgent("a"), MakeAgent("b"), MakeAgent("c")}, aggregates, "b");
  // z of 20 among 10, 20, 30 is 0.
  EXPECT_NEAR(b.metrics[0].normalized, 0, 1e-12);
  ASSERT_TRUE(b.metrics[0].what_if.possible);
  EXPECT_NEAR(b.metrics[0].what_if.target, 30, 1e-6);
  EXPECT_NEAR(b.metrics[0].what_if.change, 10, 1e-6);
}

TEST(ExplainAward, ZScoreOfOneMetricIsBoundedSoNoValueMayBeEnough) {
  // As b's followups grow, its z-score tends to sqrt(2) and the others' to -1/sqrt(2); qa_score
  // (weight 10) has c at sqrt(2) and a, b at -1/sqrt(2): b tends to (1.41 - 7.07)/11 < 0 while
  // c tends to (-0.71 + 14.14)/11 > 1.
  const ProgramSpec program = Program({Metric("followups_resolved", Aggregation::kSum, 1),
                                       Metric("qa_score", Aggregation::kMean, 10)},
                                      Normalization::kZScore);
  const AggregateTable aggregates = {
      {"a", {{"followups_resolved", Total(10)}, {"qa_score", Mean(1, 50)}}},
      {"b", {{"followups_resolved", Total(20)}, {"qa_score", Mean(1, 50)}}},
      {"c", {{"followups_resolved", Total(30)}, {"qa_score", Mean(1, 80)}}}};
  const AwardExplanation b =
      Explain(program, {MakeAgent("a"), MakeAgent("b"), MakeAgent("c")}, aggregates, "b");
  EXPECT_FALSE(b.metrics[0].what_if.possible);
  EXPECT_EQ(b.metrics[0].what_if.reason, "no value of this metric alone is enough");
}

TEST(ExplainAward, IneligibleAgentGetsItsReasonsAndWhatAMetricCouldFix) {
  ProgramSpec program =
      Program({Metric("csat", Aggregation::kMean, 1)}, Normalization::kPercentile);
  program.metrics[0].min_samples = 20;
  Gate complaints;
  complaints.metric = "complaints";
  complaints.aggregation = Aggregation::kSum;
  complaints.max = 2;
  program.gates.push_back(complaints);
  const AggregateTable aggregates = {
      {"a", {{"csat", Mean(30, 4.5)}}},
      {"b", {{"csat", Mean(12, 4.9)}, {"complaints", MetricAggregate{3, 3, 1, 1, {}}}}}};
  const AwardExplanation b = Explain(program, {MakeAgent("a"), MakeAgent("b")}, aggregates, "b");
  EXPECT_FALSE(b.eligible);
  EXPECT_EQ(b.rank, 0);
  EXPECT_THAT(b.fixes, ElementsAre("csat: needs 20 samples, has 12 (8 more)",
                                   "gate complaints sum: needs at most 2, has 3"));
  ASSERT_EQ(b.gates.size(), 1u);
  EXPECT_FALSE(b.gates[0].passed);
  EXPECT_EQ(b.gates[0].value, 3);
  EXPECT_FALSE(b.metrics[0].what_if.possible);
  EXPECT_EQ(b.metrics[0].what_if.reason, "needs 20 samples to count, has 12");
  EXPECT_DOUBLE_EQ(b.metrics[0].contribution, 0);

  const AwardExplanation a = Explain(program, {MakeAgent("a"), MakeAgent("b")}, aggregates, "a");
  EXPECT_TRUE(a.won);
  EXPECT_TRUE(a.gates[0].passed);  // No complaints sum to 0.
}

TEST(ExplainAward, PerPeerGroupCutoffIsTheGroupsNthBest) {
  ProgramSpec program =
      Program({Metric("followups_resolved", Aggregation::kSum, 1)}, Normalization::kNone);
  program.peer_group = PeerGroupBy::kChannel;
  program.award.per_peer_group = true;
  const AggregateTable aggregates = {{"a", {{"followups_resolved", Total(50)}}},
                                     {"b", {{"followups_resolved", Total(20)}}},
                                     {"c", {{"followups_resolved", Total(30)}}}};
  const AwardExplanation b = Explain(
      program, {MakeAgent("a", Channel::kEmail), MakeAgent("b"), MakeAgent("c")}, aggregates, "b");
  EXPECT_EQ(b.competitors, 2);
  ASSERT_TRUE(b.cutoff.has_value());
  EXPECT_DOUBLE_EQ(*b.cutoff, 30);  // c, not a of the email group
  EXPECT_THAT(b.cutoff_basis, HasSubstr("peer group phone"));
  ASSERT_TRUE(b.metrics[0].what_if.possible);
  EXPECT_NEAR(b.metrics[0].what_if.target, 30, 1e-6);  // a tie b wins on the id
}

// Explaining from an evaluation already made (a leaderboard's) gives what explaining from scratch
// gives, for every agent: winners, losers, ineligible ones, across peer groups.
TEST(ExplainAward, FromAnEvaluationAlreadyMadeIsTheSame) {
  ProgramSpec program =
      Program({Metric("followups_resolved", Aggregation::kSum, 3),
               Metric("aht_seconds", Aggregation::kMean, 1, Direction::kLowerIsBetter)},
              Normalization::kPercentile);
  program.peer_group = PeerGroupBy::kChannel;
  program.award.n = 2;
  program.metrics[0].min_samples = 2;
  const std::vector<Agent> agents = {MakeAgent("a"),
                                     MakeAgent("b"),
                                     MakeAgent("c"),
                                     MakeAgent("d", Channel::kEmail),
                                     MakeAgent("e", Channel::kEmail),
                                     MakeAgent("f")};
  const AggregateTable aggregates = {
      {"a", {{"followups_resolved", Mean(4, 10)}, {"aht_seconds", Mean(4, 100)}}},
      {"b", {{"followups_resolved", Mean(4, 20)}, {"aht_seconds", Mean(4, 300)}}},
      {"c", {{"followups_resolved", Mean(4, 30)}, {"aht_seconds", Mean(4, 200)}}},
      {"d", {{"followups_resolved", Mean(3, 15)}, {"aht_seconds", Mean(4, 250)}}},
      {"e", {{"followups_resolved", Mean(5, 25)}, {"aht_seconds", Mean(4, 150)}}},
      {"f", {{"followups_resolved", Mean(1, 40)}, {"aht_seconds", Mean(4, 120)}}},
  };
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, aggregates, {});
  for (const char* id : {"a", "b", "c", "d", "e", "f"}) {
    auto scratch = ExplainAward(program, October2026(), agents, aggregates, id);
    auto reused = ExplainAward(program, October2026(), agents, aggregates, id, evaluation.standings,
                               evaluation.winners);
    ASSERT_TRUE(scratch.ok()) << scratch.status();
    ASSERT_TRUE(reused.ok()) << reused.status();
    EXPECT_EQ(reused->rank, scratch->rank) << id;
    EXPECT_EQ(reused->score, scratch->score) << id;
    EXPECT_EQ(reused->won, scratch->won) << id;
    EXPECT_EQ(reused->eligible, scratch->eligible) << id;
    EXPECT_EQ(reused->reasons, scratch->reasons) << id;
    EXPECT_EQ(reused->fixes, scratch->fixes) << id;
    EXPECT_EQ(reused->cutoff, scratch->cutoff) << id;
    EXPECT_EQ(reused->cutoff_basis, scratch->cutoff_basis) << id;
    EXPECT_EQ(reused->competitors, scratch->competitors) << id;
    ASSERT_EQ(reused->metrics.size(), scratch->metrics.size());
    for (size_t m = 0; m < scratch->metrics.size(); ++m) {
      EXPECT_EQ(reused->metrics[m].contribution, scratch->metrics[m].contribution) << id;
      EXPECT_EQ(reused->metrics[m].what_if.possible, scratch->metrics[m].what_if.possible) << id;
      EXPECT_EQ(reused->metrics[m].what_if.target, scratch->metrics[m].what_if.target) << id;
      EXPECT_EQ(reused->metrics[m].what_if.reason, scratch->metrics[m].what_if.reason) << id;
    }
  }
  // An unknown agent is refused the same way.
  EXPECT_EQ(ExplainAward(program, October2026(), agents, aggregates, "zz", evaluation.standings,
                         evaluation.winners)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

// With an index of the evaluation, a what-if under percentile and top_n is told mostly without
// ranking again; the explanations must be the same, value for value, with ties (values drawn from
// a few levels), near ties (a value and the same times 1 + 1e-10) and both kinds of top_n.
// most_improved ranks improvements across the whole field, whatever the peer groups: the chat
// agent with chat's best improvement (+1) still loses to the phone agent's (+3), and no csat
// (at most 5) gives it more than +2.
TEST(ExplainAward, MostImprovedComparesTheWholeField) {
  ProgramSpec program = Program({Metric("csat", Aggregation::kMean, 1)}, Normalization::kNone);
  program.peer_group = PeerGroupBy::kChannel;
  program.award.rule = "most_improved";
  program.award.n = 1;
  const std::vector<Agent> agents = {MakeAgent("a1", Channel::kChat),
                                     MakeAgent("a2", Channel::kChat), MakeAgent("b1"),
                                     MakeAgent("b2")};
  const AggregateTable october = {{"a1", {{"csat", Mean(4, 4)}}},
                                  {"a2", {{"csat", Mean(4, 3)}}},
                                  {"b1", {{"csat", Mean(4, 5)}}},
                                  {"b2", {{"csat", Mean(4, 2)}}}};
  const AggregateTable september = {{"a1", {{"csat", Mean(4, 3)}}},
                                    {"a2", {{"csat", Mean(4, 3)}}},
                                    {"b1", {{"csat", Mean(4, 2)}}},
                                    {"b2", {{"csat", Mean(4, 2)}}}};
  const std::vector<EarlierPeriod> earlier = {
      {*MonthPeriod("2026-09", absl::UTCTimeZone()), september}};
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, october, earlier);
  ASSERT_EQ(evaluation.winners.size(), 1u);
  EXPECT_EQ(evaluation.winners[0].agent_id, "b1");
  for (const std::string id : {"a1", "a2"}) {
    auto explanation = ExplainAward(program, October2026(), agents, october, id,
                                    evaluation.standings, evaluation.winners);
    ASSERT_TRUE(explanation.ok()) << explanation.status();
    EXPECT_FALSE(explanation->won) << id;
    EXPECT_EQ(explanation->competitors, 4) << id;
    ASSERT_EQ(explanation->metrics.size(), 1u);
    EXPECT_FALSE(explanation->metrics[0].what_if.possible) << id;
    EXPECT_EQ(explanation->metrics[0].what_if.reason, "even the best value is not enough") << id;
  }
}

// Under each normalisation: percentile (which moves other competitors' scores in steps), zscore
// (which moves them all, each in proportion to its value) and none (which moves nobody's but the
// agent's own).
// And under each rule it serves: top_n (by rank), threshold and tiers (by the agent's own score
// against minimums, here set at scores of the field so that some agents sit exactly on one).
class ExplainIndexTest : public ::testing::TestWithParam<std::tuple<Normalization, std::string>> {};

INSTANTIATE_TEST_SUITE_P(NormalizationsAndRules, ExplainIndexTest,
                         ::testing::Combine(::testing::Values(Normalization::kPercentile,
                                                              Normalization::kZScore,
                                                              Normalization::kNone),
                                            ::testing::Values("top_n", "threshold", "tiers",
                                                              "streak", "most_improved")));

// Rounds of growing fields. Under AddressSanitizer the plain explanations this compares with
// run several times slower, so that build tries the first half, which still holds every kind of
// round (each n, per peer group or not, tied values).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kIndexRounds = 6;
#else
constexpr int kIndexRounds = 12;
#endif

TEST_P(ExplainIndexTest, AnIndexTellsTheSameWhatIfsWithFewerRankings) {
  std::mt19937_64 random(20261201);
  int agents_with_what_ifs = 0;
  const ExplainProbeCounts before = ProbeCounts();
  for (int round = 0; round < kIndexRounds; ++round) {
    ProgramSpec program =
        Program({Metric("csat", Aggregation::kMean, 0.5),
                 Metric("aht_seconds", Aggregation::kMean, 0.3, Direction::kLowerIsBetter),
                 Metric("qa_score", Aggregation::kMean, 0.2)},
                std::get<0>(GetParam()));
    program.award.rule = "top_n";
    program.award.n = 1 + round % 3;
    program.peer_group = PeerGroupBy::kChannel;
    program.award.per_peer_group = round % 2 == 0;
    const std::string rule = std::get<1>(GetParam());
    std::vector<Agent> agents;
    AggregateTable aggregates;
    const int count = 40 + round * 15;
    std::uniform_int_distribution<int> level(1, 5);
    std::uniform_real_distribution<double> seconds(120, 600);
    for (int i = 0; i < count; ++i) {
      const std::string id = "a" + std::to_string(1000 + i);
      agents.push_back(MakeAgent(id, i % 3 == 0 ? Channel::kChat : Channel::kPhone));
      double aht = round % 4 == 3 ? 100.0 * level(random) : seconds(random);
      if (i % 7 == 0 && i > 0) {
        // Nearly the previous agent's value, without being equal to it.
        aht = aggregates["a" + std::to_string(999 + i)]["aht_seconds"].sum / 4 * (1 + 1e-10);
      }
      aggregates[id] = {{"csat", Mean(4, level(random))},
                        {"aht_seconds", Mean(4, aht)},
                        {"qa_score", Mean(4, 60 + 5 * level(random))}};
    }
    std::vector<EarlierPeriod> earlier;
    if (rule == "streak" || rule == "most_improved") {
      // September's events, a little different from October's: improvements to rank, and
      // for a streak of the top_n above, September's winners can complete it, others cannot.
      AggregateTable september = aggregates;
      // In the agents' order: the table's own order changes from run to run.
      for (const Agent& agent : agents) {
        september[agent.id]["csat"] = Mean(4, level(random));
        september[agent.id]["aht_seconds"] = Mean(4, seconds(random));
      }
      earlier.push_back({*MonthPeriod("2026-09", absl::UTCTimeZone()), september});
      if (rule == "most_improved") {
        program.award.rule = "most_improved";
      } else {
        // Five win the base rule in each group, so that many can complete a streak.
        program.award.n = 5;
        const AwardRule base = program.award;
        program.award.rule = "streak";
        program.award.streak_periods = 2;
        program.award.streak_of = {base};
      }
    } else if (rule != "top_n") {
      // Minimums at scores of the field: the median's, and for tiers the upper quartile's.
      const Evaluation ranked = EvaluateProgram(program, October2026(), agents, aggregates, {});
      std::vector<double> scores;
      for (const Standing& standing : ranked.standings) {
        if (standing.eligible) scores.push_back(standing.score);
      }
      ASSERT_FALSE(scores.empty());
      std::sort(scores.begin(), scores.end());
      const double median = scores[scores.size() / 2];
      const double upper = scores[scores.size() * 3 / 4];
      program.award.rule = rule;
      if (rule == "threshold") {
        program.award.min_score = median;
      } else {
        program.award.tiers = {Tier{"gold", upper, {}}, Tier{"silver", median, {}}};
      }
    }
    const Evaluation evaluation =
        EvaluateProgram(program, October2026(), agents, aggregates, earlier);
    const std::shared_ptr<const ExplainIndex> index =
        BuildExplainIndex(program, evaluation.standings);
    // A third of the agents, a different third each round: the plain explanations rank for
    // every value they try, which the sanitizer build runs slowly.
    for (size_t i = round % 3; i < agents.size(); i += 3) {
      const Agent& agent = agents[i];
      auto plain = ExplainAward(program, October2026(), agents, aggregates, agent.id,
                                evaluation.standings, evaluation.winners);
      auto indexed = ExplainAward(program, October2026(), agents, aggregates, agent.id,
                                  evaluation.standings, evaluation.winners, index.get());
      ASSERT_TRUE(plain.ok() && indexed.ok());
      EXPECT_EQ(indexed->rank, plain->rank) << agent.id;
      EXPECT_EQ(indexed->won, plain->won) << agent.id;
      EXPECT_EQ(indexed->cutoff, plain->cutoff) << agent.id;
      EXPECT_EQ(indexed->competitors, plain->competitors) << agent.id;
      ASSERT_EQ(plain->metrics.size(), indexed->metrics.size());
      bool any = false;
      for (size_t m = 0; m < plain->metrics.size(); ++m) {
        const MetricWhatIf& want = plain->metrics[m].what_if;
        const MetricWhatIf& got = indexed->metrics[m].what_if;
        EXPECT_EQ(got.possible, want.possible) << agent.id << " metric " << m << " round " << round;
        EXPECT_EQ(got.target, want.target) << agent.id << " metric " << m << " round " << round;
        EXPECT_EQ(got.beyond, want.beyond) << agent.id << " metric " << m << " round " << round;
        EXPECT_EQ(got.reason, want.reason) << agent.id << " metric " << m << " round " << round;
        any = any || want.possible;
      }
      if (any) ++agents_with_what_ifs;
      // Who did not win the base rule in September cannot complete the streak now, and is told
      // so rather than that no value is enough.
      const Standing* standing = nullptr;
      for (const Standing& s : evaluation.standings) {
        if (s.agent_id == agent.id) standing = &s;
      }
      if (rule == "streak" && standing != nullptr && standing->eligible &&
          standing->earlier_streak == 0) {
        for (const MetricExplanation& metric : plain->metrics) {
          EXPECT_EQ(metric.what_if.reason,
                    "periods won before this one: 0 of the 1 the streak needs")
              << agent.id;
        }
        ExpectPhrased(plain->metrics.front().what_if.reason);
      }
    }
  }
  // Only those who won the base rule in September can complete a streak, and only those who
  // improved can win most_improved: fewer agents have a value that changes their outcome.
  const std::string& rule_name = std::get<1>(GetParam());
  // Half the rounds (under AddressSanitizer), about half as many.
  const int expected_at_least = rule_name == "streak" ? 8 : rule_name == "most_improved" ? 20 : 35;
  EXPECT_GT(agents_with_what_ifs, expected_at_least * kIndexRounds / 12);
  // Without the index every probe ranks; with it, few do.
  const ExplainProbeCounts after = ProbeCounts();
  const uint64_t told = after.told - before.told;
  const uint64_t ranked = after.ranked - before.ranked;
  EXPECT_GT(told, 0u);
  // The plain explanations rank every probe: as many as the indexed ones make, and then some.
  EXPECT_LT(ranked, 2 * told) << "told " << told << ", ranked " << ranked;
  // An agent the index does not know is refused as without it.
  const std::vector<Agent> agents = {MakeAgent("a")};
  const AggregateTable aggregates = {{"a", {{"csat", Mean(4, 3)}}}};
  ProgramSpec program =
      Program({Metric("csat", Aggregation::kMean, 1)}, Normalization::kPercentile);
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, aggregates, {});
  const auto index = BuildExplainIndex(program, evaluation.standings);
  EXPECT_EQ(ExplainAward(program, October2026(), agents, aggregates, "zz", evaluation.standings,
                         evaluation.winners, index.get())
                .status()
                .message(),
            "agent_id: agent \"zz\" not found");
}

TEST(ExplainAward, UnknownAgentIsNotFound) {
  const ProgramSpec program =
      Program({Metric("followups_resolved", Aggregation::kSum, 1)}, Normalization::kNone);
  EXPECT_EQ(ExplainAward(program, October2026(), {MakeAgent("a")}, {}, "zz").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace plaudit

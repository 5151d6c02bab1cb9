#include "core/awards/holds.h"

#include <string>
#include <utility>
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
using ::testing::IsEmpty;
using ::testing::SizeIs;

Agent MakeAgent(std::string id) {
  Agent agent;
  agent.id = std::move(id);
  agent.display_name = agent.id;
  agent.team = "red";
  agent.channel = Channel::kPhone;
  agent.hire_date = absl::CivilDay(2020, 1, 1);
  return agent;
}

PeriodWindow October2026() {
  absl::StatusOr<PeriodWindow> window = MonthPeriod("2026-10", absl::UTCTimeZone());
  EXPECT_TRUE(window.ok());
  return *window;
}

HoldCondition Condition(std::string metric, Aggregation aggregation, Direction direction,
                        HoldCondition::Kind kind, double bound) {
  HoldCondition condition;
  condition.measure.metric = std::move(metric);
  condition.measure.aggregation = aggregation;
  condition.direction = direction;
  condition.kind = kind;
  condition.bound = bound;
  return condition;
}

HoldCondition FastAht(HoldCondition::Kind kind, double percent) {
  return Condition("aht_seconds", Aggregation::kMean, Direction::kLowerIsBetter, kind, percent);
}

// Six agents, all winning (threshold min_score 0): handle times a 100, b 150, c 150, d 200,
// e 300 seconds (lower is better) and f none; complaints a 3, b 1, the others 0.
class HoldsTest : public ::testing::Test {
 protected:
  HoldsTest() {
    program_.id = "test";
    ScorecardMetric calls;
    calls.metric = "calls_handled";
    program_.metrics.push_back(calls);
    program_.award.rule = "threshold";
    program_.award.min_score = 0;
    program_.award.rewards.push_back(
        RewardSpec{.type = "certificate", .params = {}, .value = {}, .path = {}, .line = 0});
    for (const char* id : {"a", "b", "c", "d", "e", "f"}) agents_.push_back(MakeAgent(id));
    const std::vector<std::pair<std::string, double>> aht = {
        {"a", 100}, {"b", 150}, {"c", 150}, {"d", 200}, {"e", 300}};
    int calls_handled = 10;
    for (const Agent& agent : agents_) {
      aggregates_[agent.id]["calls_handled"] =
          MetricAggregate{1, double(calls_handled++), 0, 0, {}};
    }
    for (const auto& [id, seconds] : aht) {
      // Two calls each, seconds apart, so the mean is `seconds`.
      aggregates_[id]["aht_seconds"] =
          MetricAggregate{2, 2 * seconds, seconds - 5, seconds + 5, {}};
    }
    aggregates_["a"]["complaints"] = MetricAggregate{3, 3, 1, 1, {}};
    aggregates_["b"]["complaints"] = MetricAggregate{1, 1, 1, 1, {}};
  }

  // Winner id -> its holds.
  std::map<std::string, std::vector<std::string>> HoldsByWinner() {
    const Evaluation evaluation = EvaluateProgram(program_, October2026(), agents_, aggregates_);
    std::map<std::string, std::vector<std::string>> holds;
    for (const Winner& winner : evaluation.winners) {
      holds[winner.agent_id] = winner.holds;
      for (const std::string& hold : winner.holds) ExpectPhrased(hold);
    }
    return holds;
  }

  std::vector<std::string> Held() {
    std::vector<std::string> held;
    for (const auto& [id, holds] : HoldsByWinner()) {
      if (!holds.empty()) held.push_back(id);
    }
    return held;
  }

  ProgramSpec program_;
  std::vector<Agent> agents_;
  AggregateTable aggregates_;
};

TEST_F(HoldsTest, BestPercentCountsThoseStrictlyBetterAmongAgentsWithAValue) {
  // n = 5 (f has no value). 20%: fewer than 1 better, so only a.
  program_.holds.push_back(Hold{"fast", {FastAht(HoldCondition::Kind::kBestPercent, 20)}});
  EXPECT_THAT(Held(), ElementsAre("a"));
  EXPECT_THAT(HoldsByWinner()["a"],
              ElementsAre("hold \"fast\": aht_seconds mean 100 is in the best 20% of peer group "
                          "all (0 of 5 better)"));
}

TEST_F(HoldsTest, TiedAgentsShareTheirPosition) {
  // 40%: fewer than 2 better. b and c tie at 150 with one better each; d has 3 better.
  program_.holds.push_back(Hold{"fast", {FastAht(HoldCondition::Kind::kBestPercent, 40)}});
  EXPECT_THAT(Held(), ElementsAre("a", "b", "c"));
  // 30%: fewer than 1.5 better, the same three.
  program_.holds[0].when[0].bound = 30;
  EXPECT_THAT(Held(), ElementsAre("a", "b", "c"));
  // 20% is exactly one agent of five: b and c, with one better, are just outside.
  program_.holds[0].when[0].bound = 20;
  EXPECT_THAT(Held(), ElementsAre("a"));
}

TEST_F(HoldsTest, HundredPercentHoldsEveryoneWithAValue) {
  program_.holds.push_back(Hold{"any", {FastAht(HoldCondition::Kind::kBestPercent, 100)}});
  EXPECT_THAT(Held(), ElementsAre("a", "b", "c", "d", "e"));
}

TEST_F(HoldsTest, WorstPercentUsesTheDirection) {
  // Lower is better, so the worst is the slowest: e, with 0 of 5 worse.
  program_.holds.push_back(Hold{"slow", {FastAht(HoldCondition::Kind::kWorstPercent, 20)}});
  EXPECT_THAT(Held(), ElementsAre("e"));
  EXPECT_THAT(HoldsByWinner()["e"],
              ElementsAre("hold \"slow\": aht_seconds mean 300 is in the worst 20% of peer group "
                          "all (0 of 5 worse)"));
  // Read as higher-is-better the same values put a in the worst place.
  program_.holds[0].when[0].direction = Direction::kHigherIsBetter;
  EXPECT_THAT(Held(), ElementsAre("a"));
}

TEST_F(HoldsTest, AgentsWithoutAValueNeverMatch) {
  program_.holds.push_back(Hold{"slowish", {FastAht(HoldCondition::Kind::kWorstPercent, 100)}});
  program_.holds.push_back(
      Hold{"quick",
           {Condition("aht_seconds", Aggregation::kMean, Direction::kLowerIsBetter,
                      HoldCondition::Kind::kMax, 1000)}});
  std::map<std::string, std::vector<std::string>> holds = HoldsByWinner();
  EXPECT_THAT(holds["f"], IsEmpty());
  EXPECT_THAT(holds["e"], SizeIs(2));
}

TEST_F(HoldsTest, MinAndMaxCompareTheAggregate) {
  program_.holds.push_back(
      Hold{"complaints",
           {Condition("complaints", Aggregation::kSum, Direction::kLowerIsBetter,
                      HoldCondition::Kind::kMin, 1)}});
  // A sum without events is 0, which is below 1.
  EXPECT_THAT(Held(), ElementsAre("a", "b"));
  EXPECT_THAT(HoldsByWinner()["b"], ElementsAre("hold \"complaints\": complaints sum 1 is at "
                                                "least 1"));
  program_.holds[0].when[0].kind = HoldCondition::Kind::kMax;
  program_.holds[0].when[0].bound = 0;
  EXPECT_THAT(Held(), ElementsAre("c", "d", "e", "f"));
}

TEST_F(HoldsTest, AHoldNeedsAllItsConditions) {
  // Fast (best 40%: a, b, c) and complained about (a, b).
  program_.holds.push_back(
      Hold{"fast but complained about",
           {FastAht(HoldCondition::Kind::kBestPercent, 40),
            Condition("complaints", Aggregation::kSum, Direction::kLowerIsBetter,
                      HoldCondition::Kind::kMin, 2)}});
  EXPECT_THAT(Held(), ElementsAre("a"));
  EXPECT_THAT(HoldsByWinner()["a"],
              ElementsAre("hold \"fast but complained about\": aht_seconds mean 100 is in the "
                          "best 40% of peer group all (0 of 5 better); complaints sum 3 is at "
                          "least 2"));
}

TEST_F(HoldsTest, HoldsChangeNeitherRanksNorWinners) {
  const Evaluation before = EvaluateProgram(program_, October2026(), agents_, aggregates_);
  program_.holds.push_back(Hold{"fast", {FastAht(HoldCondition::Kind::kBestPercent, 100)}});
  const Evaluation after = EvaluateProgram(program_, October2026(), agents_, aggregates_);
  ASSERT_EQ(before.winners.size(), after.winners.size());
  for (size_t i = 0; i < before.winners.size(); ++i) {
    EXPECT_EQ(before.winners[i].agent_id, after.winners[i].agent_id);
    EXPECT_EQ(before.winners[i].rank, after.winners[i].rank);
  }
}

TEST_F(HoldsTest, OnlyWinnersAreChecked) {
  program_.award.rule = "top_n";
  program_.award.n = 1;
  program_.holds.push_back(Hold{"slow", {FastAht(HoldCondition::Kind::kWorstPercent, 100)}});
  // f has the most calls and wins; it has no handle time, so it is not held.
  const Evaluation evaluation = EvaluateProgram(program_, October2026(), agents_, aggregates_);
  ASSERT_THAT(evaluation.winners, SizeIs(1));
  EXPECT_EQ(evaluation.winners[0].agent_id, "f");
  EXPECT_THAT(evaluation.winners[0].holds, IsEmpty());
}

TEST(MatchedHolds, PositionsAreWithinThePeerGroup) {
  ProgramSpec program;
  program.holds.push_back(Hold{"fast", {FastAht(HoldCondition::Kind::kBestPercent, 50)}});
  std::vector<Standing> standings(3);
  standings[0].agent_id = "a";
  standings[0].peer_group = "phone";
  standings[1].agent_id = "b";
  standings[1].peer_group = "phone";
  standings[2].agent_id = "c";
  standings[2].peer_group = "chat";
  for (Standing& standing : standings) standing.eligible = true;
  AggregateTable aggregates;
  aggregates["a"]["aht_seconds"] = MetricAggregate{1, 200, 200, 200, {}};
  aggregates["b"]["aht_seconds"] = MetricAggregate{1, 100, 100, 100, {}};
  aggregates["c"]["aht_seconds"] = MetricAggregate{1, 300, 300, 300, {}};
  // a is behind b in phone (1 of 2 better: not fewer than 1); c is alone in chat.
  EXPECT_THAT(MatchedHolds(program, standings, aggregates, "a"), IsEmpty());
  EXPECT_THAT(MatchedHolds(program, standings, aggregates, "c"),
              ElementsAre("hold \"fast\": aht_seconds mean 300 is in the best 50% of peer group "
                          "chat (0 of 1 better)"));
}

}  // namespace
}  // namespace plaudit

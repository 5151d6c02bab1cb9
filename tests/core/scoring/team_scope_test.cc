// Scope team: teams compete on their eligible members' events pooled.
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "core/awards/award_rules.h"
#include "core/awards/explain.h"
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
using ::testing::Pair;

Agent Member(std::string id, std::string team, bool active = true,
             absl::CivilDay hired = absl::CivilDay(2020, 1, 1)) {
  Agent agent;
  agent.id = std::move(id);
  agent.display_name = agent.id;
  agent.team = std::move(team);
  agent.channel = Channel::kPhone;
  agent.hire_date = hired;
  agent.active = active;
  return agent;
}

PeriodWindow October2026() {
  absl::StatusOr<PeriodWindow> window = MonthPeriod("2026-10", absl::UTCTimeZone());
  EXPECT_TRUE(window.ok());
  return *window;
}

// Teams ranked on their csat mean as it is (normalisation none), the best one winning.
ProgramSpec TeamProgram() {
  ProgramSpec program;
  program.id = "team-month";
  program.scope = Scope::kTeam;
  program.normalization = Normalization::kNone;
  ScorecardMetric csat;
  csat.metric = "csat";
  csat.aggregation = Aggregation::kMean;
  program.metrics.push_back(csat);
  program.award.rewards.push_back(
      RewardSpec{.type = "certificate", .params = {}, .value = {}, .path = {}, .line = 0});
  return program;
}

const Standing& TeamStanding(const Evaluation& evaluation, const std::string& team) {
  for (const Standing& standing : evaluation.standings) {
    if (standing.team == team) return standing;
  }
  ADD_FAILURE() << "no standing for team " << team;
  static const Standing kMissing;
  return kMissing;
}

// red: r1 one survey of 1, r2 three of 5 (member means 1 and 5); blue: b1 and b2 two surveys
// adding up to 7 each (member means 3.5).
AggregateTable Surveys() {
  AggregateTable table;
  table["r1"]["csat"] = MetricAggregate{1, 1, 1, 1, {}};
  table["r2"]["csat"] = MetricAggregate{3, 15, 5, 5, {}};
  table["b1"]["csat"] = MetricAggregate{2, 7, 3, 4, {}};
  table["b2"]["csat"] = MetricAggregate{2, 7, 2, 5, {}};
  return table;
}

TEST(TeamScope, ATeamMeanIsTheMeanOfAllItsEventsNotOfMemberMeans) {
  const std::vector<Agent> agents = {Member("r1", "red"), Member("r2", "red"), Member("b1", "blue"),
                                     Member("b2", "blue")};
  const Evaluation evaluation = EvaluateProgram(TeamProgram(), October2026(), agents, Surveys());
  // red: (1 + 15) / 4 = 4.0, though its member means average (1 + 5) / 2 = 3.0;
  // blue: 14 / 4 = 3.5. By events red wins; by member means blue would have.
  const Standing& red = TeamStanding(evaluation, "red");
  EXPECT_EQ(red.agent_id, "");
  EXPECT_THAT(red.members, ElementsAre("r1", "r2"));
  EXPECT_EQ(red.peer_group, "all");
  EXPECT_THAT(red.metrics[0].value, DoubleEq(4.0));
  EXPECT_EQ(red.metrics[0].samples, 4);
  EXPECT_THAT(TeamStanding(evaluation, "blue").metrics[0].value, DoubleEq(3.5));
  ASSERT_EQ(evaluation.winners.size(), 1u);
  EXPECT_EQ(evaluation.winners[0].team, "red");
  EXPECT_EQ(evaluation.winners[0].agent_id, "");
  EXPECT_THAT(evaluation.winners[0].members, ElementsAre("r1", "r2"));
}

TEST(TeamScope, OnlyEligibleMembersCountAndMakeUpTheTeamSize) {
  ProgramSpec program = TeamProgram();
  program.min_team_size = 2;
  program.min_tenure_days = 30;
  // red has two eligible members: exactly min_team_size. blue's b2 is inactive and b3 hired
  // late in October: one eligible member, so blue is out, and b2's and b3's surveys do not count.
  const std::vector<Agent> agents = {Member("r1", "red"), Member("r2", "red"), Member("b1", "blue"),
                                     Member("b2", "blue", /*active=*/false),
                                     Member("b3", "blue", true, absl::CivilDay(2026, 10, 20))};
  AggregateTable table = Surveys();
  table["b3"]["csat"] = MetricAggregate{1, 5, 5, 5, {}};
  const Evaluation evaluation = EvaluateProgram(program, October2026(), agents, table);
  const Standing& red = TeamStanding(evaluation, "red");
  EXPECT_TRUE(red.eligible);
  const Standing& blue = TeamStanding(evaluation, "blue");
  EXPECT_FALSE(blue.eligible);
  EXPECT_THAT(blue.reasons, ElementsAre("team of 1 eligible members < min_team_size 2"));
  EXPECT_THAT(blue.members, ElementsAre("b1"));
  EXPECT_EQ(blue.metrics[0].samples, 2);
  EXPECT_THAT(blue.metrics[0].value, DoubleEq(3.5));
  ASSERT_EQ(evaluation.winners.size(), 1u);
  EXPECT_EQ(evaluation.winners[0].team, "red");

  program.min_team_size = 3;
  EXPECT_THAT(EvaluateProgram(program, October2026(), agents, table).winners, IsEmpty());
}

TEST(TeamScope, PooledAggregatesAddUp) {
  const MetricAggregate merged = MergeAggregates(
      MetricAggregate{2, 7, 3, 4, {{4.0, 1}}}, MetricAggregate{3, 12, 2, 5, {{4.0, 2}, {5.0, 1}}});
  EXPECT_EQ(merged.samples, 5);
  EXPECT_DOUBLE_EQ(merged.sum, 19);
  EXPECT_DOUBLE_EQ(merged.min, 2);
  EXPECT_DOUBLE_EQ(merged.max, 5);
  EXPECT_THAT(merged.at_least, ElementsAre(Pair(4.0, 3), Pair(5.0, 1)));
  // No events add nothing, and their zero min does not count.
  const MetricAggregate alone = MergeAggregates(MetricAggregate{}, MetricAggregate{1, 4, 4, 4, {}});
  EXPECT_DOUBLE_EQ(alone.min, 4);
}

TEST(TeamScope, ExplainNamesATeam) {
  const std::vector<Agent> agents = {Member("r1", "red"), Member("r2", "red"), Member("b1", "blue"),
                                     Member("b2", "blue")};
  absl::StatusOr<AwardExplanation> red =
      ExplainAward(TeamProgram(), October2026(), agents, Surveys(), "red");
  ASSERT_TRUE(red.ok()) << red.status();
  EXPECT_TRUE(red->won);
  EXPECT_EQ(red->rank, 1);
  absl::StatusOr<AwardExplanation> blue =
      ExplainAward(TeamProgram(), October2026(), agents, Surveys(), "blue");
  ASSERT_TRUE(blue.ok()) << blue.status();
  EXPECT_FALSE(blue->won);
  // Blue needs a mean above red's 4.0.
  EXPECT_TRUE(blue->metrics[0].what_if.possible);
  EXPECT_EQ(ExplainAward(TeamProgram(), October2026(), agents, Surveys(), "r1").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace plaudit

// The effect estimate against a hand-computed example (the closed form checked against the full
// sandwich computed by hand with the 2x2 matrices), and against simulated contact centres where
// the true effect is known: the 95% interval must cover it in at least 90 of 100 seeded runs.
#include "core/reports/effect.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

using ::testing::HasSubstr;

TEST(EffectTest, DifferenceInDifferencesByHand) {
  // Three teams, each with one treated and one holdout agent. Changes: treated 3, 5, 4 (mean 4),
  // holdout 1, 1, 2 (mean 4/3): estimate 8/3. Residuals summed per team give terms
  // S1/3 - S0/3 of -2/9, 4/9, -2/9; sum of squares 24/81; factor 3/2 x 5/4 = 1.875:
  // SE = sqrt(1.875 x 24/81) = 0.745356. t(2) 97.5% = 4.302653: interval 8/3 -+ 3.207000.
  const std::vector<AgentChange> panel = {{"t1", "A", true, 0, 3},   {"c1", "A", false, 0, 1},
                                          {"t2", "B", true, 10, 15}, {"c2", "B", false, 10, 11},
                                          {"t3", "C", true, 2, 6},   {"c3", "C", false, 2, 4}};
  const EffectEstimate e = DifferenceInDifferences(panel);
  ASSERT_TRUE(e.estimated);
  EXPECT_TRUE(e.causal);
  EXPECT_EQ(e.treated, 3);
  EXPECT_EQ(e.control, 3);
  EXPECT_EQ(e.teams, 3);
  EXPECT_NEAR(e.estimate, 8.0 / 3, 1e-12);
  EXPECT_NEAR(e.std_error, 0.7453560, 1e-6);
  EXPECT_NEAR(e.ci_low, 8.0 / 3 - 3.2070003, 1e-5);
  EXPECT_NEAR(e.ci_high, 8.0 / 3 + 3.2070003, 1e-5);
  EXPECT_THAT(e.caveat, HasSubstr("few agents (3 treated, 3 in the holdout)"));
  EXPECT_THAT(e.caveat, HasSubstr("only 3 teams"));
  EXPECT_THAT(e.caveat, HasSubstr("the interval includes zero"));
}

TEST(EffectTest, BeforeAfterIsTheMeanChangeAndSaysItIsNotCausal) {
  // Changes 1, 3 (team A) and 2, 6 (team B): mean 3; residuals per team -2+0 = -2 and -1+3 = 2;
  // Var = 2/1 x ((-2/4)^2 + (2/4)^2) = 1: SE 1, t(1) 97.5% = 12.706205.
  const std::vector<AgentChange> panel = {{"a", "A", true, 0, 1},
                                          {"b", "A", true, 0, 3},
                                          {"c", "B", true, 0, 2},
                                          {"d", "B", true, 0, 6}};
  const EffectEstimate e = BeforeAfter(panel);
  ASSERT_TRUE(e.estimated);
  EXPECT_FALSE(e.causal);
  EXPECT_EQ(e.method, "before/after (not causal)");
  EXPECT_NEAR(e.estimate, 3, 1e-12);
  EXPECT_NEAR(e.std_error, 1, 1e-12);
  EXPECT_NEAR(e.ci_high - e.estimate, 12.706205, 1e-5);
  EXPECT_THAT(e.caveat, HasSubstr("not causal"));
}

TEST(EffectTest, SaysWhatIsMissing) {
  EXPECT_EQ(DifferenceInDifferences({{"a", "A", true, 0, 1}, {"b", "B", true, 0, 2}}).caveat,
            "no holdout agents to compare with");
  EXPECT_FALSE(DifferenceInDifferences({}).estimated);
  EXPECT_EQ(BeforeAfter({{"a", "A", true, 0, 1}}).caveat,
            "one team only: no interval can be drawn");
}

// A contact centre of 40 teams of 25 agents, a tenth of each team held out, where the program
// raises treated agents' CSAT by `effect`: each agent has a level of their own and their team's,
// both periods; after the start every team has a shock of its own (staffing, a queue) and
// everyone drifts by a common trend.
std::vector<AgentChange> SimulatedCentre(uint64_t seed, double effect) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> agent_level(0, 0.3);
  std::normal_distribution<double> team_level(0, 0.15);
  std::normal_distribution<double> team_shock(0, 0.1);
  std::normal_distribution<double> noise(0, 0.25);
  std::vector<AgentChange> panel;
  for (int team = 0; team < 40; ++team) {
    const double level = 4.2 + team_level(random);
    const double shock = team_shock(random);
    for (int n = 0; n < 25; ++n) {
      AgentChange a;
      a.agent_id = absl::StrCat("t", team, "a", n);
      a.team = absl::StrCat("team", team);
      a.treated = n >= 3;  // 3 of 25 held out: stratified by team.
      const double own = level + agent_level(random);
      a.before = own + noise(random);
      a.after = own + 0.05 + shock + (a.treated ? effect : 0) + noise(random);
      panel.push_back(a);
    }
  }
  return panel;
}

TEST(EffectTest, TheIntervalCoversTheTrueEffectInAtLeast90Of100SimulatedCentres) {
  constexpr double kTrueEffect = 0.2;
  int covered = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const EffectEstimate e = DifferenceInDifferences(SimulatedCentre(seed, kTrueEffect));
    ASSERT_TRUE(e.estimated);
    if (e.ci_low <= kTrueEffect && kTrueEffect <= e.ci_high) ++covered;
  }
  EXPECT_GE(covered, 90);
  RecordProperty("covered_of_100", covered);
  // And it is not so wide as to cover anything: a centre without an effect is told apart from one
  // with it, most of the time.
  int excludes_zero = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    const EffectEstimate e = DifferenceInDifferences(SimulatedCentre(seed, kTrueEffect));
    if (e.ci_low > 0) ++excludes_zero;
  }
  EXPECT_GE(excludes_zero, 80);
  RecordProperty("excludes_zero_of_100", excludes_zero);
}

}  // namespace
}  // namespace plaudit

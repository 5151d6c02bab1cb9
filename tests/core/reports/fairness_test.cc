// The fairness test against hand-computed examples: chi-square statistics and p-values worked out
// by hand (for one degree of freedom p = erfc(sqrt(x / 2)), for two p = exp(-x / 2)), and an exact
// test whose p-value is the hypergeometric probability of outcomes as extreme.
#include "core/reports/fairness.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(FairnessTest, PhoneAgentsWinningBeyondTheirShareIsReported) {
  // 48 phone and 52 email agents eligible; phone won 17 of 24 awards. Expected 11.52 and 12.48:
  // x = 5.48^2 / 11.52 + 5.48^2 / 12.48 = 5.013088, p = erfc(sqrt(x / 2)) = 0.025156.
  const FairnessTest test = TestFairness("channel", {{"phone", 48, 17}, {"email", 52, 7}});
  ASSERT_TRUE(test.tested);
  EXPECT_EQ(test.method, "chi-square");
  EXPECT_EQ(test.degrees_of_freedom, 1);
  EXPECT_NEAR(test.statistic, 5.013088, 1e-6);
  EXPECT_NEAR(test.p_value, 0.025156, 1e-6);
  EXPECT_NEAR(test.groups[0].expected, 11.52, 1e-9);
  EXPECT_NEAR(test.groups[0].win_share, 17.0 / 24, 1e-12);
  EXPECT_NEAR(test.groups[0].eligible_share, 0.48, 1e-12);
  EXPECT_NEAR(test.groups[1].win_rate, 7.0 / 52, 1e-12);
  EXPECT_EQ(test.verdict,
            "phone agents won 71% of awards with 48% of eligible agents (channel, "
            "p = 0.025)");
}

TEST(FairnessTest, ThreeGroupsInProportionAreSaidToBe) {
  // Eligible 40, 40, 20; winners 10, 10, 10 of 30; expected 12, 12, 6:
  // x = 4/12 + 4/12 + 16/6 = 3.333333, p = exp(-x / 2) = 0.188876.
  const FairnessTest test =
      TestFairness("team", {{"North", 40, 10}, {"South", 40, 10}, {"West", 20, 10}});
  EXPECT_EQ(test.degrees_of_freedom, 2);
  EXPECT_NEAR(test.statistic, 10.0 / 3, 1e-9);
  EXPECT_NEAR(test.p_value, 0.188876, 1e-6);
  EXPECT_EQ(test.verdict, "team: winners in proportion to eligible agents (p = 0.19)");
}

TEST(FairnessTest, FewExpectedWinnersAreTestedExactly) {
  // 5 and 5 eligible, 3 winners all in A (expected 1.5 each: too few for chi-square). As extreme:
  // all three in A or all in B, hypergeometric probability (10 + 10) / 120 = 0.1667.
  const FairnessTest test = TestFairness("shift", {{"day", 5, 3}, {"night", 5, 0}});
  EXPECT_THAT(test.method, StartsWith("exact (simulation"));
  EXPECT_NEAR(test.p_value, 20.0 / 120, 0.01);
  EXPECT_THAT(test.verdict, HasSubstr("shift: too few awards (3) to tell"));
  // The same data gives the same p-value.
  EXPECT_EQ(TestFairness("shift", {{"day", 5, 3}, {"night", 5, 0}}).p_value, test.p_value);
}

TEST(FairnessTest, SaysWhenThereIsNothingToCompare) {
  const FairnessTest one = TestFairness("channel", {{"phone", 10, 2}, {"email", 0, 0}});
  EXPECT_FALSE(one.tested);
  EXPECT_EQ(one.verdict, "channel: one group only, nothing to compare");
  const FairnessTest none = TestFairness("team", {{"A", 10, 0}, {"B", 10, 0}});
  EXPECT_FALSE(none.tested);
  EXPECT_EQ(none.verdict, "team: no winners to compare");
}

TEST(FairnessTest, PValuesAreWrittenToTheirPrecision) {
  EXPECT_EQ(PValueText(0.0004), "p < 0.001");
  EXPECT_EQ(PValueText(0.0031), "p = 0.003");
  EXPECT_EQ(PValueText(0.41), "p = 0.41");
}

}  // namespace
}  // namespace plaudit

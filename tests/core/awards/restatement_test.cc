#include "core/awards/restatement.h"

#include "gtest/gtest.h"

namespace plaudit {
namespace {

Standing Ranked(const std::string& agent, int rank) {
  Standing s;
  s.agent_id = agent;
  s.eligible = true;
  s.rank = rank;
  return s;
}

DecisionRecord Decision(std::vector<Standing> standings, std::vector<std::string> winners) {
  DecisionRecord d;
  d.standings = std::move(standings);
  for (const std::string& w : winners) {
    AwardRecord a;
    a.agent_id = w;
    d.awards.push_back(a);
  }
  return d;
}

TEST(Restatement, SameDecisionHasNoDifferences) {
  DecisionRecord d = Decision({Ranked("a1", 1), Ranked("a2", 2)}, {"a1"});
  EXPECT_TRUE(RestatementDifferences(d, d).empty());
}

TEST(Restatement, NamesAwardsGainedAndLostAndRankChanges) {
  Standing late = Ranked("a3", 0);
  late.eligible = false;
  late.reasons = {"csat: 5 samples < min_samples 20"};
  DecisionRecord then = Decision({Ranked("a1", 1), Ranked("a2", 2), late}, {"a1"});
  DecisionRecord now = Decision({Ranked("a2", 1), Ranked("a1", 2), Ranked("a3", 3)}, {"a2"});
  EXPECT_EQ(
      RestatementDifferences(then, now),
      (std::vector<std::string>{"a1: awarded then, would not be now; rank 1 -> rank 2",
                                "a2: not awarded then, would be now; rank 2 -> rank 1",
                                "a3: ineligible (csat: 5 samples < min_samples 20) -> rank 3"}));
}

}  // namespace
}  // namespace plaudit

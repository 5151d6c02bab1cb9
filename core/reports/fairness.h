// Whether a program's winners come from each group (a channel, team, peer group, tenure band or
// shift) in proportion to the group's share of the eligible agents: a goodness-of-fit test of the
// winners' groups against the eligible agents' groups, with a verdict in words.
//
// The test is Pearson's chi-square (Boost.Math's distribution for the p-value) when every group
// expects at least 5 winners; otherwise an exact test by simulation: the winners are drawn again
// at random from the eligible agents 20,000 times with a fixed seed (so the same data gives the
// same p-value), and p is the share of draws whose chi-square statistic is at least the observed
// one. The method used is named in the result.
#ifndef PLAUDIT_CORE_REPORTS_FAIRNESS_H_
#define PLAUDIT_CORE_REPORTS_FAIRNESS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace plaudit {

struct FairnessGroup {
  std::string group;
  // Eligible agents in the group (agent-periods over a report's range), and the winners among
  // them.
  int64_t eligible = 0;
  int64_t winners = 0;
  // Filled in by TestFairness: the group's share of all eligible agents and of all winners, its
  // win rate (winners / eligible), and the winners it would have in proportion.
  double eligible_share = 0;
  double win_share = 0;
  double win_rate = 0;
  double expected = 0;
};

struct FairnessTest {
  // "channel", "team", "peer group", "tenure" or "shift".
  std::string dimension;
  std::vector<FairnessGroup> groups;
  int64_t eligible = 0;
  int64_t winners = 0;
  // Whether there is something to test: at least two groups with eligible agents, and a winner.
  bool tested = false;
  double statistic = 0;
  int degrees_of_freedom = 0;
  double p_value = 1;
  // "chi-square" or "exact (simulation, 20000 draws)"; empty when not tested.
  std::string method;
  // "phone agents won 71% of awards with 48% of eligible agents (p = 0.003)", or "channel: winners
  // in proportion to eligible agents (p = 0.41)", or why it cannot say.
  std::string verdict;
};

// Below this p-value a difference is reported as one.
inline constexpr double kFairnessAlpha = 0.05;

// Tests `groups` (groups without eligible agents are dropped) of `dimension`.
FairnessTest TestFairness(std::string dimension, std::vector<FairnessGroup> groups);

// "p = 0.003", "p < 0.001", "p = 0.41".
std::string PValueText(double p);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_REPORTS_FAIRNESS_H_

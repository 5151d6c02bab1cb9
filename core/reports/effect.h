// Whether a program moved a metric: the change of each agent's value from before the program
// started to after, compared between agents the program rewards (treated) and a holdout it does
// not (control): a difference in differences. Without a holdout, the treated agents' change alone:
// a before/after comparison, which is not causal.
//
// The estimate is the difference of the groups' mean changes, which is the coefficient of
// `treated` in a regression of each agent's change on a constant and `treated`. Its standard error
// is cluster-robust by team (CR1: the sandwich estimator with the small-sample factor
// G/(G-1) x (N-1)/(N-K)), for agents of a team share their team's shocks; the 95% interval uses
// Student's t with G-1 degrees of freedom (Boost.Math). Closed forms: with residuals e (each
// agent's change minus their group's mean) summed per team g over the treated (S1_g) and the
// control (S0_g) agents, Var = c x sum_g (S1_g/N1 - S0_g/N0)^2; before/after, Var = c x
// sum_g (S_g/N)^2.
#ifndef PLAUDIT_CORE_REPORTS_EFFECT_H_
#define PLAUDIT_CORE_REPORTS_EFFECT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace plaudit {

// One agent's value of a metric before and after the program started.
struct AgentChange {
  std::string agent_id;
  // The cluster: the agent's team.
  std::string team;
  // Rewarded by the program (false: in its holdout).
  bool treated = true;
  double before = 0;
  double after = 0;
};

struct EffectEstimate {
  // "difference in differences" or "before/after (not causal)".
  std::string method;
  bool causal = false;
  int64_t treated = 0;
  int64_t control = 0;
  int64_t teams = 0;
  // Whether there was enough to estimate: agents in each group compared and two teams or more.
  bool estimated = false;
  double estimate = 0;
  double std_error = 0;
  double ci_low = 0;
  double ci_high = 0;
  // In words, when the data cannot support a claim; empty otherwise.
  std::string caveat;
};

// Fewer treated or control agents, or teams, than this and the estimate carries a caveat.
inline constexpr int64_t kMinAgentsForClaim = 30;
inline constexpr int64_t kMinTeamsForClaim = 10;

// Difference in differences of `panel`'s treated against its control agents.
EffectEstimate DifferenceInDifferences(const std::vector<AgentChange>& panel);

// The mean change of `panel`'s agents (every one taken as treated), labelled not causal.
EffectEstimate BeforeAfter(const std::vector<AgentChange>& panel);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_REPORTS_EFFECT_H_

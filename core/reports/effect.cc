#include "core/reports/effect.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace plaudit {
namespace {

// The 97.5% quantile of Student's t with `df` degrees of freedom.
double T975(int64_t df) {
  const boost::math::students_t_distribution<double> t(static_cast<double>(df));
  return boost::math::quantile(t, 0.975);
}

void Interval(EffectEstimate& e) {
  const double half = T975(e.teams - 1) * e.std_error;
  e.ci_low = e.estimate - half;
  e.ci_high = e.estimate + half;
}

std::string Caveat(const EffectEstimate& e, bool with_control) {
  std::vector<std::string> parts;
  if (e.treated < kMinAgentsForClaim || (with_control && e.control < kMinAgentsForClaim)) {
    parts.push_back(absl::StrCat("few agents (", e.treated, with_control ? " treated, " : "",
                                 with_control ? absl::StrCat(e.control, " in the holdout") : "",
                                 "): the interval is wide and rests on few people"));
  }
  if (e.teams < kMinTeamsForClaim) {
    parts.push_back(absl::StrCat("only ", e.teams,
                                 " teams: a cluster-robust interval from so few teams may be too "
                                 "narrow"));
  }
  if (e.ci_low <= 0 && e.ci_high >= 0) {
    parts.push_back("the interval includes zero: the data cannot tell the effect from none");
  }
  std::string caveat;
  for (const std::string& part : parts) {
    absl::StrAppend(&caveat, caveat.empty() ? "" : "; ", part);
  }
  return caveat;
}

}  // namespace

EffectEstimate DifferenceInDifferences(const std::vector<AgentChange>& panel) {
  EffectEstimate e;
  e.method = "difference in differences";
  e.causal = true;
  double sum1 = 0;
  double sum0 = 0;
  for (const AgentChange& a : panel) {
    (a.treated ? e.treated : e.control) += 1;
    (a.treated ? sum1 : sum0) += a.after - a.before;
  }
  std::map<std::string, std::pair<double, double>> clusters;  // team -> (S1_g, S0_g)
  for (const AgentChange& a : panel) clusters[a.team];
  e.teams = static_cast<int64_t>(clusters.size());
  if (e.treated == 0 || e.control == 0 || e.teams < 2) {
    e.caveat = e.control == 0   ? "no holdout agents to compare with"
               : e.treated == 0 ? "no treated agents"
                                : "one team only: no interval can be drawn";
    return e;
  }
  const double n1 = static_cast<double>(e.treated);
  const double n0 = static_cast<double>(e.control);
  const double mean1 = sum1 / n1;
  const double mean0 = sum0 / n0;
  e.estimate = mean1 - mean0;
  for (const AgentChange& a : panel) {
    const double change = a.after - a.before;
    auto& [s1, s0] = clusters[a.team];
    (a.treated ? s1 : s0) += a.treated ? change - mean1 : change - mean0;
  }
  const double n = n1 + n0;
  const double g = static_cast<double>(e.teams);
  const double factor = g / (g - 1) * (n - 1) / (n - 2);
  double variance = 0;
  for (const auto& [team, sums] : clusters) {
    const double term = sums.first / n1 - sums.second / n0;
    variance += term * term;
  }
  e.std_error = std::sqrt(factor * variance);
  e.estimated = true;
  Interval(e);
  e.caveat = Caveat(e, /*with_control=*/true);
  return e;
}

EffectEstimate BeforeAfter(const std::vector<AgentChange>& panel) {
  EffectEstimate e;
  e.method = "before/after (not causal)";
  e.causal = false;
  std::map<std::string, double> clusters;  // team -> S_g
  double sum = 0;
  for (const AgentChange& a : panel) {
    ++e.treated;
    sum += a.after - a.before;
    clusters[a.team];
  }
  e.teams = static_cast<int64_t>(clusters.size());
  if (e.treated == 0 || e.teams < 2) {
    e.caveat = e.treated == 0 ? "no agents with values before and after"
                              : "one team only: no interval can be drawn";
    return e;
  }
  const double n = static_cast<double>(e.treated);
  e.estimate = sum / n;
  for (const AgentChange& a : panel) clusters[a.team] += a.after - a.before - e.estimate;
  const double g = static_cast<double>(e.teams);
  double variance = 0;
  for (const auto& [team, s] : clusters) variance += (s / n) * (s / n);
  e.std_error = std::sqrt(g / (g - 1) * variance);
  e.estimated = true;
  Interval(e);
  const std::string caveat = Caveat(e, /*with_control=*/false);
  e.caveat = absl::StrCat(
      "not causal: without a holdout, anything else that changed when the program started (the "
      "season, staffing, a new tool) moves this figure too",
      caveat.empty() ? "" : "; ", caveat);
  return e;
}

}  // namespace plaudit

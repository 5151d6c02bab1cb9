#include "core/reports/fairness.h"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace plaudit {
namespace {

constexpr int kDraws = 20000;
constexpr uint64_t kSeed = 0x706c6175646974;  // Fixed: the same data gives the same p-value.
// Below this many expected winners in a group, chi-square's approximation is not trusted.
constexpr double kMinExpected = 5;
// The simulation costs draws x winners x groups steps; beyond this, chi-square is used anyway.
constexpr double kMaxSimulationSteps = 4e8;

double ChiSquare(const std::vector<FairnessGroup>& groups, const std::vector<int64_t>& winners) {
  double statistic = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const double diff = static_cast<double>(winners[g]) - groups[g].expected;
    statistic += diff * diff / groups[g].expected;
  }
  return statistic;
}

// Share of random draws of the same number of winners from the eligible agents whose statistic is
// at least `observed`.
double SimulatedP(const std::vector<FairnessGroup>& groups, int64_t eligible, int64_t winners,
                  double observed) {
  std::mt19937_64 random(kSeed);
  std::vector<int64_t> left(groups.size());
  std::vector<int64_t> drawn(groups.size());
  int at_least = 0;
  for (int draw = 0; draw < kDraws; ++draw) {
    for (size_t g = 0; g < groups.size(); ++g) left[g] = groups[g].eligible;
    std::fill(drawn.begin(), drawn.end(), 0);
    int64_t pool = eligible;
    for (int64_t w = 0; w < winners; ++w) {
      // One eligible agent not drawn yet, at random: find its group.
      int64_t pick = std::uniform_int_distribution<int64_t>(0, pool - 1)(random);
      size_t g = 0;
      while (pick >= left[g]) pick -= left[g++];
      --left[g];
      ++drawn[g];
      --pool;
    }
    // A tolerance for sums of the same terms in another order.
    if (ChiSquare(groups, drawn) >= observed - 1e-9) ++at_least;
  }
  return static_cast<double>(at_least) / kDraws;
}

std::string Percent(double share) { return absl::StrFormat("%.0f%%", share * 100); }

}  // namespace

std::string PValueText(double p) {
  if (p < 0.001) return "p < 0.001";
  if (p < 0.1) return absl::StrFormat("p = %.3f", p);
  return absl::StrFormat("p = %.2f", p);
}

FairnessTest TestFairness(std::string dimension, std::vector<FairnessGroup> groups) {
  FairnessTest test;
  test.dimension = std::move(dimension);
  for (FairnessGroup& g : groups) {
    if (g.eligible > 0) test.groups.push_back(std::move(g));
  }
  for (const FairnessGroup& g : test.groups) {
    test.eligible += g.eligible;
    test.winners += g.winners;
  }
  for (FairnessGroup& g : test.groups) {
    g.eligible_share = static_cast<double>(g.eligible) / static_cast<double>(test.eligible);
    g.win_share =
        test.winners > 0 ? static_cast<double>(g.winners) / static_cast<double>(test.winners) : 0;
    g.win_rate = static_cast<double>(g.winners) / static_cast<double>(g.eligible);
    g.expected = g.eligible_share * static_cast<double>(test.winners);
  }
  if (test.groups.size() < 2) {
    test.verdict = absl::StrCat(test.dimension, ": one group only, nothing to compare");
    return test;
  }
  if (test.winners == 0) {
    test.verdict = absl::StrCat(test.dimension, ": no winners to compare");
    return test;
  }
  test.tested = true;
  test.degrees_of_freedom = static_cast<int>(test.groups.size()) - 1;
  std::vector<int64_t> winners;
  for (const FairnessGroup& g : test.groups) winners.push_back(g.winners);
  test.statistic = ChiSquare(test.groups, winners);
  const bool small = std::any_of(test.groups.begin(), test.groups.end(),
                                 [](const FairnessGroup& g) { return g.expected < kMinExpected; });
  const double steps = static_cast<double>(kDraws) * static_cast<double>(test.winners) *
                       static_cast<double>(test.groups.size());
  if (small && steps <= kMaxSimulationSteps) {
    test.method = absl::StrCat("exact (simulation, ", kDraws, " draws)");
    test.p_value = SimulatedP(test.groups, test.eligible, test.winners, test.statistic);
  } else {
    test.method = "chi-square";
    const boost::math::chi_squared_distribution<double> distribution(test.degrees_of_freedom);
    test.p_value = boost::math::cdf(boost::math::complement(distribution, test.statistic));
  }
  if (test.p_value < kFairnessAlpha) {
    // The group that won the most beyond its share.
    const FairnessGroup& most = *std::max_element(
        test.groups.begin(), test.groups.end(), [](const FairnessGroup& a, const FairnessGroup& b) {
          return a.win_share - a.eligible_share < b.win_share - b.eligible_share;
        });
    test.verdict =
        absl::StrCat(most.group, " agents won ", Percent(most.win_share), " of awards with ",
                     Percent(most.eligible_share), " of eligible agents (", test.dimension, ", ",
                     PValueText(test.p_value), ")");
  } else if (test.winners < 10) {
    test.verdict =
        absl::StrCat(test.dimension, ": too few awards (", test.winners,
                     ") to tell a difference between groups (", PValueText(test.p_value), ")");
  } else {
    test.verdict = absl::StrCat(test.dimension, ": winners in proportion to eligible agents (",
                                PValueText(test.p_value), ")");
  }
  return test;
}

}  // namespace plaudit

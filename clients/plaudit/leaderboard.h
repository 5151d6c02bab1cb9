// The text form of an award evaluation (`plaudit awards evaluate -o table`): the leaderboard,
// eligible agents first by rank with their score and per-metric standing, then the ineligible
// ones with "-" for a rank and their reasons; then the awards decided; then a note when the
// result was a dry run or had been decided before.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_LEADERBOARD_H_
#define PLAUDIT_CLIENTS_PLAUDIT_LEADERBOARD_H_

#include <string>

#include "plaudit/v1/awards.pb.h"

namespace plaudit::cli {

// "aht=312.5 (n=140, norm=0.950)".
std::string MetricStandingText(const v1::MetricStanding& standing);

// What the award rule adds to a standing, e.g. "target 85%", "improvement +0.12 (previous 0.5)",
// "streak 3", "4 eligible members", comma-separated; empty when it adds nothing.
std::string RuleProgressText(const v1::Standing& standing);

std::string RenderLeaderboard(const v1::EvaluateAwardsResponse& response, bool dry_run);

// Which standings `--top N` keeps: the eligible ones ranked N or better (the first N rows of the
// leaderboard; more when agents tie at rank N), and the ineligible ones only when
// `with_ineligible`. N = 0 keeps every standing. Returns how many were left out.
int KeepTopStandings(v1::EvaluateAwardsResponse* response, int top, bool with_ineligible);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_LEADERBOARD_H_

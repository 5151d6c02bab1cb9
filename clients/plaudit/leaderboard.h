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

// `page_lines` (StandingsPageText() and what else the command says of the page) follow the
// standings.
std::string RenderLeaderboard(const v1::EvaluateAwardsResponse& response, bool dry_run,
                              const std::string& page_lines = "");

// Which standings of all the page holds, and how to ask for the next one: "standings 1–100 of
// 250; next page: --page-token 100", "standing 7 of 250", "no standings".
std::string StandingsPageText(const v1::EvaluateAwardsResponse& response);

// Leaves the ineligible standings out of the response (`--top` without `--ineligible`); returns
// how many were left out.
int LeaveOutIneligible(v1::EvaluateAwardsResponse* response);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_LEADERBOARD_H_

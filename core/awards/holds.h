// Gaming guards: which of a program's holds a winner matches, each as one readable sentence. A
// matched hold does not change ranks or who wins; it asks a human to review the award.
//
// Positions are taken within the winner's peer group, among its eligible competitors that have
// a value for the condition's measure (n of them), with the catalogue direction of the metric
// (a lower aht_seconds is better). "In the best P%" means fewer than P/100 x n of them are
// strictly better (values within a relative 1e-9 are equal, as in the ranking); "in the worst
// P%" means fewer than P/100 x n are strictly worse. So with n = 20 and P = 10, the best 10% are
// those with 0 or 1 better, and agents tied with them share the position. A competitor without a
// value never matches a condition. Pure functions; thread-safe.
#ifndef PLAUDIT_CORE_AWARDS_HOLDS_H_
#define PLAUDIT_CORE_AWARDS_HOLDS_H_

#include <string>
#include <vector>

#include "core/program/program_spec.h"
#include "core/scoring/scorecard.h"

namespace plaudit {

// One sentence per hold of `program` whose conditions all hold for the competitor
// `competitor_id` (CompetitorId() of one of `standings`), in the program's order, e.g.
// `hold "fast but repeats": aht_seconds mean 212 is in the best 10% of peer group phone (1 of
// 20 better)`. `standings` carry peer groups and eligibility as RankStandings() leaves them;
// `aggregates` are per competitor.
std::vector<std::string> MatchedHolds(const ProgramSpec& program,
                                      const std::vector<Standing>& standings,
                                      const AggregateTable& aggregates,
                                      const std::string& competitor_id);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_HOLDS_H_

// The award rules: which of a period's ranked competitors win, under top_n, threshold, tiers,
// target, most_improved and streak, and which of the winners' awards wait for review (holds).
// Scoring (core/scoring/scorecard.h) ranks; these rules pick. Pure functions of their inputs: the
// same inputs give the same winners; thread-safe.
#ifndef PLAUDIT_CORE_AWARDS_AWARD_RULES_H_
#define PLAUDIT_CORE_AWARDS_AWARD_RULES_H_

#include <string>
#include <vector>

#include "core/domain/agent.h"
#include "core/domain/period.h"
#include "core/program/program_spec.h"
#include "core/scoring/scorecard.h"

namespace plaudit {

struct Winner {
  // Empty under scope team.
  std::string agent_id;
  int rank = 0;
  // The tier reached under rule tiers; empty otherwise.
  std::string tier;
  // Why the award is held for human review (one readable sentence per hold that matched);
  // empty when it is not held.
  std::vector<std::string> holds;
  // Scope team: the winning team (the award goes to it or its `members`, per rewards_to).
  std::string team;
  std::vector<std::string> members;
};

struct Evaluation {
  // Eligible agents by rank, then ineligible agents by id.
  std::vector<Standing> standings;
  // In rank order. top_n: the n best (per peer group); threshold: every eligible agent whose
  // score or min_metric aggregate reaches the minimum; tiers: every eligible agent reaching a tier,
  // with the highest tier reached; target: every eligible agent whose target aggregate reaches
  // the target; most_improved: the n largest improvements above 0, ties broken like top_n's
  // (rank, then id) so exactly n win when n improved; streak: every agent won by the base rule
  // in this period and each of the periods - 1 before. A value within a relative 1e-9 of a
  // minimum reaches it. Each winner's `holds` lists the program's holds it matches.
  std::vector<Winner> winners;
};

// One period before the evaluated one, for rules that look back (most_improved, streak): its
// window and every agent's aggregates in it, as for the evaluated period.
struct EarlierPeriod {
  PeriodWindow period;
  AggregateTable aggregates;
};

// `earlier`: the periods just before `period`, latest first; EarlierPeriodsNeeded(program) of
// them (missing ones count as periods nobody was eligible in). Each is evaluated with the same
// scorecard and agents. Under scope team, `aggregates` are still per agent: a team's are its
// eligible members' events pooled (TeamAggregates()).
Evaluation EvaluateProgram(const ProgramSpec& program, const PeriodWindow& period,
                           const std::vector<Agent>& agents, const AggregateTable& aggregates,
                           const std::vector<EarlierPeriod>& earlier = {});

// The second half of EvaluateProgram(): normalises the metric values of the eligible standings
// within their peer groups, scores, ranks and picks the winners. `standings` carry the agent,
// peer group, eligibility and metric values as EvaluateProgram() sets them; the rest is
// recomputed, as are target_progress, improvement (from `previous`) and streak (from
// earlier_streak). `aggregates` (per competitor: per team under scope team) are read for the
// award's and holds' measures. Lets a caller ask what the outcome would be with one value
// changed (core/awards/explain.h).
Evaluation RankStandings(const ProgramSpec& program, std::vector<Standing> standings,
                         const AggregateTable& aggregates);

// Whether a score (or an aggregate) reaches a minimum: at or above it, or tied with it
// (TiedValues(): a score of exactly 0.8 reached through a weighted sum may be 0.7999999999999999).
bool ReachesMinimum(double value, double min);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_AWARD_RULES_H_

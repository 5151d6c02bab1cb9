#include "core/awards/restatement.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace plaudit {
namespace {

std::string RankText(const Standing* s) {
  if (s == nullptr) return "absent";
  if (!s->eligible) return absl::StrCat("ineligible (", absl::StrJoin(s->reasons, "; "), ")");
  return absl::StrCat("rank ", s->rank);
}

const std::string& AwardeeId(const AwardRecord& award) {
  return award.agent_id.empty() ? award.team : award.agent_id;
}

}  // namespace

std::vector<std::string> RestatementDifferences(const DecisionRecord& committed,
                                                const DecisionRecord& now) {
  std::map<std::string, const Standing*> then_standing, now_standing;
  // Keyed by competitor: the agent, or the team of a team program.
  for (const Standing& s : committed.standings) then_standing[CompetitorId(s)] = &s;
  for (const Standing& s : now.standings) now_standing[CompetitorId(s)] = &s;
  std::set<std::string> then_winners, now_winners, agents;
  for (const AwardRecord& a : committed.awards) then_winners.insert(AwardeeId(a));
  for (const AwardRecord& a : now.awards) now_winners.insert(AwardeeId(a));
  for (const auto& [agent, s] : then_standing) agents.insert(agent);
  for (const auto& [agent, s] : now_standing) agents.insert(agent);

  std::vector<std::string> lines;
  for (const std::string& agent : agents) {
    const Standing* before = then_standing.count(agent) ? then_standing[agent] : nullptr;
    const Standing* after = now_standing.count(agent) ? now_standing[agent] : nullptr;
    const bool won = then_winners.count(agent) > 0;
    const bool wins = now_winners.count(agent) > 0;
    std::string change;
    if (won && !wins) {
      change = "awarded then, would not be now";
    } else if (!won && wins) {
      change = "not awarded then, would be now";
    }
    std::string then_rank = RankText(before);
    std::string now_rank = RankText(after);
    if (then_rank != now_rank) {
      absl::StrAppend(&change, change.empty() ? "" : "; ", then_rank, " -> ", now_rank);
    }
    if (!change.empty()) lines.push_back(absl::StrCat(agent, ": ", change));
  }
  return lines;
}

}  // namespace plaudit

#include "clients/plaudit/leaderboard.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "clients/plaudit/display_names.h"
#include "clients/plaudit/output.h"
#include "clients/plaudit/table.h"

namespace plaudit::cli {
namespace {

std::string Fixed3(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.3f", value);
  return buffer;
}

std::string JoinedReasons(const v1::Standing& standing) {
  std::string text;
  for (const std::string& reason : standing.reasons()) {
    if (!text.empty()) text += "; ";
    text += reason;
  }
  return text;
}

// "team:<name>" for a team, as fulfilment plugins see it.
std::string CompetitorText(const std::string& agent_id, const std::string& team) {
  return agent_id.empty() && !team.empty() ? "team:" + team : agent_id;
}

std::string StandingDetails(const v1::Standing& standing) {
  std::string text = RuleProgressText(standing);
  if (!standing.eligible()) {
    return "ineligible: " + JoinedReasons(standing) + (text.empty() ? "" : "; " + text);
  }
  for (const v1::MetricStanding& metric : standing.metrics()) {
    if (!text.empty()) text += ", ";
    text += MetricStandingText(metric);
  }
  return text;
}

Table StandingsTable(const v1::EvaluateAwardsResponse& response) {
  std::vector<const v1::Standing*> order;
  for (const v1::Standing& standing : response.standings()) order.push_back(&standing);
  // Eligible first, by rank; the ineligible keep the server's order.
  std::stable_sort(order.begin(), order.end(), [](const v1::Standing* a, const v1::Standing* b) {
    if (a->eligible() != b->eligible()) return a->eligible();
    return a->eligible() && a->rank() < b->rank();
  });

  Table table;
  table.columns = {{"rank", ColumnType::kInteger},
                   {"agent_id", ColumnType::kText},
                   {"peer_group", ColumnType::kText},
                   {"score", ColumnType::kDecimal},
                   {"details", ColumnType::kText}};
  for (const v1::Standing* standing : order) {
    Cell rank = std::string("-");
    Cell score = std::string("-");
    if (standing->eligible()) {
      rank = int64_t{standing->rank()};
      score = Fixed3(standing->score());
    }
    table.rows.push_back({rank, CompetitorText(standing->agent_id(), standing->team()),
                          standing->peer_group(), score, StandingDetails(*standing)});
  }
  return table;
}

Table AwardsTable(const v1::EvaluateAwardsResponse& response) {
  Table table;
  table.columns = {{"id", ColumnType::kText},
                   {"agent_id", ColumnType::kText},
                   {"rank", ColumnType::kInteger},
                   {"rewards", ColumnType::kText},
                   {"state", ColumnType::kText}};
  for (const v1::Award& award : response.awards()) {
    table.rows.push_back({award.id(), CompetitorText(award.agent_id(), award.team()),
                          int64_t{award.rank()}, AwardRewardsText(award),
                          AwardStateName(award.state())});
  }
  return table;
}

}  // namespace

std::string MetricStandingText(const v1::MetricStanding& standing) {
  return standing.metric() + "=" + CompactDecimal(standing.value(), 3) +
         " (n=" + std::to_string(standing.samples()) + ", norm=" + Fixed3(standing.normalized()) +
         ")";
}

std::string RuleProgressText(const v1::Standing& standing) {
  std::vector<std::string> parts;
  if (standing.has_target_progress()) {
    parts.push_back("target " + CompactDecimal(standing.target_progress() * 100, 1) + "%");
  }
  if (standing.has_improvement()) {
    parts.push_back(std::string("improvement ") + (standing.improvement() >= 0 ? "+" : "") +
                    CompactDecimal(standing.improvement(), 3) + " (previous " +
                    CompactDecimal(standing.previous(), 3) + ")");
  } else if (standing.has_previous()) {
    parts.push_back("previous " + CompactDecimal(standing.previous(), 3));
  }
  if (standing.streak() > 0) {
    parts.push_back("streak " + std::to_string(standing.streak()));
  } else if (standing.earlier_streak() > 0) {
    parts.push_back("streak " + std::to_string(standing.earlier_streak()) + " before this period");
  }
  if (!standing.team().empty()) {
    parts.push_back(std::to_string(standing.members_size()) + " eligible members");
  }
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

std::string RenderLeaderboard(const v1::EvaluateAwardsResponse& response, bool dry_run,
                              const std::string& page_lines) {
  std::string out = RenderTable(StandingsTable(response));
  out += page_lines;
  out += "\nAwards:\n";
  out += response.awards().empty() ? "(none)\n" : RenderTable(AwardsTable(response));
  if (dry_run) {
    out += "(dry run: nothing was written)\n";
  } else if (!response.newly_committed()) {
    out += "(already decided earlier; returned as stored)\n";
  }
  return out;
}

std::string StandingsPageText(const v1::EvaluateAwardsResponse& response) {
  const int64_t total = response.total_standings();
  const int64_t shown = response.standings_size();
  if (shown == 0) {
    return total == 0 ? "no standings\n"
                      : "no standings on this page, of " + std::to_string(total) + "\n";
  }
  const int64_t first = response.standings_offset() + 1;
  std::string text = shown == 1 ? "standing " + std::to_string(first)
                                : "standings " + std::to_string(first) + "\u2013" +
                                      std::to_string(first + shown - 1);
  text += " of " + std::to_string(std::max(total, first + shown - 1));
  if (!response.next_page_token().empty()) {
    text += "; next page: --page-token " + response.next_page_token();
  }
  return text + "\n";
}

int LeaveOutIneligible(v1::EvaluateAwardsResponse* response) {
  auto* standings = response->mutable_standings();
  const int before = standings->size();
  // Erase-remove keeps the server's order of what stays.
  int kept = 0;
  for (int i = 0; i < standings->size(); ++i) {
    if (standings->Get(i).eligible()) standings->SwapElements(kept++, i);
  }
  standings->DeleteSubrange(kept, before - kept);
  return before - kept;
}

}  // namespace plaudit::cli

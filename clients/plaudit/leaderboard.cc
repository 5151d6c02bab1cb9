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

std::string StandingDetails(const v1::Standing& standing) {
  if (!standing.eligible()) return "ineligible: " + JoinedReasons(standing);
  std::string text;
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
    table.rows.push_back(
        {rank, standing->agent_id(), standing->peer_group(), score, StandingDetails(*standing)});
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
    table.rows.push_back({award.id(), award.agent_id(), int64_t{award.rank()},
                          RewardsText(award.rewards()), AwardStateName(award.state())});
  }
  return table;
}

}  // namespace

std::string MetricStandingText(const v1::MetricStanding& standing) {
  return standing.metric() + "=" + CompactDecimal(standing.value(), 3) +
         " (n=" + std::to_string(standing.samples()) + ", norm=" + Fixed3(standing.normalized()) +
         ")";
}

std::string RenderLeaderboard(const v1::EvaluateAwardsResponse& response, bool dry_run) {
  std::string out = RenderTable(StandingsTable(response));
  out += "\nAwards:\n";
  out += response.awards().empty() ? "(none)\n" : RenderTable(AwardsTable(response));
  if (dry_run) {
    out += "(dry run: nothing was written)\n";
  } else if (!response.newly_committed()) {
    out += "(already decided earlier; returned as stored)\n";
  }
  return out;
}

}  // namespace plaudit::cli

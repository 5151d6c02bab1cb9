#include "core/awards/holds.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace plaudit {
namespace {

// "aht_seconds mean 212".
std::string ValueText(const Gate& measure, double value) {
  return absl::StrCat(MeasureLabel(measure), " ", std::string(AggregationName(measure.aggregation)),
                      " ", value);
}

// The sentence of a matched condition, or nullopt when it does not match.
std::optional<std::string> MatchCondition(const HoldCondition& condition, const Standing& self,
                                          const std::vector<Standing>& standings,
                                          const AggregateTable& aggregates) {
  const std::optional<double> value =
      GateAggregate(condition.measure, aggregates, CompetitorId(self));
  if (!value.has_value() || !std::isfinite(*value)) return std::nullopt;
  switch (condition.kind) {
    case HoldCondition::Kind::kMin:
      if (!(*value >= condition.bound)) return std::nullopt;
      return absl::StrCat(ValueText(condition.measure, *value), " is at least ", condition.bound);
    case HoldCondition::Kind::kMax:
      if (!(*value <= condition.bound)) return std::nullopt;
      return absl::StrCat(ValueText(condition.measure, *value), " is at most ", condition.bound);
    case HoldCondition::Kind::kBestPercent:
    case HoldCondition::Kind::kWorstPercent:
      break;
  }
  const bool best = condition.kind == HoldCondition::Kind::kBestPercent;
  const double sign = condition.direction == Direction::kLowerIsBetter ? -1.0 : 1.0;
  const double mine = sign * *value;
  int64_t n = 0;
  int64_t beyond = 0;
  for (const Standing& other : standings) {
    if (!other.eligible || other.peer_group != self.peer_group) continue;
    const std::optional<double> theirs =
        GateAggregate(condition.measure, aggregates, CompetitorId(other));
    if (!theirs.has_value() || !std::isfinite(*theirs)) continue;
    ++n;
    const double directed = sign * *theirs;
    if (TiedValues(directed, mine)) continue;
    if (best ? directed > mine : directed < mine) ++beyond;
  }
  // beyond < P/100 x n, kept exact for whole percentages: beyond x 100 < P x n.
  if (!(static_cast<double>(beyond) * 100 < condition.bound * static_cast<double>(n))) {
    return std::nullopt;
  }
  return absl::StrCat(ValueText(condition.measure, *value), " is in the ",
                      best ? "best " : "worst ", condition.bound, "% of peer group ",
                      self.peer_group, " (", beyond, " of ", n, best ? " better)" : " worse)");
}

}  // namespace

std::vector<std::string> MatchedHolds(const ProgramSpec& program,
                                      const std::vector<Standing>& standings,
                                      const AggregateTable& aggregates,
                                      const std::string& competitor_id) {
  std::vector<std::string> matched;
  const Standing* self = nullptr;
  for (const Standing& standing : standings) {
    if (CompetitorId(standing) == competitor_id) self = &standing;
  }
  if (self == nullptr) return matched;
  for (const Hold& hold : program.holds) {
    std::vector<std::string> parts;
    for (const HoldCondition& condition : hold.when) {
      std::optional<std::string> part = MatchCondition(condition, *self, standings, aggregates);
      if (!part.has_value()) break;
      parts.push_back(*std::move(part));
    }
    if (parts.size() != hold.when.size()) continue;
    matched.push_back(absl::StrCat("hold \"", hold.name, "\": ", absl::StrJoin(parts, "; ")));
  }
  return matched;
}

}  // namespace plaudit

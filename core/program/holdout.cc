#include "core/program/holdout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace plaudit {

uint64_t HoldoutHash(uint64_t seed, std::string_view id) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  const std::string text = absl::StrCat(seed, ":", absl::string_view(id.data(), id.size()));
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::set<std::string> HoldoutMembers(const HoldoutSpec& holdout,
                                     const std::vector<HoldoutCandidate>& candidates) {
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> groups;
  for (const HoldoutCandidate& c : candidates) {
    groups[c.peer_group].emplace_back(HoldoutHash(holdout.seed, c.id), c.id);
  }
  std::set<std::string> members;
  for (auto& [group, ordered] : groups) {
    std::sort(ordered.begin(), ordered.end());
    const auto held =
        static_cast<size_t>(std::llround(holdout.share * static_cast<double>(ordered.size())));
    for (size_t i = 0; i < held && i < ordered.size(); ++i) members.insert(ordered[i].second);
  }
  return members;
}

bool HoldoutApplies(const HoldoutSpec& holdout, Cadence cadence, absl::TimeZone zone,
                    absl::Time period_start) {
  if (holdout.until.empty()) return true;
  auto until = ParsePeriod(cadence, holdout.until, zone);
  return until.ok() && period_start <= until->start;
}

}  // namespace plaudit

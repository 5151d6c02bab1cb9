// Who is in a program's holdout in a period. Within each peer group, the eligible competitors are
// ordered by a hash of the holdout's seed and their id (FNV-1a, 64 bits, of "<seed>:<id>"; ties by
// id), and the first round(share x n) of the n are held out: the same share of every peer group,
// random with respect to everything else, and stable from one period to the next while the group
// stays the same (an agent keeps their place in the order; only the cut moves with the group's
// size). Pure and deterministic: the award decider and the program report compute the same set.
#ifndef PLAUDIT_CORE_PROGRAM_HOLDOUT_H_
#define PLAUDIT_CORE_PROGRAM_HOLDOUT_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "core/program/program_spec.h"

namespace plaudit {

// An eligible competitor of a period: its id (an agent, or a team under scope team) and peer
// group.
struct HoldoutCandidate {
  std::string id;
  std::string peer_group;
};

// FNV-1a 64 of "<seed>:<id>".
uint64_t HoldoutHash(uint64_t seed, std::string_view id);

// The held-out ids among `candidates`.
std::set<std::string> HoldoutMembers(const HoldoutSpec& holdout,
                                     const std::vector<HoldoutCandidate>& candidates);

// Whether the holdout applies to the period starting at `period_start`: always without `until`,
// else up to and including the period `until` (of `cadence` in `zone`).
bool HoldoutApplies(const HoldoutSpec& holdout, Cadence cadence, absl::TimeZone zone,
                    absl::Time period_start);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_PROGRAM_HOLDOUT_H_

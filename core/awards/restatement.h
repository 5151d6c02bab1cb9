// What would differ if a committed decision were made again now (late events, corrected data):
// shown to people, never applied. Late data never changes committed awards.
#ifndef PLAUDIT_CORE_AWARDS_RESTATEMENT_H_
#define PLAUDIT_CORE_AWARDS_RESTATEMENT_H_

#include <string>
#include <vector>

#include "core/store/store.h"

namespace plaudit {

// One readable line per change, in agent order: an award gained or lost, a changed rank, a
// changed eligibility. Empty when the decision would be the same.
std::vector<std::string> RestatementDifferences(const DecisionRecord& committed,
                                                const DecisionRecord& now);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_RESTATEMENT_H_

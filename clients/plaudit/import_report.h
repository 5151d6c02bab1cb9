// How `plaudit agents import` and `plaudit metrics import` report rejected rows on stderr.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_IMPORT_REPORT_H_
#define PLAUDIT_CLIENTS_PLAUDIT_IMPORT_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <vector>

#include "plaudit/v1/common.pb.h"

namespace plaudit::cli {

// No limit on the number of row errors printed.
inline constexpr size_t kAllRowErrors = std::numeric_limits<size_t>::max();

// Prints "line N: reason" for each error, in line order, at most `limit` of them, then
// "... and K more" for the rest. `rejected` is the number of rows rejected, which may exceed
// errors.size() when the server listed only some of them.
void PrintRowErrors(std::vector<v1::RowError> errors, int64_t rejected, size_t limit,
                    std::ostream& err);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_IMPORT_REPORT_H_

#include "clients/plaudit/import_report.h"

#include <algorithm>

namespace plaudit::cli {

void PrintRowErrors(std::vector<v1::RowError> errors, int64_t rejected, size_t limit,
                    std::ostream& err) {
  std::stable_sort(errors.begin(), errors.end(), [](const v1::RowError& a, const v1::RowError& b) {
    return a.line() < b.line();
  });
  size_t shown = std::min(limit, errors.size());
  for (size_t i = 0; i < shown; ++i) {
    err << "line " << errors[i].line() << ": " << errors[i].reason() << '\n';
  }
  int64_t total = std::max<int64_t>(rejected, static_cast<int64_t>(errors.size()));
  if (total > static_cast<int64_t>(shown)) {
    err << "... and " << total - static_cast<int64_t>(shown) << " more\n";
  }
}

}  // namespace plaudit::cli

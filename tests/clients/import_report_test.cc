#include "clients/plaudit/import_report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace plaudit::cli {
namespace {

v1::RowError Error(int64_t line, const std::string& reason) {
  v1::RowError error;
  error.set_line(line);
  error.set_reason(reason);
  return error;
}

TEST(PrintRowErrors, PrintsEachErrorInLineOrder) {
  std::ostringstream err;
  PrintRowErrors({Error(7, "unknown metric \"x\""), Error(3, "value: not a number")}, 2,
                 kAllRowErrors, err);
  EXPECT_EQ(err.str(),
            "line 3: value: not a number\n"
            "line 7: unknown metric \"x\"\n");
}

TEST(PrintRowErrors, StopsAtTheLimitAndCountsTheRest) {
  std::vector<v1::RowError> errors;
  for (int line = 2; line < 7; ++line) errors.push_back(Error(line, "bad"));
  std::ostringstream err;
  PrintRowErrors(errors, 5, 2, err);
  EXPECT_EQ(err.str(), "line 2: bad\nline 3: bad\n... and 3 more\n");
}

TEST(PrintRowErrors, CountsRejectionsTheServerDidNotList) {
  std::ostringstream err;
  PrintRowErrors({Error(2, "bad")}, 40, 100, err);
  EXPECT_EQ(err.str(), "line 2: bad\n... and 39 more\n");
}

TEST(PrintRowErrors, NothingRejectedPrintsNothing) {
  std::ostringstream err;
  PrintRowErrors({}, 0, 100, err);
  EXPECT_EQ(err.str(), "");
}

}  // namespace
}  // namespace plaudit::cli

#include "clients/plaudit/import_progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace plaudit::cli {
namespace {

using std::chrono::milliseconds;

TEST(ImportProgress, DescribesRowsAndMegabytes) {
  EXPECT_EQ(ImportProgress::Describe(120000, 12'345'678), "sent 120000 rows (12.3 MB)");
  EXPECT_EQ(ImportProgress::Describe(0, 0), "sent 0 rows (0.0 MB)");
}

TEST(ImportProgress, DrawsNothingWhenDisabled) {
  std::ostringstream out;
  ImportProgress progress(out, /*enabled=*/false);
  progress.Update(2000, 100000, ImportProgress::Clock::time_point());
  progress.Clear();
  EXPECT_EQ(out.str(), "");
}

TEST(ImportProgress, RedrawsAtMostOncePerInterval) {
  std::ostringstream out;
  ImportProgress progress(out, /*enabled=*/true, milliseconds(200));
  const ImportProgress::Clock::time_point start;
  progress.Update(2000, 1'000'000, start);
  progress.Update(4000, 2'000'000, start + milliseconds(100));
  progress.Update(6000, 3'000'000, start + milliseconds(200));
  EXPECT_EQ(out.str(), "\rsent 2000 rows (1.0 MB)\rsent 6000 rows (3.0 MB)");
}

TEST(ImportProgress, PadsOverALongerPreviousLineAndClearsAtTheEnd) {
  std::ostringstream out;
  ImportProgress progress(out, /*enabled=*/true, milliseconds(0));
  const ImportProgress::Clock::time_point start;
  progress.Update(12000, 12'000'000, start);  // "sent 12000 rows (12.0 MB)", 25 characters
  progress.Update(9, 0, start);               // "sent 9 rows (0.0 MB)", 20 characters
  progress.Clear();
  EXPECT_EQ(out.str(),
            "\rsent 12000 rows (12.0 MB)"
            "\rsent 9 rows (0.0 MB)     "
            "\r                    \r");
}

TEST(ImportProgress, ClearWithoutADrawnLineWritesNothing) {
  std::ostringstream out;
  ImportProgress progress(out, /*enabled=*/true);
  progress.Clear();
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace plaudit::cli

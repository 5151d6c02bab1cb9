#include "core/scoring/period.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

using ::testing::HasSubstr;

absl::Time Utc(int year, int month, int day, int hour) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0), absl::UTCTimeZone());
}

absl::TimeZone Zone(const std::string& name) {
  absl::StatusOr<absl::TimeZone> zone = LoadZone(name);
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone.ok() ? *zone : absl::UTCTimeZone();
}

TEST(MonthPeriod, StockholmOctoberHasTheExtraHourOfTheDstChange) {
  absl::StatusOr<PeriodWindow> window = MonthPeriod("2026-10", Zone("Europe/Stockholm"));
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->label, "2026-10");
  // Midnight CEST (+02:00) on Oct 1 to midnight CET (+01:00) on Nov 1.
  EXPECT_EQ(window->start, Utc(2026, 9, 30, 22));
  EXPECT_EQ(window->end, Utc(2026, 10, 31, 23));
  EXPECT_EQ(window->end - window->start, absl::Hours(31 * 24 + 1));
  EXPECT_EQ(window->first_day, absl::CivilDay(2026, 10, 1));
  EXPECT_EQ(window->day_after_last, absl::CivilDay(2026, 11, 1));
}

TEST(MonthPeriod, StockholmMarchLosesAnHour) {
  absl::StatusOr<PeriodWindow> window = MonthPeriod("2026-03", Zone("Europe/Stockholm"));
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->start, Utc(2026, 2, 28, 23));
  EXPECT_EQ(window->end, Utc(2026, 3, 31, 22));
  EXPECT_EQ(window->end - window->start, absl::Hours(31 * 24 - 1));
}

TEST(MonthPeriod, DecemberEndsAtTheFirstOfJanuaryOfTheNextYear) {
  absl::StatusOr<PeriodWindow> window = MonthPeriod("2026-12", absl::UTCTimeZone());
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->start, Utc(2026, 12, 1, 0));
  EXPECT_EQ(window->end, Utc(2027, 1, 1, 0));
  EXPECT_EQ(window->day_after_last, absl::CivilDay(2027, 1, 1));
}

TEST(MonthPeriod, LeapFebruaryHas29Days) {
  absl::StatusOr<PeriodWindow> window = MonthPeriod("2028-02", absl::UTCTimeZone());
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->end - window->start, absl::Hours(29 * 24));
  EXPECT_EQ(window->day_after_last, absl::CivilDay(2028, 3, 1));
}

TEST(MonthPeriod, RepeatedMidnightStartsAtItsFirstOccurrence) {
  // Havana falls back from 01:00 CDT (-04:00) to 00:00 CST (-05:00) on 2026-11-01, so local
  // midnight happens at 04:00Z and again at 05:00Z; the month starts at the first.
  absl::TimeZone havana = Zone("America/Havana");
  absl::StatusOr<PeriodWindow> october = MonthPeriod("2026-10", havana);
  absl::StatusOr<PeriodWindow> november = MonthPeriod("2026-11", havana);
  ASSERT_TRUE(october.ok()) << october.status();
  ASSERT_TRUE(november.ok()) << november.status();
  EXPECT_EQ(october->end, Utc(2026, 11, 1, 4));
  EXPECT_EQ(november->start, october->end);
}

TEST(MonthPeriod, SkippedMidnightStartsAtTheTransition) {
  // Karachi sprang forward from 00:00 PKT (+05:00) to 01:00 PKST (+06:00) on 2008-06-01.
  absl::StatusOr<PeriodWindow> june = MonthPeriod("2008-06", Zone("Asia/Karachi"));
  ASSERT_TRUE(june.ok()) << june.status();
  EXPECT_EQ(june->start, Utc(2008, 5, 31, 19));
}

TEST(MonthPeriod, RejectsLabelsThatAreNotExactlyYearDashMonth) {
  for (const char* label : {"2026-13", "2026-00", "2026-1", "26-10", "2026/10", "2026-10-01",
                            " 2026-10", "2026-10 ", "", "+026-10", "2026-1a", "2026_10"}) {
    absl::StatusOr<PeriodWindow> window = MonthPeriod(label, absl::UTCTimeZone());
    ASSERT_FALSE(window.ok()) << label;
    EXPECT_EQ(window.status().code(), absl::StatusCode::kInvalidArgument) << label;
    EXPECT_THAT(window.status().message(), HasSubstr(std::string("\"") + label + "\""));
  }
}

TEST(PeriodLoadZone, LoadsIanaNames) {
  EXPECT_TRUE(LoadZone("Europe/Stockholm").ok());
  EXPECT_TRUE(LoadZone("UTC").ok());
  EXPECT_TRUE(LoadZone("America/Argentina/Buenos_Aires").ok());
  EXPECT_TRUE(LoadZone("Etc/GMT+1").ok());
}

TEST(PeriodLoadZone, RejectsUnknownNamesAndPaths) {
  for (const char* name : {"Mars/Olympus_Mons", "", "/etc/localtime", "../zoneinfo/UTC",
                           "localtime", "Europe//Stockholm", "Europe/Stockholm "}) {
    absl::StatusOr<absl::TimeZone> zone = LoadZone(name);
    ASSERT_FALSE(zone.ok()) << name;
    EXPECT_EQ(zone.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(zone.status().message(), std::string("unknown time zone \"") + name + "\"");
  }
}

}  // namespace
}  // namespace plaudit

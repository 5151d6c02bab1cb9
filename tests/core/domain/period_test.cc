#include "core/domain/period.h"

#include <optional>
#include <string>
#include <utility>

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

PeriodWindow Parse(Cadence cadence, const std::string& label, absl::TimeZone zone) {
  absl::StatusOr<PeriodWindow> window = ParsePeriod(cadence, label, zone);
  EXPECT_TRUE(window.ok()) << label << ": " << window.status();
  return window.ok() ? *window : PeriodWindow{};
}

TEST(ParsePeriod, DayOfSpringDstChangeHas23Hours) {
  // Stockholm: 2026-03-29 00:00 CET (+01:00) to 2026-03-30 00:00 CEST (+02:00).
  PeriodWindow day = Parse(Cadence::kDaily, "2026-03-29", Zone("Europe/Stockholm"));
  EXPECT_EQ(day.start, Utc(2026, 3, 28, 23));
  EXPECT_EQ(day.end, Utc(2026, 3, 29, 22));
  EXPECT_EQ(day.end - day.start, absl::Hours(23));
  EXPECT_EQ(day.first_day, absl::CivilDay(2026, 3, 29));
  EXPECT_EQ(day.day_after_last, absl::CivilDay(2026, 3, 30));
}

TEST(ParsePeriod, DayOfAutumnDstChangeHas25Hours) {
  PeriodWindow day = Parse(Cadence::kDaily, "2026-10-25", Zone("Europe/Stockholm"));
  EXPECT_EQ(day.start, Utc(2026, 10, 24, 22));
  EXPECT_EQ(day.end, Utc(2026, 10, 25, 23));
  EXPECT_EQ(day.end - day.start, absl::Hours(25));
}

TEST(ParsePeriod, IsoWeekStartsOnMonday) {
  // 2026 starts on a Thursday, so its week 1 starts on Monday 2025-12-29 and week 41 on 2026-10-05.
  PeriodWindow week = Parse(Cadence::kWeekly, "2026-W41", absl::UTCTimeZone());
  EXPECT_EQ(week.first_day, absl::CivilDay(2026, 10, 5));
  EXPECT_EQ(week.day_after_last, absl::CivilDay(2026, 10, 12));
  EXPECT_EQ(week.start, Utc(2026, 10, 5, 0));
  EXPECT_EQ(week.end, Utc(2026, 10, 12, 0));
  EXPECT_EQ(Parse(Cadence::kWeekly, "2026-W01", absl::UTCTimeZone()).first_day,
            absl::CivilDay(2025, 12, 29));
  // 2025 starts on a Wednesday: January 4 is a Saturday, its Monday is 2024-12-30.
  EXPECT_EQ(Parse(Cadence::kWeekly, "2025-W01", absl::UTCTimeZone()).first_day,
            absl::CivilDay(2024, 12, 30));
}

TEST(ParsePeriod, WeekWithAutumnDstChangeHas169Hours) {
  // Week 43 of 2026 runs Monday 2026-10-19 (CEST) to Monday 2026-10-26 (CET).
  PeriodWindow week = Parse(Cadence::kWeekly, "2026-W43", Zone("Europe/Stockholm"));
  EXPECT_EQ(week.start, Utc(2026, 10, 18, 22));
  EXPECT_EQ(week.end, Utc(2026, 10, 25, 23));
  EXPECT_EQ(week.end - week.start, absl::Hours(7 * 24 + 1));
}

TEST(ParsePeriod, Week53ExistsOnlyInLongYears) {
  // 2026 starts on a Thursday and 2020 (a leap year) on a Wednesday: both have 53 weeks.
  PeriodWindow w2026 = Parse(Cadence::kWeekly, "2026-W53", absl::UTCTimeZone());
  EXPECT_EQ(w2026.first_day, absl::CivilDay(2026, 12, 28));
  EXPECT_EQ(w2026.day_after_last, absl::CivilDay(2027, 1, 4));
  PeriodWindow w2020 = Parse(Cadence::kWeekly, "2020-W53", absl::UTCTimeZone());
  EXPECT_EQ(w2020.first_day, absl::CivilDay(2020, 12, 28));
  EXPECT_EQ(w2020.day_after_last, absl::CivilDay(2021, 1, 4));
  // 2027 starts on a Friday and 2025 on a Wednesday without being leap: 52 weeks each.
  for (const char* label : {"2027-W53", "2025-W53"}) {
    absl::StatusOr<PeriodWindow> window = ParsePeriod(Cadence::kWeekly, label, absl::UTCTimeZone());
    ASSERT_FALSE(window.ok()) << label;
    EXPECT_EQ(window.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(window.status().message(), HasSubstr("has ISO weeks 01 to 52"));
  }
}

TEST(ParsePeriod, QuarterSpanningSpringDstChangeLosesAnHour) {
  // Q1 2026 in Stockholm: 2026-01-01 00:00 CET to 2026-04-01 00:00 CEST, 90 days less an hour.
  PeriodWindow q1 = Parse(Cadence::kQuarterly, "2026-Q1", Zone("Europe/Stockholm"));
  EXPECT_EQ(q1.start, Utc(2025, 12, 31, 23));
  EXPECT_EQ(q1.end, Utc(2026, 3, 31, 22));
  EXPECT_EQ(q1.end - q1.start, absl::Hours(90 * 24 - 1));
  EXPECT_EQ(q1.day_after_last, absl::CivilDay(2026, 4, 1));
}

TEST(ParsePeriod, QuarterSpanningAutumnDstChangeGainsAnHour) {
  PeriodWindow q4 = Parse(Cadence::kQuarterly, "2026-Q4", Zone("Europe/Stockholm"));
  EXPECT_EQ(q4.start, Utc(2026, 9, 30, 22));
  EXPECT_EQ(q4.end, Utc(2026, 12, 31, 23));
  EXPECT_EQ(q4.end - q4.start, absl::Hours(92 * 24 + 1));
  EXPECT_EQ(q4.day_after_last, absl::CivilDay(2027, 1, 1));
}

TEST(ParsePeriod, YearHoldsBothDstChanges) {
  // Both ends are midnight CET, so the two changes cancel out.
  PeriodWindow year = Parse(Cadence::kYearly, "2026", Zone("Europe/Stockholm"));
  EXPECT_EQ(year.start, Utc(2025, 12, 31, 23));
  EXPECT_EQ(year.end, Utc(2026, 12, 31, 23));
  EXPECT_EQ(year.end - year.start, absl::Hours(365 * 24));
  EXPECT_EQ(Parse(Cadence::kYearly, "2028", absl::UTCTimeZone()).day_after_last,
            absl::CivilDay(2029, 1, 1));
}

TEST(ParsePeriod, LabelOfAnotherCadenceNamesTheExpectedForm) {
  absl::StatusOr<PeriodWindow> window =
      ParsePeriod(Cadence::kWeekly, "2026-10", absl::UTCTimeZone());
  ASSERT_FALSE(window.ok());
  EXPECT_EQ(window.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(window.status().message(), "expected a weekly period like 2026-W41, got \"2026-10\"");
  EXPECT_EQ(ParsePeriod(Cadence::kDaily, "2026-W41", absl::UTCTimeZone()).status().message(),
            "expected a daily period like 2026-10-05, got \"2026-W41\"");
  EXPECT_EQ(ParsePeriod(Cadence::kQuarterly, "2026", absl::UTCTimeZone()).status().message(),
            "expected a quarterly period like 2026-Q4, got \"2026\"");
  EXPECT_EQ(ParsePeriod(Cadence::kYearly, "2026-Q4", absl::UTCTimeZone()).status().message(),
            "expected a yearly period like 2026, got \"2026-Q4\"");
}

TEST(ParsePeriod, RejectsMalformedLabels) {
  const std::pair<Cadence, const char*> cases[] = {
      {Cadence::kDaily, "2026-02-29"},  {Cadence::kDaily, "2026-13-01"},
      {Cadence::kDaily, "2026-04-31"},  {Cadence::kDaily, "2026-10-5"},
      {Cadence::kDaily, "2026-00-10"},  {Cadence::kWeekly, "2026-W00"},
      {Cadence::kWeekly, "2026-W54"},   {Cadence::kWeekly, "2026-w41"},
      {Cadence::kWeekly, "2026W41"},    {Cadence::kWeekly, "2026-W4"},
      {Cadence::kQuarterly, "2026-Q0"}, {Cadence::kQuarterly, "2026-Q5"},
      {Cadence::kQuarterly, "2026-4"},  {Cadence::kYearly, "26"},
      {Cadence::kYearly, "+2026"},      {Cadence::kYearly, "2026 "}};
  for (const auto& [cadence, label] : cases) {
    absl::StatusOr<PeriodWindow> window = ParsePeriod(cadence, label, absl::UTCTimeZone());
    ASSERT_FALSE(window.ok()) << label;
    EXPECT_EQ(window.status().code(), absl::StatusCode::kInvalidArgument) << label;
    EXPECT_THAT(window.status().message(), HasSubstr(std::string("\"") + label + "\""));
  }
  EXPECT_TRUE(ParsePeriod(Cadence::kDaily, "2028-02-29", absl::UTCTimeZone()).ok());
}

TEST(PeriodOfDay, NewYearDaysBelongToTheWeekOfTheirThursday) {
  absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, absl::CivilDay(2026, 12, 31), utc).label, "2026-W53");
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, absl::CivilDay(2027, 1, 1), utc).label, "2026-W53");
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, absl::CivilDay(2027, 1, 3), utc).label, "2026-W53");
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, absl::CivilDay(2027, 1, 4), utc).label, "2027-W01");
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, absl::CivilDay(2021, 1, 3), utc).label, "2020-W53");
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, absl::CivilDay(2024, 12, 30), utc).label, "2025-W01");
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, absl::CivilDay(2026, 10, 11), utc).label, "2026-W41");
}

TEST(PeriodOfDay, LabelsOfEveryCadence) {
  absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilDay day(2026, 10, 5);
  EXPECT_EQ(PeriodOfDay(Cadence::kDaily, day, utc).label, "2026-10-05");
  EXPECT_EQ(PeriodOfDay(Cadence::kWeekly, day, utc).label, "2026-W41");
  EXPECT_EQ(PeriodOfDay(Cadence::kMonthly, day, utc).label, "2026-10");
  EXPECT_EQ(PeriodOfDay(Cadence::kQuarterly, day, utc).label, "2026-Q4");
  EXPECT_EQ(PeriodOfDay(Cadence::kYearly, day, utc).label, "2026");
  EXPECT_EQ(PeriodOfDay(Cadence::kQuarterly, absl::CivilDay(2026, 3, 31), utc).label, "2026-Q1");
  EXPECT_EQ(PeriodOfDay(Cadence::kQuarterly, absl::CivilDay(2026, 4, 1), utc).label, "2026-Q2");
}

TEST(PeriodOfDay, AgreesWithParsePeriodForEveryCadence) {
  absl::TimeZone stockholm = Zone("Europe/Stockholm");
  for (Cadence cadence : {Cadence::kDaily, Cadence::kWeekly, Cadence::kMonthly, Cadence::kQuarterly,
                          Cadence::kYearly}) {
    PeriodWindow of_day = PeriodOfDay(cadence, absl::CivilDay(2026, 10, 25), stockholm);
    PeriodWindow parsed = Parse(cadence, of_day.label, stockholm);
    EXPECT_EQ(of_day.start, parsed.start) << of_day.label;
    EXPECT_EQ(of_day.end, parsed.end) << of_day.label;
    EXPECT_EQ(of_day.first_day, parsed.first_day) << of_day.label;
    EXPECT_EQ(of_day.day_after_last, parsed.day_after_last) << of_day.label;
  }
}

TEST(PeriodContaining, UsesTheLocalDayOfTheInstant) {
  // 2026-10-04T22:30Z is 00:30 on Monday 2026-10-05 in Stockholm but still Sunday in UTC.
  const absl::Time t = Utc(2026, 10, 4, 22) + absl::Minutes(30);
  EXPECT_EQ(PeriodContaining(Cadence::kWeekly, t, Zone("Europe/Stockholm")).label, "2026-W41");
  EXPECT_EQ(PeriodContaining(Cadence::kWeekly, t, absl::UTCTimeZone()).label, "2026-W40");
  EXPECT_EQ(PeriodContaining(Cadence::kDaily, t, Zone("Europe/Stockholm")).label, "2026-10-05");
}

TEST(PeriodContaining, EndBelongsToTheNextPeriod) {
  absl::TimeZone stockholm = Zone("Europe/Stockholm");
  PeriodWindow day = Parse(Cadence::kDaily, "2026-10-25", stockholm);
  EXPECT_EQ(PeriodContaining(Cadence::kDaily, day.start, stockholm).label, "2026-10-25");
  EXPECT_EQ(PeriodContaining(Cadence::kDaily, day.end - absl::Microseconds(1), stockholm).label,
            "2026-10-25");
  EXPECT_EQ(PeriodContaining(Cadence::kDaily, day.end, stockholm).label, "2026-10-26");
}

TEST(PreviousAndNextPeriod, StepAcrossYearEnds) {
  absl::TimeZone utc = absl::UTCTimeZone();
  PeriodWindow w53 = Parse(Cadence::kWeekly, "2026-W53", utc);
  EXPECT_EQ(NextPeriod(Cadence::kWeekly, w53, utc).label, "2027-W01");
  EXPECT_EQ(PreviousPeriod(Cadence::kWeekly, w53, utc).label, "2026-W52");
  EXPECT_EQ(PreviousPeriod(Cadence::kWeekly, Parse(Cadence::kWeekly, "2026-W01", utc), utc).label,
            "2025-W52");
  EXPECT_EQ(PreviousPeriod(Cadence::kDaily, Parse(Cadence::kDaily, "2026-01-01", utc), utc).label,
            "2025-12-31");
  EXPECT_EQ(NextPeriod(Cadence::kMonthly, Parse(Cadence::kMonthly, "2026-12", utc), utc).label,
            "2027-01");
  EXPECT_EQ(
      PreviousPeriod(Cadence::kQuarterly, Parse(Cadence::kQuarterly, "2026-Q1", utc), utc).label,
      "2025-Q4");
  EXPECT_EQ(NextPeriod(Cadence::kYearly, Parse(Cadence::kYearly, "2026", utc), utc).label, "2027");
}

TEST(PreviousAndNextPeriod, AdjacentPeriodsMeetAcrossDst) {
  absl::TimeZone stockholm = Zone("Europe/Stockholm");
  PeriodWindow day = Parse(Cadence::kDaily, "2026-03-29", stockholm);
  EXPECT_EQ(PreviousPeriod(Cadence::kDaily, day, stockholm).end, day.start);
  EXPECT_EQ(NextPeriod(Cadence::kDaily, day, stockholm).start, day.end);
}

TEST(Cadence, NamesRoundTrip) {
  for (Cadence cadence : {Cadence::kDaily, Cadence::kWeekly, Cadence::kMonthly, Cadence::kQuarterly,
                          Cadence::kYearly}) {
    EXPECT_EQ(CadenceFromName(CadenceName(cadence)), cadence);
  }
  EXPECT_EQ(CadenceFromName("fortnightly"), std::nullopt);
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

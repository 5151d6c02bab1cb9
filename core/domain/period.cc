#include "core/domain/period.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace plaudit {
namespace {

// Matches `label` against `pattern`, where each 'N' is one ASCII digit and every other character
// must appear as is; fills `numbers` with the value of each run of Ns. No signs or spaces pass.
bool MatchDigits(std::string_view label, std::string_view pattern, std::vector<int>& numbers) {
  numbers.clear();
  if (label.size() != pattern.size()) return false;
  bool in_number = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(label[i]);
    if (pattern[i] != 'N') {
      if (label[i] != pattern[i]) return false;
      in_number = false;
      continue;
    }
    if (!absl::ascii_isdigit(c)) return false;
    if (!in_number) numbers.push_back(0);
    numbers.back() = numbers.back() * 10 + (c - '0');
    in_number = true;
  }
  return true;
}

absl::CivilDay MondayOnOrBefore(absl::CivilDay day) {
  return absl::PrevWeekday(day + 1, absl::Weekday::monday);
}

// Monday of ISO week 1 of `iso_year`: the Monday of the week that holds January 4.
absl::CivilDay FirstIsoMonday(int64_t iso_year) {
  return MondayOnOrBefore(absl::CivilDay(iso_year, 1, 4));
}

int64_t IsoWeeksIn(int64_t iso_year) {
  return (FirstIsoMonday(iso_year + 1) - FirstIsoMonday(iso_year)) / 7;
}

PeriodWindow MakeWindow(std::string label, absl::CivilDay first_day, absl::CivilDay day_after_last,
                        absl::TimeZone zone) {
  PeriodWindow window;
  window.label = std::move(label);
  window.first_day = first_day;
  window.day_after_last = day_after_last;
  // FromCivil picks the earlier instant of a repeated midnight and the transition instant of a
  // skipped one, so the window always starts at the first instant of the local day.
  window.start = absl::FromCivil(first_day, zone);
  window.end = absl::FromCivil(day_after_last, zone);
  return window;
}

std::string_view ExampleLabel(Cadence cadence) {
  switch (cadence) {
    case Cadence::kDaily:
      return "2026-10-05";
    case Cadence::kWeekly:
      return "2026-W41";
    case Cadence::kMonthly:
      return "2026-10";
    case Cadence::kQuarterly:
      return "2026-Q4";
    case Cadence::kYearly:
      break;
  }
  return "2026";
}

std::string_view Pattern(Cadence cadence) {
  switch (cadence) {
    case Cadence::kDaily:
      return "NNNN-NN-NN";
    case Cadence::kWeekly:
      return "NNNN-WNN";
    case Cadence::kMonthly:
      return "NNNN-NN";
    case Cadence::kQuarterly:
      return "NNNN-QN";
    case Cadence::kYearly:
      break;
  }
  return "NNNN";
}

absl::Status BadLabel(Cadence cadence, std::string_view label, std::string_view why = "") {
  return absl::InvalidArgumentError(
      absl::StrCat("expected a ", std::string(CadenceName(cadence)), " period like ",
                   std::string(ExampleLabel(cadence)), ", got \"", std::string(label), "\"",
                   why.empty() ? "" : absl::StrCat(" (", std::string(why), ")")));
}

// A zone name as it appears in the IANA database ("America/Argentina/Buenos_Aires", "UTC",
// "Etc/GMT+1"). Rejecting anything else keeps file paths such as "/etc/passwd" or "../x" and
// the process-dependent "localtime" away from the zone loader.
bool LooksLikeZoneName(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  if (name == "localtime") return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+') {
      return false;
    }
  }
  return name.find("//") == std::string_view::npos;
}

}  // namespace

std::string_view CadenceName(Cadence cadence) {
  switch (cadence) {
    case Cadence::kDaily:
      return "daily";
    case Cadence::kWeekly:
      return "weekly";
    case Cadence::kMonthly:
      return "monthly";
    case Cadence::kQuarterly:
      return "quarterly";
    case Cadence::kYearly:
      break;
  }
  return "yearly";
}

std::optional<Cadence> CadenceFromName(std::string_view name) {
  for (Cadence cadence : {Cadence::kDaily, Cadence::kWeekly, Cadence::kMonthly, Cadence::kQuarterly,
                          Cadence::kYearly}) {
    if (CadenceName(cadence) == name) return cadence;
  }
  return std::nullopt;
}

absl::StatusOr<PeriodWindow> ParsePeriod(Cadence cadence, std::string_view label,
                                         absl::TimeZone zone) {
  std::vector<int> n;
  if (!MatchDigits(label, Pattern(cadence), n)) return BadLabel(cadence, label);
  const int year = n[0];
  absl::CivilDay first;
  absl::CivilDay after;
  switch (cadence) {
    case Cadence::kDaily: {
      first = absl::CivilDay(year, n[1], n[2]);
      // CivilDay normalises 2026-02-30 to March 2; a real date survives the round trip.
      if (n[1] < 1 || n[1] > 12 || first.month() != n[1] || first.day() != n[2]) {
        return BadLabel(cadence, label, "no such date");
      }
      after = first + 1;
      break;
    }
    case Cadence::kWeekly: {
      const int64_t weeks = IsoWeeksIn(year);
      if (n[1] < 1 || n[1] > weeks) {
        return BadLabel(cadence, label, absl::StrCat(year, " has ISO weeks 01 to ", weeks));
      }
      first = FirstIsoMonday(year) + 7 * (n[1] - 1);
      after = first + 7;
      break;
    }
    case Cadence::kMonthly:
      if (n[1] < 1 || n[1] > 12) return BadLabel(cadence, label, "months are 01 to 12");
      first = absl::CivilDay(year, n[1], 1);
      after = absl::CivilDay(absl::CivilMonth(first) + 1);
      break;
    case Cadence::kQuarterly:
      if (n[1] < 1 || n[1] > 4) return BadLabel(cadence, label, "quarters are Q1 to Q4");
      first = absl::CivilDay(year, 3 * (n[1] - 1) + 1, 1);
      after = absl::CivilDay(absl::CivilMonth(first) + 3);
      break;
    case Cadence::kYearly:
      first = absl::CivilDay(year, 1, 1);
      after = absl::CivilDay(year + 1, 1, 1);
      break;
  }
  return MakeWindow(std::string(label), first, after, zone);
}

absl::StatusOr<PeriodWindow> MonthPeriod(std::string_view label, absl::TimeZone zone) {
  return ParsePeriod(Cadence::kMonthly, label, zone);
}

PeriodWindow PeriodOfDay(Cadence cadence, absl::CivilDay day, absl::TimeZone zone) {
  const int64_t year = day.year();
  switch (cadence) {
    case Cadence::kDaily:
      return MakeWindow(absl::StrFormat("%04d-%02d-%02d", year, day.month(), day.day()), day,
                        day + 1, zone);
    case Cadence::kWeekly: {
      const absl::CivilDay monday = MondayOnOrBefore(day);
      // The ISO year is the year of the week's Thursday.
      const int64_t iso_year = (monday + 3).year();
      const int64_t week = (monday - FirstIsoMonday(iso_year)) / 7 + 1;
      return MakeWindow(absl::StrFormat("%04d-W%02d", iso_year, week), monday, monday + 7, zone);
    }
    case Cadence::kMonthly: {
      const absl::CivilMonth month(day);
      return MakeWindow(absl::StrFormat("%04d-%02d", year, day.month()), absl::CivilDay(month),
                        absl::CivilDay(month + 1), zone);
    }
    case Cadence::kQuarterly: {
      const int quarter = (day.month() - 1) / 3 + 1;
      const absl::CivilMonth first(year, 3 * (quarter - 1) + 1);
      return MakeWindow(absl::StrFormat("%04d-Q%d", year, quarter), absl::CivilDay(first),
                        absl::CivilDay(first + 3), zone);
    }
    case Cadence::kYearly:
      break;
  }
  return MakeWindow(absl::StrFormat("%04d", year), absl::CivilDay(year, 1, 1),
                    absl::CivilDay(year + 1, 1, 1), zone);
}

PeriodWindow PeriodContaining(Cadence cadence, absl::Time t, absl::TimeZone zone) {
  return PeriodOfDay(cadence, absl::ToCivilDay(t, zone), zone);
}

PeriodWindow PreviousPeriod(Cadence cadence, const PeriodWindow& period, absl::TimeZone zone) {
  return PeriodOfDay(cadence, period.first_day - 1, zone);
}

PeriodWindow NextPeriod(Cadence cadence, const PeriodWindow& period, absl::TimeZone zone) {
  return PeriodOfDay(cadence, period.day_after_last, zone);
}

absl::StatusOr<absl::TimeZone> LoadZone(std::string_view name) {
  absl::TimeZone zone;
  if (!LooksLikeZoneName(name) || !absl::LoadTimeZone(std::string(name), &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone \"", std::string(name), "\""));
  }
  return zone;
}

}  // namespace plaudit

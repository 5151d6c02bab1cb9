#include "core/scoring/period.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace plaudit {
namespace {

// Parses exactly "YYYY-MM" with a month of 01-12; no sign, spaces or extra characters.
bool ParseMonthLabel(std::string_view label, int* year, int* month) {
  if (label.size() != 7 || label[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(label[i]))) return false;
  }
  auto digit = [&label](size_t i) { return label[i] - '0'; };
  *year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  *month = digit(5) * 10 + digit(6);
  return *month >= 1 && *month <= 12;
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

absl::StatusOr<PeriodWindow> MonthPeriod(std::string_view label, absl::TimeZone zone) {
  int year = 0;
  int month = 0;
  if (!ParseMonthLabel(label, &year, &month)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "period \"", std::string(label), "\" is not a month of the form YYYY-MM (01-12)"));
  }
  PeriodWindow window;
  window.label = std::string(label);
  window.first_day = absl::CivilDay(year, month, 1);
  window.day_after_last = absl::CivilDay(absl::CivilMonth(window.first_day) + 1);
  // FromCivil picks the earlier instant of a repeated midnight and the transition instant of a
  // skipped one, so the window always starts at the first instant of the local day.
  window.start = absl::FromCivil(window.first_day, zone);
  window.end = absl::FromCivil(window.day_after_last, zone);
  return window;
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

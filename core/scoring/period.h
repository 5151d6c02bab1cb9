// Award periods: a label such as "2026-10" and the instants it spans in a time zone.
#ifndef PLAUDIT_CORE_SCORING_PERIOD_H_
#define PLAUDIT_CORE_SCORING_PERIOD_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace plaudit {

struct PeriodWindow {
  std::string label;
  // [start, end): local midnight of the first day to local midnight after the last day.
  absl::Time start;
  absl::Time end;
  absl::CivilDay first_day;
  // The day after the period's last day (tenure is counted up to it).
  absl::CivilDay day_after_last;
};

// The calendar month `label` ("YYYY-MM") in `zone`. INVALID_ARGUMENT names a malformed label.
absl::StatusOr<PeriodWindow> MonthPeriod(std::string_view label, absl::TimeZone zone);

// Loads an IANA zone ("Europe/Stockholm", "UTC"); INVALID_ARGUMENT when unknown.
absl::StatusOr<absl::TimeZone> LoadZone(std::string_view name);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_SCORING_PERIOD_H_

// Award periods: a label such as "2026-W41" or "2026-10", the cadence it belongs to, and the
// instants it spans in a time zone. Every period runs from local midnight of its first day to local
// midnight after its last day, so a period holding a DST change is an hour shorter or longer.
#ifndef PLAUDIT_CORE_DOMAIN_PERIOD_H_
#define PLAUDIT_CORE_DOMAIN_PERIOD_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace plaudit {

// How long a program's periods are. Weeks are ISO 8601 weeks: Monday to Sunday, week 1 holding
// the year's first Thursday; a year has 52 or 53 of them.
enum class Cadence { kDaily, kWeekly, kMonthly, kQuarterly, kYearly };

// "daily", "weekly", "monthly", "quarterly", "yearly".
std::string_view CadenceName(Cadence cadence);
std::optional<Cadence> CadenceFromName(std::string_view name);

struct PeriodWindow {
  std::string label;
  // [start, end): local midnight of the first day to local midnight after the last day.
  absl::Time start;
  absl::Time end;
  absl::CivilDay first_day;
  // The day after the period's last day (tenure is counted up to it).
  absl::CivilDay day_after_last;
};

// The period `label` of `cadence` in `zone`: "2026-10-05", "2026-W41", "2026-10", "2026-Q4" or
// "2026". INVALID_ARGUMENT for a malformed label, a label of another cadence or a week 53 in a
// year with 52 weeks, e.g. `expected a weekly period like 2026-W41, got "2026-10"`.
absl::StatusOr<PeriodWindow> ParsePeriod(Cadence cadence, std::string_view label,
                                         absl::TimeZone zone);

// ParsePeriod(Cadence::kMonthly, ...): the calendar month "YYYY-MM".
absl::StatusOr<PeriodWindow> MonthPeriod(std::string_view label, absl::TimeZone zone);

// The period of `cadence` that holds the local day `day`.
PeriodWindow PeriodOfDay(Cadence cadence, absl::CivilDay day, absl::TimeZone zone);
// The period of `cadence` that holds the instant `t` in `zone`.
PeriodWindow PeriodContaining(Cadence cadence, absl::Time t, absl::TimeZone zone);
// The periods just before and just after `period`, which must be of `cadence`.
PeriodWindow PreviousPeriod(Cadence cadence, const PeriodWindow& period, absl::TimeZone zone);
PeriodWindow NextPeriod(Cadence cadence, const PeriodWindow& period, absl::TimeZone zone);

// Loads an IANA zone ("Europe/Stockholm", "UTC"); INVALID_ARGUMENT when unknown.
absl::StatusOr<absl::TimeZone> LoadZone(std::string_view name);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_PERIOD_H_

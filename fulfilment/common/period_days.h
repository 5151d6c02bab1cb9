// The award's period as local calendar days, read from the instants the host sends with every
// reward (FulfilRequest.period_start and period_end, [start, end), and the program's time_zone),
// so that no plugin parses period labels. Header-only: each plugin is its own shared object.
// Thread-safe.
#ifndef PLAUDIT_FULFILMENT_COMMON_PERIOD_DAYS_H_
#define PLAUDIT_FULFILMENT_COMMON_PERIOD_DAYS_H_

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "plaudit/plugin/v1/plugin.pb.h"

namespace plaudit::fulfilment {

struct PeriodDays {
  absl::CivilDay first;
  absl::CivilDay last;  // inclusive
  absl::TimeZone zone;  // the program's
};

inline absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// The first and last day of the request's period in the program's time zone; nullopt when the
// host sent no instants (it could not resolve the period), an unknown zone or an empty period.
inline std::optional<PeriodDays> PeriodDaysOf(const plugin::v1::FulfilRequest& request) {
  if (!request.has_period_start() || !request.has_period_end()) return std::nullopt;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(request.time_zone().empty() ? "UTC" : request.time_zone(), &zone)) {
    return std::nullopt;
  }
  const absl::Time start = FromTimestamp(request.period_start());
  const absl::Time end = FromTimestamp(request.period_end());
  if (end <= start) return std::nullopt;
  // `end` is local midnight after the last day; the last day is the one holding the instant
  // just before it.
  return PeriodDays{absl::ToCivilDay(start, zone),
                    absl::ToCivilDay(end - absl::Nanoseconds(1), zone), zone};
}

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_COMMON_PERIOD_DAYS_H_

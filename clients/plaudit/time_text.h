// How `plaudit` shows an instant: RFC 3339, in UTC ("2026-10-31T23:00:00Z") unless the user
// asked for a zone with --time-zone, then in that zone with its offset
// ("2026-11-01T00:00:00+01:00"). Seconds carry a fraction only when the instant has one.
// Pure functions; thread-safe.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_TIME_TEXT_H_
#define PLAUDIT_CLIENTS_PLAUDIT_TIME_TEXT_H_

#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace plaudit::cli {

// The zone named by an IANA name ("Europe/Stockholm", "UTC"), or nullopt when there is none.
std::optional<absl::TimeZone> LoadDisplayZone(std::string_view name);

// `at` in RFC 3339; in UTC the offset is written "Z".
std::string TimeText(absl::Time at, const absl::TimeZone& zone);
std::string TimeText(const google::protobuf::Timestamp& at, const absl::TimeZone& zone);

// An instant the user typed: RFC 3339 with an offset or Z ("2026-11-30T12:00:00Z"), or a local
// time ("2026-11-30T12:00:00") or a date ("2026-11-30", its midnight) in `zone`. Nullopt for
// anything else.
std::optional<absl::Time> ParseTimeText(std::string_view text, const absl::TimeZone& zone);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_TIME_TEXT_H_

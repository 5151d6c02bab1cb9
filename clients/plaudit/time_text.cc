#include "clients/plaudit/time_text.h"

namespace plaudit::cli {

std::optional<absl::TimeZone> LoadDisplayZone(std::string_view name) {
  absl::TimeZone zone;
  if (name.empty() || !absl::LoadTimeZone(std::string(name), &zone)) return std::nullopt;
  return zone;
}

std::string TimeText(absl::Time at, const absl::TimeZone& zone) {
  // %E*S drops a zero fraction; %Ez writes "+01:00". UTC gets the "Z" people expect.
  if (zone == absl::UTCTimeZone()) return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", at, zone);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*S%Ez", at, zone);
}

std::string TimeText(const google::protobuf::Timestamp& at, const absl::TimeZone& zone) {
  return TimeText(absl::FromUnixSeconds(at.seconds()) + absl::Nanoseconds(at.nanos()), zone);
}

std::optional<absl::Time> ParseTimeText(std::string_view text, const absl::TimeZone& zone) {
  const std::string input(text);
  absl::Time at;
  std::string error;
  // %Ez takes "+01:00"; "Z" is UTC.
  std::string zoned = input;
  if (!zoned.empty() && (zoned.back() == 'Z' || zoned.back() == 'z')) {
    zoned.back() = '+';
    zoned += "00:00";
  }
  if (absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", zoned, &at, &error)) return at;
  if (absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S", input, zone, &at, &error)) return at;
  if (absl::ParseTime("%Y-%m-%d", input, zone, &at, &error)) return at;
  return std::nullopt;
}

}  // namespace plaudit::cli

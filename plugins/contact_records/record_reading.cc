#include "plugins/contact_records/record_reading.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace plaudit::contacts {

bool ParseRecordTime(std::string_view text, int64_t* us) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, absl::string_view(text.data(), text.size()), &time,
                       &error)) {
    return false;
  }
  *us = absl::ToUnixMicros(time);
  return true;
}

std::string Shown(const json::Json& value) {
  return value.is_string() ? absl::StrCat("\"", value.get<std::string>(), "\"")
                           : json::Serialize(value);
}

}  // namespace plaudit::contacts

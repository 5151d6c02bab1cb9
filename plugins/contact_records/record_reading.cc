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

std::optional<json::Json> ParseRecordObject(std::string_view text, const char* what,
                                            std::string* problem) {
  std::string error;
  std::optional<json::Json> parsed = json::ParseStrict(text, &error);
  if (!parsed.has_value()) {
    *problem = absl::StrCat("not a JSON record: ", error);
    return std::nullopt;
  }
  if (!parsed->is_object()) {
    *problem = absl::StrCat("not a ", what, ": the JSON is not an object");
    return std::nullopt;
  }
  return parsed;
}

bool ReadRequiredTime(const json::Json& object, const char* field, int64_t* us,
                      std::string* problem) {
  const json::Json* value = json::Find(object, field);
  if (value == nullptr || value->is_null()) {
    *problem = absl::StrCat(field, ": missing");
    return false;
  }
  if (!value->is_string() || !ParseRecordTime(value->get<std::string>(), us)) {
    *problem = absl::StrCat(field, ": ", Shown(*value), " is not a time like 2026-10-05T10:00:00Z");
    return false;
  }
  return true;
}

const std::string* MetricCounting(const std::map<std::string, std::string>& metrics,
                                  const std::string& kind) {
  auto counted = metrics.find(kind);
  return counted == metrics.end() || counted->second.empty() ? nullptr : &counted->second;
}

}  // namespace plaudit::contacts

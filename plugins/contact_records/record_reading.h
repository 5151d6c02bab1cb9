// What the platform readers of this folder share: times and values as their records hold them.
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_RECORD_READING_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_RECORD_READING_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "plugins/common/json_text.h"

namespace plaudit::contacts {

// An RFC 3339 time with its offset ("2026-10-05T10:00:00Z", "2026-10-05T12:00:00.250+02:00"), in
// microseconds since the epoch. False for anything else.
bool ParseRecordTime(std::string_view text, int64_t* us);

// A value as a message shows it: a string in quotes, anything else as its JSON text.
std::string Shown(const json::Json& value);

// One record's text as a JSON object. Otherwise nullopt, with *problem saying why: "not a JSON
// record: ..." or "not a <what>: the JSON is not an object".
std::optional<json::Json> ParseRecordObject(std::string_view text, const char* what,
                                            std::string* problem);

// A required time member of `object`. False, with *problem "<field>: missing" or
// "<field>: <value> is not a time like 2026-10-05T10:00:00Z", when it is absent, null or no time.
bool ReadRequiredTime(const json::Json& object, const char* field, int64_t* us,
                      std::string* problem);

// The metric one contact of `kind` (a channel, a media type) counts in by `metrics`; nullptr when
// it counts in none.
const std::string* MetricCounting(const std::map<std::string, std::string>& metrics,
                                  const std::string& kind);

// A reader's result for a record it cannot read: rejected, with that one problem.
template <typename Result>
Result Rejected(std::string problem) {
  Result result;
  result.rejected = true;
  result.problems = {std::move(problem)};
  return result;
}

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_RECORD_READING_H_

// What the platform readers of this folder share: times and values as their records hold them.
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_RECORD_READING_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_RECORD_READING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "plugins/common/json_text.h"

namespace plaudit::contacts {

// An RFC 3339 time with its offset ("2026-10-05T10:00:00Z", "2026-10-05T12:00:00.250+02:00"), in
// microseconds since the epoch. False for anything else.
bool ParseRecordTime(std::string_view text, int64_t* us);

// A value as a message shows it: a string in quotes, anything else as its JSON text.
std::string Shown(const json::Json& value);

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_RECORD_READING_H_

// IsSourceName(): whether `name` may name a source of contacts (1-64 letters, digits, _ and -).
// Source names prefix event ids and appear in references "contact:<source>/<contact id>", so the
// contact formats, the survey reader and the server's contact ingest must agree on them: one
// definition, in the SDK, the bottom of the dependency graph. Thread-safe.
#ifndef PLAUDIT_SDK_SOURCE_NAME_H_
#define PLAUDIT_SDK_SOURCE_NAME_H_

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "absl/strings/ascii.h"

namespace plaudit {

inline constexpr size_t kMaxSourceName = 64;

inline bool IsSourceName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxSourceName &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

}  // namespace plaudit

#endif  // PLAUDIT_SDK_SOURCE_NAME_H_

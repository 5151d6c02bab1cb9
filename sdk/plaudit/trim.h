// Trim(): text without its leading and trailing ASCII whitespace, for configuration values,
// query arguments and header fields. One definition for plugins, tools and the server: it lives in
// the SDK, the bottom of the dependency graph.
//
// The work is Abseil's (absl::StripAsciiWhitespace); this only adapts it to std::string_view,
// which Debian's Abseil build does not use as its absl::string_view. Thread-safe.
#ifndef PLAUDIT_SDK_TRIM_H_
#define PLAUDIT_SDK_TRIM_H_

#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace plaudit {

// A view into `text`: valid as long as `text` is.
inline std::string_view Trim(std::string_view text) {
  const absl::string_view trimmed =
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  return std::string_view(trimmed.data(), trimmed.size());
}

}  // namespace plaudit

#endif  // PLAUDIT_SDK_TRIM_H_

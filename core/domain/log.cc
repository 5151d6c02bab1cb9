#include "core/domain/log.h"

#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace plaudit {

void Log(LogLevel level, std::string_view component, std::string_view message) {
  const char* name = level == LogLevel::kError     ? "error"
                     : level == LogLevel::kWarning ? "warning"
                                                   : "info";
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
                   " level=", name, " component=", std::string(component), " msg=\"",
                   absl::CEscape(absl::string_view(message.data(), message.size())), "\"\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace plaudit

// Structured log lines on stderr: `2026-10-05T14:03:00.123Z level=info component=ingest msg="..."`.
// Thread-safe; a line is written whole.
#ifndef PLAUDIT_CORE_DOMAIN_LOG_H_
#define PLAUDIT_CORE_DOMAIN_LOG_H_

#include <string_view>

namespace plaudit {

enum class LogLevel { kInfo, kWarning, kError };

void Log(LogLevel level, std::string_view component, std::string_view message);

inline void LogInfo(std::string_view component, std::string_view message) {
  Log(LogLevel::kInfo, component, message);
}
inline void LogWarning(std::string_view component, std::string_view message) {
  Log(LogLevel::kWarning, component, message);
}
inline void LogError(std::string_view component, std::string_view message) {
  Log(LogLevel::kError, component, message);
}

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_LOG_H_

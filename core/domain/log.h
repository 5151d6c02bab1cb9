// Log lines on stderr, one whole line per call, from any thread. As text (the default):
//   2026-10-05T14:03:00.123Z level=info component=ingest msg="..." request_id=... subject=...
// or as JSON lines (plauditd's `log_format: json`), for a log collector:
//   {"time":"2026-10-05T14:03:00.123Z","level":"info","component":"ingest","msg":"...",
//    "request_id":"...","subject":"..."}
// request_id and subject name the call a thread is serving (SetLogRequest), when it is serving
// one. Nothing logged may hold a secret: callers log ids and reasons, never keys or codes.
#ifndef PLAUDIT_CORE_DOMAIN_LOG_H_
#define PLAUDIT_CORE_DOMAIN_LOG_H_

#include <string_view>

namespace plaudit {

enum class LogLevel { kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

// For the whole process; set once at start.
void SetLogFormat(LogFormat format);

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

// The call this thread now serves: its lines name the request id (the caller's x-request-id)
// and, once known, the caller, until ClearLogRequest().
void SetLogRequest(std::string_view request_id);
void SetLogSubject(std::string_view subject);
void ClearLogRequest();

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_LOG_H_

#include "core/domain/log.h"

#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace plaudit {
namespace {

std::atomic<LogFormat> log_format{LogFormat::kText};

struct RequestContext {
  std::string request_id;
  std::string subject;
};
thread_local RequestContext request_context;

std::string Quoted(std::string_view text) {
  return absl::StrCat("\"", absl::CEscape(absl::string_view(text.data(), text.size())), "\"");
}

}  // namespace

void SetLogFormat(LogFormat format) { log_format.store(format, std::memory_order_relaxed); }

void SetLogRequest(std::string_view request_id) {
  request_context.request_id.assign(request_id.data(), request_id.size());
  request_context.subject.clear();
}

void SetLogSubject(std::string_view subject) {
  request_context.subject.assign(subject.data(), subject.size());
}

void ClearLogRequest() {
  request_context.request_id.clear();
  request_context.subject.clear();
}

void Log(LogLevel level, std::string_view component, std::string_view message) {
  const char* name = level == LogLevel::kError     ? "error"
                     : level == LogLevel::kWarning ? "warning"
                                                   : "info";
  const std::string time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  const RequestContext& context = request_context;
  std::string line;
  if (log_format.load(std::memory_order_relaxed) == LogFormat::kJson) {
    nlohmann::ordered_json object;
    object["time"] = time;
    object["level"] = name;
    object["component"] = component;
    object["msg"] = message;
    if (!context.request_id.empty()) object["request_id"] = context.request_id;
    if (!context.subject.empty()) object["subject"] = context.subject;
    // Text that is not UTF-8 (a value quoted from bad input) is replaced, never a failed line.
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line += '\n';
  } else {
    line = absl::StrCat(time, " level=", name,
                        " component=", absl::string_view(component.data(), component.size()),
                        " msg=", Quoted(message));
    if (!context.request_id.empty())
      absl::StrAppend(&line, " request_id=", Quoted(context.request_id));
    if (!context.subject.empty()) absl::StrAppend(&line, " subject=", Quoted(context.subject));
    line += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace plaudit

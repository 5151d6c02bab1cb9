// The sizes one request may have. A request past them is refused with RESOURCE_EXHAUSTED and a
// message that names the limit and how to stay under it, before it costs memory or a write: one
// unauthenticated call must not be able to grow plauditd by gigabytes.
#ifndef PLAUDIT_CORE_API_REQUEST_LIMITS_H_
#define PLAUDIT_CORE_API_REQUEST_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace plaudit::api {

// One gRPC message (a unary request, or one message of a stream). gRPC itself refuses a larger
// one before it is parsed.
inline constexpr size_t kMaxRequestBytes = size_t{4} << 20;
// A program's YAML, in ApplyProgram and SimulateProgram alike.
inline constexpr size_t kMaxProgramYamlBytes = size_t{1} << 20;
// Events in one BatchCreateEvents request.
inline constexpr int64_t kMaxEventsPerBatch = 10000;
// Rows in one ImportAgents request; `plaudit agents import` sends a larger file in several.
inline constexpr int64_t kMaxAgentRowsPerRequest = 10000;

// RESOURCE_EXHAUSTED naming the field when `yaml` is larger than kMaxProgramYamlBytes.
absl::Status CheckProgramYamlSize(std::string_view yaml);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_REQUEST_LIMITS_H_

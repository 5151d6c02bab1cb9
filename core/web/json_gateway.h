// The JSON API of the web pages: POST /api/v1/<service>/<method> with the request message as JSON
// answers with the response message as JSON. Each call is made over an in-process gRPC channel
// to plauditd's own services, carrying the caller's credentials, so the same service code, the
// same access gate and policy table, and the same audit trail serve the pages as serve gRPC:
// there is no second copy of a rule here.
//
// Only the unary methods of the plaudit.v1 services are served. JSON is proto3's JSON mapping
// with the proto's field names (snake_case; lowerCamelCase is accepted on input), every field
// printed, enums by name. A refusal keeps the gRPC status's message and maps its code onto HTTP:
// {"error": {"code": "PERMISSION_DENIED", "message": "..."}} with 403.
#ifndef PLAUDIT_CORE_WEB_JSON_GATEWAY_H_
#define PLAUDIT_CORE_WEB_JSON_GATEWAY_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/time/time.h"

namespace plaudit::web {

// Who is calling, as the HTTP request says it.
struct WebCredentials {
  // The Authorization header's value ("Bearer <token>"), or empty.
  std::string authorization;
  // The development mode's claimed name (X-Plaudit-Actor), or empty. Passed on only when the
  // gateway serves a server in development mode; a server that checks tokens ignores it anyway.
  std::string actor;
};

struct GatewayReply {
  int http_status = 200;
  std::string json;
};

class JsonGateway {
 public:
  // `channel`: plauditd's in-process channel.
  JsonGateway(std::shared_ptr<grpc::Channel> channel, bool development_mode,
              absl::Duration deadline = absl::Seconds(30));

  // Calls `service`/`method` ("plaudit.v1.AwardService", "ExplainAward") with the request `json`
  // (empty means {}). Thread-safe.
  GatewayReply Call(const std::string& service, const std::string& method, const std::string& json,
                    const WebCredentials& credentials) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  const bool development_mode_;
  const absl::Duration deadline_;
};

// The HTTP status for a gRPC status code (as its number).
int HttpStatusOf(int grpc_code);

// {"error": {"code": CODE, "message": MESSAGE}}.
std::string ErrorJson(const std::string& code, const std::string& message);

}  // namespace plaudit::web

#endif  // PLAUDIT_CORE_WEB_JSON_GATEWAY_H_

#include "core/api/status.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace plaudit::api {
namespace {

// "line 3: scorecard.metrics[0].metric: unknown ..." -> field "scorecard.metrics[0].metric".
bool SplitField(const std::string& message, std::string* field, std::string* description) {
  std::string rest = message;
  if (rest.rfind("line ", 0) == 0) {
    size_t colon = rest.find(": ");
    if (colon == std::string::npos) return false;
    rest = rest.substr(colon + 2);
  }
  size_t colon = rest.find(": ");
  if (colon == std::string::npos) return false;
  std::string candidate = rest.substr(0, colon);
  if (candidate.empty() || candidate.find(' ') != std::string::npos) return false;
  *field = candidate;
  *description = rest.substr(colon + 2);
  return true;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  if (status.code() != absl::StatusCode::kInvalidArgument) return grpc::Status(code, message);
  std::string field;
  std::string description;
  if (!SplitField(message, &field, &description)) return grpc::Status(code, message);
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(field);
  violation->set_description(description);
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace plaudit::api

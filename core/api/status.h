// The one place where absl::Status becomes grpc::Status. INVALID_ARGUMENT messages of the form
// "field: problem" (optionally after "line N: ") also carry a google.rpc.BadRequest detail naming
// the field.
#ifndef PLAUDIT_CORE_API_STATUS_H_
#define PLAUDIT_CORE_API_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace plaudit::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_STATUS_H_

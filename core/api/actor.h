// Who may correct data: the admin a correction names, with the reason it must give.
#ifndef PLAUDIT_CORE_API_ACTOR_H_
#define PLAUDIT_CORE_API_ACTOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/api/access_gate.h"

namespace plaudit::api {

// The admin making a correction with `reason`: PERMISSION_DENIED below admin, INVALID_ARGUMENT
// without a reason.
inline absl::StatusOr<std::string> CorrectingAdmin(const Caller& caller,
                                                   const std::string& reason) {
  if (!caller.HasRole(kAdminRole)) {
    return absl::PermissionDeniedError(
        absl::StrCat(caller.subject, " is not an admin: only admins make corrections"));
  }
  if (reason.empty()) return absl::InvalidArgumentError("reason: required (say why)");
  return caller.subject;
}

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_ACTOR_H_

// Who a request says acts, until authentication lands: the x-plaudit-actor metadata that
// `plaudit --as USER` sends; and who may correct data.
#ifndef PLAUDIT_CORE_API_ACTOR_H_
#define PLAUDIT_CORE_API_ACTOR_H_

#include <grpcpp/server_context.h>

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/awards/award_lifecycle.h"

namespace plaudit::api {

inline constexpr char kActorMetadata[] = "x-plaudit-actor";

// The request's actor; empty when it named none.
inline std::string ActorName(const grpc::ServerContextBase& context) {
  auto [begin, end] = context.client_metadata().equal_range(kActorMetadata);
  if (begin == end) return "";
  return std::string(begin->second.data(), begin->second.size());
}

// The request's actor with the role plauditd's `roles` setting gives it.
inline Actor ActorOf(const grpc::ServerContextBase& context,
                     const std::map<std::string, std::string>& roles) {
  Actor actor;
  actor.name = ActorName(context);
  auto role = roles.find(actor.name);
  if (role != roles.end()) actor.role = role->second == "admin" ? Role::kAdmin : Role::kManager;
  return actor;
}

// The admin making a correction with `reason`: UNAUTHENTICATED without an actor,
// PERMISSION_DENIED below admin, INVALID_ARGUMENT without a reason.
inline absl::StatusOr<std::string> CorrectingAdmin(const grpc::ServerContextBase& context,
                                                   const std::map<std::string, std::string>& roles,
                                                   const std::string& reason) {
  const Actor actor = ActorOf(context, roles);
  if (actor.name.empty()) {
    return absl::UnauthenticatedError(
        "a correction needs to say who makes it (plaudit --as USER, an admin)");
  }
  if (actor.role != Role::kAdmin) {
    return absl::PermissionDeniedError(
        absl::StrCat(actor.name, " is not an admin: only admins make corrections"));
  }
  if (reason.empty()) return absl::InvalidArgumentError("reason: required (say why)");
  return actor.name;
}

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_ACTOR_H_

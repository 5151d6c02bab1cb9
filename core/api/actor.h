// Who a request says acts, until authentication lands: the x-plaudit-actor metadata that
// `plaudit --as USER` sends.
#ifndef PLAUDIT_CORE_API_ACTOR_H_
#define PLAUDIT_CORE_API_ACTOR_H_

#include <grpcpp/server_context.h>

#include <map>
#include <string>

#include "core/awards/award_lifecycle.h"

namespace plaudit::api {

inline constexpr char kActorMetadata[] = "x-plaudit-actor";

// The request's actor; empty when it named none.
inline std::string ActorName(const grpc::ServerContext& context) {
  auto [begin, end] = context.client_metadata().equal_range(kActorMetadata);
  if (begin == end) return "";
  return std::string(begin->second.data(), begin->second.size());
}

// The request's actor with the role plauditd's `roles` setting gives it.
inline Actor ActorOf(const grpc::ServerContext& context,
                     const std::map<std::string, std::string>& roles) {
  Actor actor;
  actor.name = ActorName(context);
  auto role = roles.find(actor.name);
  if (role != roles.end()) actor.role = role->second == "admin" ? Role::kAdmin : Role::kManager;
  return actor;
}

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_ACTOR_H_

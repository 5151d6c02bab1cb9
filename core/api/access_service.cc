#include "core/api/access_service.h"

#include "core/api/status.h"

namespace plaudit::api {

grpc::Status AccessServiceImpl::WhoAmI(grpc::ServerContext* context,
                                       const ::plaudit::v1::WhoAmIRequest*,
                                       ::plaudit::v1::Identity* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AccessService/WhoAmI");
  response->set_subject(caller.subject);
  for (const std::string& role : caller.roles) response->add_roles(role);
  for (const std::string& team : caller.teams) response->add_teams(team);
  response->set_agent_id(caller.agent_id);
  response->set_authenticated_by(std::string(ViaName(caller.via)));
  response->set_development_mode(gate_->development_mode());
  return grpc::Status::OK;
}

}  // namespace plaudit::api

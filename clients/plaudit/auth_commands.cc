// Who the server takes you to be:
//   plaudit auth whoami [-o table|json]
#include <memory>
#include <string>

#include "absl/strings/str_join.h"
#include "clients/plaudit/commands.h"
#include "plaudit/v1/access.grpc.pb.h"

namespace plaudit::cli {
namespace {

constexpr std::chrono::seconds kWhoAmIDeadline{30};

CommandResult WhoAmI(CliContext& ctx, const std::string& format) {
  auto stub = v1::AccessService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kWhoAmIDeadline);
  v1::Identity identity;
  grpc::Status status = stub->WhoAmI(&call, v1::WhoAmIRequest(), &identity);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (format == "json") return PrintJson(ctx, identity);
  ctx.out() << "subject:          " << identity.subject() << "\n"
            << "roles:            "
            << (identity.roles().empty() ? "(none)" : absl::StrJoin(identity.roles(), ", ")) << "\n"
            << "teams:            "
            << (identity.teams().empty() ? "(all)" : absl::StrJoin(identity.teams(), ", ")) << "\n"
            << "agent:            "
            << (identity.agent_id().empty() ? "(not an agent)" : identity.agent_id()) << "\n"
            << "authenticated by: " << identity.authenticated_by() << "\n";
  if (identity.development_mode()) {
    ctx.out() << "note:             the server trusts every caller (development mode)\n";
  }
  return CommandResult::Success();
}

}  // namespace

void AddAuthCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* auth = app.add_subcommand("auth", "Your identity as the server sees it");
  auth->require_subcommand(1);
  auto format = std::make_shared<std::string>();
  CLI::App* whoami = auth->add_subcommand(
      "whoami", "Who the server takes you to be: subject, roles, teams and agent");
  AddOutputOption(whoami, format.get(), {"table", "json"});
  whoami->callback([=] { *selected = [=](CliContext& ctx) { return WhoAmI(ctx, *format); }; });
}

}  // namespace plaudit::cli

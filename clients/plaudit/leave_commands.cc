// plaudit leave balances [--agent ID]: leave hours available per agent (leave_credit plugin).
#include <map>
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/plugin_query.h"

namespace plaudit::cli {

void AddLeaveCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* leave = app.add_subcommand("leave", "Paid leave credited as rewards");
  leave->require_subcommand(1);

  struct BalanceOptions {
    std::string agent;
    std::string format;
  };
  auto options = std::make_shared<BalanceOptions>();
  CLI::App* balances =
      leave->add_subcommand("balances", "Unexpired leave hours per agent and the next expiry");
  balances->add_option("--agent", options->agent, "Only this agent (id)")->type_name("ID");
  AddOutputOption(balances, &options->format, {"table", "json", "csv"});
  balances->callback([=] {
    *selected = [=](CliContext& ctx) {
      std::map<std::string, std::string> args;
      if (!options->agent.empty()) args["agent"] = options->agent;
      return RunPluginQuery(ctx, "leave_credit", "balances", args, options->format);
    };
  });
}

}  // namespace plaudit::cli

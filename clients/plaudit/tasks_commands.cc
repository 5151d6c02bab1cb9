// plaudit tasks list [--status open|done|all] [--role ROLE]: hand-over tasks of the manual plugin.
#include <map>
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/plugin_query.h"

namespace plaudit::cli {

void AddTaskCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* tasks = app.add_subcommand("tasks", "Rewards someone hands over (manual plugin)");
  tasks->require_subcommand(1);

  struct ListOptions {
    std::string status;
    std::string role;
    std::string format;
  };
  auto options = std::make_shared<ListOptions>();
  CLI::App* list = tasks->add_subcommand("list", "List hand-over tasks (default: open ones)");
  list->add_option("--status", options->status, "open (default), done or all")
      ->check(CLI::IsMember({"open", "done", "all"}));
  list->add_option("--role", options->role, "Only tasks for this assignee role, e.g. facilities");
  AddOutputOption(list, &options->format, {"table", "json", "csv"});
  list->callback([=] {
    *selected = [=](CliContext& ctx) {
      std::map<std::string, std::string> args;
      if (!options->status.empty()) args["status"] = options->status;
      if (!options->role.empty()) args["assignee_role"] = options->role;
      return RunPluginQuery(ctx, "manual", "tasks", args, options->format);
    };
  });
}

}  // namespace plaudit::cli

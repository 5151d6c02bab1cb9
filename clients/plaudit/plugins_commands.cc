// plaudit plugins list | plugins query PLUGIN METHOD [--arg KEY=VALUE ...]
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/plugin_query.h"
#include "clients/plaudit/resource_tables.h"
#include "plaudit/v1/plugins.grpc.pb.h"

namespace plaudit::cli {
namespace {

CommandResult ListPlugins(CliContext& ctx, const std::string& format) {
  auto stub = v1::PluginService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::ListPluginsResponse response;
  grpc::Status status = stub->ListPlugins(&call, v1::ListPluginsRequest(), &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  Table table{PluginColumns(), {}};
  for (const v1::PluginStatus& plugin : response.plugins()) {
    table.rows.push_back(PluginRow(plugin));
  }
  return PrintTable(ctx, table, format);
}

struct QueryOptions {
  std::string plugin;
  std::string method;
  std::vector<std::string> args;
  std::string format;
};

CommandResult QueryPlugin(CliContext& ctx, const QueryOptions& options) {
  std::map<std::string, std::string> args;
  for (const std::string& arg : options.args) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      return CommandResult::Failure("--arg: expected KEY=VALUE, got \"" + arg + "\"");
    }
    args[arg.substr(0, eq)] = arg.substr(eq + 1);
  }
  return RunPluginQuery(ctx, options.plugin, options.method, args, options.format);
}

}  // namespace

void AddPluginCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* plugins = app.add_subcommand("plugins", "Metric-source and fulfilment plugins");
  plugins->require_subcommand(1);

  auto list_format = std::make_shared<std::string>();
  CLI::App* list = plugins->add_subcommand("list", "List plugins and whether they loaded");
  AddOutputOption(list, list_format.get(), {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListPlugins(ctx, *list_format); }; });

  auto query_options = std::make_shared<QueryOptions>();
  CLI::App* query = plugins->add_subcommand("query", "Run a plugin's named query (as --as USER)");
  query->add_option("PLUGIN", query_options->plugin, "Plugin name")->required();
  query->add_option("METHOD", query_options->method, "Query name, e.g. catalog")->required();
  query->add_option("--arg", query_options->args, "KEY=VALUE argument (repeatable)");
  AddOutputOption(query, &query_options->format, {"table", "json", "csv"});
  query->callback(
      [=] { *selected = [=](CliContext& ctx) { return QueryPlugin(ctx, *query_options); }; });
}

}  // namespace plaudit::cli

// plaudit plugins list
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
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

}  // namespace

void AddPluginCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* plugins = app.add_subcommand("plugins", "Metric-source and fulfilment plugins");
  plugins->require_subcommand(1);

  auto list_format = std::make_shared<std::string>();
  CLI::App* list = plugins->add_subcommand("list", "List plugins and whether they loaded");
  AddOutputOption(list, list_format.get(), {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListPlugins(ctx, *list_format); }; });
}

}  // namespace plaudit::cli

#include "clients/plaudit/plugin_query.h"

#include "clients/plaudit/commands.h"
#include "plaudit/v1/plugins.grpc.pb.h"

namespace plaudit::cli {

Table QueryTable(const v1::QueryPluginResponse& response) {
  Table table;
  for (const std::string& name : response.columns()) {
    table.columns.push_back(Column{name, ColumnType::kText});
  }
  for (const auto& row : response.rows()) {
    std::vector<Cell> cells;
    for (int i = 0; i < response.columns_size(); ++i) {
      cells.push_back(i < row.cells_size() ? row.cells(i) : std::string());
    }
    table.rows.push_back(std::move(cells));
  }
  return table;
}

CommandResult RunPluginQuery(CliContext& ctx, const std::string& plugin, const std::string& method,
                             const std::map<std::string, std::string>& args,
                             const std::string& format) {
  auto stub = v1::PluginService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  ctx.Identify(&call);
  v1::QueryPluginRequest request;
  request.set_plugin(plugin);
  request.set_method(method);
  for (const auto& [key, value] : args) (*request.mutable_args())[key] = value;
  v1::QueryPluginResponse response;
  grpc::Status status = stub->QueryPlugin(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(format) == OutputFormat::kJson) return PrintJson(ctx, response);
  if (!response.columns().empty()) {
    CommandResult printed = PrintTable(ctx, QueryTable(response), format);
    if (printed.exit_code != 0) return printed;
  }
  if (!response.text().empty() && ParseOutputFormat(format) == OutputFormat::kTable) {
    ctx.out() << response.text();
    if (response.text().back() != '\n') ctx.out() << '\n';
  }
  return CommandResult::Success();
}

}  // namespace plaudit::cli

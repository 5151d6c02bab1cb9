// plaudit agents import FILE | agents list
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/csv_upload.h"
#include "clients/plaudit/import_report.h"
#include "clients/plaudit/input_file.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "plaudit/v1/agents.grpc.pb.h"

namespace plaudit::cli {
namespace {

CommandResult ImportAgents(CliContext& ctx, const std::string& path, CsvEncoding encoding) {
  std::ifstream in;
  std::string error;
  if (!OpenInputFile(path, &in, &error)) return CommandResult::Failure(error);
  v1::ImportAgentsRequest request;
  CsvUpload upload(in, encoding);
  if (!upload.ReadHeader(request.mutable_header())) {
    return CommandResult::Failure(path + ": " + upload.error());
  }
  upload.ReadRows(std::numeric_limits<int64_t>::max(), request.mutable_rows());
  if (!upload.error().empty()) return CommandResult::Failure(path + ": " + upload.error());

  auto stub = v1::AgentService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kImportDeadline);
  v1::ImportAgentsResponse response;
  grpc::Status status = stub->ImportAgents(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);

  std::vector<v1::RowError> errors(response.errors().begin(), response.errors().end());
  errors.insert(errors.end(), upload.local_errors().begin(), upload.local_errors().end());
  int64_t rejected = response.rejected() + static_cast<int64_t>(upload.local_errors().size());
  PrintRowErrors(std::move(errors), rejected, kAllRowErrors, ctx.err());
  ctx.out() << "imported " << response.imported() << ", rejected " << rejected << "\n";
  return rejected > 0 ? CommandResult::Exit(1) : CommandResult::Success();
}

CommandResult ListAgents(CliContext& ctx, const std::string& format) {
  auto stub = v1::AgentService::NewStub(ctx.channel());
  Table table{AgentColumns(), {}};
  grpc::Status status = FetchAllPages<v1::ListAgentsResponse>(
      [&](const std::string& page_token, v1::ListAgentsResponse* response) {
        v1::ListAgentsRequest request;
        request.set_page_size(kPageSize);
        request.set_page_token(page_token);
        grpc::ClientContext call;
        SetDeadline(&call, kCallDeadline);
        return stub->ListAgents(&call, request, response);
      },
      [&](const v1::ListAgentsResponse& page) {
        for (const v1::Agent& agent : page.agents()) table.rows.push_back(AgentRow(agent));
      });
  if (!status.ok()) return ctx.RpcFailure(status);
  return PrintTable(ctx, table, format);
}

}  // namespace

void AddAgentCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* agents = app.add_subcommand("agents", "Agents: import from CSV, list");
  agents->require_subcommand(1);

  auto import_path = std::make_shared<std::string>();
  CLI::App* import = agents->add_subcommand("import", "Import or update agents from a CSV file");
  auto import_encoding = std::make_shared<CsvEncoding>();
  import->add_option("FILE", *import_path, "CSV file with a header line")->required();
  AddEncodingOption(import, import_encoding.get());
  import->callback([=] {
    *selected = [=](CliContext& ctx) {
      return ImportAgents(ctx, *import_path, *import_encoding);
};
}  // namespace plaudit::cli
);

auto list_format = std::make_shared<std::string>();
CLI::App* list = agents->add_subcommand("list", "List agents");
AddOutputOption(list, list_format.get(), {"table", "json", "csv"});
list->callback([=] { *selected = [=](CliContext& ctx) { return ListAgents(ctx, *list_format); }; });
}

}  // namespace plaudit::cli

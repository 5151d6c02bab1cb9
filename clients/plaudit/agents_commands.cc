// plaudit agents import FILE | agents list
#include <fstream>
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
  AgentImportChunker chunker(in, encoding);
  if (!chunker.ReadHeader()) return CommandResult::Failure(path + ": " + chunker.error());

  // The server takes a bounded number of rows per request: a large file goes in several. Each
  // request is committed on its own; agents are upserted by id, so running the import again after
  // a failure part-way is harmless.
  auto stub = v1::AgentService::NewStub(ctx.channel());
  v1::ImportAgentsRequest request;
  int64_t imported = 0;
  int64_t rejected = 0;
  int64_t committed_line = 0;
  std::vector<v1::RowError> errors;
  while (chunker.Next(&request)) {
    grpc::ClientContext call;
    SetDeadline(&call, kImportDeadline);
    v1::ImportAgentsResponse response;
    grpc::Status status = stub->ImportAgents(&call, request, &response);
    if (!status.ok()) {
      if (committed_line > 0) {
        ctx.err() << "agents up to line " << committed_line << " of " << path
                  << " are stored; run the import again to finish it\n";
      }
      return ctx.RpcFailure(status);
    }
    imported += response.imported();
    rejected += response.rejected();
    errors.insert(errors.end(), response.errors().begin(), response.errors().end());
    committed_line = chunker.last_line();
  }
  if (!chunker.error().empty()) {
    return CommandResult::Failure("cannot read " + path + ": " + chunker.error());
  }

  errors.insert(errors.end(), chunker.local_errors().begin(), chunker.local_errors().end());
  rejected += static_cast<int64_t>(chunker.local_errors().size());
  PrintRowErrors(std::move(errors), rejected, kAllRowErrors, ctx.err());
  ctx.out() << "imported " << imported << ", rejected " << rejected << "\n";
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

// plaudit programs apply -f FILE | programs list
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/input_file.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "plaudit/v1/programs.grpc.pb.h"

namespace plaudit::cli {
namespace {

CommandResult ApplyProgram(CliContext& ctx, const std::string& path) {
  v1::ApplyProgramRequest request;
  std::string error;
  if (!ReadInputFile(path, request.mutable_yaml(), &error)) return CommandResult::Failure(error);
  auto stub = v1::ProgramService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::Program program;
  grpc::Status status = stub->ApplyProgram(&call, request, &program);
  if (!status.ok()) return ctx.RpcFailure(status);
  ctx.out() << "applied " << program.id() << " version " << program.version() << "\n";
  return CommandResult::Success();
}

CommandResult ListPrograms(CliContext& ctx, const std::string& format) {
  auto stub = v1::ProgramService::NewStub(ctx.channel());
  Table table{ProgramColumns(), {}};
  grpc::Status status = FetchAllPages<v1::ListProgramsResponse>(
      [&](const std::string& page_token, v1::ListProgramsResponse* response) {
        v1::ListProgramsRequest request;
        request.set_page_size(kPageSize);
        request.set_page_token(page_token);
        grpc::ClientContext call;
        SetDeadline(&call, kCallDeadline);
        return stub->ListPrograms(&call, request, response);
      },
      [&](const v1::ListProgramsResponse& page) {
        for (const v1::Program& program : page.programs()) {
          table.rows.push_back(ProgramRow(program));
        }
      });
  if (!status.ok()) return ctx.RpcFailure(status);
  return PrintTable(ctx, table, format);
}

}  // namespace

void AddProgramCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* programs = app.add_subcommand("programs", "Award programs: apply YAML, list");
  programs->require_subcommand(1);

  auto apply_path = std::make_shared<std::string>();
  CLI::App* apply = programs->add_subcommand("apply", "Create or update a program from YAML");
  apply->add_option("-f,--file", *apply_path, "Program YAML file")->required();
  apply->callback(
      [=] { *selected = [=](CliContext& ctx) { return ApplyProgram(ctx, *apply_path); }; });

  auto list_format = std::make_shared<std::string>();
  CLI::App* list = programs->add_subcommand("list", "List programs");
  AddOutputOption(list, list_format.get(), {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListPrograms(ctx, *list_format); }; });
}

}  // namespace plaudit::cli

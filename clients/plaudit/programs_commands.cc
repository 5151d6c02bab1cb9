// plaudit programs apply -f FILE | list | simulate -f FILE --period P | status

#include <memory>
#include <set>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/input_file.h"
#include "clients/plaudit/leaderboard.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "clients/plaudit/time_text.h"
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

struct SimulateOptions {
  std::string path;
  std::string period;
  std::string format;
};

std::set<std::string> Winners(const v1::EvaluateAwardsResponse& response) {
  std::set<std::string> agents;
  for (const v1::Award& award : response.awards()) agents.insert(award.agent_id());
  return agents;
}

std::string Joined(const std::set<std::string>& agents) {
  std::string out;
  for (const std::string& agent : agents) out += (out.empty() ? "" : ", ") + agent;
  return out.empty() ? "-" : out;
}

CommandResult SimulateProgram(CliContext& ctx, const SimulateOptions& options) {
  v1::SimulateProgramRequest request;
  std::string error;
  if (!ReadInputFile(options.path, request.mutable_yaml(), &error)) {
    return CommandResult::Failure(error);
  }
  request.set_period(options.period);
  auto stub = v1::ProgramService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::SimulateProgramResponse response;
  grpc::Status status = stub->SimulateProgram(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(options.format) == OutputFormat::kJson) return PrintJson(ctx, response);
  ctx.out() << "Draft (" << options.path << ") for " << options.period << ":\n"
            << RenderLeaderboard(response.draft(), /*dry_run=*/true);
  if (response.has_applied()) {
    ctx.out() << "\nApplied version " << response.applied_version() << " for " << options.period
              << ":\n"
              << RenderLeaderboard(response.applied(), /*dry_run=*/true);
    std::set<std::string> draft = Winners(response.draft());
    std::set<std::string> applied = Winners(response.applied());
    ctx.out() << "\nWinners: draft " << Joined(draft) << "; applied " << Joined(applied)
              << (draft == applied ? " (the same)" : " (they differ)") << "\n";
  } else {
    ctx.out() << "\nNo version of this program is applied yet.\n";
  }
  return CommandResult::Success();
}

CommandResult ProgramStatus(CliContext& ctx, const std::string& format) {
  auto stub = v1::ProgramService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::ListProgramStatusResponse response;
  grpc::Status status = stub->ListProgramStatus(&call, v1::ListProgramStatusRequest(), &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  Table table{{{"program_id", ColumnType::kText},
               {"cadence", ColumnType::kText},
               {"close_after", ColumnType::kText},
               {"last_closed", ColumnType::kText},
               {"next_period", ColumnType::kText},
               {"next_close", ColumnType::kText},
               {"disabled", ColumnType::kBoolean},
               {"error", ColumnType::kText}},
              {}};
  for (const v1::ProgramStatus& program : response.programs()) {
    std::string next_close =
        program.next_period().empty() ? "" : TimeText(program.next_close_time(), ctx.time_zone());
    table.rows.push_back({program.program_id(), program.cadence(), program.close_after(),
                          program.last_closed_period(), program.next_period(), next_close,
                          program.disabled(), program.error()});
  }
  return PrintTable(ctx, table, format);
}

}  // namespace

void AddProgramCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* programs =
      app.add_subcommand("programs", "Award programs: apply YAML, list, simulate a draft");
  programs->require_subcommand(1);

  auto apply_path = std::make_shared<std::string>();
  CLI::App* apply = programs->add_subcommand("apply", "Create or update a program from YAML");
  apply->add_option("-f,--file", *apply_path, "Program YAML file")->required();
  apply->callback(
      [=] { *selected = [=](CliContext& ctx) { return ApplyProgram(ctx, *apply_path); }; });

  auto simulate_options = std::make_shared<SimulateOptions>();
  CLI::App* simulate = programs->add_subcommand(
      "simulate", "Standings and awards under a draft, beside the applied version; writes nothing");
  simulate->add_option("-f,--file", simulate_options->path, "Draft program YAML file")->required();
  simulate->add_option("--period", simulate_options->period, "Period, e.g. 2026-10")->required();
  AddOutputOption(simulate, &simulate_options->format, {"table", "json"});
  simulate->callback([=] {
    *selected = [=](CliContext& ctx) { return SimulateProgram(ctx, *simulate_options); };
  });

  auto status_format = std::make_shared<std::string>();
  CLI::App* status = programs->add_subcommand(
      "status", "Each program's last closed period and when the next one closes by itself");
  AddOutputOption(status, status_format.get(), {"table", "json", "csv"});
  status->callback(
      [=] { *selected = [=](CliContext& ctx) { return ProgramStatus(ctx, *status_format); }; });

  auto list_format = std::make_shared<std::string>();
  CLI::App* list = programs->add_subcommand("list", "List programs");
  AddOutputOption(list, list_format.get(), {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListPrograms(ctx, *list_format); }; });
}

}  // namespace plaudit::cli

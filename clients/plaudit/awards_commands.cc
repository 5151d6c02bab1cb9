// plaudit awards evaluate PROGRAM --period P | awards list | leaderboard PROGRAM [--period P]
#include <google/protobuf/util/json_util.h>

#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/leaderboard.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "plaudit/v1/awards.grpc.pb.h"

namespace plaudit::cli {
namespace {

struct EvaluateOptions {
  std::string program_id;
  std::string period;
  bool dry_run = false;
  std::string format;
  // Print a heading naming the (resolved) period: the live leaderboard.
  bool live = false;
};

struct ListOptions {
  std::string program_id;
  std::string period;
  std::string format;
};

CommandResult EvaluateAwards(CliContext& ctx, const EvaluateOptions& options) {
  v1::EvaluateAwardsRequest request;
  request.set_program_id(options.program_id);
  request.set_period(options.period);
  request.set_dry_run(options.dry_run);
  auto stub = v1::AwardService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::EvaluateAwardsResponse response;
  grpc::Status status = stub->EvaluateAwards(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);

  if (ParseOutputFormat(options.format) == OutputFormat::kJson) {
    google::protobuf::util::JsonPrintOptions json_options;
    json_options.add_whitespace = true;
    json_options.always_print_primitive_fields = true;
    json_options.preserve_proto_field_names = true;
    std::string json;
    auto converted = google::protobuf::util::MessageToJsonString(response, &json, json_options);
    if (!converted.ok()) {
      return CommandResult::Failure("cannot print the result as JSON: " +
                                    std::string(converted.message()));
    }
    ctx.out() << json;
    if (json.empty() || json.back() != '\n') ctx.out() << '\n';
  } else {
    if (options.live) {
      ctx.out() << "Live standings of " << options.program_id << " for " << response.period()
                << "; the awards are decided when the period closes.\n\n";
    }
    ctx.out() << RenderLeaderboard(response, options.dry_run);
  }
  return CommandResult::Success();
}

CommandResult ListAwards(CliContext& ctx, const ListOptions& options) {
  auto stub = v1::AwardService::NewStub(ctx.channel());
  Table table{AwardColumns(), {}};
  grpc::Status status = FetchAllPages<v1::ListAwardsResponse>(
      [&](const std::string& page_token, v1::ListAwardsResponse* response) {
        v1::ListAwardsRequest request;
        request.set_program_id(options.program_id);
        request.set_period(options.period);
        request.set_page_size(kPageSize);
        request.set_page_token(page_token);
        grpc::ClientContext call;
        SetDeadline(&call, kCallDeadline);
        return stub->ListAwards(&call, request, response);
      },
      [&](const v1::ListAwardsResponse& page) {
        for (const v1::Award& award : page.awards()) table.rows.push_back(AwardRow(award));
      });
  if (!status.ok()) return ctx.RpcFailure(status);
  return PrintTable(ctx, table, options.format);
}

}  // namespace

void AddAwardCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* awards = app.add_subcommand("awards", "Awards: evaluate a program, list decisions");
  awards->require_subcommand(1);

  auto evaluate_options = std::make_shared<EvaluateOptions>();
  CLI::App* evaluate = awards->add_subcommand("evaluate", "Decide a program's awards for a period");
  evaluate->add_option("PROGRAM", evaluate_options->program_id, "Program id")->required();
  evaluate
      ->add_option("--period", evaluate_options->period,
                   "Period of the program's cadence, e.g. 2026-10 or 2026-W41; \"current\" "
                   "for the open one (with --dry-run)")
      ->required();
  evaluate->add_flag("--dry-run", evaluate_options->dry_run,
                     "Show the standings and awards without writing anything");
  AddOutputOption(evaluate, &evaluate_options->format, {"table", "json"});
  evaluate->callback(
      [=] { *selected = [=](CliContext& ctx) { return EvaluateAwards(ctx, *evaluate_options); }; });

  auto board_options = std::make_shared<EvaluateOptions>();
  board_options->period = "current";
  board_options->dry_run = true;
  board_options->live = true;
  CLI::App* board =
      app.add_subcommand("leaderboard", "Live standings of a program; nothing is written");
  board->add_option("PROGRAM", board_options->program_id, "Program id")->required();
  board->add_option("--period", board_options->period,
                    "Period to show (default: current, the open period)");
  AddOutputOption(board, &board_options->format, {"table", "json"});
  board->callback(
      [=] { *selected = [=](CliContext& ctx) { return EvaluateAwards(ctx, *board_options); }; });

  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list = awards->add_subcommand("list", "List decided awards");
  list->add_option("--program", list_options->program_id, "Only this program");
  list->add_option("--period", list_options->period, "Only this period");
  AddOutputOption(list, &list_options->format, {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListAwards(ctx, *list_options); }; });
}

}  // namespace plaudit::cli

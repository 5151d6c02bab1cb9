// Corrections, added to the commands they correct:
//   plaudit metrics retract EVENT_ID... --reason R
//   plaudit programs disable|enable ID --reason R | programs show ID
//   plaudit agents deactivate ID --reason R
//   plaudit corrections list [--subject ID]
// Each correction needs an admin and a reason; plauditd records both.
#include <memory>
#include <string>
#include <vector>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/time_text.h"
#include "plaudit/v1/corrections.grpc.pb.h"

namespace plaudit::cli {
namespace {

std::vector<Column> CorrectionColumns() {
  return {{"seq", ColumnType::kInteger},
          {"at"},
          {"kind"},
          {"subject"},
          {"actor"},
          {"reason"},
          {"detail"}};
}

std::vector<Cell> CorrectionRow(const v1::Correction& c, const absl::TimeZone& zone) {
  return {int64_t{c.seq()}, TimeText(c.at(), zone), c.kind(), c.subject(), c.actor(), c.reason(),
          c.detail()};
}

// One call to the correction service, as the user says they are (plaudit --as), within the CLI's
// deadline.
template <typename Request, typename Response>
grpc::Status CallCorrections(CliContext& ctx,
                             grpc::Status (v1::CorrectionService::Stub::*method)(
                                 grpc::ClientContext*, const Request&, Response*),
                             const Request& request, Response* response) {
  auto stub = v1::CorrectionService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  return (stub.get()->*method)(&call, request, response);
}

CommandResult RetractEvents(CliContext& ctx, const std::vector<std::string>& ids,
                            const std::string& reason) {
  v1::RetractEventsRequest request;
  for (const std::string& id : ids) request.add_event_ids(id);
  request.set_reason(reason);
  v1::RetractEventsResponse response;
  grpc::Status status =
      CallCorrections(ctx, &v1::CorrectionService::Stub::RetractEvents, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  ctx.out() << "retracted " << response.retracted() << "\n";
  if (response.not_found_size() == 0) return CommandResult::Success();
  for (const std::string& id : response.not_found()) {
    ctx.err() << "event " << id << ": not stored (unknown, or retracted before)\n";
  }
  return CommandResult::Exit(1);
}

CommandResult ChangeProgramState(CliContext& ctx, const std::string& program_id,
                                 const std::string& reason, bool disable) {
  v1::ChangeProgramStateRequest request;
  request.set_program_id(program_id);
  request.set_reason(reason);
  v1::ChangeProgramStateResponse response;
  grpc::Status status = CallCorrections(ctx,
                                        disable ? &v1::CorrectionService::Stub::DisableProgram
                                                : &v1::CorrectionService::Stub::EnableProgram,
                                        request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  ctx.out() << "program " << response.program_id() << " is "
            << (response.disabled() ? "disabled: it closes no period until enabled" : "enabled")
            << "\n";
  return CommandResult::Success();
}

CommandResult ShowProgram(CliContext& ctx, const std::string& program_id,
                          const std::string& format) {
  v1::GetProgramHistoryRequest request;
  request.set_program_id(program_id);
  v1::ProgramHistory history;
  grpc::Status status =
      CallCorrections(ctx, &v1::CorrectionService::Stub::GetProgramHistory, request, &history);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (format == "json") return PrintJson(ctx, history);
  std::ostream& out = ctx.out();
  out << "program " << history.program_id() << (history.disabled() ? " (disabled)" : "") << "\n\n";
  Table versions{{{"version", ColumnType::kInteger}, {"applied_at"}}, {}};
  for (const v1::ProgramVersion& v : history.versions()) {
    versions.rows.push_back({int64_t{v.version()}, TimeText(v.applied_at(), ctx.time_zone())});
  }
  out << RenderTable(versions);
  if (history.corrections_size() > 0) {
    Table changes{CorrectionColumns(), {}};
    for (const v1::Correction& c : history.corrections()) {
      changes.rows.push_back(CorrectionRow(c, ctx.time_zone()));
    }
    out << "\n" << RenderTable(changes);
  }
  out << "\n" << history.yaml();
  if (!history.yaml().empty() && history.yaml().back() != '\n') out << "\n";
  return CommandResult::Success();
}

CommandResult DeactivateAgent(CliContext& ctx, const std::string& agent_id,
                              const std::string& reason) {
  v1::DeactivateAgentRequest request;
  request.set_agent_id(agent_id);
  request.set_reason(reason);
  v1::DeactivateAgentResponse response;
  grpc::Status status =
      CallCorrections(ctx, &v1::CorrectionService::Stub::DeactivateAgent, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  ctx.out() << "agent " << agent_id << " is inactive: no period decided from now on ranks them\n";
  return CommandResult::Success();
}

CommandResult ListCorrections(CliContext& ctx, const std::string& subject,
                              const std::string& format) {
  v1::ListCorrectionsRequest request;
  request.set_subject(subject);
  v1::ListCorrectionsResponse response;
  grpc::Status status =
      CallCorrections(ctx, &v1::CorrectionService::Stub::ListCorrections, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  Table table{CorrectionColumns(), {}};
  for (const v1::Correction& c : response.corrections()) {
    table.rows.push_back(CorrectionRow(c, ctx.time_zone()));
  }
  return PrintTable(ctx, table, format);
}

// The subcommand `name` of `app`, which the command's own Add*Commands() created.
CLI::App* Existing(CLI::App& app, const std::string& name) { return app.get_subcommand(name); }

void AddReasonOption(CLI::App* command, std::string* reason) {
  command->add_option("--reason", *reason, "Why (recorded with who and when)")->required();
}

}  // namespace

void AddCorrectionCommands(CLI::App& app, CommandAction* selected) {
  struct Options {
    std::vector<std::string> ids;
    std::string id;
    std::string reason;
    std::string format;
  };

  auto retract = std::make_shared<Options>();
  CLI::App* retract_command =
      Existing(app, "metrics")
          ->add_subcommand(
              "retract", "Retract wrong events: they leave every aggregate; their ids stay taken");
  retract_command->add_option("EVENT_ID", retract->ids, "Events to retract")->required();
  AddReasonOption(retract_command, &retract->reason);
  retract_command->callback([=] {
    *selected = [=](CliContext& ctx) { return RetractEvents(ctx, retract->ids, retract->reason); };
  });

  CLI::App* programs = Existing(app, "programs");
  for (const bool disable : {true, false}) {
    auto options = std::make_shared<Options>();
    CLI::App* command = programs->add_subcommand(
        disable ? "disable" : "enable",
        disable ? "Stop a program: it closes no period and commits no decision until enabled"
                : "Start a disabled program again (periods that closed meanwhile stay undecided)");
    command->add_option("ID", options->id, "Program id")->required();
    AddReasonOption(command, &options->reason);
    command->callback([=] {
      *selected = [=](CliContext& ctx) {
        return ChangeProgramState(ctx, options->id, options->reason, disable);
      };
    });
  }

  auto show = std::make_shared<Options>();
  CLI::App* show_command = programs->add_subcommand(
      "show", "A program's YAML, its versions, and when it was disabled or enabled");
  show_command->add_option("ID", show->id, "Program id")->required();
  AddOutputOption(show_command, &show->format, {"table", "json"});
  show_command->callback([=] {
    *selected = [=](CliContext& ctx) { return ShowProgram(ctx, show->id, show->format); };
  });

  auto deactivate = std::make_shared<Options>();
  CLI::App* deactivate_command =
      Existing(app, "agents")
          ->add_subcommand("deactivate", "Take an agent out of every period decided from now on");
  deactivate_command->add_option("ID", deactivate->id, "Agent id")->required();
  AddReasonOption(deactivate_command, &deactivate->reason);
  deactivate_command->callback([=] {
    *selected = [=](CliContext& ctx) {
      return DeactivateAgent(ctx, deactivate->id, deactivate->reason);
    };
  });

  auto list = std::make_shared<Options>();
  CLI::App* corrections =
      app.add_subcommand("corrections", "Corrections: who retracted, disabled or deactivated what");
  corrections->require_subcommand(1);
  CLI::App* list_command = corrections->add_subcommand("list", "Every correction, oldest first");
  list_command->add_option("--subject", list->id, "Only this event, program or agent id");
  AddOutputOption(list_command, &list->format, {"table", "json", "csv"});
  list_command->callback([=] {
    *selected = [=](CliContext& ctx) { return ListCorrections(ctx, list->id, list->format); };
  });
}

}  // namespace plaudit::cli

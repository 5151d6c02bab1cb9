// plaudit fulfilments list | show ID | retry ID | cancel ID | complete ID --note TEXT

#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/display_names.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "clients/plaudit/time_text.h"
#include "plaudit/v1/fulfilments.grpc.pb.h"

namespace plaudit::cli {
namespace {

struct ListOptions {
  std::string award_id;
  std::string format;
};

CommandResult ListFulfilments(CliContext& ctx, const ListOptions& options) {
  auto stub = v1::FulfilmentService::NewStub(ctx.channel());
  Table table{FulfilmentColumns(), {}};
  grpc::Status status = FetchAllPages<v1::ListFulfilmentsResponse>(
      [&](const std::string& page_token, v1::ListFulfilmentsResponse* response) {
        v1::ListFulfilmentsRequest request;
        request.set_award_id(options.award_id);
        request.set_page_size(kPageSize);
        request.set_page_token(page_token);
        grpc::ClientContext call;
        SetDeadline(&call, kCallDeadline);
        return stub->ListFulfilments(&call, request, response);
      },
      [&](const v1::ListFulfilmentsResponse& page) {
        for (const v1::Fulfilment& fulfilment : page.fulfilments()) {
          table.rows.push_back(FulfilmentRow(fulfilment));
        }
      });
  if (!status.ok()) return ctx.RpcFailure(status);
  return PrintTable(ctx, table, options.format);
}

struct ActionOptions {
  std::string fulfilment_id;
  std::string text;
  std::string format;
};

CommandResult ShowFulfilment(CliContext& ctx, const ActionOptions& options) {
  auto stub = v1::FulfilmentService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::GetFulfilmentRequest request;
  request.set_fulfilment_id(options.fulfilment_id);
  v1::FulfilmentDetail detail;
  grpc::Status status = stub->GetFulfilment(&call, request, &detail);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(options.format) == OutputFormat::kJson) return PrintJson(ctx, detail);
  const v1::Fulfilment& f = detail.fulfilment();
  if (ParseOutputFormat(options.format) == OutputFormat::kTable) {
    ctx.out() << "fulfilment " << f.id() << " (" << f.type() << " for "
              << (f.agent_id().empty() ? "the team" : f.agent_id()) << ", award " << f.award_id()
              << ") is " << FulfilmentStateName(f.state()) << " after " << f.attempts()
              << " attempt(s)\n";
    if (!f.error().empty()) ctx.out() << "  last error: " << f.error() << "\n";
    if (!f.artifact().empty()) ctx.out() << "  artifact: " << f.artifact() << "\n";
    if (f.state() == v1::Fulfilment::PENDING) {
      ctx.out() << "  next " << (f.check_first() ? "lookup" : "attempt") << ": "
                << TimeText(f.next_attempt_at(), ctx.time_zone()) << "\n";
    }
    ctx.out() << "\n";
  }
  Table table{{{"seq", ColumnType::kInteger},
               {"started_at", ColumnType::kText},
               {"kind", ColumnType::kText},
               {"outcome", ColumnType::kText},
               {"actor", ColumnType::kText},
               {"error", ColumnType::kText}},
              {}};
  for (const v1::FulfilmentAttempt& a : detail.attempts()) {
    table.rows.push_back({a.seq(), TimeText(a.started_at(), ctx.time_zone()), a.kind(), a.outcome(),
                          a.actor(), a.error()});
  }
  return PrintTable(ctx, table, options.format);
}

// retry, cancel or complete, as ctx.actor().
CommandResult ActOnFulfilment(CliContext& ctx, const std::string& verb,
                              const ActionOptions& options) {
  auto stub = v1::FulfilmentService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::Fulfilment fulfilment;
  auto send = [&](auto request, auto rpc) {
    request.set_fulfilment_id(options.fulfilment_id);
    return ((*stub).*rpc)(&call, request, &fulfilment);
  };
  v1::RetryFulfilmentRequest retry;
  retry.set_reason(options.text);
  v1::CancelFulfilmentRequest cancel;
  cancel.set_reason(options.text);
  v1::CompleteFulfilmentRequest complete;
  complete.set_note(options.text);
  grpc::Status status = verb == "retry" ? send(retry, &v1::FulfilmentService::Stub::RetryFulfilment)
                        : verb == "cancel"
                            ? send(cancel, &v1::FulfilmentService::Stub::CancelFulfilment)
                            : send(complete, &v1::FulfilmentService::Stub::CompleteFulfilment);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(options.format) == OutputFormat::kJson) return PrintJson(ctx, fulfilment);
  ctx.out() << "fulfilment " << fulfilment.id() << " is "
            << FulfilmentStateName(fulfilment.state());
  if (verb == "complete") ctx.out() << " (completed; it is looked up now)";
  ctx.out() << "\n";
  return CommandResult::Success();
}

}  // namespace

void AddFulfilmentCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* fulfilments = app.add_subcommand("fulfilments", "Delivery of awarded rewards");
  fulfilments->require_subcommand(1);

  auto options = std::make_shared<ListOptions>();
  CLI::App* list = fulfilments->add_subcommand("list", "List fulfilments");
  list->add_option("--award", options->award_id, "Only this award's fulfilments");
  AddOutputOption(list, &options->format, {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListFulfilments(ctx, *options); }; });

  auto show_options = std::make_shared<ActionOptions>();
  CLI::App* show =
      fulfilments->add_subcommand("show", "A reward with every attempt: time, outcome, error");
  show->add_option("ID", show_options->fulfilment_id, "Fulfilment id")->required();
  AddOutputOption(show, &show_options->format, {"table", "json", "csv"});
  show->callback(
      [=] { *selected = [=](CliContext& ctx) { return ShowFulfilment(ctx, *show_options); }; });

  struct Verb {
    const char* name;
    const char* help;
    const char* text_flag;
    const char* text_help;
  };
  for (const Verb& verb :
       {Verb{"retry", "Give a failed reward another round of attempts (as --as USER)", "--reason",
             "Why, for the reward's history"},
        Verb{"cancel", "Cancel a reward before it is placed (as --as USER)", "--reason",
             "Why, for the reward's history"},
        Verb{"complete", "Close a reward a person handed over (a manual task)", "--note",
             "What was handed over, and how"}}) {
    auto action_options = std::make_shared<ActionOptions>();
    const std::string name = verb.name;
    CLI::App* action = fulfilments->add_subcommand(name, verb.help);
    action->add_option("ID", action_options->fulfilment_id, "Fulfilment id")->required();
    CLI::Option* text = action->add_option(verb.text_flag, action_options->text, verb.text_help);
    if (name == "complete") text->required();
    AddOutputOption(action, &action_options->format, {"table", "json"});
    action->callback([=] {
      *selected = [=](CliContext& ctx) { return ActOnFulfilment(ctx, name, *action_options); };
    });
  }
}

}  // namespace plaudit::cli

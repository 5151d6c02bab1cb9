// plaudit praise send [--from A] --to B --message TEXT [--value TAG] | praise feed [--agent A]

#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "plaudit/v1/praise.grpc.pb.h"

namespace plaudit::cli {
namespace {

struct SendOptions {
  std::string from;
  std::string to;
  std::string message;
  std::string value;
  std::string request_id;
};

CommandResult SendPraise(CliContext& ctx, const SendOptions& options) {
  v1::SendPraiseRequest request;
  request.set_from_agent_id(options.from);
  request.set_to_agent_id(options.to);
  request.set_message(options.message);
  request.set_value(options.value);
  request.set_request_id(options.request_id);
  auto stub = v1::PraiseService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::Praise praise;
  grpc::Status status = stub->SendPraise(&call, request, &praise);
  if (!status.ok()) return ctx.RpcFailure(status);
  ctx.out() << praise.from_agent_id() << " praised " << praise.to_agent_id() << " (" << praise.id()
            << ")\n";
  return CommandResult::Success();
}

CommandResult PraiseFeed(CliContext& ctx, const std::string& agent_id, const std::string& format) {
  auto stub = v1::PraiseService::NewStub(ctx.channel());
  Table table{PraiseColumns(), {}};
  grpc::Status status = FetchAllPages<v1::ListPraiseResponse>(
      [&](const std::string& page_token, v1::ListPraiseResponse* response) {
        v1::ListPraiseRequest request;
        request.set_agent_id(agent_id);
        request.set_page_size(kPageSize);
        request.set_page_token(page_token);
        grpc::ClientContext call;
        SetDeadline(&call, kCallDeadline);
        return stub->ListPraise(&call, request, response);
      },
      [&](const v1::ListPraiseResponse& page) {
        for (const v1::Praise& praise : page.praise())
          table.rows.push_back(PraiseRow(praise, ctx.time_zone()));
      });
  if (!status.ok()) return ctx.RpcFailure(status);
  return PrintTable(ctx, table, format);
}

}  // namespace

void AddPraiseCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* praise = app.add_subcommand("praise", "Peer recognition: send praise, read the feed");
  praise->require_subcommand(1);

  auto send_options = std::make_shared<SendOptions>();
  CLI::App* send = praise->add_subcommand("send", "Praise a colleague");
  send->add_option("--from", send_options->from,
                   "Agent id of the giver: yourself (the server refuses any other; optional)");
  send->add_option("--to", send_options->to, "Agent id of the colleague praised")->required();
  send->add_option("--message", send_options->message, "What they did")->required();
  send->add_option("--value", send_options->value, "The company value it shows, e.g. teamwork");
  send->add_option("--request-id", send_options->request_id,
                   "Makes a retried send return the first praise instead of sending twice");
  send->callback(
      [=] { *selected = [=](CliContext& ctx) { return SendPraise(ctx, *send_options); }; });

  auto feed_agent = std::make_shared<std::string>();
  auto feed_format = std::make_shared<std::string>();
  CLI::App* feed = praise->add_subcommand("feed", "Praise sent and received, newest first");
  feed->add_option("--agent", *feed_agent, "Only praise this agent sent or received");
  AddOutputOption(feed, feed_format.get(), {"table", "json", "csv"});
  feed->callback([=] {
    *selected = [=](CliContext& ctx) { return PraiseFeed(ctx, *feed_agent, *feed_format); };
  });
}

}  // namespace plaudit::cli

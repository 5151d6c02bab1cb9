// plaudit fulfilments list
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
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
}

}  // namespace plaudit::cli

// plaudit sources status | sources unmatched [--source NAME] [--limit N]
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/time_text.h"
#include "plaudit/v1/plugins.grpc.pb.h"

namespace plaudit::cli {
namespace {

CommandResult SourceStatus(CliContext& ctx, const std::string& format) {
  auto stub = v1::PluginService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::ListSourcesResponse response;
  grpc::Status status = stub->ListSources(&call, v1::ListSourcesRequest(), &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  Table table{{{"source", ColumnType::kText},
               {"position", ColumnType::kText},
               {"lag", ColumnType::kText},
               {"taken", ColumnType::kInteger},
               {"rejected", ColumnType::kInteger},
               {"unmatched", ColumnType::kInteger},
               {"contacts", ColumnType::kInteger},
               {"updated", ColumnType::kText},
               {"last_problem", ColumnType::kText}},
              {}};
  for (const v1::SourceStatus& s : response.sources()) {
    table.rows.push_back({s.source(), s.position(), s.lag(), int64_t{s.taken()},
                          int64_t{s.rejected()}, int64_t{s.unmatched()}, int64_t{s.contacts()},
                          s.has_updated_at() ? TimeText(s.updated_at(), ctx.time_zone()) : "",
                          s.last_problem()});
  }
  return PrintTable(ctx, table, format);
}

struct UnmatchedOptions {
  std::string source;
  int limit = 1000;
  std::string format;
};

CommandResult Unmatched(CliContext& ctx, const UnmatchedOptions& options) {
  auto stub = v1::PluginService::NewStub(ctx.channel());
  Table table{{{"source", ColumnType::kText},
               {"contact_id", ColumnType::kText},
               {"participant", ColumnType::kText},
               {"occurred", ColumnType::kText},
               {"channel", ColumnType::kText},
               {"queue", ColumnType::kText},
               {"metrics", ColumnType::kText}},
              {}};
  v1::ListUnmatchedRequest request;
  request.set_source(options.source);
  int shown = 0;
  do {
    grpc::ClientContext call;
    SetDeadline(&call, kCallDeadline);
    v1::ListUnmatchedResponse response;
    request.set_page_size(std::min(options.limit - shown, 1000));
    grpc::Status status = stub->ListUnmatched(&call, request, &response);
    if (!status.ok()) return ctx.RpcFailure(status);
    for (const v1::UnmatchedFact& f : response.facts()) {
      table.rows.push_back({f.source(), f.contact_id(), f.participant(),
                            TimeText(f.occurred_at(), ctx.time_zone()), f.channel(), f.queue(),
                            f.metrics()});
    }
    shown += request.page_size();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && shown < options.limit);
  return PrintTable(ctx, table, options.format);
}

}  // namespace

void AddSourceCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* sources =
      app.add_subcommand("sources", "Metric sources that take contacts from platforms");
  sources->require_subcommand(1);

  auto status_format = std::make_shared<std::string>();
  CLI::App* status = sources->add_subcommand(
      "status", "Each source's position, lag, records taken, rejected and unmatched");
  AddOutputOption(status, status_format.get(), {"table", "json", "csv"});
  status->callback(
      [=] { *selected = [=](CliContext& ctx) { return SourceStatus(ctx, *status_format); }; });

  auto options = std::make_shared<UnmatchedOptions>();
  CLI::App* unmatched = sources->add_subcommand(
      "unmatched", "Contact facts waiting for their agent (applied once the agent is known)");
  unmatched->add_option("--source", options->source, "Only this source's");
  unmatched->add_option("--limit", options->limit, "At most this many contacts (default 1000)")
      ->check(CLI::Range(1, 1000000));
  AddOutputOption(unmatched, &options->format, {"table", "json", "csv"});
  unmatched->callback(
      [=] { *selected = [=](CliContext& ctx) { return Unmatched(ctx, *options); }; });
}

}  // namespace plaudit::cli

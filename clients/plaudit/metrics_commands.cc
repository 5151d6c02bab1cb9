// plaudit metrics import [--replace --reason TEXT] FILE | metrics list | metrics summary
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/csv_upload.h"
#include "clients/plaudit/import_progress.h"
#include "clients/plaudit/import_report.h"
#include "clients/plaudit/input_file.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "clients/plaudit/stream_acknowledgements.h"
#include "plaudit/v1/metrics.grpc.pb.h"

namespace plaudit::cli {
namespace {

// An events file can reject millions of rows; nobody reads past the first screenful.
constexpr size_t kMaxRowErrorsShown = 100;

struct ImportOptions {
  std::string path;
  CsvEncoding encoding = CsvEncoding::kUtf8;
  // Rows replace stored or retracted events of the same id, as a correction with `reason`.
  bool replace = false;
  std::string reason;
};

// A refusal of the whole import (who asks, or what the first message says): when nothing was
// acknowledged, nothing is stored and running again would be refused again.
bool RefusedImport(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::INVALID_ARGUMENT:
      return true;
    default:
      return false;
  }
}

struct SummaryOptions {
  std::string period;
  std::string agent_id;
  std::string time_zone;
  std::string format;
};

CommandResult ImportEvents(CliContext& ctx, const ImportOptions& options) {
  const std::string& path = options.path;
  std::ifstream in;
  std::string error;
  if (!OpenInputFile(path, &in, &error)) return CommandResult::Failure(error);
  EventImportChunker chunker(in, options.encoding);
  v1::ImportEventsRequest message;
  // The header is read before connecting, so an empty or broken file fails without a call.
  if (!chunker.Next(&message)) return CommandResult::Failure(path + ": " + chunker.error());
  // The server decides on replacing, and checks who asks, from the first message alone.
  message.set_replace(options.replace);
  message.set_reason(options.reason);

  // StreamEvents acknowledges each message once committed; the acknowledgements are read on
  // their own thread, so neither side's writes wait for the other to read.
  auto stub = v1::MetricService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kImportDeadline);
  std::unique_ptr<grpc::ClientReaderWriter<v1::ImportEventsRequest, v1::ImportEventsProgress>>
      stream = stub->StreamEvents(&call);
  StreamAcknowledgements acks;
  std::thread ack_reader([&stream, &acks] {
    v1::ImportEventsProgress ack;
    while (stream->Read(&ack)) acks.Received(ack);
  });

  ImportProgress progress(ctx.err(), ctx.err_is_terminal());
  int64_t bytes_sent = 0;
  int64_t seq = 0;
  bool stream_open = true;
  do {
    message.set_chunk_seq(++seq);
    acks.Sent(seq, chunker.rows_read(), chunker.last_line());
    if (!stream->Write(message)) {
      // The server ended the call early; Finish() says why.
      stream_open = false;
      break;
    }
    bytes_sent += static_cast<int64_t>(message.ByteSizeLong());
    if (chunker.rows_read() > 0) {
      progress.Update(chunker.rows_read(), bytes_sent, ImportProgress::Clock::now());
    }
  } while (chunker.Next(&message));

  const bool read_failed = !chunker.error().empty();
  if (read_failed) {
    // Half a file must not look like a finished import.
    call.TryCancel();
  } else if (stream_open) {
    stream->WritesDone();
  }
  ack_reader.join();
  grpc::Status status = stream->Finish();
  progress.Clear();
  const StreamAcknowledgements::Position committed = acks.committed();
  if (!status.ok() && committed.rows > 0) {
    ctx.err() << "stream lost after row " << committed.rows << "; rows up to " << committed.rows
              << " (line " << committed.line << " of " << path
              << ") are stored; run again to resume (duplicates are skipped)\n";
  } else if (!status.ok() && chunker.rows_read() > 0 && !RefusedImport(status)) {
    ctx.err() << "stream lost before any row was acknowledged; run again to resume (duplicates "
                 "are skipped)\n";
  }
  if (read_failed) return CommandResult::Failure("cannot read " + path + ": " + chunker.error());
  if (!status.ok()) return ctx.RpcFailure(status);

  std::vector<v1::RowError> errors = acks.errors();
  errors.insert(errors.end(), chunker.local_errors().begin(), chunker.local_errors().end());
  int64_t rejected = acks.rejected() + static_cast<int64_t>(chunker.local_errors().size());
  PrintRowErrors(std::move(errors), rejected, kMaxRowErrorsShown, ctx.err());
  ctx.out() << "imported " << acks.imported();
  if (options.replace) ctx.out() << ", replaced " << acks.replaced();
  ctx.out() << ", duplicates " << acks.duplicates() << ", rejected " << rejected << "\n";
  return rejected > 0 ? CommandResult::Exit(1) : CommandResult::Success();
}

CommandResult ListMetrics(CliContext& ctx, const std::string& format) {
  auto stub = v1::MetricService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::ListMetricsResponse response;
  grpc::Status status = stub->ListMetrics(&call, v1::ListMetricsRequest(), &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  Table table{MetricDefinitionColumns(), {}};
  for (const v1::MetricDefinition& metric : response.metrics()) {
    table.rows.push_back(MetricDefinitionRow(metric));
  }
  return PrintTable(ctx, table, format);
}

CommandResult SummarizeMetrics(CliContext& ctx, const SummaryOptions& options) {
  auto stub = v1::MetricService::NewStub(ctx.channel());
  Table table{MetricSummaryColumns(), {}};
  grpc::Status status = FetchAllPages<v1::SummarizeMetricsResponse>(
      [&](const std::string& page_token, v1::SummarizeMetricsResponse* response) {
        v1::SummarizeMetricsRequest request;
        request.set_period(options.period);
        request.set_time_zone(options.time_zone);
        request.set_agent_id(options.agent_id);
        request.set_page_size(kPageSize);
        request.set_page_token(page_token);
        grpc::ClientContext call;
        SetDeadline(&call, kCallDeadline);
        return stub->SummarizeMetrics(&call, request, response);
      },
      [&](const v1::SummarizeMetricsResponse& page) {
        for (const v1::MetricSummary& row : page.rows()) {
          table.rows.push_back(MetricSummaryRow(row));
        }
      });
  if (!status.ok()) return ctx.RpcFailure(status);
  return PrintTable(ctx, table, options.format);
}

}  // namespace

void AddMetricCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* metrics = app.add_subcommand("metrics", "Metric events and the metric catalogue");
  metrics->require_subcommand(1);

  auto import_options = std::make_shared<ImportOptions>();
  CLI::App* import_events =
      metrics->add_subcommand("import", "Stream metric events from a CSV file");
  import_events->add_option("FILE", import_options->path, "CSV file with a header line")
      ->required();
  AddEncodingOption(import_events, &import_options->encoding);
  CLI::Option* replace = import_events->add_flag(
      "--replace", import_options->replace,
      "A row whose event_id is stored with other content, or was retracted, replaces it (a "
      "correction: needs --as ADMIN and --reason)");
  import_events
      ->add_option("--reason", import_options->reason, "Why the rows replace what is stored")
      ->needs(replace);
  import_events->callback(
      [=] { *selected = [=](CliContext& ctx) { return ImportEvents(ctx, *import_options); }; });

  auto list_format = std::make_shared<std::string>();
  CLI::App* list = metrics->add_subcommand("list", "List the metric catalogue");
  AddOutputOption(list, list_format.get(), {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListMetrics(ctx, *list_format); }; });

  auto summary = std::make_shared<SummaryOptions>();
  CLI::App* summarize =
      metrics->add_subcommand("summary", "Per-agent, per-metric totals for a period");
  summarize->add_option("--period", summary->period, "Month, YYYY-MM")->required();
  summarize->add_option("--agent", summary->agent_id, "Only this agent");
  summarize->add_option("--time-zone", summary->time_zone,
                        "IANA time zone the period is taken in (default UTC)");
  AddOutputOption(summarize, &summary->format, {"table", "json", "csv"});
  summarize->callback(
      [=] { *selected = [=](CliContext& ctx) { return SummarizeMetrics(ctx, *summary); }; });
}

}  // namespace plaudit::cli

// The audit trail:
//   plaudit audit list [--subject S] [--since T] [--limit N]
//   plaudit audit verify
// verify exits 0 when the trail is intact and 1, naming the first problem, when it is not.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/plaudit/commands.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/time_text.h"
#include "plaudit/v1/audit.grpc.pb.h"

namespace plaudit::cli {
namespace {

struct ListOptions {
  std::string subject;
  std::string since;
  int64_t limit = 0;
  std::string format;
};

std::vector<Column> AuditColumns() {
  return {{"seq", ColumnType::kInteger},
          {"time"},
          {"subject"},
          {"roles"},
          {"method"},
          {"resource"},
          {"outcome"},
          {"request_id"},
          {"detail"}};
}

std::vector<Cell> AuditRow(const v1::AuditRecord& r, const absl::TimeZone& zone) {
  return {int64_t{r.seq()}, TimeText(r.time(), zone),
          r.subject(),      absl::StrJoin(r.roles(), ","),
          r.method(),       r.resource(),
          r.outcome(),      r.request_id(),
          r.detail()};
}

CommandResult ListAuditRecords(CliContext& ctx, const ListOptions& options) {
  v1::ListAuditRecordsRequest base;
  base.set_subject(options.subject);
  if (!options.since.empty()) {
    // Checked when parsed; the display zone is known only now.
    const absl::Time since =
        ParseTimeText(options.since, ctx.time_zone()).value_or(absl::UnixEpoch());
    base.mutable_since()->set_seconds(absl::ToUnixSeconds(since));
    base.mutable_since()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(since - absl::FromUnixSeconds(absl::ToUnixSeconds(since)))));
  }
  auto stub = v1::AuditService::NewStub(ctx.channel());
  Table table{AuditColumns(), {}};
  std::string page_token;
  while (options.limit == 0 || static_cast<int64_t>(table.rows.size()) < options.limit) {
    v1::ListAuditRecordsRequest request = base;
    int64_t page_size = kPageSize;
    if (options.limit > 0) {
      page_size = std::min(page_size, options.limit - static_cast<int64_t>(table.rows.size()));
    }
    request.set_page_size(static_cast<int32_t>(page_size));
    request.set_page_token(page_token);
    v1::ListAuditRecordsResponse response;
    grpc::ClientContext call;
    SetDeadline(&call, kCallDeadline);
    grpc::Status status = stub->ListAuditRecords(&call, request, &response);
    if (!status.ok()) return ctx.RpcFailure(status);
    for (const v1::AuditRecord& r : response.records()) {
      table.rows.push_back(AuditRow(r, ctx.time_zone()));
    }
    if (response.next_page_token().empty() || response.next_page_token() == page_token) break;
    page_token = response.next_page_token();
  }
  return PrintTable(ctx, table, options.format);
}

CommandResult VerifyAudit(CliContext& ctx, const std::string& format) {
  auto stub = v1::AuditService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::AuditVerdict verdict;
  grpc::Status status = stub->VerifyAudit(&call, v1::VerifyAuditRequest(), &verdict);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (format == "json") {
    CommandResult printed = PrintJson(ctx, verdict);
    if (printed.exit_code != 0 || verdict.intact()) return printed;
    return CommandResult::Exit(1);
  }
  if (!verdict.intact()) {
    return CommandResult::Failure(absl::StrCat("audit trail not intact: ", verdict.problem()));
  }
  ctx.out() << verdict.summary() << "\n";
  return CommandResult::Success();
}

}  // namespace

void AddAuditCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* audit =
      app.add_subcommand("audit", "The audit trail: who changed what, and whether it is intact");
  audit->require_subcommand(1);

  auto list = std::make_shared<ListOptions>();
  CLI::App* list_command = audit->add_subcommand("list", "Audit records, oldest first");
  list_command->add_option("--subject", list->subject, "Only this caller's records");
  list_command
      ->add_option("--since", list->since,
                   "Only records at or after this time: RFC 3339, or a date or local time in the "
                   "display zone")
      ->check(CLI::Validator(
          [](std::string& text) {
            return ParseTimeText(text, absl::UTCTimeZone()).has_value()
                       ? std::string()
                       : "not a time: \"" + text +
                             "\" (expected 2026-11-30, 2026-11-30T12:00:00 or "
                             "2026-11-30T12:00:00Z)";
          },
          "TIME"));
  list_command->add_option("--limit", list->limit, "At most this many records")
      ->check(CLI::PositiveNumber);
  AddOutputOption(list_command, &list->format, {"table", "json", "csv"});
  list_command->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListAuditRecords(ctx, *list); }; });

  auto format = std::make_shared<std::string>();
  CLI::App* verify_command = audit->add_subcommand(
      "verify",
      "Check the whole trail against its key and checkpoint; exit 1 naming the first "
      "problem");
  AddOutputOption(verify_command, format.get(), {"table", "json"});
  verify_command->callback(
      [=] { *selected = [=](CliContext& ctx) { return VerifyAudit(ctx, *format); }; });
}

}  // namespace plaudit::cli

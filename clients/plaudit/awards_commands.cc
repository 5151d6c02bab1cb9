// plaudit awards evaluate PROGRAM --period P [--top N] [--page-token T | --around A | --agent A]
// | awards list | awards explain PROGRAM --period P
// --agent A | awards approve|reject|cancel ID [--reason R] | awards history ID |
// leaderboard PROGRAM [--period P] | budgets show PROGRAM --period P
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "clients/plaudit/cli_app.h"
#include "clients/plaudit/commands.h"
#include "clients/plaudit/display_names.h"
#include "clients/plaudit/leaderboard.h"
#include "clients/plaudit/output.h"
#include "clients/plaudit/pagination.h"
#include "clients/plaudit/resource_tables.h"
#include "plaudit/v1/awards.grpc.pb.h"

namespace plaudit::cli {
namespace {

struct EvaluateOptions {
  std::string program_id;
  std::string period;
  bool dry_run = false;
  bool restate = false;
  std::string format;
  // Print a heading naming the (resolved) period: the live leaderboard.
  bool live = false;
  // Which standings: a page of `top` (0: the server's default), the page after `page_token`, the
  // page around `around`, or `agent`'s alone; the ineligible ones of a --top page only with
  // `with_ineligible`.
  int top = 0;
  std::string page_token;
  std::string around;
  std::string agent;
  bool with_ineligible = false;
};

// The page options, the same on `awards evaluate` and `leaderboard`.
void AddPageOptions(CLI::App* command, EvaluateOptions* options) {
  command
      ->add_option("--top", options->top,
                   "Show a page of N standings (at most 1000; default 100), the first unless "
                   "--page-token or --around says which; the awards are always all shown")
      ->type_name("N")
      ->check(CLI::Range(0, 1000));
  command
      ->add_option("--page-token", options->page_token,
                   "Show the page that the previous one's \"next page\" line names")
      ->type_name("T");
  command
      ->add_option("--around", options->around,
                   "Show the page with this agent (or team) in its middle")
      ->type_name("AGENT");
  command->add_option("--agent", options->agent, "Show only this agent's (or team's) standing")
      ->type_name("AGENT")
      ->excludes("--top")
      ->excludes("--page-token")
      ->excludes("--around");
  command->get_option("--around")->excludes("--page-token");
  command->add_flag("--ineligible", options->with_ineligible,
                    "With --top: list the ineligible agents on the page and their reasons too");
}
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
  request.set_restate(options.restate);
  request.set_page_size(options.top);
  request.set_page_token(options.page_token);
  request.set_around_agent_id(options.around);
  request.set_agent_id(options.agent);
  auto stub = v1::AwardService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::EvaluateAwardsResponse response;
  grpc::Status status = stub->EvaluateAwards(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);

  std::string page = StandingsPageText(response);
  const int left_out =
      options.top > 0 && !options.with_ineligible ? LeaveOutIneligible(&response) : 0;
  if (ParseOutputFormat(options.format) == OutputFormat::kJson) return PrintJson(ctx, response);

  if (options.live) {
    ctx.out() << "Live standings of " << options.program_id << " for " << response.period()
              << "; the awards are decided when the period closes.\n\n";
  }
  if (left_out > 0) {
    page += "(" + std::to_string(left_out) + " ineligible standing" + (left_out == 1 ? "" : "s") +
            " on this page not shown; --ineligible lists them)\n";
  }
  ctx.out() << RenderLeaderboard(response, options.dry_run, page);
  if (options.restate) {
    ctx.out() << "\nDecided again from today's data (nothing changes):\n";
    if (response.differences().empty()) ctx.out() << "  no difference\n";
    for (const std::string& line : response.differences()) ctx.out() << "  " << line << "\n";
  }
  return CommandResult::Success();
}

struct ExplainOptions {
  std::string program_id;
  std::string period;
  std::string agent_id;
  std::string format;
};

std::string Decimal(double value) { return CompactDecimal(value, 3); }

// "to win: csat 4.31 -> above 4.5 (+0.19)" or "to win: csat: no change of it alone can (...)".
std::string ToWinLine(const v1::MetricExplanation& metric) {
  const v1::MetricWhatIf& what_if = metric.what_if();
  if (!what_if.possible()) {
    return "to win: " + metric.metric() + ": no change of it alone can (" + what_if.reason() + ")";
  }
  const std::string sign = what_if.change() >= 0 ? "+" : "";
  return "to win: " + metric.metric() + " " + Decimal(metric.value()) + " -> " +
         (what_if.beyond() ? (what_if.change() >= 0 ? "above " : "below ") : "") +
         Decimal(what_if.target()) + " (" + sign + Decimal(what_if.change()) + ")";
}

std::string GateLine(const v1::GateExplanation& gate) {
  std::string line = "  " + gate.label() + ": ";
  line += gate.has_value() ? Decimal(gate.value()) : "no events";
  if (gate.has_min()) line += ", min " + Decimal(gate.min());
  if (gate.has_max()) line += ", max " + Decimal(gate.max());
  line += gate.passed() ? " (passed)" : " (failed)";
  return line;
}

std::string RenderExplanation(const v1::AwardExplanation& e) {
  std::string text = "Agent " + e.agent_id() + " in " + e.program_id() + " for " + e.period() +
                     " (peer group " + e.peer_group() + "): ";
  if (e.eligible()) {
    text += "rank " + std::to_string(e.rank()) + ", score " + Decimal(e.score());
  } else {
    text += "ineligible";
  }
  text +=
      e.won() ? (e.tier().empty() ? ", awarded" : ", awarded tier " + e.tier()) : ", not awarded";
  text += "\n";
  text += "Cut-off: " + (e.has_cutoff() ? Decimal(e.cutoff()) + " (" : std::string("none (")) +
          e.cutoff_basis() + ")\n";
  if (!e.next_tier().empty()) {
    text += "Next tier: " + e.next_tier() + " at " + Decimal(e.next_tier_min()) + "\n";
  }
  if (e.has_target_progress()) {
    text += "Target progress: " + Decimal(e.target_progress() * 100) + "%\n";
  }
  if (e.has_improvement()) {
    text +=
        "Improvement: " + Decimal(e.improvement()) + " (previous " + Decimal(e.previous()) + ")\n";
  }
  if (e.streak() > 0) text += "Streak: " + std::to_string(e.streak()) + " periods\n";
  for (const std::string& hold : e.holds()) text += "Held for review: " + hold + "\n";
  for (const std::string& reason : e.reasons()) text += "Ineligible: " + reason + "\n";
  for (const std::string& fix : e.fixes()) text += "To become eligible: " + fix + "\n";

  Table table;
  table.columns = {{"metric", ColumnType::kText},         {"direction", ColumnType::kText},
                   {"value", ColumnType::kDecimal},       {"samples", ColumnType::kInteger},
                   {"normalized", ColumnType::kDecimal},  {"weight", ColumnType::kDecimal},
                   {"contribution", ColumnType::kDecimal}};
  for (const v1::MetricExplanation& m : e.metrics()) {
    table.rows.push_back({m.metric() + " (" + m.aggregation() + ")", m.direction(),
                          Decimal(m.value()), int64_t{m.samples()}, Decimal(m.normalized()),
                          Decimal(m.weight()), Decimal(m.contribution())});
  }
  text += "\n" + RenderTable(table);
  if (e.gates_size() > 0) {
    text += "\nGates:\n";
    for (const v1::GateExplanation& gate : e.gates()) text += GateLine(gate) + "\n";
  }
  text += "\n";
  for (const v1::MetricExplanation& m : e.metrics()) text += ToWinLine(m) + "\n";
  return text;
}

CommandResult ExplainAward(CliContext& ctx, const ExplainOptions& options) {
  v1::ExplainAwardRequest request;
  request.set_program_id(options.program_id);
  request.set_period(options.period);
  request.set_agent_id(options.agent_id);
  auto stub = v1::AwardService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::AwardExplanation response;
  grpc::Status status = stub->ExplainAward(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(options.format) != OutputFormat::kJson) {
    ctx.out() << RenderExplanation(response);
    return CommandResult::Success();
  }
  return PrintJson(ctx, response);
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

struct ActionOptions {
  std::string award_id;
  std::string reason;
  std::string format;
};

// "award X is over budget: fixed budget has 20 EUR left, the award is 50 EUR". The server's
// reason starts with the approval's own reason; the budget's part is what the user needs here.
std::string OverBudgetMessage(const v1::Award& award) {
  const std::string& reason = award.state_reason();
  const size_t budget_part = reason.find("fixed budget has");
  std::string why = budget_part == std::string::npos ? reason : reason.substr(budget_part);
  return "award " + award.id() + " is over budget" + (why.empty() ? "" : ": " + why);
}

// approve, reject or cancel: one call as ctx.actor().
CommandResult ActOnAward(CliContext& ctx, const std::string& verb, const ActionOptions& options) {
  auto stub = v1::AwardService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::Award award;
  // The three requests have the same fields; only the call differs.
  auto send = [&](auto request, auto rpc) {
    request.set_award_id(options.award_id);
    request.set_reason(options.reason);
    return ((*stub).*rpc)(&call, request, &award);
  };
  grpc::Status status =
      verb == "approve"  ? send(v1::ApproveAwardRequest(), &v1::AwardService::Stub::ApproveAward)
      : verb == "reject" ? send(v1::RejectAwardRequest(), &v1::AwardService::Stub::RejectAward)
                         : send(v1::CancelAwardRequest(), &v1::AwardService::Stub::CancelAward);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (verb == "approve" && award.state() == v1::Award::OVER_BUDGET) {
    if (ParseOutputFormat(options.format) == OutputFormat::kJson) PrintJson(ctx, award);
    return {kExitOverBudget, OverBudgetMessage(award)};
  }
  if (ParseOutputFormat(options.format) == OutputFormat::kJson) return PrintJson(ctx, award);
  ctx.out() << "award " << award.id() << " is " << AwardStateName(award.state());
  if (!award.state_reason().empty()) ctx.out() << " (" << award.state_reason() << ")";
  ctx.out() << "\n";
  return CommandResult::Success();
}

CommandResult AwardHistory(CliContext& ctx, const ActionOptions& options) {
  auto stub = v1::AwardService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::GetAwardHistoryRequest request;
  request.set_award_id(options.award_id);
  v1::AwardHistory history;
  grpc::Status status = stub->GetAwardHistory(&call, request, &history);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(options.format) == OutputFormat::kJson) return PrintJson(ctx, history);
  Table table{AwardTransitionColumns(), {}};
  for (const v1::AwardTransition& t : history.transitions()) {
    table.rows.push_back(AwardTransitionRow(t, ctx.time_zone()));
  }
  if (ParseOutputFormat(options.format) == OutputFormat::kTable) {
    const v1::Award& award = history.award();
    ctx.out() << "award " << award.id() << " (" << award.agent_id() << ", rank " << award.rank()
              << ") is " << AwardStateName(award.state());
    if (award.approvals_needed() > 0) {
      ctx.out() << "; approvals " << award.approvals_size() << " of " << award.approvals_needed()
                << " (" << award.approver_role() << ")";
    }
    ctx.out() << "\n\n";
  }
  return PrintTable(ctx, table, options.format);
}

struct BudgetOptions {
  std::string program_id;
  std::string period;
  std::string format;
};

// "500 EUR", "12.5 h", "3 items".
std::string Amount(double value, const v1::Budget& budget) {
  char number[64];
  std::snprintf(number, sizeof(number), value == static_cast<int64_t>(value) ? "%.0f" : "%.2f",
                value);
  if (budget.unit() == "money") return std::string(number) + " " + budget.currency();
  if (budget.unit() == "hours") return std::string(number) + " h";
  return std::string(number) + " items";
}

CommandResult ShowBudget(CliContext& ctx, const BudgetOptions& options) {
  auto stub = v1::AwardService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::GetBudgetRequest request;
  request.set_program_id(options.program_id);
  request.set_period(options.period);
  v1::Budget budget;
  grpc::Status status = stub->GetBudget(&call, request, &budget);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(options.format) == OutputFormat::kJson) return PrintJson(ctx, budget);
  ctx.out() << "Budget of " << budget.program_id() << " for " << budget.period() << " ("
            << budget.mode() << ", " << budget.unit() << ")\n"
            << "  amount     " << Amount(budget.amount(), budget) << "\n"
            << "  reserved   " << Amount(budget.reserved(), budget) << "\n"
            << "  settled    " << Amount(budget.settled(), budget) << "\n"
            << "  remaining  " << Amount(budget.remaining(), budget) << "\n";
  if (budget.over_budget_awards() > 0) {
    ctx.out() << "  " << budget.over_budget_awards() << " award(s) over budget\n";
  }
  if (budget.flagged_awards() > 0) {
    ctx.out() << "  " << budget.flagged_awards() << " award(s) approved beyond the budget\n";
  }
  return CommandResult::Success();
}

}  // namespace

void AddBudgetCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* budgets = app.add_subcommand("budgets", "Program budgets and what awards hold of them");
  budgets->require_subcommand(1);
  auto options = std::make_shared<BudgetOptions>();
  CLI::App* show = budgets->add_subcommand(
      "show", "A program's budget for a period: amount, reserved, settled and remaining");
  show->add_option("PROGRAM", options->program_id, "Program id")->required();
  show->add_option("--period", options->period, "Period of the program's cadence, or current")
      ->required();
  AddOutputOption(show, &options->format, {"table", "json"});
  show->callback([=] { *selected = [=](CliContext& ctx) { return ShowBudget(ctx, *options); }; });
}

void AddAwardCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* awards =
      app.add_subcommand("awards", "Awards: evaluate a program, list and explain decisions");
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
  evaluate->add_flag("--restate", evaluate_options->restate,
                     "For a decided period: show what would differ if it were decided now");
  AddPageOptions(evaluate, evaluate_options.get());
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
  AddPageOptions(board, board_options.get());
  AddOutputOption(board, &board_options->format, {"table", "json"});
  board->callback(
      [=] { *selected = [=](CliContext& ctx) { return EvaluateAwards(ctx, *board_options); }; });

  auto explain_options = std::make_shared<ExplainOptions>();
  CLI::App* explain = awards->add_subcommand(
      "explain", "Why an agent did or did not win, and what would have changed it");
  explain->add_option("PROGRAM", explain_options->program_id, "Program id")->required();
  explain
      ->add_option("--period", explain_options->period,
                   "Period of the program's cadence, e.g. 2026-10; \"current\" for the open one")
      ->required();
  explain->add_option("--agent", explain_options->agent_id, "Agent id")->required();
  AddOutputOption(explain, &explain_options->format, {"table", "json"});
  explain->callback(
      [=] { *selected = [=](CliContext& ctx) { return ExplainAward(ctx, *explain_options); }; });

  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list = awards->add_subcommand("list", "List decided awards");
  list->add_option("--program", list_options->program_id, "Only this program");
  list->add_option("--period", list_options->period, "Only this period");
  AddOutputOption(list, &list_options->format, {"table", "json", "csv"});
  list->callback(
      [=] { *selected = [=](CliContext& ctx) { return ListAwards(ctx, *list_options); }; });

  for (const std::string verb : {"approve", "reject", "cancel"}) {
    auto options = std::make_shared<ActionOptions>();
    const std::string help = verb == "approve"
                                 ? "Approve an award (as --as USER); exits 3 when the award is "
                                   "then over budget (a fixed budget cannot take it)"
                             : verb == "reject" ? "Reject a proposed or held award"
                                                : "Cancel an award before its fulfilment begins";
    CLI::App* action = awards->add_subcommand(verb, help);
    action->add_option("ID", options->award_id, "Award id")->required();
    action->add_option("--reason", options->reason, "Why, for the award's history");
    AddOutputOption(action, &options->format, {"table", "json"});
    action->callback(
        [=] { *selected = [=](CliContext& ctx) { return ActOnAward(ctx, verb, *options); }; });
  }

  auto history_options = std::make_shared<ActionOptions>();
  CLI::App* history =
      awards->add_subcommand("history", "Every state an award went through: who, when, why");
  history->add_option("ID", history_options->award_id, "Award id")->required();
  AddOutputOption(history, &history_options->format, {"table", "json", "csv"});
  history->callback(
      [=] { *selected = [=](CliContext& ctx) { return AwardHistory(ctx, *history_options); }; });
}

}  // namespace plaudit::cli

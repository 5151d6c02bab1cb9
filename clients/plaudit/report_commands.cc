// Program reports:
//   plaudit report PROGRAM --from P [--to P] [-o table|json|csv]
// table: a summary line per period and overall, then the overall figures by team, channel, praise
// and reward type. json: the ProgramReport message in the shape every command shares. csv: one
// figure a line (period, section, measure, group, value), for spreadsheets. docs/reports.md
// describes every figure.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/plaudit/commands.h"
#include "clients/plaudit/output.h"
#include "clients/plaudit/report_html.h"
#include "plaudit/v1/reports.grpc.pb.h"

namespace plaudit::cli {
namespace {

struct ReportOptions {
  std::string program;
  std::string from;
  std::string to;
  std::string format;
  bool effect = false;
  // METRIC=VALUE each.
  std::vector<std::string> value_per_unit;
};

// `part` of `whole` as a share; absent when `whole` is 0.
Cell Share(int64_t part, int64_t whole) {
  if (whole == 0) return std::monostate();
  return static_cast<double>(part) / static_cast<double>(whole);
}

Table SummaryTable(const v1::ProgramReport& report) {
  Table table{{{"period"},
               {"decided", ColumnType::kBoolean},
               {"ranked", ColumnType::kInteger},
               {"eligible", ColumnType::kInteger},
               {"rewarded", ColumnType::kInteger},
               {"awards", ColumnType::kInteger},
               {"unit"},
               {"budget", ColumnType::kDecimal},
               {"settled", ColumnType::kDecimal},
               {"reserved", ColumnType::kDecimal},
               {"remaining", ColumnType::kDecimal},
               {"per_award", ColumnType::kDecimal},
               {"held", ColumnType::kInteger},
               {"over_budget", ColumnType::kInteger},
               {"fulfilled", ColumnType::kInteger},
               {"failed", ColumnType::kInteger},
               {"pending", ColumnType::kInteger},
               {"retries", ColumnType::kInteger},
               {"redeemed", ColumnType::kInteger},
               {"median_hours", ColumnType::kDecimal},
               {"p90_hours", ColumnType::kDecimal}},
              {}};
  const auto add = [&](const v1::PeriodReport& p) {
    const v1::Participation& a = p.participation();
    const v1::Spend& s = p.spend();
    const v1::Delivery& d = p.delivery();
    const std::string unit = s.currency().empty() ? s.unit() : s.currency();
    table.rows.push_back({p.period(),
                          p.decided(),
                          a.ranked(),
                          a.eligible(),
                          a.rewarded(),
                          a.awards(),
                          unit,
                          s.budget(),
                          s.settled(),
                          s.reserved(),
                          s.remaining(),
                          s.per_award(),
                          s.held_awards(),
                          s.over_budget_awards(),
                          d.fulfilled(),
                          d.failed(),
                          d.pending(),
                          d.retries(),
                          d.redeemed(),
                          d.median_hours(),
                          d.p90_hours()});
  };
  for (const v1::PeriodReport& p : report.periods()) add(p);
  add(report.overall());
  return table;
}

Table GroupTable(const std::string& kind,
                 const google::protobuf::RepeatedPtrField<v1::GroupShare>& groups) {
  Table table{{{kind},
               {"ranked", ColumnType::kInteger},
               {"eligible", ColumnType::kInteger},
               {"eligible_share", ColumnType::kDecimal},
               {"rewarded", ColumnType::kInteger},
               {"rewarded_share", ColumnType::kDecimal}},
              {}};
  int64_t eligible = 0;
  int64_t rewarded = 0;
  for (const v1::GroupShare& g : groups) {
    eligible += g.eligible();
    rewarded += g.rewarded();
  }
  for (const v1::GroupShare& g : groups) {
    table.rows.push_back({g.group(), g.ranked(), g.eligible(), Share(g.eligible(), eligible),
                          g.rewarded(), Share(g.rewarded(), rewarded)});
  }
  return table;
}

// One figure a line: period, section, measure, group, value.
Table LongTable(const v1::ProgramReport& report) {
  Table table{{{"period"}, {"section"}, {"measure"}, {"group"}, {"value", ColumnType::kDecimal}},
              {}};
  const auto add = [&](const v1::PeriodReport& p) {
    const auto put = [&](const char* section, const char* measure, const std::string& group,
                         double value) {
      table.rows.push_back({p.period(), std::string(section), std::string(measure), group, value});
    };
    const v1::Participation& a = p.participation();
    put("participation", "ranked", "", static_cast<double>(a.ranked()));
    put("participation", "eligible", "", static_cast<double>(a.eligible()));
    put("participation", "rewarded", "", static_cast<double>(a.rewarded()));
    put("participation", "awards", "", static_cast<double>(a.awards()));
    for (const auto* groups : {&a.teams(), &a.channels()}) {
      const char* section = groups == &a.teams() ? "team" : "channel";
      for (const v1::GroupShare& g : *groups) {
        put(section, "ranked", g.group(), static_cast<double>(g.ranked()));
        put(section, "eligible", g.group(), static_cast<double>(g.eligible()));
        put(section, "rewarded", g.group(), static_cast<double>(g.rewarded()));
      }
    }
    for (const v1::TeamPraise& t : a.praise()) {
      put("praise", "given", t.team(), static_cast<double>(t.given()));
      put("praise", "received", t.team(), static_cast<double>(t.received()));
    }
    const v1::Spend& s = p.spend();
    const std::string unit = s.currency().empty() ? s.unit() : s.currency();
    put("spend", "budget", unit, s.budget());
    put("spend", "reserved", unit, s.reserved());
    put("spend", "settled", unit, s.settled());
    put("spend", "remaining", unit, s.remaining());
    put("spend", "awarded", unit, s.awarded());
    put("spend", "per_award", unit, s.per_award());
    put("spend", "held_awards", "", static_cast<double>(s.held_awards()));
    put("spend", "over_budget_awards", "", static_cast<double>(s.over_budget_awards()));
    put("spend", "flagged_awards", "", static_cast<double>(s.flagged_awards()));
    for (const v1::RewardTypeCount& t : s.reward_types()) {
      put("reward_type", "rewards", t.type(), static_cast<double>(t.rewards()));
      put("reward_type", "fulfilled", t.type(), static_cast<double>(t.fulfilled()));
      put("reward_type", "redeemed", t.type(), static_cast<double>(t.redeemed()));
      put("reward_type", "value", t.type(), t.value());
      put("reward_type", "settled", t.type(), t.settled());
      put("reward_type", "per_reward", t.type(), t.per_reward());
      put("reward_type", "face_value", t.type(), t.face_value());
    }
    put("spend", "face_value", "", s.face_value());
    for (const v1::FairnessResult& f : p.fairness()) {
      for (const v1::FairnessGroup& g : f.groups()) {
        const std::string group = absl::StrCat(f.dimension(), ": ", g.group());
        put("fairness", "eligible", group, static_cast<double>(g.eligible()));
        put("fairness", "winners", group, static_cast<double>(g.winners()));
        put("fairness", "eligible_share", group, g.eligible_share());
        put("fairness", "win_share", group, g.win_share());
      }
      if (f.tested()) {
        put("fairness", "statistic", f.dimension(), f.statistic());
        put("fairness", "p_value", f.dimension(), f.p_value());
      }
    }
    put("gaming", "signals", "", static_cast<double>(p.gaming().signals_size()));
    put("gaming", "holds", "", static_cast<double>(p.gaming().holds_size()));
    put("gaming", "holds_released", "", static_cast<double>(p.gaming().released()));
    put("gaming", "holds_upheld", "", static_cast<double>(p.gaming().upheld()));
    put("gaming", "holds_pending", "", static_cast<double>(p.gaming().pending()));
    const v1::Delivery& d = p.delivery();
    put("delivery", "fulfilled", "", static_cast<double>(d.fulfilled()));
    put("delivery", "failed", "", static_cast<double>(d.failed()));
    put("delivery", "pending", "", static_cast<double>(d.pending()));
    put("delivery", "waiting", "", static_cast<double>(d.waiting()));
    put("delivery", "cancelled", "", static_cast<double>(d.cancelled()));
    put("delivery", "retries", "", static_cast<double>(d.retries()));
    put("delivery", "redeemed", "", static_cast<double>(d.redeemed()));
    put("delivery", "median_hours", "", d.median_hours());
    put("delivery", "p90_hours", "", d.p90_hours());
  };
  for (const v1::PeriodReport& p : report.periods()) add(p);
  add(report.overall());
  if (report.has_effect()) {
    const auto put = [&](const char* measure, const std::string& group, double value) {
      table.rows.push_back(
          {std::string("overall"), std::string("effect"), std::string(measure), group, value});
    };
    for (const v1::MetricEffect& m : report.effect().metrics()) {
      if (!m.estimated()) continue;
      put("estimate", m.metric(), m.estimate());
      put("ci_low", m.metric(), m.ci_low());
      put("ci_high", m.metric(), m.ci_high());
      put("std_error", m.metric(), m.std_error());
      if (m.valued()) {
        put("value_created", m.metric(), m.value_created());
        put("value_low", m.metric(), m.value_low());
        put("value_high", m.metric(), m.value_high());
      }
    }
    put("cost", report.effect().cost_unit(), report.effect().cost());
    put("cost_budget", report.effect().cost_unit(), report.effect().cost_budget());
    put("cost_face_value", report.effect().cost_unit(), report.effect().cost_face_value());
    if (report.effect().has_return()) {
      put("return_ratio", "", report.effect().return_ratio());
      put("return_low", "", report.effect().return_low());
      put("return_high", "", report.effect().return_high());
    }
  }
  return table;
}

void PrintEffect(CliContext& ctx, const v1::EffectSection& e) {
  ctx.out() << "\nEffect: " << (e.before().empty() ? "no periods" : e.before(0)) << " to "
            << (e.before().empty() ? "" : e.before(e.before_size() - 1)) << " against "
            << (e.after().empty() ? "no periods" : e.after(0)) << " to "
            << (e.after().empty() ? "" : e.after(e.after_size() - 1)) << "\n";
  if (!e.caveat().empty()) ctx.out() << "  " << e.caveat() << "\n";
  for (const v1::MetricEffect& m : e.metrics()) {
    ctx.out() << "  " << m.metric() << " (" << m.aggregation() << "): ";
    if (!m.skipped().empty()) {
      ctx.out() << "not compared: " << m.skipped() << "\n";
      continue;
    }
    if (!m.estimated()) {
      ctx.out() << "no estimate: " << m.caveat() << "\n";
      continue;
    }
    ctx.out() << (m.estimate() >= 0 ? "+" : "") << CompactDecimal(m.estimate(), 4) << ", 95% CI ["
              << CompactDecimal(m.ci_low(), 4) << ", " << CompactDecimal(m.ci_high(), 4) << "], "
              << m.method() << ", " << m.treated() << " agents in " << m.teams()
              << " teams (cluster-robust by team)";
    if (m.valued()) {
      ctx.out() << "; value created " << CompactDecimal(m.value_created(), 2) << " ["
                << CompactDecimal(m.value_low(), 2) << ", " << CompactDecimal(m.value_high(), 2)
                << "]";
    }
    ctx.out() << "\n    " << m.caveat() << "\n";
  }
  if (e.has_return()) {
    ctx.out() << "  return: value " << CompactDecimal(e.value_created(), 2) << " on cost "
              << CompactDecimal(e.cost(), 2) << (e.cost_unit().empty() ? "" : " ") << e.cost_unit()
              << " (settled budget " << CompactDecimal(e.cost_budget(), 2) << " + face values "
              << CompactDecimal(e.cost_face_value(), 2)
              << "): " << CompactDecimal(e.return_ratio(), 2) << "x ["
              << CompactDecimal(e.return_low(), 2) << ", " << CompactDecimal(e.return_high(), 2)
              << "]\n";
  }
}

CommandResult Report(CliContext& ctx, const ReportOptions& options) {
  v1::GetProgramReportRequest request;
  request.set_program_id(options.program);
  request.set_from(options.from);
  request.set_to(options.to);
  request.set_effect(options.effect);
  for (const std::string& pair : options.value_per_unit) {
    const size_t equals = pair.find('=');
    double value = 0;
    // Checked when parsed.
    (void)absl::SimpleAtod(pair.substr(equals + 1), &value);
    (*request.mutable_value_per_unit())[pair.substr(0, equals)] = value;
  }
  auto stub = v1::ReportService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kImportDeadline);
  v1::ProgramReport report;
  grpc::Status status = stub->GetProgramReport(&call, request, &report);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (options.format == "json") return PrintJson(ctx, report);
  if (options.format == "html") {
    ctx.out() << RenderReportHtml(report);
    return CommandResult::Success();
  }
  if (options.format == "csv") return PrintTable(ctx, LongTable(report), "csv");
  ctx.out() << report.name() << " (" << report.program_id() << "), " << report.from() << " to "
            << report.to() << "\n\n"
            << RenderTable(SummaryTable(report));
  const v1::Participation& overall = report.overall().participation();
  ctx.out() << "\nBy team, overall\n" << RenderTable(GroupTable("team", overall.teams()));
  ctx.out() << "\nBy channel, overall\n" << RenderTable(GroupTable("channel", overall.channels()));
  if (!overall.praise().empty()) {
    Table praise{{{"team"}, {"given", ColumnType::kInteger}, {"received", ColumnType::kInteger}},
                 {}};
    for (const v1::TeamPraise& t : overall.praise()) {
      praise.rows.push_back({t.team(), t.given(), t.received()});
    }
    ctx.out() << "\nPraise by team, overall\n" << RenderTable(praise);
  }
  if (!report.overall().fairness().empty()) {
    ctx.out() << "\nFairness, overall: winners against eligible agents\n";
    for (const v1::FairnessResult& f : report.overall().fairness()) {
      ctx.out() << "  " << f.verdict() << (f.method().empty() ? "" : "; " + f.method()) << "\n";
    }
    for (const v1::FairnessResult& f : report.overall().fairness()) {
      Table groups{{{f.dimension()},
                    {"eligible", ColumnType::kInteger},
                    {"winners", ColumnType::kInteger},
                    {"eligible_share", ColumnType::kDecimal},
                    {"win_share", ColumnType::kDecimal},
                    {"win_rate", ColumnType::kDecimal}},
                   {}};
      for (const v1::FairnessGroup& g : f.groups()) {
        groups.rows.push_back({g.group(), g.eligible(), g.winners(), g.eligible_share(),
                               g.win_share(), g.win_rate()});
      }
      ctx.out() << "\n" << RenderTable(groups);
    }
  }
  const v1::Gaming& gaming = report.overall().gaming();
  ctx.out() << "\nGaming signals, overall: " << gaming.signals_size()
            << " winners whose metrics moved both ways; " << gaming.holds_size() << " awards held ("
            << gaming.released() << " released, " << gaming.upheld() << " upheld, "
            << gaming.pending() << " pending review)\n";
  if (!gaming.signals().empty()) {
    Table signals{{{"period"}, {"agent"}, {"award"}, {"better"}, {"worse"}}, {}};
    for (const v1::GamingSignal& g : gaming.signals()) {
      signals.rows.push_back({g.period(), g.agent_id(), g.award_id(),
                              absl::StrJoin(g.improved(), "; "),
                              absl::StrJoin(g.worsened(), "; ")});
    }
    ctx.out() << RenderTable(signals);
  }
  if (!gaming.holds().empty()) {
    Table holds{{{"period"}, {"winner"}, {"award"}, {"outcome"}, {"holds"}}, {}};
    for (const v1::HeldAward& h : gaming.holds()) {
      holds.rows.push_back({h.period(), h.winner(), h.award_id(), h.outcome(), h.reason()});
    }
    ctx.out() << RenderTable(holds);
  }
  if (!report.overall().spend().reward_types().empty()) {
    const v1::Spend& spend = report.overall().spend();
    Table types{{{"type"},
                 {"rewards", ColumnType::kInteger},
                 {"fulfilled", ColumnType::kInteger},
                 {"redeemed", ColumnType::kInteger},
                 {"value", ColumnType::kDecimal},
                 {"settled", ColumnType::kDecimal},
                 {"per_reward", ColumnType::kDecimal},
                 {"face_value", ColumnType::kDecimal}},
                {}};
    int64_t unknown = 0;
    for (const v1::RewardTypeCount& t : spend.reward_types()) {
      types.rows.push_back({t.type(), t.rewards(), t.fulfilled(), t.redeemed(), t.value(),
                            t.settled(), t.per_reward(), t.face_value()});
      unknown += t.unknown_value();
    }
    const std::string unit = spend.currency().empty() ? spend.unit() : spend.currency();
    ctx.out() << "\nRewards by type, overall (value, settled and per reward in the budget's unit"
              << (unit.empty() ? "" : ", " + unit) << "; redeemed where the vendor reports it)\n"
              << RenderTable(types);
    if (unknown > 0) {
      ctx.out() << unknown
                << " rewards were decided before each reward's value was kept and are in no "
                   "value\n";
    }
  }
  if (report.has_effect()) PrintEffect(ctx, report.effect());
  return CommandResult::Success();
}

}  // namespace

void AddReportCommands(CLI::App& app, CommandAction* selected) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = app.add_subcommand(
      "report", "A program's participation, spend and delivery, per period and overall");
  command->add_option("program", options->program, "The program's id")->required();
  command->add_option("--from", options->from, "The first period (2026-10)")->required();
  command->add_option("--to", options->to, "The last period (default: --from)");
  command->add_flag("--effect", options->effect,
                    "Also estimate the program's effect on each scorecard metric");
  command
      ->add_option("--value-per-unit", options->value_per_unit,
                   "METRIC=VALUE: the value of one unit of a metric in its better direction "
                   "(with --effect; repeatable)")
      ->check(CLI::Validator(
          [](std::string& text) {
            const size_t equals = text.find('=');
            double value = 0;
            if (equals == std::string::npos || equals == 0 ||
                !absl::SimpleAtod(text.substr(equals + 1), &value)) {
              return "not METRIC=VALUE: \"" + text + "\" (e.g. csat=120)";
            }
            return std::string();
          },
          "METRIC=VALUE"));
  AddOutputOption(command, &options->format, {"table", "json", "csv", "html"});
  command->callback([=] { *selected = [=](CliContext& ctx) { return Report(ctx, *options); }; });
}

}  // namespace plaudit::cli

#include "clients/plaudit/report_html.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/plaudit/output.h"
#include "core/domain/html_text.h"

namespace plaudit::cli {
namespace {

namespace v1 = ::plaudit::v1;

std::string Escape(std::string_view text) { return HtmlText(text); }

std::string Number(double value) { return CompactDecimal(value, 4); }

// A table cell showing a figure, tagged with its path in -o json.
std::string Figure(const std::string& path, double value) {
  return absl::StrCat("<td class=\"n\" data-figure=\"", path, "\">", Number(value), "</td>");
}
std::string Figure(const std::string& path, int64_t value) {
  return absl::StrCat("<td class=\"n\" data-figure=\"", path, "\">", value, "</td>");
}
std::string Text(std::string_view text) { return absl::StrCat("<td>", Escape(text), "</td>"); }

std::string Head(const std::vector<std::string>& columns) {
  std::string out = "<thead><tr>";
  for (const std::string& c : columns)
    absl::StrAppend(&out, "<th scope=\"col\">", Escape(c), "</th>");
  return out + "</tr></thead>";
}

constexpr char kStyle[] = R"css(
body { font: 15px/1.45 system-ui, sans-serif; color: #1b1f24; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
p.sub { color: #57606a; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; background: #fff; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eaeef2; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { margin: 4px 0; }
.caveat { color: #6e4a00; }
svg text { font: 12px system-ui, sans-serif; fill: #1b1f24; }
.legend span { display: inline-block; margin-right: 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
)css";

// Horizontal box plots of each peer group's scores.
std::string ScorePlot(const v1::PeriodReport& overall) {
  if (overall.scores().empty()) return "<p>No decided period: no standings to show.</p>";
  double low = overall.scores(0).min();
  double high = overall.scores(0).max();
  for (const v1::ScoreSpread& s : overall.scores()) {
    low = std::min(low, s.min());
    high = std::max(high, s.max());
  }
  if (high <= low) high = low + 1;
  const int width = 720;
  const int left = 140;
  const int row = 34;
  const int height = row * overall.scores_size() + 30;
  const auto x = [&](double v) { return left + (v - low) / (high - low) * (width - left - 20); };
  std::string svg = absl::StrFormat(
      "<svg role=\"img\" aria-label=\"Scores of eligible competitors by peer group\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\">",
      width, height, width, height);
  int y = 10;
  for (const v1::ScoreSpread& s : overall.scores()) {
    const int mid = y + row / 2 - 4;
    absl::StrAppend(
        &svg, absl::StrFormat("<text x=\"4\" y=\"%d\">%s</text>", mid + 4, Escape(s.peer_group())));
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
                                          "stroke=\"#57606a\"/>",
                                          x(s.min()), x(s.max()), mid, mid));
    absl::StrAppend(&svg,
                    absl::StrFormat("<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" "
                                    "fill=\"#9cc3ee\" stroke=\"#0a5bb5\"/>",
                                    x(s.q1()), mid - 8, std::max(1.0, x(s.q3()) - x(s.q1()))));
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
                                          "stroke=\"#0a3069\" stroke-width=\"2\"/>",
                                          x(s.median()), x(s.median()), mid - 8, mid + 8));
    y += row;
  }
  absl::StrAppend(
      &svg, absl::StrFormat("<text x=\"%d\" y=\"%d\">%s</text>", left, height - 4, Number(low)));
  absl::StrAppend(&svg, absl::StrFormat("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                                        width - 20, height - 4, Number(high)));
  return svg + "</svg>";
}

// Paired bars: each group's share of the eligible agents and of the winners.
std::string SharePlot(const v1::FairnessResult& f) {
  const int bar = 12;
  const int width = 720;
  const int left = 160;
  const int height = f.groups_size() * (2 * bar + 12) + 10;
  std::string svg = absl::StrFormat(
      "<svg role=\"img\" aria-label=\"Win share against eligible share by %s\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\">",
      Escape(f.dimension()), width, height, width, height);
  int y = 6;
  for (const v1::FairnessGroup& g : f.groups()) {
    const double span = width - left - 60;
    absl::StrAppend(
        &svg, absl::StrFormat("<text x=\"4\" y=\"%d\">%s</text>", y + bar + 4, Escape(g.group())));
    absl::StrAppend(&svg, absl::StrFormat("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                                          "fill=\"#afb8c1\"/>",
                                          left, y, g.eligible_share() * span, bar));
    absl::StrAppend(&svg, absl::StrFormat("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                                          "fill=\"#1a7f37\"/>",
                                          left, y + bar, g.win_share() * span, bar));
    y += 2 * bar + 12;
  }
  return svg + "</svg>";
}

// Bars of each period's settled and reserved spend, with its budget as a mark.
std::string SpendPlot(const v1::ProgramReport& report) {
  double top = 1;
  for (const v1::PeriodReport& p : report.periods()) {
    top = std::max({top, p.spend().settled() + p.spend().reserved(), p.spend().budget()});
  }
  const int width = 720;
  const int height = 200;
  const int n = std::max(1, report.periods_size());
  const double slot = (width - 40.0) / n;
  std::string svg = absl::StrFormat(
      "<svg role=\"img\" aria-label=\"Spend per period against the budget\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\">",
      width, height, width, height);
  const double base = height - 24;
  for (int i = 0; i < report.periods_size(); ++i) {
    const v1::Spend& s = report.periods(i).spend();
    const double x = 30 + i * slot;
    const double settled = s.settled() / top * (base - 10);
    const double reserved = s.reserved() / top * (base - 10);
    absl::StrAppend(&svg, absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                          "height=\"%.1f\" fill=\"#0969da\"/>",
                                          x, base - settled, slot * 0.6, settled));
    absl::StrAppend(&svg, absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                          "height=\"%.1f\" fill=\"#9cc3ee\"/>",
                                          x, base - settled - reserved, slot * 0.6, reserved));
    if (s.budget() > 0) {
      const double y = base - s.budget() / top * (base - 10);
      absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                                            "y2=\"%.1f\" stroke=\"#cf222e\" stroke-width=\"2\"/>",
                                            x - 2, x + slot * 0.6 + 2, y, y));
    }
    absl::StrAppend(&svg, absl::StrFormat("<text x=\"%.1f\" y=\"%d\">%s</text>", x, height - 6,
                                          Escape(report.periods(i).period())));
  }
  return svg + "</svg>";
}

// Each metric's estimate as a dot on its interval, on a scale of its own, zero marked.
std::string EffectPlot(const v1::EffectSection& e) {
  std::vector<const v1::MetricEffect*> shown;
  for (const v1::MetricEffect& m : e.metrics()) {
    if (m.estimated()) shown.push_back(&m);
  }
  if (shown.empty()) return "";
  const int width = 720;
  const int left = 200;
  const int row = 36;
  const int height = row * static_cast<int>(shown.size()) + 10;
  std::string svg = absl::StrFormat(
      "<svg role=\"img\" aria-label=\"Effect estimates with their 95%% intervals\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\">",
      width, height, width, height);
  int y = 6;
  for (const v1::MetricEffect* m : shown) {
    const double reach = std::max({std::abs(m->ci_low()), std::abs(m->ci_high()), 1e-9});
    const auto x = [&](double v) { return left + (v / reach + 1) / 2 * (width - left - 20); };
    const int mid = y + row / 2;
    absl::StrAppend(
        &svg, absl::StrFormat("<text x=\"4\" y=\"%d\">%s</text>", mid + 4, Escape(m->metric())));
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
                                          "stroke=\"#afb8c1\" stroke-dasharray=\"3 3\"/>",
                                          x(0), x(0), y, y + row - 4));
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
                                          "stroke=\"#0a3069\" stroke-width=\"2\"/>",
                                          x(m->ci_low()), x(m->ci_high()), mid, mid));
    absl::StrAppend(&svg, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%d\" r=\"5\" "
                                          "fill=\"#0969da\"/>",
                                          x(m->estimate()), mid));
    y += row;
  }
  return svg + "</svg>";
}

}  // namespace

std::string RenderReportHtml(const v1::ProgramReport& report) {
  std::string html = absl::StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>",
      Escape(report.name()), " — program report</title><style>", kStyle,
      "</style></head><body><main>\n<h1>", Escape(report.name()), "</h1><p class=\"sub\">",
      Escape(report.program_id()), ", ", Escape(report.from()), " to ", Escape(report.to()),
      "</p>\n");

  // Summary.
  absl::StrAppend(&html, "<h2>Summary</h2><table>",
                  Head({"period", "decided", "ranked", "eligible", "rewarded", "awards",
                        "holdout awards", "settled", "reserved", "remaining", "per award",
                        "fulfilled", "failed", "pending", "median hours", "p90 hours"}),
                  "<tbody>");
  const auto summary_row = [&](const v1::PeriodReport& p, const std::string& at) {
    const v1::Participation& a = p.participation();
    const v1::Spend& s = p.spend();
    const v1::Delivery& d = p.delivery();
    absl::StrAppend(
        &html, "<tr>", Text(p.period()), Text(p.decided() ? "yes" : "no"),
        Figure(at + ".participation.ranked", a.ranked()),
        Figure(at + ".participation.eligible", a.eligible()),
        Figure(at + ".participation.rewarded", a.rewarded()),
        Figure(at + ".participation.awards", a.awards()),
        Figure(at + ".participation.holdout_awards", a.holdout_awards()),
        Figure(at + ".spend.settled", s.settled()), Figure(at + ".spend.reserved", s.reserved()),
        Figure(at + ".spend.remaining", s.remaining()),
        Figure(at + ".spend.per_award", s.per_award()),
        Figure(at + ".delivery.fulfilled", d.fulfilled()),
        Figure(at + ".delivery.failed", d.failed()), Figure(at + ".delivery.pending", d.pending()),
        Figure(at + ".delivery.median_hours", d.median_hours()),
        Figure(at + ".delivery.p90_hours", d.p90_hours()), "</tr>\n");
  };
  for (int i = 0; i < report.periods_size(); ++i) {
    summary_row(report.periods(i), absl::StrCat("periods.", i));
  }
  summary_row(report.overall(), "overall");
  const v1::Spend& spend = report.overall().spend();
  absl::StrAppend(&html, "</tbody></table><p>Spend is in ",
                  Escape(spend.unit().empty()       ? "no budget"
                         : spend.currency().empty() ? spend.unit()
                                                    : spend.currency()),
                  ".</p>\n");

  // Standings.
  absl::StrAppend(
      &html, "<h2>Scores by peer group, overall</h2>", ScorePlot(report.overall()), "<table>",
      Head({"peer group", "competitors", "min", "q1", "median", "q3", "max"}), "<tbody>");
  for (int i = 0; i < report.overall().scores_size(); ++i) {
    const v1::ScoreSpread& s = report.overall().scores(i);
    const std::string at = absl::StrCat("overall.scores.", i);
    absl::StrAppend(&html, "<tr>", Text(s.peer_group()), Figure(at + ".count", s.count()),
                    Figure(at + ".min", s.min()), Figure(at + ".q1", s.q1()),
                    Figure(at + ".median", s.median()), Figure(at + ".q3", s.q3()),
                    Figure(at + ".max", s.max()), "</tr>\n");
  }
  absl::StrAppend(&html, "</tbody></table>\n");

  // Fairness.
  absl::StrAppend(&html,
                  "<h2>Fairness: winners against eligible agents, overall</h2>"
                  "<p class=\"legend\"><span><i class=\"swatch\" style=\"background:#afb8c1\"></i>"
                  "share of eligible agents</span><span><i class=\"swatch\" "
                  "style=\"background:#1a7f37\"></i>share of winners</span></p>");
  for (int f = 0; f < report.overall().fairness_size(); ++f) {
    const v1::FairnessResult& r = report.overall().fairness(f);
    const std::string at = absl::StrCat("overall.fairness.", f);
    absl::StrAppend(
        &html, "<h3>", Escape(r.dimension()), "</h3><p class=\"verdict\">", Escape(r.verdict()),
        r.method().empty() ? "" : "; ", Escape(r.method()), "</p>", SharePlot(r), "<table>",
        Head({r.dimension(), "eligible", "winners", "eligible share", "win share", "win rate"}),
        "<tbody>");
    for (int g = 0; g < r.groups_size(); ++g) {
      const v1::FairnessGroup& group = r.groups(g);
      const std::string gat = absl::StrCat(at, ".groups.", g);
      absl::StrAppend(&html, "<tr>", Text(group.group()),
                      Figure(gat + ".eligible", group.eligible()),
                      Figure(gat + ".winners", group.winners()),
                      Figure(gat + ".eligible_share", group.eligible_share()),
                      Figure(gat + ".win_share", group.win_share()),
                      Figure(gat + ".win_rate", group.win_rate()), "</tr>\n");
    }
    absl::StrAppend(&html, "</tbody></table>\n");
  }

  // Spend over time.
  absl::StrAppend(&html,
                  "<h2>Spend over time</h2><p class=\"legend\"><span><i class=\"swatch\" "
                  "style=\"background:#0969da\"></i>settled</span><span><i class=\"swatch\" "
                  "style=\"background:#9cc3ee\"></i>reserved</span><span><i class=\"swatch\" "
                  "style=\"background:#cf222e\"></i>budget</span></p>",
                  SpendPlot(report), "<table>",
                  Head({"period", "budget", "settled", "reserved", "held", "over budget"}),
                  "<tbody>");
  for (int i = 0; i < report.periods_size(); ++i) {
    const v1::Spend& s = report.periods(i).spend();
    const std::string at = absl::StrCat("periods.", i, ".spend");
    absl::StrAppend(&html, "<tr>", Text(report.periods(i).period()),
                    Figure(at + ".budget", s.budget()), Figure(at + ".settled", s.settled()),
                    Figure(at + ".reserved", s.reserved()),
                    Figure(at + ".held_awards", s.held_awards()),
                    Figure(at + ".over_budget_awards", s.over_budget_awards()), "</tr>\n");
  }
  absl::StrAppend(&html, "</tbody></table>\n");

  // Rewards by type.
  if (!spend.reward_types().empty()) {
    absl::StrAppend(&html,
                    "<h2>Rewards by type, overall</h2><p>Value, settled and per reward are in the "
                    "budget's unit; face values are outside the budget; redeemed where the vendor "
                    "reports it.</p><table>",
                    Head({"type", "rewards", "fulfilled", "redeemed", "value", "settled",
                          "per reward", "face value"}),
                    "<tbody>");
    for (int i = 0; i < spend.reward_types_size(); ++i) {
      const v1::RewardTypeCount& t = spend.reward_types(i);
      const std::string at = absl::StrCat("overall.spend.reward_types.", i);
      absl::StrAppend(&html, "<tr>", Text(t.type()), Figure(at + ".rewards", t.rewards()),
                      Figure(at + ".fulfilled", t.fulfilled()),
                      Figure(at + ".redeemed", t.redeemed()), Figure(at + ".value", t.value()),
                      Figure(at + ".settled", t.settled()),
                      Figure(at + ".per_reward", t.per_reward()),
                      Figure(at + ".face_value", t.face_value()), "</tr>\n");
    }
    absl::StrAppend(&html, "</tbody></table>\n");
  }

  // Gaming.
  const v1::Gaming& gaming = report.overall().gaming();
  absl::StrAppend(&html, "<h2>Gaming signals, overall</h2><table>",
                  Head({"holds released", "upheld", "pending review"}), "<tbody><tr>",
                  Figure("overall.gaming.released", gaming.released()),
                  Figure("overall.gaming.upheld", gaming.upheld()),
                  Figure("overall.gaming.pending", gaming.pending()), "</tr></tbody></table>");
  if (!gaming.signals().empty()) {
    absl::StrAppend(&html, "<table>", Head({"period", "agent", "better", "worse"}), "<tbody>");
    for (const v1::GamingSignal& g : gaming.signals()) {
      std::string better;
      std::string worse;
      for (const std::string& m : g.improved())
        absl::StrAppend(&better, better.empty() ? "" : "; ", m);
      for (const std::string& m : g.worsened())
        absl::StrAppend(&worse, worse.empty() ? "" : "; ", m);
      absl::StrAppend(&html, "<tr>", Text(g.period()), Text(g.agent_id()), Text(better),
                      Text(worse), "</tr>\n");
    }
    absl::StrAppend(&html, "</tbody></table>\n");
  }

  // Effect.
  if (report.has_effect()) {
    const v1::EffectSection& e = report.effect();
    absl::StrAppend(&html, "<h2>Effect</h2>");
    if (!e.caveat().empty()) {
      absl::StrAppend(&html, "<p class=\"caveat\">", Escape(e.caveat()), "</p>");
    }
    absl::StrAppend(&html, EffectPlot(e), "<table>",
                    Head({"metric", "method", "agents", "holdout", "teams", "estimate", "95% low",
                          "95% high", "value created"}),
                    "<tbody>");
    for (int i = 0; i < e.metrics_size(); ++i) {
      const v1::MetricEffect& m = e.metrics(i);
      const std::string at = absl::StrCat("effect.metrics.", i);
      if (!m.estimated()) {
        absl::StrAppend(&html, "<tr>", Text(m.metric()),
                        Text(m.skipped().empty() ? m.caveat() : m.skipped()),
                        "<td></td><td></td><td></td><td></td><td></td><td></td><td></td></tr>\n");
        continue;
      }
      absl::StrAppend(&html, "<tr>", Text(m.metric()), Text(m.method()),
                      Figure(at + ".treated", m.treated()), Figure(at + ".control", m.control()),
                      Figure(at + ".teams", m.teams()), Figure(at + ".estimate", m.estimate()),
                      Figure(at + ".ci_low", m.ci_low()), Figure(at + ".ci_high", m.ci_high()),
                      m.valued() ? Figure(at + ".value_created", m.value_created()) : "<td></td>",
                      "</tr>\n");
    }
    absl::StrAppend(&html, "</tbody></table>\n");
    for (const v1::MetricEffect& m : e.metrics()) {
      if (m.estimated() && !m.caveat().empty()) {
        absl::StrAppend(&html, "<p class=\"caveat\">", Escape(m.metric()), ": ", Escape(m.caveat()),
                        "</p>");
      }
    }
    if (e.has_return()) {
      absl::StrAppend(
          &html, "<table>",
          Head({"value created", "settled budget", "face values", "cost", "return", "low", "high"}),
          "<tbody><tr>", Figure("effect.value_created", e.value_created()),
          Figure("effect.cost_budget", e.cost_budget()),
          Figure("effect.cost_face_value", e.cost_face_value()), Figure("effect.cost", e.cost()),
          Figure("effect.return_ratio", e.return_ratio()),
          Figure("effect.return_low", e.return_low()),
          Figure("effect.return_high", e.return_high()), "</tr></tbody></table>");
    }
  }
  absl::StrAppend(&html, "</main></body></html>\n");
  return html;
}

}  // namespace plaudit::cli

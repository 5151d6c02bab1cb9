#include "core/api/report_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"
#include "core/reports/program_report.h"

namespace plaudit::api {
namespace {

namespace v1 = ::plaudit::v1;

void ToProto(const GroupShare& g, v1::GroupShare* out) {
  out->set_group(g.group);
  out->set_ranked(g.ranked);
  out->set_eligible(g.eligible);
  out->set_rewarded(g.rewarded);
}

void ToProto(const PeriodReport& r, v1::PeriodReport* out) {
  out->set_period(r.period);
  out->set_decided(r.decided);
  v1::Participation* p = out->mutable_participation();
  p->set_ranked(r.participation.ranked);
  p->set_eligible(r.participation.eligible);
  p->set_rewarded(r.participation.rewarded);
  p->set_awards(r.participation.awards);
  p->set_holdout_awards(r.participation.holdout_awards);
  for (const GroupShare& g : r.participation.teams) ToProto(g, p->add_teams());
  for (const GroupShare& g : r.participation.channels) ToProto(g, p->add_channels());
  for (const TeamPraise& t : r.participation.praise) {
    v1::TeamPraise* praise = p->add_praise();
    praise->set_team(t.team);
    praise->set_given(t.given);
    praise->set_received(t.received);
  }
  v1::Spend* s = out->mutable_spend();
  s->set_unit(r.spend.unit);
  s->set_currency(r.spend.currency);
  s->set_mode(r.spend.mode);
  s->set_budget(r.spend.budget);
  s->set_reserved(r.spend.reserved);
  s->set_settled(r.spend.settled);
  s->set_remaining(r.spend.remaining);
  s->set_standing_awards(r.spend.standing_awards);
  s->set_awarded(r.spend.awarded);
  s->set_per_award(r.spend.per_award);
  s->set_held_awards(r.spend.held_awards);
  s->set_over_budget_awards(r.spend.over_budget_awards);
  s->set_flagged_awards(r.spend.flagged_awards);
  s->set_face_value(r.spend.face_value);
  for (const RewardTypeCount& t : r.spend.reward_types) {
    v1::RewardTypeCount* type = s->add_reward_types();
    type->set_type(t.type);
    type->set_rewards(t.rewards);
    type->set_fulfilled(t.fulfilled);
    type->set_redeemed(t.redeemed);
    type->set_value(t.value);
    type->set_settled(t.settled);
    type->set_per_reward(t.per_reward);
    type->set_face_value(t.face_value);
    type->set_unknown_value(t.unknown_value);
  }
  for (const FairnessTest& t : r.fairness) {
    v1::FairnessResult* f = out->add_fairness();
    f->set_dimension(t.dimension);
    for (const FairnessGroup& g : t.groups) {
      v1::FairnessGroup* group = f->add_groups();
      group->set_group(g.group);
      group->set_eligible(g.eligible);
      group->set_winners(g.winners);
      group->set_eligible_share(g.eligible_share);
      group->set_win_share(g.win_share);
      group->set_win_rate(g.win_rate);
      group->set_expected(g.expected);
    }
    f->set_eligible(t.eligible);
    f->set_winners(t.winners);
    f->set_tested(t.tested);
    f->set_statistic(t.statistic);
    f->set_degrees_of_freedom(t.degrees_of_freedom);
    f->set_p_value(t.p_value);
    f->set_method(t.method);
    f->set_verdict(t.verdict);
  }
  for (const ScoreSpread& spread : r.scores) {
    v1::ScoreSpread* s = out->add_scores();
    s->set_peer_group(spread.peer_group);
    s->set_count(spread.count);
    s->set_min(spread.min);
    s->set_q1(spread.q1);
    s->set_median(spread.median);
    s->set_q3(spread.q3);
    s->set_max(spread.max);
  }
  v1::Gaming* gaming = out->mutable_gaming();
  for (const GamingSignal& g : r.gaming.signals) {
    v1::GamingSignal* signal = gaming->add_signals();
    signal->set_period(g.period);
    signal->set_award_id(g.award_id);
    signal->set_agent_id(g.agent_id);
    for (const std::string& m : g.improved) signal->add_improved(m);
    for (const std::string& m : g.worsened) signal->add_worsened(m);
  }
  for (const HeldAward& h : r.gaming.holds) {
    v1::HeldAward* held = gaming->add_holds();
    held->set_period(h.period);
    held->set_award_id(h.award_id);
    held->set_winner(h.winner);
    held->set_reason(h.reason);
    held->set_outcome(h.outcome);
  }
  gaming->set_released(r.gaming.released);
  gaming->set_upheld(r.gaming.upheld);
  gaming->set_pending(r.gaming.pending);
  v1::Delivery* d = out->mutable_delivery();
  d->set_fulfilled(r.delivery.fulfilled);
  d->set_failed(r.delivery.failed);
  d->set_pending(r.delivery.pending);
  d->set_waiting(r.delivery.waiting);
  d->set_cancelled(r.delivery.cancelled);
  d->set_retries(r.delivery.retries);
  d->set_redeemed(r.delivery.redeemed);
  d->set_timed(r.delivery.timed);
  d->set_median_hours(r.delivery.median_hours);
  d->set_p90_hours(r.delivery.p90_hours);
}

}  // namespace

grpc::Status ReportServiceImpl::GetProgramReport(grpc::ServerContext* context,
                                                 const v1::GetProgramReportRequest* request,
                                                 v1::ProgramReport* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.ReportService/GetProgramReport");
  if (request->program_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("program_id: required"));
  }
  if (request->from().empty()) return ToGrpcStatus(absl::InvalidArgumentError("from: required"));
  const std::string to = request->to().empty() ? request->from() : request->to();
  std::optional<EffectRequest> effect;
  if (request->effect()) {
    auto program = store_->GetProgram(request->program_id());
    if (!program.ok()) return ToGrpcStatus(program.status());
    if (program->has_value()) {
      auto spec = decider_->ParseProgram((*program)->yaml);
      if (!spec.ok()) return ToGrpcStatus(spec.status());
      // The program's values per unit, each replaced by the request's where it gives one.
      effect = EffectRequest{spec->metrics, spec->value_per_unit, spec->holdout};
      for (const auto& [metric, value] : request->value_per_unit()) {
        if (std::none_of(spec->metrics.begin(), spec->metrics.end(),
                         [&](const ScorecardMetric& m) { return m.metric == metric; })) {
          return ToGrpcStatus(absl::InvalidArgumentError(
              absl::StrCat("value_per_unit: \"", metric, "\" is not a metric of the scorecard")));
        }
        effect->value_per_unit[metric] = value;
      }
    }
  } else if (!request->value_per_unit().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("value_per_unit: only with effect"));
  }
  auto report = BuildProgramReport(*store_, request->program_id(), request->from(), to, effect);
  if (!report.ok()) return ToGrpcStatus(report.status());
  response->set_program_id(report->program_id);
  response->set_name(report->name);
  response->set_from(report->from);
  response->set_to(report->to);
  for (const PeriodReport& period : report->periods) ToProto(period, response->add_periods());
  ToProto(report->overall, response->mutable_overall());
  if (report->effect.has_value()) {
    const EffectSection& e = *report->effect;
    v1::EffectSection* out = response->mutable_effect();
    *out->mutable_started_at() = ToTimestamp(e.started_us);
    for (const std::string& p : e.before) out->add_before(p);
    for (const std::string& p : e.after) out->add_after(p);
    for (const MetricEffect& m : e.metrics) {
      v1::MetricEffect* metric = out->add_metrics();
      metric->set_metric(m.metric);
      metric->set_aggregation(m.aggregation);
      metric->set_method(m.estimate.method);
      metric->set_causal(m.estimate.causal);
      metric->set_treated(m.estimate.treated);
      metric->set_control(m.estimate.control);
      metric->set_teams(m.estimate.teams);
      metric->set_estimated(m.estimate.estimated);
      metric->set_estimate(m.estimate.estimate);
      metric->set_std_error(m.estimate.std_error);
      metric->set_ci_low(m.estimate.ci_low);
      metric->set_ci_high(m.estimate.ci_high);
      metric->set_improvement(m.improvement);
      metric->set_improvement_low(m.improvement_low);
      metric->set_improvement_high(m.improvement_high);
      metric->set_valued(m.value_created.has_value());
      metric->set_value_created(m.value_created.value_or(0));
      metric->set_value_low(m.value_low);
      metric->set_value_high(m.value_high);
      metric->set_caveat(m.estimate.caveat);
      metric->set_skipped(m.skipped);
    }
    out->set_value_created(e.value_created);
    out->set_value_low(e.value_low);
    out->set_value_high(e.value_high);
    out->set_cost(e.cost);
    out->set_cost_unit(e.cost_unit);
    out->set_cost_budget(e.cost_budget);
    out->set_cost_face_value(e.cost_face_value);
    out->set_has_return(e.return_ratio.has_value());
    out->set_return_ratio(e.return_ratio.value_or(0));
    out->set_return_low(e.return_low);
    out->set_return_high(e.return_high);
    out->set_caveat(e.caveat);
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api

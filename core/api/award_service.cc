#include "absl/strings/str_cat.h"
#include "core/api/pagination.h"
#include "core/api/services.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"
#include "core/scoring/period.h"

namespace plaudit::api {
namespace {

void ToProto(const AwardRecord& a, v1::Award* out) {
  out->set_id(a.id);
  out->set_program_id(a.program_id);
  out->set_period(a.period);
  out->set_agent_id(a.agent_id);
  out->set_rank(a.rank);
  out->set_program_version(a.program_version);
  out->set_tier(a.tier);
  *out->mutable_decided_at() = ToTimestamp(a.decided_us);
  switch (a.state) {
    case AwardState::kFulfilling:
      out->set_state(v1::Award::FULFILLING);
      break;
    case AwardState::kFulfilled:
      out->set_state(v1::Award::FULFILLED);
      break;
    case AwardState::kFailed:
      out->set_state(v1::Award::FAILED);
      break;
  }
  for (const FulfilmentRecord& f : a.fulfilments) {
    auto* reward = out->add_rewards();
    reward->set_type(f.type);
    for (const auto& [key, value] : f.params) (*reward->mutable_params())[key] = value;
  }
}

void ToProto(const Standing& s, v1::Standing* out) {
  out->set_agent_id(s.agent_id);
  out->set_eligible(s.eligible);
  for (const std::string& reason : s.reasons) out->add_reasons(reason);
  out->set_rank(s.rank);
  out->set_score(s.score);
  out->set_peer_group(s.peer_group);
  for (const MetricStanding& m : s.metrics) {
    auto* metric = out->add_metrics();
    metric->set_metric(m.metric);
    metric->set_value(m.value);
    metric->set_samples(m.samples);
    metric->set_normalized(m.normalized);
  }
}

}  // namespace

grpc::Status AwardServiceImpl::EvaluateAwards(grpc::ServerContext*,
                                              const v1::EvaluateAwardsRequest* request,
                                              v1::EvaluateAwardsResponse* response) {
  if (request->program_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("program_id: required"));
  }
  if (request->period().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "period: required (such as 2026-10 or 2026-W41, per the program's cadence)"));
  }
  auto period = ResolvePeriod(request->program_id(), request->period());
  if (!period.ok()) return ToGrpcStatus(period.status());
  auto result = decider_->Evaluate(request->program_id(), *period, request->dry_run());
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_period(*period);
  for (const Standing& s : result->decision.standings) ToProto(s, response->add_standings());
  for (const AwardRecord& a : result->decision.awards) ToProto(a, response->add_awards());
  response->set_newly_committed(result->newly_committed);
  if (result->newly_committed && committed_) committed_();
  return grpc::Status::OK;
}

absl::StatusOr<std::string> AwardServiceImpl::ResolvePeriod(const std::string& program_id,
                                                            const std::string& period) {
  if (period != "current") return period;
  auto program = store_->GetProgram(program_id);
  if (!program.ok()) return program.status();
  if (!program->has_value()) return period;  // The decider reports the unknown program.
  auto spec = decider_->ParseProgram((*program)->yaml);
  if (!spec.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("program ", program_id, " cannot be evaluated: ", spec.status().message()));
  }
  return PeriodContaining(spec->cadence, clock_->Now(), spec->zone).label;
}

grpc::Status AwardServiceImpl::ListAwards(grpc::ServerContext*,
                                          const v1::ListAwardsRequest* request,
                                          v1::ListAwardsResponse* response) {
  auto awards = store_->ListAwards(request->program_id(), request->period());
  if (!awards.ok()) return ToGrpcStatus(awards.status());
  auto page = Paginate(request->page_size(), request->page_token(), awards->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) ToProto((*awards)[i], response->add_awards());
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

}  // namespace plaudit::api

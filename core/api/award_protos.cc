#include "core/api/award_protos.h"

#include "core/api/timestamps.h"
#include "core/awards/phrases.h"

namespace plaudit::api {

namespace v1 = ::plaudit::v1;

namespace {

void ToProto(const Phrase& phrase, v1::Phrase* out) {
  out->set_key(phrase.key);
  for (const std::string& arg : phrase.args) out->add_args(arg);
  out->set_text(phrase.text);
  for (const Phrase& part : phrase.parts) ToProto(part, out->add_parts());
}

}  // namespace

void AddPhrases(std::string_view text, google::protobuf::RepeatedPtrField<v1::Phrase>* out) {
  for (const Phrase& phrase : ParsePhrases(text)) ToProto(phrase, out->Add());
}

v1::Award::State AwardStateProto(AwardState state) {
  switch (state) {
    case AwardState::kProposed:
      return v1::Award::PROPOSED;
    case AwardState::kHeld:
      return v1::Award::HELD;
    case AwardState::kApproved:
      return v1::Award::APPROVED;
    case AwardState::kFulfilling:
      return v1::Award::FULFILLING;
    case AwardState::kFulfilled:
      return v1::Award::FULFILLED;
    case AwardState::kFailed:
      return v1::Award::FAILED;
    case AwardState::kRejected:
      return v1::Award::REJECTED;
    case AwardState::kCancelled:
      return v1::Award::CANCELLED;
    case AwardState::kOverBudget:
      return v1::Award::OVER_BUDGET;
    case AwardState::kHoldout:
      return v1::Award::HOLDOUT;
  }
  return v1::Award::STATE_UNSPECIFIED;
}

void ToProto(const AwardRecord& a, v1::Award* out) {
  out->set_id(a.id);
  out->set_program_id(a.program_id);
  out->set_period(a.period);
  out->set_agent_id(a.agent_id);
  out->set_rank(a.rank);
  out->set_program_version(a.program_version);
  out->set_tier(a.tier);
  out->set_team(a.team);
  *out->mutable_decided_at() = ToTimestamp(a.decided_us);
  out->set_state(AwardStateProto(a.state));
  out->set_state_reason(a.state_reason);
  AddPhrases(a.state_reason, out->mutable_state_reason_phrases());
  out->set_value(a.value);
  out->set_approvals_needed(a.approvals_needed);
  for (const std::string& approver : a.approvals) out->add_approvals(approver);
  out->set_approver_role(std::string(RoleName(a.approver_role)));
  out->set_over_flexible_budget(a.over_flexible_budget);
  for (const FulfilmentRecord& f : a.fulfilments) {
    auto* reward = out->add_rewards();
    reward->set_type(f.type);
    for (const auto& [key, value] : f.params) (*reward->mutable_params())[key] = value;
  }
}

void ToProto(const Standing& s, v1::Standing* out) {
  out->set_agent_id(s.agent_id);
  out->set_eligible(s.eligible);
  for (const std::string& reason : s.reasons) {
    out->add_reasons(reason);
    AddPhrases(reason, out->mutable_reason_phrases());
  }
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
  out->set_team(s.team);
  for (const std::string& member : s.members) out->add_members(member);
  if (s.target_progress.has_value()) out->set_target_progress(*s.target_progress);
  if (s.previous.has_value()) out->set_previous(*s.previous);
  if (s.improvement.has_value()) out->set_improvement(*s.improvement);
  out->set_streak(s.streak);
  out->set_earlier_streak(s.earlier_streak);
}

void ToProto(const DecisionRecord& decision, v1::EvaluateAwardsResponse* out) {
  for (const Standing& s : decision.standings) ToProto(s, out->add_standings());
  for (const AwardRecord& a : decision.awards) ToProto(a, out->add_awards());
}

void ToProto(const AwardTransition& t, v1::AwardTransition* out) {
  out->set_seq(t.seq);
  out->set_from_state(t.from_state);
  out->set_to_state(t.to_state);
  out->set_actor(t.actor);
  out->set_reason(t.reason);
  *out->mutable_at() = ToTimestamp(t.at_us);
}

void ToProto(const FulfilmentAttempt& a, v1::FulfilmentAttempt* out) {
  out->set_seq(a.seq);
  out->set_kind(a.kind);
  *out->mutable_started_at() = ToTimestamp(a.started_us);
  *out->mutable_finished_at() = ToTimestamp(a.finished_us);
  out->set_outcome(a.outcome);
  out->set_error(a.error);
  out->set_actor(a.actor);
}

void ToProto(const AuditRecord& r, v1::AuditRecord* out) {
  out->set_seq(r.seq);
  *out->mutable_time() = ToTimestamp(absl::ToUnixMicros(r.time));
  out->set_subject(r.subject);
  for (const std::string& role : r.roles) out->add_roles(role);
  out->set_method(r.method);
  out->set_resource(r.resource);
  out->set_outcome(r.outcome);
  out->set_request_id(r.request_id);
  out->set_detail(r.detail);
  out->set_mac(r.mac_hex);
}

}  // namespace plaudit::api

#include "absl/strings/str_cat.h"
#include "core/api/award_protos.h"
#include "core/api/callback_signature.h"
#include "core/api/pagination.h"
#include "core/api/services.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"

namespace plaudit::api {
namespace {

v1::Fulfilment::State FulfilmentStateProto(FulfilmentState state) {
  switch (state) {
    case FulfilmentState::kWaiting:
      return v1::Fulfilment::WAITING;
    case FulfilmentState::kPending:
      return v1::Fulfilment::PENDING;
    case FulfilmentState::kFulfilled:
      return v1::Fulfilment::FULFILLED;
    case FulfilmentState::kFailed:
      return v1::Fulfilment::FAILED;
    case FulfilmentState::kCancelled:
      return v1::Fulfilment::CANCELLED;
  }
  return v1::Fulfilment::STATE_UNSPECIFIED;
}

void ToProto(const FulfilmentRecord& f, v1::Fulfilment* out) {
  out->set_id(f.id);
  out->set_award_id(f.award_id);
  out->set_agent_id(f.agent_id);
  out->set_type(f.type);
  out->set_state(FulfilmentStateProto(f.state));
  out->set_attempts(f.attempts);
  out->set_error(f.error);
  out->set_artifact(f.artifact);
  out->set_idempotency_key(f.idempotency_key);
  *out->mutable_updated_at() = ToTimestamp(f.updated_us);
  for (const auto& [key, value] : f.params) (*out->mutable_params())[key] = value;
  if (f.state == FulfilmentState::kPending) {
    *out->mutable_next_attempt_at() = ToTimestamp(f.next_attempt_us);
  }
  out->set_check_first(f.check_first);
}

// How long past its timestamp a callback's signature is remembered. It is taken as fresh until
// kCallbackTolerance past it; remembered twice as long and a minute more, for a clock that steps.
const absl::Duration kRememberCallbacksFor = absl::Minutes(11);

}  // namespace

absl::StatusOr<FulfilmentRecord> FulfilmentServiceImpl::Reachable(
    const Caller& caller, const std::string& fulfilment_id) const {
  if (fulfilment_id.empty()) return absl::InvalidArgumentError("fulfilment_id: required");
  auto record = store_->GetFulfilment(fulfilment_id);
  if (!record.ok()) return record.status();
  if (!record->has_value() || !gate_->Covers(caller, (*record)->agent_id)) {
    return absl::NotFoundError(
        absl::StrCat("fulfilment_id: fulfilment \"", fulfilment_id, "\" not found"));
  }
  return **record;
}

grpc::Status FulfilmentServiceImpl::GetFulfilment(grpc::ServerContext* context,
                                                  const v1::GetFulfilmentRequest* request,
                                                  v1::FulfilmentDetail* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.FulfilmentService/GetFulfilment");
  auto record = Reachable(caller, request->fulfilment_id());
  if (!record.ok()) return ToGrpcStatus(record.status());
  ToProto(*record, response->mutable_fulfilment());
  auto attempts = store_->ListAttempts(request->fulfilment_id());
  if (!attempts.ok()) return ToGrpcStatus(attempts.status());
  for (const FulfilmentAttempt& a : *attempts) ToProto(a, response->add_attempts());
  return grpc::Status::OK;
}

grpc::Status FulfilmentServiceImpl::RetryFulfilment(grpc::ServerContext* context,
                                                    const v1::RetryFulfilmentRequest* request,
                                                    v1::Fulfilment* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.FulfilmentService/RetryFulfilment");
  gate_->NoteResource(*context, absl::StrCat("fulfilments/", request->fulfilment_id()));
  auto reachable = Reachable(caller, request->fulfilment_id());
  if (!reachable.ok()) return ToGrpcStatus(reachable.status());
  auto record = engine_->Retry(request->fulfilment_id(), caller.subject, request->reason());
  if (!record.ok()) return ToGrpcStatus(record.status());
  ToProto(*record, response);
  return grpc::Status::OK;
}

grpc::Status FulfilmentServiceImpl::CancelFulfilment(grpc::ServerContext* context,
                                                     const v1::CancelFulfilmentRequest* request,
                                                     v1::Fulfilment* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.FulfilmentService/CancelFulfilment");
  gate_->NoteResource(*context, absl::StrCat("fulfilments/", request->fulfilment_id()));
  auto reachable = Reachable(caller, request->fulfilment_id());
  if (!reachable.ok()) return ToGrpcStatus(reachable.status());
  auto record = engine_->Cancel(request->fulfilment_id(), caller.subject, request->reason());
  if (!record.ok()) return ToGrpcStatus(record.status());
  ToProto(*record, response);
  return grpc::Status::OK;
}

grpc::Status FulfilmentServiceImpl::CompleteFulfilment(grpc::ServerContext* context,
                                                       const v1::CompleteFulfilmentRequest* request,
                                                       v1::Fulfilment* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context,
                          "plaudit.v1.FulfilmentService/CompleteFulfilment");
  gate_->NoteResource(*context, absl::StrCat("fulfilments/", request->fulfilment_id()));
  // A task role reaches every fulfilment here; the plugin narrows it to the role's own tasks.
  auto record = Reachable(caller, request->fulfilment_id());
  if (!record.ok()) return ToGrpcStatus(record.status());
  const std::string& actor = caller.subject;
  const FulfilmentRecord& f = *record;
  if (f.state != FulfilmentState::kPending) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        absl::StrCat("fulfilment ", f.id, " is ", std::string(FulfilmentStateName(f.state)),
                     "; only a pending reward can be completed")));
  }
  const std::string plugin = host_->PluginServing(f.type);
  if (plugin.empty()) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        absl::StrCat("no loaded plugin serves reward type ", f.type)));
  }
  plugin::v1::QueryRequest query;
  query.set_method("complete");
  (*query.mutable_args())["idempotency_key"] = f.idempotency_key;
  (*query.mutable_args())["note"] = request->note();
  query.set_actor(actor);
  for (const std::string& role : caller.roles) query.add_actor_roles(role);
  auto answer = host_->Query(plugin, query);
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  if (!answer->error().empty()) {
    const int code = answer->code();
    return ToGrpcStatus(absl::Status(
        code > 0 && code <= 16 ? static_cast<absl::StatusCode>(code) : absl::StatusCode::kInternal,
        absl::StrCat(plugin, ": ", answer->error())));
  }
  FulfilmentAttempt attempt;
  attempt.fulfilment_id = f.id;
  attempt.kind = "complete";
  attempt.started_us = attempt.finished_us = absl::ToUnixMicros(clock_->Now());
  attempt.outcome = "completed";
  attempt.error = request->note();
  attempt.actor = actor;
  (void)store_->RecordAttempt(attempt);
  engine_->CheckNow({f.idempotency_key});
  auto updated = store_->GetFulfilment(f.id);
  if (!updated.ok()) return ToGrpcStatus(updated.status());
  ToProto(updated->value_or(f), response);
  return grpc::Status::OK;
}

grpc::Status FulfilmentServiceImpl::DeliverCallback(grpc::ServerContext* context,
                                                    const v1::DeliverCallbackRequest* request,
                                                    v1::DeliverCallbackResponse* response) {
  // Open to any caller: the vendor proves itself with the body's HMAC signature.
  gate_->AdmitOpen(*context, absl::StrCat("vendor:", request->plugin()));
  auto secret = callback_secrets_.find(request->plugin());
  if (secret == callback_secrets_.end() || secret->second.empty()) {
    return ToGrpcStatus(absl::UnauthenticatedError(
        absl::StrCat("plugin ", request->plugin(),
                     " takes no callbacks: it has no callback_secret in plauditd's settings")));
  }
  const absl::Time now = clock_->Now();
  auto verified =
      VerifyCallbackSignature(secret->second, request->signature(), request->body(), now);
  if (!verified.ok()) return ToGrpcStatus(verified.status());
  // Claimed before it is applied, so that two deliveries at once cannot both be; released when
  // it cannot be applied, so that the vendor may deliver it again.
  auto fresh = store_->RememberCallback(
      request->plugin(), verified->digest,
      absl::ToUnixMicros(verified->signed_at + kRememberCallbacksFor), absl::ToUnixMicros(now));
  if (!fresh.ok()) return ToGrpcStatus(fresh.status());
  if (!*fresh) {
    return ToGrpcStatus(absl::PermissionDeniedError(absl::StrCat(
        "callback replayed: this signature (t=", absl::ToUnixSeconds(verified->signed_at),
        ") was applied already")));
  }
  plugin::v1::CallbackRequest callback;
  callback.set_body(request->body());
  for (const auto& [key, value] : request->headers()) (*callback.mutable_headers())[key] = value;
  auto answer = host_->Callback(request->plugin(), callback);
  if (!answer.ok() || !answer->error().empty()) {
    (void)store_->ForgetCallback(request->plugin(), verified->digest);
  }
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  if (!answer->error().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat("body: ", answer->error())));
  }
  std::vector<FulfilmentEngine::StatusReport> reports;
  for (const auto& update : answer->updates()) {
    FulfilmentEngine::StatusReport report;
    report.idempotency_key = update.idempotency_key();
    report.result = PluginHost::ToResult(update.result());
    reports.push_back(std::move(report));
  }
  for (const std::string& line :
       engine_->ApplyReports(reports, absl::StrCat("callback:", request->plugin()))) {
    response->add_results(line);
  }
  return grpc::Status::OK;
}

grpc::Status FulfilmentServiceImpl::ListFulfilments(grpc::ServerContext* context,
                                                    const v1::ListFulfilmentsRequest* request,
                                                    v1::ListFulfilmentsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.FulfilmentService/ListFulfilments");
  auto rows = store_->ListFulfilments(request->award_id());
  if (!rows.ok()) return ToGrpcStatus(rows.status());
  if (caller.reach != Reach::kAll) {
    std::erase_if(*rows,
                  [&](const FulfilmentRecord& f) { return !gate_->Covers(caller, f.agent_id); });
  }
  auto page = Paginate(request->page_size(), request->page_token(), rows->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) {
    ToProto((*rows)[i], response->add_fulfilments());
  }
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

}  // namespace plaudit::api

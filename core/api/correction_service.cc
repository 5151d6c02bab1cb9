#include "core/api/correction_service.h"

#include "absl/strings/str_cat.h"
#include "core/api/actor.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"

namespace plaudit::api {
namespace {

// More ids than this in one call are refused: a retraction is a deliberate, reviewed act.
constexpr int kMaxRetractedPerCall = 10000;

void ToProto(const CorrectionRecord& c, v1::Correction* out) {
  out->set_seq(c.seq);
  out->set_kind(c.kind);
  out->set_subject(c.subject);
  out->set_detail(c.detail);
  out->set_actor(c.actor);
  out->set_reason(c.reason);
  *out->mutable_at() = ToTimestamp(c.at_us);
}

}  // namespace

absl::StatusOr<std::string> CorrectionServiceImpl::Corrector(const grpc::ServerContext& context,
                                                             std::string_view method,
                                                             const std::string& reason) const {
  auto caller = gate_->Admit(context, method);
  if (!caller.ok()) return caller.status();
  return CorrectingAdmin(*caller, reason);
}

grpc::Status CorrectionServiceImpl::RetractEvents(grpc::ServerContext* context,
                                                  const v1::RetractEventsRequest* request,
                                                  v1::RetractEventsResponse* response) {
  auto actor = Corrector(*context, "plaudit.v1.CorrectionService/RetractEvents", request->reason());
  if (!actor.ok()) return ToGrpcStatus(actor.status());
  if (request->event_ids().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("event_ids: name at least one event"));
  }
  if (request->event_ids_size() > kMaxRetractedPerCall) {
    return ToGrpcStatus(absl::ResourceExhaustedError(
        absl::StrCat("event_ids: ", request->event_ids_size(), " in one call; the limit is ",
                     kMaxRetractedPerCall)));
  }
  gate_->NoteResource(*context, absl::StrCat("events/", request->event_ids(0),
                                             request->event_ids_size() > 1 ? " and more" : ""));
  const std::vector<std::string> ids(request->event_ids().begin(), request->event_ids().end());
  auto not_found =
      store_->RetractEvents(ids, *actor, request->reason(), absl::ToUnixMicros(clock_->Now()));
  if (!not_found.ok()) return ToGrpcStatus(not_found.status());
  response->set_retracted(static_cast<int64_t>(ids.size() - not_found->size()));
  for (const std::string& id : *not_found) response->add_not_found(id);
  return grpc::Status::OK;
}

grpc::Status CorrectionServiceImpl::ChangeProgramState(grpc::ServerContext* context,
                                                       const v1::ChangeProgramStateRequest& request,
                                                       bool disabled,
                                                       v1::ChangeProgramStateResponse* response) {
  auto actor = Corrector(*context,
                         disabled ? "plaudit.v1.CorrectionService/DisableProgram"
                                  : "plaudit.v1.CorrectionService/EnableProgram",
                         request.reason());
  if (!actor.ok()) return ToGrpcStatus(actor.status());
  if (request.program_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("program_id: required"));
  }
  gate_->NoteResource(*context, absl::StrCat("programs/", request.program_id()));
  if (!actor.ok()) return ToGrpcStatus(actor.status());
  auto program = store_->SetProgramDisabled(request.program_id(), disabled, *actor,
                                            request.reason(), absl::ToUnixMicros(clock_->Now()));
  if (!program.ok()) return ToGrpcStatus(program.status());
  response->set_program_id(program->id);
  response->set_disabled(program->disabled);
  return grpc::Status::OK;
}

grpc::Status CorrectionServiceImpl::DisableProgram(grpc::ServerContext* context,
                                                   const v1::ChangeProgramStateRequest* request,
                                                   v1::ChangeProgramStateResponse* response) {
  return ChangeProgramState(context, *request, /*disabled=*/true, response);
}

grpc::Status CorrectionServiceImpl::EnableProgram(grpc::ServerContext* context,
                                                  const v1::ChangeProgramStateRequest* request,
                                                  v1::ChangeProgramStateResponse* response) {
  return ChangeProgramState(context, *request, /*disabled=*/false, response);
}

grpc::Status CorrectionServiceImpl::DeactivateAgent(grpc::ServerContext* context,
                                                    const v1::DeactivateAgentRequest* request,
                                                    v1::DeactivateAgentResponse*) {
  auto actor =
      Corrector(*context, "plaudit.v1.CorrectionService/DeactivateAgent", request->reason());
  if (!actor.ok()) return ToGrpcStatus(actor.status());
  if (request->agent_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("agent_id: required"));
  }
  gate_->NoteResource(*context, absl::StrCat("agents/", request->agent_id()));
  return ToGrpcStatus(store_->DeactivateAgent(request->agent_id(), *actor, request->reason(),
                                              absl::ToUnixMicros(clock_->Now())));
}

grpc::Status CorrectionServiceImpl::ListCorrections(grpc::ServerContext* context,
                                                    const v1::ListCorrectionsRequest* request,
                                                    v1::ListCorrectionsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.CorrectionService/ListCorrections");
  auto corrections = store_->ListCorrections(request->subject());
  if (!corrections.ok()) return ToGrpcStatus(corrections.status());
  for (const CorrectionRecord& c : *corrections) ToProto(c, response->add_corrections());
  return grpc::Status::OK;
}

grpc::Status CorrectionServiceImpl::GetProgramHistory(grpc::ServerContext* context,
                                                      const v1::GetProgramHistoryRequest* request,
                                                      v1::ProgramHistory* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.CorrectionService/GetProgramHistory");
  auto program = store_->GetProgram(request->program_id());
  if (!program.ok()) return ToGrpcStatus(program.status());
  if (!program->has_value()) {
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("program_id: program \"", request->program_id(), "\" not found")));
  }
  auto versions = store_->ProgramVersions(request->program_id());
  if (!versions.ok()) return ToGrpcStatus(versions.status());
  auto corrections = store_->ListCorrections(request->program_id());
  if (!corrections.ok()) return ToGrpcStatus(corrections.status());
  response->set_program_id((*program)->id);
  response->set_disabled((*program)->disabled);
  response->set_yaml((*program)->yaml);
  for (const ProgramVersionRecord& v : *versions) {
    v1::ProgramVersion* out = response->add_versions();
    out->set_version(v.version);
    *out->mutable_applied_at() = ToTimestamp(v.applied_us);
  }
  for (const CorrectionRecord& c : *corrections) {
    if (c.kind == "program_disabled" || c.kind == "program_enabled") {
      ToProto(c, response->add_corrections());
    }
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api

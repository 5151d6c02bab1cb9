#include "absl/strings/str_cat.h"
#include "core/api/award_protos.h"
#include "core/api/pagination.h"
#include "core/api/request_limits.h"
#include "core/api/services.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"

namespace plaudit::api {
namespace {

void ToProto(const ProgramRecord& p, v1::Program* out) {
  out->set_id(p.id);
  out->set_name(p.name);
  out->set_cadence(p.cadence);
  out->set_time_zone(p.time_zone);
  out->set_version(p.version);
  out->set_yaml(p.yaml);
  out->set_disabled(p.disabled);
}

}  // namespace

grpc::Status ProgramServiceImpl::ApplyProgram(grpc::ServerContext* context,
                                              const v1::ApplyProgramRequest* request,
                                              v1::Program* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.ProgramService/ApplyProgram");
  if (absl::Status size = CheckProgramYamlSize(request->yaml()); !size.ok()) {
    return ToGrpcStatus(size);
  }
  auto spec = decider_->ParseProgram(request->yaml());
  if (!spec.ok()) return ToGrpcStatus(spec.status());
  gate_->NoteResource(*context, absl::StrCat("programs/", spec->id));
  auto stored = store_->PutProgram(ProgramRecord{spec->id, spec->name,
                                                 std::string(CadenceName(spec->cadence)),
                                                 spec->time_zone, 0, request->yaml()});
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  // Its periods' aggregates are kept from now on, not re-read from events when asked for.
  if (absl::Status kept = decider_->KeepRolledUp(*spec); !kept.ok()) return ToGrpcStatus(kept);
  ToProto(*stored, response);
  return grpc::Status::OK;
}

grpc::Status ProgramServiceImpl::ListPrograms(grpc::ServerContext* context,
                                              const v1::ListProgramsRequest* request,
                                              v1::ListProgramsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.ProgramService/ListPrograms");
  auto programs = store_->ListPrograms();
  if (!programs.ok()) return ToGrpcStatus(programs.status());
  auto page = Paginate(request->page_size(), request->page_token(), programs->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i)
    ToProto((*programs)[i], response->add_programs());
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

grpc::Status ProgramServiceImpl::GetProgram(grpc::ServerContext* context,
                                            const v1::GetProgramRequest* request,
                                            v1::Program* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.ProgramService/GetProgram");
  auto program = store_->GetProgram(request->id());
  if (!program.ok()) return ToGrpcStatus(program.status());
  if (!program->has_value()) {
    return ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("program \"", request->id(), "\" not found")));
  }
  ToProto(**program, response);
  return grpc::Status::OK;
}

grpc::Status ProgramServiceImpl::SimulateProgram(grpc::ServerContext* context,
                                                 const v1::SimulateProgramRequest* request,
                                                 v1::SimulateProgramResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.ProgramService/SimulateProgram");
  if (request->period().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("period: required"));
  }
  if (absl::Status size = CheckProgramYamlSize(request->yaml()); !size.ok()) {
    return ToGrpcStatus(size);
  }
  auto draft = decider_->Simulate(request->yaml(), request->period());
  if (!draft.ok()) return ToGrpcStatus(draft.status());
  ToProto(*draft, response->mutable_draft());
  response->mutable_draft()->set_period(draft->period);
  auto applied = store_->GetProgram(draft->program_id);
  if (!applied.ok()) return ToGrpcStatus(applied.status());
  if (applied->has_value()) {
    auto current = decider_->Evaluate((*applied)->id, request->period(), /*dry_run=*/true);
    if (!current.ok()) return ToGrpcStatus(current.status());
    response->set_applied_version((*applied)->version);
    ToProto(current->decision, response->mutable_applied());
    response->mutable_applied()->set_period(request->period());
  }
  return grpc::Status::OK;
}

grpc::Status ProgramServiceImpl::ListProgramStatus(grpc::ServerContext* context,
                                                   const v1::ListProgramStatusRequest*,
                                                   v1::ListProgramStatusResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.ProgramService/ListProgramStatus");
  for (const PeriodCloser::ProgramClosing& closing : closer_->Status()) {
    auto* out = response->add_programs();
    out->set_program_id(closing.program_id);
    out->set_error(closing.error);
    out->set_disabled(closing.disabled);
    if (!closing.error.empty() && closing.next_period.empty()) continue;
    out->set_cadence(std::string(CadenceName(closing.cadence)));
    out->set_close_after(absl::FormatDuration(closing.close_after));
    out->set_last_closed_period(closing.last_closed);
    out->set_next_period(closing.next_period);
    *out->mutable_next_close_time() = ToTimestamp(absl::ToUnixMicros(closing.next_close));
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api

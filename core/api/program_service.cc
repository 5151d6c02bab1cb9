#include "absl/strings/str_cat.h"
#include "core/api/pagination.h"
#include "core/api/services.h"
#include "core/api/status.h"

namespace plaudit::api {
namespace {

void ToProto(const ProgramRecord& p, v1::Program* out) {
  out->set_id(p.id);
  out->set_name(p.name);
  out->set_cadence(p.cadence);
  out->set_time_zone(p.time_zone);
  out->set_version(p.version);
  out->set_yaml(p.yaml);
}

}  // namespace

grpc::Status ProgramServiceImpl::ApplyProgram(grpc::ServerContext*,
                                              const v1::ApplyProgramRequest* request,
                                              v1::Program* response) {
  if (request->yaml().size() > (1 << 20)) {
    return ToGrpcStatus(absl::InvalidArgumentError("yaml: larger than 1 MiB"));
  }
  auto spec = decider_->ParseProgram(request->yaml());
  if (!spec.ok()) return ToGrpcStatus(spec.status());
  auto stored = store_->PutProgram(ProgramRecord{spec->id, spec->name,
                                                 std::string(CadenceName(spec->cadence)),
                                                 spec->time_zone, 0, request->yaml()});
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  ToProto(*stored, response);
  return grpc::Status::OK;
}

grpc::Status ProgramServiceImpl::ListPrograms(grpc::ServerContext*,
                                              const v1::ListProgramsRequest* request,
                                              v1::ListProgramsResponse* response) {
  auto programs = store_->ListPrograms();
  if (!programs.ok()) return ToGrpcStatus(programs.status());
  auto page = Paginate(request->page_size(), request->page_token(), programs->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i)
    ToProto((*programs)[i], response->add_programs());
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

grpc::Status ProgramServiceImpl::GetProgram(grpc::ServerContext*,
                                            const v1::GetProgramRequest* request,
                                            v1::Program* response) {
  auto program = store_->GetProgram(request->id());
  if (!program.ok()) return ToGrpcStatus(program.status());
  if (!program->has_value()) {
    return ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("program \"", request->id(), "\" not found")));
  }
  ToProto(**program, response);
  return grpc::Status::OK;
}

}  // namespace plaudit::api

#include "core/api/audit_service.h"

#include "absl/strings/str_cat.h"
#include "core/api/award_protos.h"
#include "core/api/pagination.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"

namespace plaudit::api {

grpc::Status AuditServiceImpl::ListAuditRecords(grpc::ServerContext* context,
                                                const v1::ListAuditRecordsRequest* request,
                                                v1::ListAuditRecordsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AuditService/ListAuditRecords");
  auto page = PageAfterSeq(request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  AuditFilter filter;
  filter.subject = request->subject();
  if (request->has_since()) {
    filter.since = absl::FromUnixSeconds(request->since().seconds()) +
                   absl::Nanoseconds(request->since().nanos());
  }
  filter.after_seq = page->after_seq;
  // One more than the page: whether there is a next page.
  filter.limit = page->size + 1;
  auto records = trail_->List(filter);
  if (!records.ok()) return ToGrpcStatus(records.status());
  const bool more = static_cast<int64_t>(records->size()) > page->size;
  if (more) records->resize(static_cast<size_t>(page->size));
  for (const AuditRecord& r : *records) ToProto(r, response->add_records());
  if (more) response->set_next_page_token(absl::StrCat(records->back().seq));
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::VerifyAudit(grpc::ServerContext* context,
                                           const v1::VerifyAuditRequest*,
                                           v1::AuditVerdict* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AuditService/VerifyAudit");
  const AuditVerdict verdict = trail_->Verify();
  response->set_intact(verdict.intact);
  response->set_records(verdict.records);
  response->set_checkpoint_seq(verdict.checkpoint_seq);
  response->set_first_bad_seq(verdict.first_bad_seq);
  response->set_problem(verdict.problem);
  response->set_summary(verdict.Summary());
  return grpc::Status::OK;
}

}  // namespace plaudit::api

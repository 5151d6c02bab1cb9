#include "core/api/praise_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/api/pagination.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"

namespace plaudit::api {

namespace v1 = ::plaudit::v1;

namespace {

void ToProto(const PraiseRecord& p, v1::Praise* out) {
  out->set_id(p.id);
  out->set_from_agent_id(p.from_agent_id);
  out->set_to_agent_id(p.to_agent_id);
  out->set_message(p.message);
  out->set_value(p.value);
  *out->mutable_sent_at() = ToTimestamp(p.sent_us);
}

}  // namespace

grpc::Status PraiseServiceImpl::SendPraise(grpc::ServerContext* context,
                                           const v1::SendPraiseRequest* request,
                                           v1::Praise* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.PraiseService/SendPraise");
  gate_->NoteResource(*context, absl::StrCat("agents/", request->to_agent_id(), "/praise"));
  // Praise is sent as oneself: the sender is the caller's agent, never another's.
  if (caller.agent_id.empty()) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat(caller.subject, " is not an agent here: only agents send praise")));
  }
  if (!request->from_agent_id().empty() && request->from_agent_id() != caller.agent_id) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat("from_agent_id: ", caller.subject, " sends praise as ", caller.agent_id,
                     " only, not as ", request->from_agent_id())));
  }
  auto praise = ledger_->Send(caller.agent_id, request->to_agent_id(), request->message(),
                              request->value(), request->request_id());
  if (!praise.ok()) return ToGrpcStatus(praise.status());
  ToProto(*praise, response);
  return grpc::Status::OK;
}

grpc::Status PraiseServiceImpl::ListPraise(grpc::ServerContext* context,
                                           const v1::ListPraiseRequest* request,
                                           v1::ListPraiseResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.PraiseService/ListPraise");
  // An agent's feed is the praise they sent or received.
  const std::string agent_id = caller.reach == Reach::kSelf ? caller.agent_id : request->agent_id();
  if (caller.reach == Reach::kSelf &&
      (agent_id.empty() || (!request->agent_id().empty() && request->agent_id() != agent_id))) {
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("agent_id: agent \"", request->agent_id(), "\" not found")));
  }
  auto feed = ledger_->Feed(agent_id);
  if (!feed.ok()) return ToGrpcStatus(feed.status());
  auto page = Paginate(request->page_size(), request->page_token(), feed->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) ToProto((*feed)[i], response->add_praise());
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

grpc::Status PraiseServiceImpl::GetPraiseAllowance(grpc::ServerContext* context,
                                                   const v1::GetPraiseAllowanceRequest* request,
                                                   v1::PraiseAllowance* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.PraiseService/GetPraiseAllowance");
  const std::string agent_id = request->agent_id().empty() ? caller.agent_id : request->agent_id();
  if (agent_id.empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("agent_id: required (", caller.subject,
                     " is not an agent, so there is no own allowance)")));
  }
  if (!gate_->Covers(caller, agent_id)) {
    return ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("agent_id: agent \"", agent_id, "\" not found")));
  }
  auto allowance = ledger_->AllowanceOf(agent_id);
  if (!allowance.ok()) return ToGrpcStatus(allowance.status());
  response->set_agent_id(agent_id);
  response->set_month(absl::FormatCivilTime(allowance->month));
  response->set_monthly(allowance->monthly);
  response->set_used(allowance->used);
  response->set_left(std::max(0, allowance->monthly - allowance->used));
  return grpc::Status::OK;
}

}  // namespace plaudit::api

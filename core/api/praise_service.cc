#include "core/api/praise_service.h"

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

grpc::Status PraiseServiceImpl::SendPraise(grpc::ServerContext*,
                                           const v1::SendPraiseRequest* request,
                                           v1::Praise* response) {
  auto praise = ledger_->Send(request->from_agent_id(), request->to_agent_id(), request->message(),
                              request->value(), request->request_id());
  if (!praise.ok()) return ToGrpcStatus(praise.status());
  ToProto(*praise, response);
  return grpc::Status::OK;
}

grpc::Status PraiseServiceImpl::ListPraise(grpc::ServerContext*,
                                           const v1::ListPraiseRequest* request,
                                           v1::ListPraiseResponse* response) {
  auto feed = ledger_->Feed(request->agent_id());
  if (!feed.ok()) return ToGrpcStatus(feed.status());
  auto page = Paginate(request->page_size(), request->page_token(), feed->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) ToProto((*feed)[i], response->add_praise());
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

}  // namespace plaudit::api

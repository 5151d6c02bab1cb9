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

}  // namespace

grpc::Status FulfilmentServiceImpl::ListFulfilments(grpc::ServerContext*,
                                                    const v1::ListFulfilmentsRequest* request,
                                                    v1::ListFulfilmentsResponse* response) {
  auto rows = store_->ListFulfilments(request->award_id());
  if (!rows.ok()) return ToGrpcStatus(rows.status());
  auto page = Paginate(request->page_size(), request->page_token(), rows->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) {
    const FulfilmentRecord& f = (*rows)[i];
    auto* out = response->add_fulfilments();
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
  }
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

}  // namespace plaudit::api

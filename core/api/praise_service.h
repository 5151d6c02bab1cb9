// PraiseService: peer recognition over gRPC, backed by the PraiseLedger.
#ifndef PLAUDIT_CORE_API_PRAISE_SERVICE_H_
#define PLAUDIT_CORE_API_PRAISE_SERVICE_H_

#include "core/api/access_gate.h"
#include "core/praise/praise_ledger.h"
#include "plaudit/v1/praise.grpc.pb.h"

namespace plaudit::api {

class PraiseServiceImpl final : public ::plaudit::v1::PraiseService::Service {
 public:
  PraiseServiceImpl(PraiseLedger* ledger, AccessGate* gate) : ledger_(ledger), gate_(gate) {}
  grpc::Status SendPraise(grpc::ServerContext*, const ::plaudit::v1::SendPraiseRequest*,
                          ::plaudit::v1::Praise*) override;
  grpc::Status ListPraise(grpc::ServerContext*, const ::plaudit::v1::ListPraiseRequest*,
                          ::plaudit::v1::ListPraiseResponse*) override;
  grpc::Status GetPraiseAllowance(grpc::ServerContext*,
                                  const ::plaudit::v1::GetPraiseAllowanceRequest*,
                                  ::plaudit::v1::PraiseAllowance*) override;

 private:
  PraiseLedger* ledger_;
  AccessGate* gate_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_PRAISE_SERVICE_H_

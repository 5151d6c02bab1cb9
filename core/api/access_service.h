// AccessService: who the server takes the caller to be.
#ifndef PLAUDIT_CORE_API_ACCESS_SERVICE_H_
#define PLAUDIT_CORE_API_ACCESS_SERVICE_H_

#include "core/api/access_gate.h"
#include "plaudit/v1/access.grpc.pb.h"

namespace plaudit::api {

class AccessServiceImpl final : public ::plaudit::v1::AccessService::Service {
 public:
  explicit AccessServiceImpl(AccessGate* gate) : gate_(gate) {}
  grpc::Status WhoAmI(grpc::ServerContext*, const ::plaudit::v1::WhoAmIRequest*,
                      ::plaudit::v1::Identity*) override;

 private:
  AccessGate* gate_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_ACCESS_SERVICE_H_

// Server reflection (grpc.reflection.v1alpha) served by plauditd itself, so that it asks for
// credentials like every other service: a caller the gate cannot authenticate gets
// UNAUTHENTICATED with the reason. Answers from the descriptors compiled into plauditd.
#ifndef PLAUDIT_CORE_API_REFLECTION_SERVICE_H_
#define PLAUDIT_CORE_API_REFLECTION_SERVICE_H_

#include <string>
#include <vector>

#include "core/api/access_gate.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace plaudit::api {

class ReflectionServiceImpl final : public ::grpc::reflection::v1alpha::ServerReflection::Service {
 public:
  // `services`: the full names of the services plauditd serves.
  ReflectionServiceImpl(AccessGate* gate, std::vector<std::string> services)
      : gate_(gate), services_(std::move(services)) {}

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<::grpc::reflection::v1alpha::ServerReflectionResponse,
                               ::grpc::reflection::v1alpha::ServerReflectionRequest>* stream)
      override;

 private:
  AccessGate* gate_;
  const std::vector<std::string> services_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_REFLECTION_SERVICE_H_

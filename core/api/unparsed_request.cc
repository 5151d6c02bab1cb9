#include "core/api/unparsed_request.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/api/status.h"

namespace plaudit::api {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

class UnparsedRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit UnparsedRequestInterceptor(ServerRpcInfo* info) : info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // A method with one request message always receives one: none means it did not parse. (For
    // streamed requests none also means the end of the stream, so they are left alone.)
    const bool single_request = info_->type() == ServerRpcInfo::Type::UNARY ||
                                info_->type() == ServerRpcInfo::Type::SERVER_STREAMING;
    if (single_request &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsed_ = true;
    }
    if (unparsed_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::INTERNAL) {
      // "request: ..." names the field for the BadRequest details, as other validation errors do.
      methods->ModifySendStatus(ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat("request: not a valid request message for ", std::string(info_->method()),
                       " (it does not parse)"))));
    }
    methods->Proceed();
  }

 private:
  ServerRpcInfo* const info_;
  bool unparsed_ = false;
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new UnparsedRequestInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
UnparsedRequestInterceptorFactory() {
  return std::make_unique<Factory>();
}

}  // namespace plaudit::api

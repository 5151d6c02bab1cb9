// gRPC answers a unary request that does not parse as its message with INTERNAL and no message,
// before any handler runs: to the caller that reads as a server fault. This interceptor turns it
// into INVALID_ARGUMENT naming the method, as for any other bad request. (Streamed messages are
// parsed by their handlers, which answer the same way; see event_streams.h.)
#ifndef PLAUDIT_CORE_API_UNPARSED_REQUEST_H_
#define PLAUDIT_CORE_API_UNPARSED_REQUEST_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace plaudit::api {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
UnparsedRequestInterceptorFactory();

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_UNPARSED_REQUEST_H_

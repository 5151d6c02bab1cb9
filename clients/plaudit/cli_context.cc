#include "clients/plaudit/cli_context.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "clients/plaudit/credentials.h"
#include "clients/plaudit/error_line.h"
#include "clients/plaudit/server_address.h"

namespace plaudit::cli {
namespace {

// Import responses list every rejected row; a badly broken file can make that larger than
// gRPC's 4 MB default.
constexpr int kMaxReceiveMessageBytes = 256 * 1024 * 1024;
constexpr int kStreamLookaheadBytes = 8 * 1024 * 1024;

}  // namespace

void SetDeadline(grpc::ClientContext* context, std::chrono::seconds timeout) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

const std::shared_ptr<grpc::Channel>& CliContext::channel() {
  if (channel_ == nullptr) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
    // A stream may run this far ahead of what the CLI has read (HTTP/2 flow control): an export
    // of millions of rows keeps plauditd sending instead of waiting for each window update.
    arguments.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, kStreamLookaheadBytes);
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (IsTlsAddress(server_)) {
      grpc::SslCredentialsOptions options;
      options.pem_root_certs = tls_files_.ca_pem;
      options.pem_cert_chain = tls_files_.cert_pem;
      options.pem_private_key = tls_files_.key_pem;
      credentials = grpc::SslCredentials(options);
    }
    // The token and the claimed name travel on every call of the channel.
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(CredentialsInterceptor(token_, actor_));
    channel_ = grpc::experimental::CreateCustomChannelWithInterceptors(
        GrpcTarget(server_), credentials, arguments, std::move(interceptors));
  }
  return channel_;
}

CommandResult CliContext::RpcFailure(const grpc::Status& status) const {
  return CommandResult::Failure(DescribeRpcFailure(status, server_));
}

}  // namespace plaudit::cli

// The transport plauditd serves on: TLS (optionally requiring client certificates) when the
// config has `tls`, else plaintext, which is allowed on loopback only.
#ifndef PLAUDIT_CORE_API_SERVER_CREDENTIALS_H_
#define PLAUDIT_CORE_API_SERVER_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/status/statusor.h"
#include "core/config/server_config.h"

namespace plaudit::api {

// Reads the tls files (once, at start) and checks them with OpenSSL, so that a missing or
// unreadable file, a file that is not PEM, or a key that does not belong to the certificate stops
// plauditd with a line naming the file; gRPC would only fail to bind. Without tls:
// FAILED_PRECONDITION unless config.listen is a loopback address. The key's content never appears
// in a message.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerConfig& config);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_SERVER_CREDENTIALS_H_

// The one line `plaudit` prints on stderr when a command fails: "plaudit: <message>".
// Pure functions; thread-safe.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_ERROR_LINE_H_
#define PLAUDIT_CLIENTS_PLAUDIT_ERROR_LINE_H_

#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

namespace plaudit::cli {

// "plaudit: " + message, each line break (and the indentation after it) folded into one space,
// so the result is a single line (without a newline).
std::string ErrorLine(std::string_view message);

// What went wrong with an RPC to the server at `server`, in words for an administrator:
// UNAVAILABLE says the server cannot be reached and, in plain words, why ("host not found",
// "connection refused — is plauditd running?", "TLS handshake failed (is --ca-file the CA that
// signed the server's certificate?)"); INVALID_ARGUMENT, NOT_FOUND and other
// caller-facing codes give the server's message, followed by the field violations of a
// google.rpc.BadRequest carried in the status details; other codes name the code.
std::string DescribeRpcFailure(const grpc::Status& status, std::string_view server);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_ERROR_LINE_H_

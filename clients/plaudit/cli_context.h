// What every command runs with, and how it reports back.
//
// CliContext holds the resolved server address, a channel to it (opened on first use, so commands
// that fail before talking to the server never connect), and the streams to write to. One per
// invocation; not thread-safe.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_CLI_CONTEXT_H_
#define PLAUDIT_CLIENTS_PLAUDIT_CLI_CONTEXT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <ostream>
#include <string>

#include "absl/time/time.h"

namespace plaudit::cli {

// Unary calls that read or change a few records.
inline constexpr std::chrono::seconds kCallDeadline{30};
// Imports send whole files; a large one may take a while for the server to validate and store.
inline constexpr std::chrono::seconds kImportDeadline{60 * 60};

// Sets the deadline of the call `context` will make to `timeout` from now.
void SetDeadline(grpc::ClientContext* context, std::chrono::seconds timeout);

// How a command ended: its exit code and, if set, the message for the single
// "plaudit: <message>" line on stderr.
struct CommandResult {
  int exit_code = 0;
  std::string error;

  static CommandResult Success() { return {}; }
  static CommandResult Failure(std::string message) { return {1, std::move(message)}; }
  // The command has already explained itself on stderr (rejected rows); only the code is left.
  static CommandResult Exit(int exit_code) { return {exit_code, ""}; }
};

// The PEM texts for a TLS channel: the CA to trust (empty: the system's store) and, for servers
// that require one, the client's certificate and key.
struct TlsFiles {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
};

class CliContext {
 public:
  CliContext(std::string server, std::ostream& out, std::ostream& err, bool err_is_terminal)
      : server_(std::move(server)), out_(out), err_(err), err_is_terminal_(err_is_terminal) {}

  const std::string& server() const { return server_; }
  // Who the user claims to be in the server's development mode (plaudit --as USER).
  const std::string& actor() const { return actor_; }
  void set_actor(std::string actor) { actor_ = std::move(actor); }
  // The bearer token sent on every call; empty for none.
  void set_token(std::string token) { token_ = std::move(token); }
  // The zone times are shown in (plaudit --time-zone ZONE); UTC when not said.
  const absl::TimeZone& time_zone() const { return time_zone_; }
  void set_time_zone(absl::TimeZone zone) { time_zone_ = zone; }
  // The files for a TLS server (an https:// address).
  void set_tls_files(TlsFiles files) { tls_files_ = std::move(files); }
  // A channel to server(), opened on first use: TLS for an https:// address, else plaintext.
  const std::shared_ptr<grpc::Channel>& channel();

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  bool err_is_terminal() const { return err_is_terminal_; }

  // The result for a failed RPC: exit 1 and the failure in words (see DescribeRpcFailure).
  CommandResult RpcFailure(const grpc::Status& status) const;

 private:
  const std::string server_;
  std::ostream& out_;
  std::ostream& err_;
  const bool err_is_terminal_;
  std::string actor_;
  std::string token_;
  absl::TimeZone time_zone_ = absl::UTCTimeZone();
  TlsFiles tls_files_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_CLI_CONTEXT_H_

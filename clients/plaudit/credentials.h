// Who the CLI says it is: a bearer token (--token-file, $PLAUDIT_TOKEN, or a profile's
// token_file) sent on every call, and, in plauditd's local development mode only, a claimed name
// (--as). Profiles live in $PLAUDIT_CONFIG, else $XDG_CONFIG_HOME/plaudit/config.yaml, else
// ~/.config/plaudit/config.yaml:
//
//   profiles:
//     default: {server: https://plaudit.example.com, ca_file: ca.pem, token_file: token}
//     hr-sync: {server: https://plaudit.example.com, cert: hr.pem, key: hr.key}
//
// Relative paths in a profile are relative to the config file's folder.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_CREDENTIALS_H_
#define PLAUDIT_CLIENTS_PLAUDIT_CREDENTIALS_H_

#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <optional>
#include <string>

namespace plaudit::cli {

struct Profile {
  std::string server;
  std::string ca_file;
  std::string cert;
  std::string key;
  std::string token_file;
};

// The profile file's path from the environment; "" when no home is known.
std::string ProfileFilePath();

// The profile `name` of the file at `path`. nullopt with *problem empty when the file does not
// exist (and `name` is "default"); otherwise nullopt with *problem naming the file, line and key.
std::optional<Profile> LoadProfile(const std::string& path, const std::string& name,
                                   std::string* problem);

// The token in `path`, whitespace trimmed; "" with *problem set when it cannot be read or is
// empty.
std::string ReadTokenFile(const std::string& path, std::string* problem);

// Adds `authorization: Bearer <token>` (when a token is given) and the development mode's
// x-plaudit-actor (when `actor` is) to every call of the channel.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> CredentialsInterceptor(
    std::string token, std::string actor);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_CREDENTIALS_H_

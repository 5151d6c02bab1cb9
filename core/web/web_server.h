// The pages' own listener: static pages compiled into plauditd and the JSON API over plauditd's
// services (json_gateway.h), on cpp-httplib, over HTTPS when plauditd has `tls`.
//
//   web: {listen: 127.0.0.1:8080}
//
// Like the gRPC listener, it serves loopback only unless plauditd has both tls and auth. Every
// response carries a Content-Security-Policy that allows the page's own files only, and
// nosniff, no-referrer and frame-ancestors 'none'. API responses are never cached.
#ifndef PLAUDIT_CORE_WEB_WEB_SERVER_H_
#define PLAUDIT_CORE_WEB_WEB_SERVER_H_

#include <grpcpp/channel.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "core/config/server_config.h"
#include "core/web/json_gateway.h"
#include "core/web/sign_in.h"

namespace httplib {
class Server;
}

namespace plaudit::web {

struct WebServerOptions {
  // HOST:PORT; port 0 picks a free one.
  std::string listen;
  // HTTPS with this certificate and key; plain HTTP without.
  std::optional<TlsConfig> tls;
  // Whether plauditd is in the development mode (no auth): then X-Plaudit-Actor names the
  // caller, as `plaudit --as` does, and only loopback addresses are served.
  bool development_mode = true;
  // Signing in through the `auth` issuer (sign_in.h), with plauditd's auth settings and data
  // folder (where the session key is kept unless the sign-in names a file).
  std::optional<SignInConfig> sign_in;
  std::optional<AuthConfig> auth;
  std::string data_dir;
  // The largest request body taken.
  size_t max_body_bytes = size_t{1} << 20;
  // httplib serves each connection on a thread of a fixed pool for as long as the connection
  // stays open (keep-alive): this many connections are served at once, the rest wait.
  int threads = 64;
};

class WebServer {
 public:
  // Binds and starts serving on a thread of its own. `channel`: plauditd's in-process channel.
  // UNAVAILABLE when the address cannot be bound; FAILED_PRECONDITION for a non-loopback
  // address without tls and auth, unreadable tls files, or a sign-in that cannot be set up
  // (its keys, its secret, no public_url for a listener other hosts reach).
  static absl::StatusOr<std::unique_ptr<WebServer>> Start(const WebServerOptions& options,
                                                          std::shared_ptr<grpc::Channel> channel);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  int port() const { return port_; }
  // "http" or "https".
  const char* scheme() const { return scheme_; }
  // Stops taking requests and waits for the listener's thread.
  void Stop();

 private:
  WebServer(const WebServerOptions& options, std::shared_ptr<grpc::Channel> channel);
  void Route();
  void RouteSignIn();

  const WebServerOptions options_;
  JsonGateway gateway_;
  std::unique_ptr<SignIn> sign_in_;  // null without web.sign_in
  std::unique_ptr<httplib::Server> http_;
  const char* scheme_ = "http";
  int port_ = 0;
  std::thread thread_;
};

}  // namespace plaudit::web

#endif  // PLAUDIT_CORE_WEB_WEB_SERVER_H_

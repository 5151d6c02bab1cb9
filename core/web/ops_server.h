// plauditd's operations listener (`metrics_listen`), for Prometheus and load balancers:
//   GET /metrics  plauditd's telemetry in Prometheus's text exposition format (0.0.4)
//   GET /healthz  200 "ok" while the process serves: liveness
//   GET /readyz   200 "ready" when the store is reachable and its schema current and plauditd is
//                 not draining; 503 with the reason otherwise
// HTTP on loopback; HTTPS with plauditd's `tls`, which then also serves other hosts, and asks
// them for a client certificate signed by tls.client_ca_file when one is set.
#ifndef PLAUDIT_CORE_WEB_OPS_SERVER_H_
#define PLAUDIT_CORE_WEB_OPS_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/config/server_config.h"
#include "core/domain/telemetry.h"

namespace httplib {
class Server;
}

namespace plaudit::web {

struct OpsServerOptions {
  // HOST:PORT; port 0 picks a free one.
  std::string listen;
  std::optional<TlsConfig> tls;
  // What /metrics renders.
  const Telemetry* telemetry = nullptr;
  // OK when plauditd can take requests; the reason otherwise.
  std::function<absl::Status()> ready;
};

class OpsServer {
 public:
  // Binds and starts serving on a thread of its own. UNAVAILABLE when the address cannot be
  // bound; FAILED_PRECONDITION for a non-loopback address without tls, or unreadable tls files.
  static absl::StatusOr<std::unique_ptr<OpsServer>> Start(OpsServerOptions options);
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  int port() const { return port_; }
  const char* scheme() const { return scheme_; }
  void Stop();

 private:
  explicit OpsServer(OpsServerOptions options);

  const OpsServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  const char* scheme_ = "http";
  int port_ = 0;
  std::thread thread_;
};

}  // namespace plaudit::web

#endif  // PLAUDIT_CORE_WEB_OPS_SERVER_H_

#include "core/web/ops_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/web/http_listener.h"

namespace plaudit::web {

absl::StatusOr<std::unique_ptr<OpsServer>> OpsServer::Start(OpsServerOptions options) {
  if (auto address = SplitListen("metrics_listen", options.listen); !address.ok()) {
    return address.status();
  }
  if (!IsLoopbackListen(options.listen) && !options.tls) {
    return absl::FailedPreconditionError(
        absl::StrCat("metrics_listen: ", options.listen,
                     " is not a loopback address; serving metrics to other hosts needs tls "
                     "(cert_file, key_file)"));
  }
  std::unique_ptr<OpsServer> server(new OpsServer(std::move(options)));
  const OpsServerOptions& o = server->options_;
  auto http = MakeHttpServer(o.tls, o.tls ? o.tls->client_ca_file : "");
  if (!http.ok()) return http.status();
  server->http_ = *std::move(http);
  if (o.tls) server->scheme_ = "https";
  // Not SO_REUSEPORT (httplib's default): a second plauditd must not share a taken port.
  server->http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->http_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  server->http_->set_keep_alive_timeout(5);
  server->http_->set_default_headers({{"Cache-Control", "no-store"}});

  const Telemetry* telemetry = o.telemetry;
  server->http_->Get("/metrics", [telemetry](const httplib::Request&, httplib::Response& res) {
    res.set_content(telemetry == nullptr ? std::string() : telemetry->Render(),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  server->http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });
  server->http_->Get("/readyz", [ready = o.ready](const httplib::Request&, httplib::Response& res) {
    const absl::Status status = ready ? ready() : absl::OkStatus();
    if (status.ok()) {
      res.set_content("ready\n", "text/plain; charset=utf-8");
      return;
    }
    res.status = 503;
    res.set_content(absl::StrCat("not ready: ", status.message(), "\n"),
                    "text/plain; charset=utf-8");
  });

  auto bound = BindHttpServer(*server->http_, "metrics_listen", o.listen);
  if (!bound.ok()) return bound.status();
  server->port_ = *bound;
  server->thread_ = ServeHttp(*server->http_);
  return server;
}

OpsServer::OpsServer(OpsServerOptions options) : options_(std::move(options)) {}

OpsServer::~OpsServer() { Stop(); }

void OpsServer::Stop() {
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace plaudit::web

// plauditd: the Plaudit server.
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/api/server.h"
#include "core/config/server_config.h"
#include "core/domain/clock.h"
#include "core/domain/log.h"
#include "core/web/ops_server.h"
#include "core/web/web_server.h"
#include "plaudit_version.h"

namespace {

const char kUsage[] =
    "usage: plauditd [--listen ADDR] [--data-dir DIR] [--plugin-dir DIR] [--config FILE]\n"
    "                [--metrics-listen ADDR] [--log-format text|json]\n"
    "       plauditd --version\n"
    "  --listen      address to serve gRPC on (default 127.0.0.1:50051); without `tls` in the\n"
    "                config (cert_file, key_file, client_ca_file) loopback addresses only\n"
    "  --data-dir    where the database, artifacts and inbox live (default ./var)\n"
    "  --plugin-dir  where plugin shared objects are loaded from (default build/plugins)\n"
    "  --metrics-listen  address to serve /metrics (Prometheus), /healthz and /readyz on\n"
    "                (HTTP; HTTPS with `tls`; without it loopback addresses only)\n"
    "  --log-format  text (the default) or json: one JSON object per log line\n"
    "  --config      YAML file with these settings and per-plugin configuration; paths in it\n"
    "                are relative to the file's folder, paths in flags to the working one\n"
    "  --version     print the version and exit\n";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "plauditd: %s\n%s", problem.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Everything plauditd and its plugins create is private to its user unless made otherwise.
  umask(077);
  // Debian's Abseil checks every lock for deadlock cycles, a graph search on each acquisition
  // that showed in the profile of every call. The tests keep the check; the service does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::string config_path;
  std::string listen, data_dir, plugin_dir, metrics_listen, log_format;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--version") {
      std::printf("plauditd %s\n", plaudit::kPlauditVersion);
      return 0;
    }
    std::string value;
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Usage(absl::StrCat(name, " needs a value"));
    }
    if (name == "--listen") {
      listen = value;
    } else if (name == "--data-dir") {
      data_dir = value;
    } else if (name == "--plugin-dir") {
      plugin_dir = value;
    } else if (name == "--config") {
      config_path = value;
    } else if (name == "--metrics-listen") {
      metrics_listen = value;
    } else if (name == "--log-format") {
      if (value != "text" && value != "json") {
        return Usage(absl::StrCat("--log-format: expected text or json, got \"", value, "\""));
      }
      log_format = value;
    } else {
      return Usage(absl::StrCat("unknown option ", name));
    }
  }

  plaudit::ServerConfig config;
  if (!config_path.empty()) {
    auto loaded = plaudit::LoadServerConfig(config_path, config);
    if (!loaded.ok()) {
      std::fprintf(stderr, "plauditd: %s\n", std::string(loaded.status().message()).c_str());
      return 1;
    }
    config = *loaded;
  }
  if (!listen.empty()) config.listen = listen;
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!plugin_dir.empty()) config.plugin_dir = plugin_dir;
  if (!metrics_listen.empty()) config.metrics_listen = metrics_listen;
  if (!log_format.empty()) {
    config.log_format =
        log_format == "json" ? plaudit::LogFormat::kJson : plaudit::LogFormat::kText;
  }
  plaudit::SetLogFormat(config.log_format);

  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  plaudit::RealClock clock;
  auto server = plaudit::api::PlauditServer::Start(config, &clock);
  if (!server.ok()) {
    std::fprintf(stderr, "plauditd: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<plaudit::web::WebServer> web;
  if (config.web.has_value()) {
    plaudit::web::WebServerOptions options;
    options.listen = config.web->listen;
    options.tls = config.tls;
    options.development_mode = (*server)->development_mode();
    options.sign_in = config.web->sign_in;
    options.auth = config.auth;
    options.data_dir = config.data_dir;
    auto started = plaudit::web::WebServer::Start(options, (*server)->InProcessChannel());
    if (!started.ok()) {
      std::fprintf(stderr, "plauditd: %s\n", std::string(started.status().message()).c_str());
      (*server)->Shutdown();
      return 1;
    }
    web = *std::move(started);
    plaudit::LogInfo("web",
                     absl::StrCat("pages on ", web->scheme(), "://", config.web->listen,
                                  config.web->sign_in.has_value()
                                      ? absl::StrCat("; sign-in through ", config.auth->issuer)
                                      : std::string()));
  }
  std::unique_ptr<plaudit::web::OpsServer> ops;
  if (!config.metrics_listen.empty()) {
    plaudit::web::OpsServerOptions options;
    options.listen = config.metrics_listen;
    options.tls = config.tls;
    options.telemetry = &(*server)->telemetry();
    options.ready = [server = server->get()] { return server->Ready(); };
    auto started = plaudit::web::OpsServer::Start(options);
    if (!started.ok()) {
      std::fprintf(stderr, "plauditd: %s\n", std::string(started.status().message()).c_str());
      if (web != nullptr) web->Stop();
      (*server)->Shutdown();
      return 1;
    }
    ops = *std::move(started);
    plaudit::LogInfo("server",
                     absl::StrCat("metrics, health and readiness on ", ops->scheme(), "://",
                                  config.metrics_listen, " (/metrics, /healthz, /readyz)"));
  }
  int signal = 0;
  sigwait(&signals, &signal);
  plaudit::LogInfo("server", absl::StrCat("received ", strsignal(signal), ", shutting down"));
  // Load balancers asking /readyz stop sending calls; until `drain` has passed they are still
  // taken, and those under way finish below.
  (*server)->Drain();
  if (config.drain > absl::ZeroDuration()) {
    plaudit::LogInfo("server", absl::StrCat("draining: /readyz answers 503, calls are taken for ",
                                            absl::FormatDuration(config.drain),
                                            " more (a second signal stops at once)"));
    const absl::Time until = absl::Now() + config.drain;
    while (true) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      const timespec wait = absl::ToTimespec(left);
      const int again = sigtimedwait(&signals, nullptr, &wait);
      if (again > 0) {
        plaudit::LogInfo("server", absl::StrCat("received ", strsignal(again), " again"));
        break;
      }
      if (errno != EINTR) break;  // EAGAIN: the time is up.
    }
  }
  // A plugin stuck in a call must not keep plauditd from stopping. Everything acknowledged is
  // already durable, and fulfilments in flight resume with the same keys at the next start.
  absl::Notification stopped;
  std::thread watchdog([&stopped, timeout = config.shutdown_timeout] {
    if (!stopped.WaitForNotificationWithTimeout(timeout)) {
      plaudit::LogError("server",
                        absl::StrCat("shutdown took longer than ", absl::FormatDuration(timeout),
                                     "; exiting with work in flight"));
      std::_Exit(1);
    }
  });
  if (web != nullptr) web->Stop();
  (*server)->Shutdown();
  if (ops != nullptr) ops->Stop();
  stopped.Notify();
  watchdog.join();
  return 0;
}

// webhook_sink: a chat service's incoming webhook on 127.0.0.1, for tests and demos (see
// webhook_sink.h). Prints "listening on 127.0.0.1:PORT" as its first line and serves until
// SIGINT or SIGTERM.
#include <signal.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tools/vendor_sandbox/http_server.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace {

constexpr char kUsage[] =
    "usage: webhook_sink [--port N] [--fault JSON]...\n"
    "  --port N      port on 127.0.0.1; 0 (the default) picks a free one\n"
    "  --fault JSON  a fault, as the body of POST /_faults (repeatable), e.g.\n"
    "                '{\"status\": 429, \"count\": 2, \"retry_after\": \"3\"}'\n"
    "Posts to any path are recorded; GET /_received lists them.\n";

int Usage(const std::string& problem) {
  std::cerr << "webhook_sink: " << problem << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using plaudit::sandbox::HttpServer;
  using plaudit::sandbox::WebhookFault;
  using plaudit::sandbox::WebhookSink;

  WebhookSink sink;
  int64_t port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (i + 1 >= argc) return Usage(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--port") {
      char* end = nullptr;
      errno = 0;
      port = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || errno != 0 || port < 0 || port > 65535) {
        return Usage("--port: expected 0..65535, got \"" + value + "\"");
      }
    } else if (flag == "--fault") {
      WebhookFault fault;
      std::string error;
      if (!WebhookSink::ParseFault(value, &fault, &error)) return Usage("--fault: " + error);
      sink.AddFault(fault);
    } else {
      return Usage("unknown flag " + flag);
    }
  }

  // Signals are taken by sigwait below, not by whichever thread they happen to hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string error;
  auto server = HttpServer::Start(
      static_cast<int>(port),
      [&sink](const plaudit::sandbox::HttpRequest& request) { return sink.Handle(request); },
      &error);
  if (!server) {
    std::cerr << "webhook_sink: " << error << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server->port() << std::endl;

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Stop();
  return 0;
}

// plaudit-platform-fake: Genesys Cloud's and Zendesk's APIs on 127.0.0.1 for tests and demos (see
// platform_fake.h), serving records from JSON-lines files.
//
//   plaudit-platform-fake [--port 0] [--genesys FILE] [--zendesk FILE] [--page-size 2]
//                         [--client-id ID --client-secret SECRET]
//                         [--zendesk-email EMAIL --zendesk-token TOKEN] [--fault JSON]...
//
// Prints "listening on 127.0.0.1:PORT" as its first line, then serves until SIGINT or SIGTERM.
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tools/platform_fake/platform_fake.h"
#include "tools/vendor_sandbox/http_server.h"

int main(int argc, char** argv) {
  using plaudit::sandbox::FakeFault;
  using plaudit::sandbox::HttpServer;
  using plaudit::sandbox::PlatformFake;
  using plaudit::sandbox::PlatformFakeOptions;

  CLI::App app{"Genesys Cloud's and Zendesk's APIs on loopback, serving fixture records"};
  PlatformFakeOptions options;
  int port = 0;
  std::vector<std::string> genesys_files, zendesk_files, faults;
  app.add_option("--port", port, "Port on 127.0.0.1; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--genesys", genesys_files, "Genesys conversation details, one per line");
  app.add_option("--zendesk", zendesk_files, "Zendesk tickets (metric_set inline), one per line");
  app.add_option("--page-size", options.page_size, "Records per page")->check(CLI::Range(1, 1000));
  app.add_option("--client-id", options.genesys_client_id, "The Genesys OAuth client's id");
  app.add_option("--client-secret", options.genesys_client_secret, "Its secret");
  app.add_option("--zendesk-email", options.zendesk_email, "The Zendesk API user's email");
  app.add_option("--zendesk-token", options.zendesk_api_token, "Its API token");
  app.add_option("--zendesk-oauth-token", options.zendesk_oauth_token,
                 "A Zendesk OAuth token accepted too");
  app.add_option("--job-checks", options.job_checks_before_fulfilled,
                 "Status checks of a Genesys job before it is fulfilled")
      ->check(CLI::Range(0, 100));
  app.add_option("--fault", faults,
                 "A fault, as the body of POST /_fake/faults, e.g. "
                 "'{\"status\": 429, \"count\": 1, \"retry_after\": \"2\"}'");
  CLI11_PARSE(app, argc, argv);

  PlatformFake fake(options);
  std::string error;
  for (const std::string& file : genesys_files) {
    if (!fake.LoadConversations(file, &error)) {
      std::cerr << "plaudit-platform-fake: " << error << "\n";
      return 2;
    }
  }
  for (const std::string& file : zendesk_files) {
    if (!fake.LoadTickets(file, &error)) {
      std::cerr << "plaudit-platform-fake: " << error << "\n";
      return 2;
    }
  }
  for (const std::string& text : faults) {
    FakeFault fault;
    if (!PlatformFake::ParseFault(text, &fault, &error)) {
      std::cerr << "plaudit-platform-fake: --fault: " << error << "\n";
      return 2;
    }
    fake.AddFault(fault);
  }

  // Signals are taken by sigwait below, not by whichever thread they happen to hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = HttpServer::Start(
      port, [&fake](const plaudit::sandbox::HttpRequest& request) { return fake.Handle(request); },
      &error);
  if (!server) {
    std::cerr << "plaudit-platform-fake: " << error << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server->port() << std::endl;
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Stop();
  return 0;
}

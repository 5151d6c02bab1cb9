// vendor_sandbox: a gift-card vendor's REST API on 127.0.0.1, for tests and demos. Prints
// "listening on 127.0.0.1:PORT" as its first line and serves until SIGINT or SIGTERM.
#include <signal.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "plugins/common/json.h"
#include "plugins/common/money.h"
#include "tools/vendor_sandbox/http_server.h"
#include "tools/vendor_sandbox/vendor_sandbox.h"

namespace {

constexpr char kUsage[] =
    "usage: vendor_sandbox [--port N] [--api-key KEY] [--balance CUR=AMOUNT]...\n"
    "                      [--processing-ms N] [--all-async] [--state-file PATH] [--seed N]\n"
    "                      [--fault JSON]...\n"
    "  --port N            port on 127.0.0.1; 0 (the default) picks a free one\n"
    "  --api-key KEY       the key clients send as \"Authorization: Bearer KEY\"\n"
    "                      (default sandbox-key)\n"
    "  --balance CUR=AMT   starting balance of a currency, e.g. USD=1000.00 (repeatable)\n"
    "  --processing-ms N   how long asynchronous orders stay processing; -1: until told\n"
    "                      through POST /v1/_orders/status (default 1000)\n"
    "  --all-async         every brand's orders start processing, not only async brands\n"
    "  --state-file PATH   keep orders and balances in PATH across restarts\n"
    "  --seed N            seed for redemption codes and fault ratios (default 1)\n"
    "  --fault JSON        a fault rule, as the body of POST /v1/_faults (repeatable)\n";

int Usage(const std::string& problem) {
  std::cerr << "vendor_sandbox: " << problem << "\n" << kUsage;
  return 2;
}

bool ParseInt(const std::string& text, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) return false;
  *out = value;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using plaudit::sandbox::HttpServer;
  using plaudit::sandbox::SandboxOptions;
  using plaudit::sandbox::VendorSandbox;

  SandboxOptions options;
  int64_t port = 0;
  bool balances_given = false;
  std::vector<std::string> faults;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (flag == "--all-async") {
      options.all_async = true;
      continue;
    }
    if (i + 1 >= argc) return Usage(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--port") {
      if (!ParseInt(value, &port) || port < 0 || port > 65535) {
        return Usage("--port: expected 0..65535, got \"" + value + "\"");
      }
    } else if (flag == "--api-key") {
      if (value.empty()) return Usage("--api-key must not be empty");
      options.api_key = value;
    } else if (flag == "--balance") {
      const size_t eq = value.find('=');
      const auto amount = eq == std::string::npos
                              ? std::nullopt
                              : plaudit::money::ParseMinorUnits(value.substr(eq + 1));
      if (!amount || eq == 0) return Usage("--balance: expected CUR=AMOUNT, got \"" + value + "\"");
      if (!balances_given) options.balances.clear();
      balances_given = true;
      options.balances[value.substr(0, eq)] = *amount;
    } else if (flag == "--processing-ms") {
      if (!ParseInt(value, &options.processing_ms)) {
        return Usage("--processing-ms: expected a whole number, got \"" + value + "\"");
      }
    } else if (flag == "--state-file") {
      options.state_file = value;
    } else if (flag == "--seed") {
      int64_t seed = 0;
      if (!ParseInt(value, &seed)) return Usage("--seed: expected a whole number");
      options.seed = static_cast<uint64_t>(seed);
    } else if (flag == "--fault") {
      faults.push_back(value);
    } else {
      return Usage("unknown flag " + flag);
    }
  }

  VendorSandbox sandbox(options);
  std::string error;
  if (!sandbox.LoadState(&error)) {
    std::cerr << "vendor_sandbox: " << error << "\n";
    return 1;
  }
  for (const std::string& text : faults) {
    const auto spec = plaudit::json::Parse(text, &error);
    if (!spec || !sandbox.AddFault(*spec, &error)) return Usage("--fault: " + error);
  }

  // Signals are taken by sigwait below, not by whichever thread they happen to hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = HttpServer::Start(
      static_cast<int>(port),
      [&sandbox](const plaudit::sandbox::HttpRequest& request) { return sandbox.Handle(request); },
      &error);
  if (!server) {
    std::cerr << "vendor_sandbox: " << error << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server->port() << std::endl;

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Stop();
  return 0;
}

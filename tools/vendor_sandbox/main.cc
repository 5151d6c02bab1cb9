// vendor_sandbox: a gift-card vendor's REST API on 127.0.0.1, for tests and demos. Prints
// "listening on 127.0.0.1:PORT" as its first line and serves until SIGINT or SIGTERM. With
// --callback-target it also reports every order status change to plauditd as a signed callback.
#include <signal.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plugins/common/json_text.h"
#include "plugins/common/money.h"
#include "tools/vendor_sandbox/callback_sender.h"
#include "tools/vendor_sandbox/http_server.h"
#include "tools/vendor_sandbox/vendor_sandbox.h"

namespace {

constexpr char kUsage[] =
    "usage: vendor_sandbox [--port N] [--api-key KEY] [--balance CUR=AMOUNT]...\n"
    "                      [--processing-ms N] [--all-async] [--state-file PATH] [--seed N]\n"
    "                      [--fault JSON]... [--callback-target HOST:PORT [--callback-plugin\n"
    "                      NAME] (--callback-secret S | --callback-secret-file F)]\n"
    "  --port N            port on 127.0.0.1; 0 (the default) picks a free one\n"
    "  --api-key KEY       the key clients send as \"Authorization: Bearer KEY\"\n"
    "                      (default sandbox-key)\n"
    "  --balance CUR=AMT   starting balance of a currency, e.g. USD=1000.00 (repeatable)\n"
    "  --processing-ms N   how long asynchronous orders stay processing; -1: until told\n"
    "                      through POST /v1/_orders/status (default 1000)\n"
    "  --all-async         every brand's orders start processing, not only async brands\n"
    "  --state-file PATH   keep orders and balances in PATH across restarts\n"
    "  --seed N            seed for redemption codes and fault ratios (default 1)\n"
    "  --fault JSON        a fault rule, as the body of POST /v1/_faults (repeatable)\n"
    "  --callback-target HOST:PORT\n"
    "                      plauditd's gRPC address: every order status change is delivered\n"
    "                      there through FulfilmentService.DeliverCallback, signed\n"
    "                      (drop_events faults drop these callbacks too)\n"
    "  --callback-plugin NAME  the plugin the callbacks are for (default gift_card)\n"
    "  --callback-secret S     the plugin's callback_secret in plauditd's settings\n"
    "  --callback-secret-file F  the secret from a file (trailing whitespace is ignored)\n";

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

// The file's text without trailing whitespace; nullopt when it cannot be read.
std::optional<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back()))) {
    secret.pop_back();
  }
  return secret;
}

plaudit::sandbox::HttpReply Answer(int status, const std::string& body) {
  plaudit::sandbox::HttpReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "application/json"}};
  reply.body = body + "\n";
  return reply;
}

// POST /v1/_callbacks/replay: the last callback again, same signature (plauditd refuses it as
// replayed). POST /v1/_callbacks/resend?age_s=N: the last callback's body signed N seconds ago.
plaudit::sandbox::HttpReply CallbackControl(const plaudit::sandbox::HttpRequest& request,
                                            plaudit::sandbox::CallbackSender* sender) {
  if (sender == nullptr) {
    return Answer(404, "{\"error\": \"callbacks are off: no --callback-target\"}");
  }
  if (request.method != "POST") return Answer(405, "{\"error\": \"use POST\"}");
  bool queued = false;
  if (request.path == "/v1/_callbacks/replay") {
    queued = sender->ReplayLast();
  } else if (request.path == "/v1/_callbacks/resend") {
    auto age = request.query.find("age_s");
    int64_t age_s = 0;
    if (age == request.query.end() || !ParseInt(age->second, &age_s)) {
      return Answer(400, "{\"error\": \"give age_s, whole seconds\"}");
    }
    queued = sender->ResendLastSignedAgo(age_s);
  } else {
    return Answer(404, "{\"error\": \"unknown callback control\"}");
  }
  if (!queued) return Answer(409, "{\"error\": \"no callback was delivered yet\"}");
  return Answer(202, "{\"queued\": true}");
}

}  // namespace

int main(int argc, char** argv) {
  using plaudit::sandbox::HttpServer;
  using plaudit::sandbox::SandboxOptions;
  using plaudit::sandbox::VendorSandbox;

  // Signals are taken by sigwait below, not by whichever thread they happen to hit: blocked
  // before any thread (the callback sender's, gRPC's) starts, since threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SandboxOptions options;
  int64_t port = 0;
  bool balances_given = false;
  std::vector<std::string> faults;
  plaudit::sandbox::CallbackOptions callbacks;
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
    } else if (flag == "--callback-target") {
      callbacks.target = value;
    } else if (flag == "--callback-plugin") {
      if (value.empty()) return Usage("--callback-plugin must not be empty");
      callbacks.plugin = value;
    } else if (flag == "--callback-secret") {
      callbacks.secret = value;
    } else if (flag == "--callback-secret-file") {
      const std::optional<std::string> secret = ReadSecretFile(value);
      if (!secret) return Usage("--callback-secret-file: cannot read " + value);
      callbacks.secret = *secret;
    } else {
      return Usage("unknown flag " + flag);
    }
  }

  if (!callbacks.target.empty() && callbacks.secret.empty()) {
    return Usage("--callback-target needs --callback-secret or --callback-secret-file");
  }
  if (callbacks.target.empty() && !callbacks.secret.empty()) {
    return Usage("--callback-secret needs --callback-target");
  }
  // Declared before the sandbox, whose on_event uses it, so that it outlives the sandbox.
  std::unique_ptr<plaudit::sandbox::CallbackSender> sender;
  if (!callbacks.target.empty()) {
    sender = std::make_unique<plaudit::sandbox::CallbackSender>(callbacks);
    options.on_event = [raw = sender.get()](const std::string& body) { raw->Send(body); };
  }

  VendorSandbox sandbox(options);
  std::string error;
  if (!sandbox.LoadState(&error)) {
    std::cerr << "vendor_sandbox: " << error << "\n";
    return 1;
  }
  for (const std::string& text : faults) {
    const auto spec = plaudit::json::ParseStrict(text, &error);
    if (!spec || !sandbox.AddFault(*spec, &error)) return Usage("--fault: " + error);
  }

  auto server = HttpServer::Start(
      static_cast<int>(port),
      [&sandbox, &sender](const plaudit::sandbox::HttpRequest& request) {
        if (request.path.rfind("/v1/_callbacks/", 0) == 0)
          return CallbackControl(request, sender.get());
        return sandbox.Handle(request);
      },
      &error);
  if (!server) {
    std::cerr << "vendor_sandbox: " << error << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server->port() << std::endl;

  // With callbacks, processing orders complete (and are reported) on time, not only when the
  // next request arrives.
  std::mutex ticker_mu;
  std::condition_variable ticker_wake;
  bool stopping = false;
  std::thread ticker;
  if (sender != nullptr) {
    ticker = std::thread([&] {
      std::unique_lock<std::mutex> lock(ticker_mu);
      while (!ticker_wake.wait_for(lock, std::chrono::milliseconds(50), [&] { return stopping; })) {
        sandbox.Tick();
      }
    });
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Stop();
  if (ticker.joinable()) {
    {
      std::lock_guard<std::mutex> lock(ticker_mu);
      stopping = true;
    }
    ticker_wake.notify_all();
    ticker.join();
  }
  return 0;
}

// What authentication costs a call: an in-process plauditd answers AccessService/WhoAmI over
// loopback, first in the development mode (no credentials checked: the baseline), then with
// auth on and bearer tokens signed ES256, RS256 and EdDSA. Prints calls per second and the added
// time per call; then what checking one token's signature and claims costs, which the server pays
// once per token (it keeps tokens it validated until they expire).
//
//   bench_auth [CALLS]      (default 5000 per mode, on one connection, one call at a time)
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/api/server.h"
#include "core/auth/token_validator.h"
#include "core/domain/clock.h"
#include "plaudit/v1/access.grpc.pb.h"
#include "tools/dev_issuer/dev_issuer.h"

namespace {

using plaudit::RealClock;
using plaudit::ServerConfig;
using plaudit::api::PlauditServer;

struct Run {
  double calls_per_second = 0;
  double micros_per_call = 0;
};

// `calls` WhoAmI calls with `token` (none when empty); exits on the first failure.
Run Measure(int port, const std::string& token, int calls) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto stub = plaudit::v1::AccessService::NewStub(channel);
  auto call = [&] {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    plaudit::v1::Identity identity;
    grpc::Status status = stub->WhoAmI(&context, plaudit::v1::WhoAmIRequest(), &identity);
    if (!status.ok()) {
      std::fprintf(stderr, "bench_auth: WhoAmI failed: %s\n", status.error_message().c_str());
      std::exit(1);
    }
  };
  for (int i = 0; i < 200; ++i) call();  // warm up the connection
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) call();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Run{calls / seconds, seconds * 1e6 / calls};
}

std::unique_ptr<PlauditServer> Start(ServerConfig config, RealClock* clock) {
  config.listen = "127.0.0.1:0";
  auto server = PlauditServer::Start(config, clock);
  if (!server.ok()) {
    std::fprintf(stderr, "bench_auth: %s\n", std::string(server.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(server);
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::atoi(argv[1]) : 5000;
  if (calls <= 0) {
    std::fprintf(stderr, "usage: bench_auth [CALLS]\n");
    return 2;
  }
  char pattern[] = "/tmp/plaudit-bench-auth-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  const std::string dir = pattern;
  RealClock clock;
  ServerConfig base;
  base.plugin_dir = dir + "/no-plugins";
  std::filesystem::create_directories(base.plugin_dir);

  std::printf("%-28s %12s %14s %16s\n", "mode", "calls/s", "us per call", "added us/call");
  base.data_dir = dir + "/dev";
  Run baseline;
  {
    auto server = Start(base, &clock);
    baseline = Measure(server->port(), "", calls);
    server->Shutdown(absl::Seconds(1));
  }
  std::printf("%-28s %12.0f %14.1f %16s\n", "development (baseline)", baseline.calls_per_second,
              baseline.micros_per_call, "-");
  const struct {
    const char* name;
    plaudit::auth::JwsAlgorithm algorithm;
  } kAlgorithms[] = {{"token ES256", plaudit::auth::JwsAlgorithm::kES256},
                     {"token RS256", plaudit::auth::JwsAlgorithm::kRS256},
                     {"token EdDSA", plaudit::auth::JwsAlgorithm::kEdDSA}};
  for (const auto& algorithm : kAlgorithms) {
    const std::string issuer_dir = dir + "/issuer-" + std::string(algorithm.name).substr(6);
    plaudit::dev_issuer::IssuerOptions issuer;
    issuer.dir = issuer_dir;
    issuer.algorithm = algorithm.algorithm;
    if (!plaudit::dev_issuer::InitIssuer(issuer, absl::Now()).ok()) return 1;
    plaudit::dev_issuer::MintOptions mint;
    mint.subject = "bench";
    mint.roles = {"admin"};
    auto token = plaudit::dev_issuer::MintToken(issuer_dir, mint, absl::Now());
    if (!token.ok()) return 1;
    ServerConfig config = base;
    config.data_dir = issuer_dir + "/data";
    plaudit::AuthConfig auth;
    auth.issuer = plaudit::dev_issuer::kDefaultIssuer;
    auth.audience = plaudit::dev_issuer::kDefaultAudience;
    auth.jwks_file = issuer_dir + "/jwks.json";
    config.auth = auth;
    auto server = Start(config, &clock);
    const Run run = Measure(server->port(), *token, calls);
    server->Shutdown(absl::Seconds(1));
    std::printf("%-28s %12.0f %14.1f %16.1f\n", algorithm.name, run.calls_per_second,
                run.micros_per_call, run.micros_per_call - baseline.micros_per_call);
  }
  std::printf("\n%-28s %14s\n", "validating one token", "us");
  for (const auto& algorithm : kAlgorithms) {
    const std::string issuer_dir = dir + "/issuer-" + std::string(algorithm.name).substr(6);
    plaudit::dev_issuer::MintOptions mint;
    mint.subject = "bench";
    mint.roles = {"admin"};
    auto token = plaudit::dev_issuer::MintToken(issuer_dir, mint, absl::Now());
    auto keys = plaudit::auth::KeySet::FromFile(issuer_dir + "/jwks.json");
    if (!token.ok() || !keys.ok()) return 1;
    plaudit::auth::TokenSettings settings;
    settings.issuer = plaudit::dev_issuer::kDefaultIssuer;
    settings.audience = plaudit::dev_issuer::kDefaultAudience;
    plaudit::auth::TokenValidator validator(settings, *std::move(keys));
    const absl::Time now = absl::Now();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
      if (!validator.Validate(*token, now).ok()) return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-28s %14.1f\n", algorithm.name, seconds * 1e6 / calls);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

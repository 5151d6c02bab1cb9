// plaudit-dev-issuer: mints OpenID Connect tokens and dev TLS certificates for the demo and tests
// (see dev_issuer.h). Prints a token on stdout; failures as one "plaudit-dev-issuer: ..." line
// on stderr, exit status 1 (2 for a usage error).
#include <signal.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/dev_issuer/dev_issuer.h"
#include "tools/dev_issuer/oidc_provider.h"

namespace {

using plaudit::dev_issuer::InitIssuer;
using plaudit::dev_issuer::IssuerOptions;
using plaudit::dev_issuer::MintOptions;

int Fail(const std::string& message) {
  std::cerr << "plaudit-dev-issuer: " << message << "\n";
  return 1;
}

int Fail(const absl::Status& status) { return Fail(std::string(status.message())); }

// "1h", "30m", "90s", "0s": Go-style, as absl::ParseDuration reads them.
std::optional<absl::Duration> ParseDurationFlag(const std::string& text) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration)) return std::nullopt;
  return duration;
}

// Serves until SIGINT or SIGTERM.
int Serve(plaudit::dev_issuer::ProviderOptions options, const std::string& ttl) {
  std::optional<absl::Duration> parsed_ttl = ParseDurationFlag(ttl);
  if (!parsed_ttl.has_value() || *parsed_ttl <= absl::ZeroDuration()) {
    return Fail("--ttl: not a positive duration: " + ttl);
  }
  options.token_ttl = *parsed_ttl;
  if (options.listen.empty()) {
    std::ifstream in(options.dir + "/issuer.txt");
    std::string issuer;
    std::getline(in, issuer);
    const std::string prefix = "http://127.0.0.1:";
    options.listen = issuer.rfind(prefix, 0) == 0 ? issuer.substr(7) : "127.0.0.1:0";
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto provider = plaudit::dev_issuer::OidcProvider::Start(options);
  if (!provider.ok()) return Fail(provider.status());
  std::cout << "serving " << (*provider)->base_url() << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  (*provider)->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Development OpenID Connect token issuer and TLS certificate authority"};
  app.name("plaudit-dev-issuer");
  app.require_subcommand(1);

  IssuerOptions init_options;
  std::string alg = "ES256";
  CLI::App* init = app.add_subcommand(
      "init", "Create an issuer directory: signing key, jwks.json, issuer.txt, dev TLS files");
  init->add_option("DIR", init_options.dir, "Directory to create or fill")->required();
  init->add_option("--issuer", init_options.issuer, "The iss of minted tokens")
      ->capture_default_str();
  init->add_option("--alg", alg, "Token signing algorithm")
      ->check(CLI::IsMember({"ES256", "RS256", "EdDSA"}))
      ->capture_default_str();
  init->add_flag("--force", init_options.force, "Replace an existing signing key");

  std::string mint_dir;
  MintOptions mint_options;
  std::string ttl = "1h";
  std::string not_before_in = "0s";
  std::vector<std::string> claims;
  CLI::App* mint = app.add_subcommand("mint", "Print a signed token (compact JWT) on stdout");
  mint->add_option("--dir", mint_dir, "Issuer directory")->required();
  mint->add_option("--sub", mint_options.subject, "Subject (sub)")->required();
  mint->add_option("--roles", mint_options.roles, "Roles, comma-separated")->delimiter(',');
  mint->add_option("--teams", mint_options.teams, "Teams, comma-separated")->delimiter(',');
  mint->add_option("--audience", mint_options.audience, "Audience (aud)")->capture_default_str();
  mint->add_option("--ttl", ttl, "Lifetime, e.g. 1h, 15m")->capture_default_str();
  mint->add_option("--not-before-in", not_before_in, "nbf relative to now, e.g. 10m")
      ->capture_default_str();
  mint->add_option("--claim", claims, "Extra claim key=value (JSON value, else a string)");
  mint->add_flag("--expired", mint_options.expired, "Mint a token that expired an hour ago");

  std::string cert_dir;
  std::string cert_name;
  CLI::App* client_cert = app.add_subcommand(
      "client-cert", "Write DIR/tls/NAME.pem and NAME.key, a client certificate from the dev CA");
  client_cert->add_option("--dir", cert_dir, "Issuer directory")->required();
  client_cert->add_option("--name", cert_name, "Common name and file name")->required();

  plaudit::dev_issuer::ProviderOptions serve_options;
  serve_options.listen.clear();  // from the issuer URL, below
  std::string serve_ttl = "1h";
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Be a minimal OpenID Connect provider (discovery, authorize, token, jwks) until "
      "stopped; prints its address");
  serve->add_option("--dir", serve_options.dir, "Issuer directory")->required();
  serve->add_option("--listen", serve_options.listen,
                    "127.0.0.1:PORT; default: the port of an http://127.0.0.1:PORT issuer, else "
                    "any free port");
  serve->add_option("--redirect-uri", serve_options.redirect_uris,
                    "A redirect URI clients may use (repeatable); default: any on this host");
  serve->add_option("--audience", serve_options.audience, "The access token's aud")
      ->capture_default_str();
  serve->add_option("--ttl", serve_ttl, "Token lifetime, e.g. 1h")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  const absl::Time now = absl::Now();

  if (init->parsed()) {
    init_options.algorithm = *plaudit::auth::ParseJwsAlgorithm(alg);
    if (absl::Status s = InitIssuer(init_options, now); !s.ok()) return Fail(s);
    std::cout << "issuer " << init_options.issuer << " in " << init_options.dir << "\n";
    return 0;
  }
  if (mint->parsed()) {
    std::optional<absl::Duration> parsed_ttl = ParseDurationFlag(ttl);
    if (!parsed_ttl.has_value()) return Fail("--ttl: not a duration: " + ttl);
    std::optional<absl::Duration> parsed_nbf = ParseDurationFlag(not_before_in);
    if (!parsed_nbf.has_value()) return Fail("--not-before-in: not a duration: " + not_before_in);
    mint_options.ttl = *parsed_ttl;
    mint_options.not_before_in = *parsed_nbf;
    for (const std::string& claim : claims) {
      const size_t equals = claim.find('=');
      if (equals == std::string::npos || equals == 0) {
        return Fail("--claim: expected key=value, got " + claim);
      }
      mint_options.claims.emplace_back(claim.substr(0, equals), claim.substr(equals + 1));
    }
    absl::StatusOr<std::string> token = plaudit::dev_issuer::MintToken(mint_dir, mint_options, now);
    if (!token.ok()) return Fail(token.status());
    std::cout << *token << "\n";
    return 0;
  }
  if (serve->parsed()) return Serve(serve_options, serve_ttl);
  if (absl::Status s = plaudit::dev_issuer::WriteClientCertificate(cert_dir, cert_name, now);
      !s.ok()) {
    return Fail(s);
  }
  std::cout << cert_dir << "/tls/" << cert_name << ".pem\n";
  return 0;
}

#include "tools/dev_issuer/oidc_provider.h"

#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "core/auth/pkce.h"
#include "core/domain/html_text.h"
#include "nlohmann/json.hpp"
#include "tools/dev_issuer/dev_issuer.h"

namespace plaudit::dev_issuer {
namespace {

using nlohmann::json;

constexpr absl::Duration kCodeLifetime = absl::Seconds(60);

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Html(std::string_view text) { return HtmlText(text); }

std::vector<std::string> List(const std::string& text) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    items.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return items;
}

// Whether `name` (a Host header's value, or a URI's authority) is a loopback name with at most
// a port of digits: "127.0.0.1:8080", "localhost", "[::1]:9". Nothing else, so that
// "localhost:1@evil.example" (user information) is not taken for this host.
bool LoopbackName(std::string_view name) {
  for (std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
    if (name.substr(0, host.size()) != host) continue;
    std::string_view rest = name.substr(host.size());
    if (rest.empty()) return true;
    if (rest[0] != ':' || rest.size() == 1) return false;
    return std::all_of(rest.begin() + 1, rest.end(),
                       [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
  }
  return false;
}

// Whether `uri` is an http(s) URI on a loopback host.
bool OnThisHost(const std::string& uri) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (uri.rfind(scheme, 0) != 0) continue;
    const size_t end = uri.find_first_of("/?#\\", scheme.size());
    if (end != std::string::npos && uri[end] == '\\') return false;
    return LoopbackName(std::string_view(uri).substr(
        scheme.size(), end == std::string::npos ? std::string::npos : end - scheme.size()));
  }
  return false;
}

void Refuse(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(absl::StrCat("plaudit-dev-issuer: ", message, "\n"), "text/plain; charset=utf-8");
}

void TokenError(httplib::Response& res, const std::string& error, const std::string& message) {
  res.status = error == "invalid_client" ? 401 : 400;
  res.set_header("Cache-Control", "no-store");
  res.set_content(json{{"error", error}, {"error_description", message}}.dump(),
                  "application/json");
}

}  // namespace

OidcProvider::OidcProvider(const ProviderOptions& options) : options_(options) {}

absl::StatusOr<std::unique_ptr<OidcProvider>> OidcProvider::Start(const ProviderOptions& options) {
  if (ReadText(options.dir + "/issuer.txt").empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.dir, " is not an issuer directory (run plaudit-dev-issuer init)"));
  }
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: \"", options.listen, "\" is not HOST:PORT"));
  }
  const std::string host = options.listen.substr(0, colon);
  if (host != "127.0.0.1" && host != "localhost") {
    return absl::FailedPreconditionError(
        absl::StrCat("--listen: ", options.listen,
                     ": the dev issuer signs in anybody, so it serves 127.0.0.1 only"));
  }
  std::unique_ptr<OidcProvider> provider(new OidcProvider(options));
  provider->host_ = host;
  provider->http_ = std::make_unique<httplib::Server>();
  provider->Route();
  provider->port_ = port == 0 ? provider->http_->bind_to_any_port(host)
                              : (provider->http_->bind_to_port(host, port) ? port : -1);
  if (provider->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("--listen: cannot listen on ", options.listen));
  }
  provider->thread_ = std::thread([http = provider->http_.get()] { http->listen_after_bind(); });
  while (!provider->http_->is_running()) absl::SleepFor(absl::Milliseconds(1));
  return provider;
}

OidcProvider::~OidcProvider() { Stop(); }

void OidcProvider::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string OidcProvider::base_url() const { return absl::StrCat("http://", host_, ":", port_); }

bool OidcProvider::RedirectAllowed(const std::string& uri) const {
  if (!options_.redirect_uris.empty()) {
    for (const std::string& allowed : options_.redirect_uris) {
      if (uri == allowed) return true;
    }
    return false;
  }
  return OnThisHost(uri);
}

void OidcProvider::Route() {
  // Anybody who reaches it signs in as anybody: a page of another site must not reach it through
  // a name of its own that resolves to this host (DNS rebinding).
  http_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (LoopbackName(req.get_header_value("Host"))) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    Refuse(res, 403, "Host \"" + req.get_header_value("Host") + "\" is not a loopback name");
    return httplib::Server::HandlerResponse::Handled;
  });
  http_->Get("/.well-known/openid-configuration", [this](const httplib::Request&,
                                                         httplib::Response& res) {
    const std::string base = base_url();
    const json discovery = {
        {"issuer", std::string(absl::StripAsciiWhitespace(ReadText(options_.dir + "/issuer.txt")))},
        {"authorization_endpoint", base + "/authorize"},
        {"token_endpoint", base + "/token"},
        {"jwks_uri", base + "/jwks.json"},
        {"response_types_supported", {"code"}},
        {"grant_types_supported", {"authorization_code"}},
        {"code_challenge_methods_supported", {"S256"}},
        {"subject_types_supported", {"public"}},
        {"id_token_signing_alg_values_supported", {"ES256", "RS256", "EdDSA"}},
        {"scopes_supported", {"openid", "profile"}},
        {"token_endpoint_auth_methods_supported", {"none", "client_secret_post"}},
    };
    res.set_content(discovery.dump(2), "application/json");
  });
  http_->Get("/jwks.json", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(ReadText(options_.dir + "/jwks.json"), "application/json");
  });
  http_->Get("/authorize",
             [this](const httplib::Request& req, httplib::Response& res) { Authorize(req, res); });
  http_->Post("/authorize",
              [this](const httplib::Request& req, httplib::Response& res) { Authorize(req, res); });
  http_->Post("/token",
              [this](const httplib::Request& req, httplib::Response& res) { Token(req, res); });
}

void OidcProvider::Authorize(const httplib::Request& req, httplib::Response& res) {
  const std::string client_id = req.get_param_value("client_id");
  const std::string redirect_uri = req.get_param_value("redirect_uri");
  const std::string challenge = req.get_param_value("code_challenge");
  if (req.get_param_value("response_type") != "code") {
    return Refuse(res, 400, "response_type must be code (the authorization code flow)");
  }
  if (client_id.empty()) return Refuse(res, 400, "client_id is missing");
  if (!RedirectAllowed(redirect_uri)) {
    return Refuse(res, 400, absl::StrCat("redirect_uri \"", redirect_uri, "\" is not allowed"));
  }
  if (challenge.empty() || req.get_param_value("code_challenge_method") != "S256") {
    return Refuse(res, 400, "PKCE is required: a code_challenge with code_challenge_method S256");
  }
  const std::vector<std::string> carried = {
      "response_type", "client_id",      "redirect_uri",          "state",
      "nonce",         "code_challenge", "code_challenge_method", "scope"};
  if (req.method == "GET") {
    std::string hidden;
    for (const std::string& name : carried) {
      absl::StrAppend(&hidden, "<input type=\"hidden\" name=\"", name, "\" value=\"",
                      Html(req.get_param_value(name.c_str())), "\">\n");
    }
    res.set_content(
        absl::StrCat(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            "<title>Sign in: development issuer</title></head><body>\n"
            "<main><h1>Development issuer</h1>\n<p>Signing in to <b>",
            Html(client_id),
            "</b>. This issuer is for development: it signs in whoever is typed here.</p>\n"
            "<form method=\"post\" action=\"/authorize\">\n",
            hidden,
            "<p><label for=\"sub\">Subject (agent id or user name)</label><br>"
            "<input id=\"sub\" name=\"sub\" required autocomplete=\"username\"></p>\n"
            "<p><label for=\"roles\">Roles, comma-separated</label><br>"
            "<input id=\"roles\" name=\"roles\" value=\"agent\"></p>\n"
            "<p><label for=\"teams\">Teams, comma-separated</label><br>"
            "<input id=\"teams\" name=\"teams\"></p>\n"
            "<p><button id=\"sign-in\" type=\"submit\">Sign in</button></p>\n"
            "</form></main></body></html>\n"),
        "text/html; charset=utf-8");
    return;
  }
  const std::string subject(absl::StripAsciiWhitespace(req.get_param_value("sub")));
  if (subject.empty()) return Refuse(res, 400, "sub: a subject is required");
  Grant grant{client_id,
              redirect_uri,
              challenge,
              req.get_param_value("nonce"),
              subject,
              List(req.get_param_value("roles")),
              List(req.get_param_value("teams")),
              absl::Now() + kCodeLifetime};
  const std::string code = auth::RandomUrlToken();
  if (code.empty()) return Refuse(res, 500, "no random bytes for a code");
  {
    absl::MutexLock lock(&mu_);
    // Expired codes go when new ones come.
    for (auto it = grants_.begin(); it != grants_.end();) {
      if (it->second.expires < absl::Now()) {
        grants_.erase(it++);
      } else {
        ++it;
      }
    }
    grants_[code] = std::move(grant);
  }
  httplib::Params back = {{"code", code}};
  if (req.has_param("state")) back.emplace("state", req.get_param_value("state"));
  res.set_redirect(httplib::append_query_params(redirect_uri, back), 303);
}

void OidcProvider::Token(const httplib::Request& req, httplib::Response& res) {
  if (req.get_param_value("grant_type") != "authorization_code") {
    return TokenError(res, "unsupported_grant_type", "only authorization_code is served");
  }
  Grant grant;
  {
    absl::MutexLock lock(&mu_);
    auto it = grants_.find(req.get_param_value("code"));
    if (it == grants_.end()) {
      return TokenError(res, "invalid_grant", "unknown or already used code");
    }
    grant = std::move(it->second);
    grants_.erase(it);  // once only, whatever follows
  }
  if (grant.expires < absl::Now()) return TokenError(res, "invalid_grant", "the code expired");
  if (req.get_param_value("client_id") != grant.client_id) {
    return TokenError(res, "invalid_client", "client_id is not the one the code was issued to");
  }
  if (req.get_param_value("redirect_uri") != grant.redirect_uri) {
    return TokenError(res, "invalid_grant", "redirect_uri differs from the authorization's");
  }
  if (auth::PkceS256(req.get_param_value("code_verifier")) != grant.code_challenge) {
    return TokenError(res, "invalid_grant", "code_verifier does not match the code_challenge");
  }
  const absl::Time now = absl::Now();
  MintOptions access;
  access.subject = grant.subject;
  access.roles = grant.roles;
  access.teams = grant.teams;
  access.audience = options_.audience;
  access.ttl = options_.token_ttl;
  absl::StatusOr<std::string> access_token = MintToken(options_.dir, access, now);
  MintOptions id;
  id.subject = grant.subject;
  id.audience = grant.client_id;
  id.ttl = options_.token_ttl;
  if (!grant.nonce.empty()) id.claims.emplace_back("nonce", json(grant.nonce).dump());
  absl::StatusOr<std::string> id_token = MintToken(options_.dir, id, now);
  if (!access_token.ok() || !id_token.ok()) {
    const absl::Status& failed = access_token.ok() ? id_token.status() : access_token.status();
    return TokenError(res, "server_error", std::string(failed.message()));
  }
  res.set_header("Cache-Control", "no-store");
  res.set_content(json{{"access_token", *access_token},
                       {"id_token", *id_token},
                       {"token_type", "Bearer"},
                       {"expires_in", absl::ToInt64Seconds(options_.token_ttl)}}
                      .dump(),
                  "application/json");
}

}  // namespace plaudit::dev_issuer

#include "core/web/sign_in.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/api/issuer_tokens.h"
#include "core/auth/pkce.h"
#include "core/domain/log.h"
#include "core/store/secrets_key_file.h"
#include "nlohmann/json.hpp"

namespace plaudit::web {
namespace {

using nlohmann::json;

constexpr absl::Duration kSignInLifetime = absl::Minutes(10);
// What every browser keeps of one cookie, its name and value together (RFC 6265, section 6.1).
constexpr size_t kMaxCookieBytes = 4096;
// What StateCipher's (plugin, key) additional data is for each cookie, so that one cannot be
// passed off as the other.
constexpr char kCipherScope[] = "web";
constexpr char kSessionKind[] = "session";
constexpr char kSignInKind[] = "sign-in";

// "https://host:port/a/b?c" into {"https://host:port", "/a/b?c"}.
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t path =
      scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  if (path == std::string::npos) return {url, "/"};
  return {url.substr(0, path), url.substr(path)};
}

std::unique_ptr<httplib::Client> ClientFor(const std::string& base, const std::string& ca_file) {
  auto client = std::make_unique<httplib::Client>(base);
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(10, 0);
  client->set_write_timeout(10, 0);
  client->enable_server_certificate_verification(true);
  if (!ca_file.empty()) client->set_ca_cert_path(ca_file.c_str());
  return client;
}

absl::StatusOr<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret(absl::StripAsciiWhitespace(text.str()));
  if (secret.empty()) return absl::FailedPreconditionError(absl::StrCat(path, " is empty"));
  return secret;
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::Status Refused(const std::string& what) { return absl::UnauthenticatedError(what); }

}  // namespace

std::optional<std::string> CookieValue(const std::string& header, const std::string& name) {
  for (absl::string_view pair : absl::StrSplit(header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t equals = pair.find('=');
    if (equals != absl::string_view::npos && pair.substr(0, equals) == name) {
      return std::string(pair.substr(equals + 1));
    }
  }
  return std::nullopt;
}

bool CsrfMatches(const Session& session, const std::string& header) {
  return !header.empty() && SameSecret(session.csrf_token, header);
}

bool IsLocalPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

SignIn::SignIn(const SignInConfig& config, const AuthConfig& auth, StateCipher cipher,
               std::string public_url, std::string client_secret,
               std::unique_ptr<auth::TokenValidator> id_tokens,
               std::unique_ptr<auth::TokenValidator> access_tokens)
    : config_(config),
      issuer_(auth.issuer),
      discovery_url_(config.discovery_url.empty()
                         ? absl::StrCat(absl::StripSuffix(auth.issuer, "/"),
                                        "/.well-known/openid-configuration")
                         : config.discovery_url),
      cipher_(std::move(cipher)),
      redirect_uri_(public_url + "/auth/callback"),
      client_secret_(std::move(client_secret)),
      secure_origin_(absl::StartsWith(public_url, "https://")),
      session_cookie_(secure_origin_ ? "__Host-plaudit-session" : "plaudit-session"),
      // __Host-: no other subdomain may plant one (it would carry its own state: login CSRF).
      sign_in_cookie_(secure_origin_ ? "__Host-plaudit-sign-in" : "plaudit-sign-in"),
      id_tokens_(std::move(id_tokens)),
      access_tokens_(std::move(access_tokens)) {}

absl::StatusOr<std::unique_ptr<SignIn>> SignIn::Create(const SignInConfig& config,
                                                       const AuthConfig& auth,
                                                       const std::string& public_url,
                                                       const std::string& data_dir) {
  const std::string key_file = config.session_key_file.empty()
                                   ? absl::StrCat(data_dir, "/web-session.key")
                                   : config.session_key_file;
  auto cipher = LoadOrCreateSecretsKey(key_file);
  if (!cipher.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("web.sign_in.session_key_file: ", cipher.status().message()));
  }
  std::string secret;
  if (!config.client_secret_file.empty()) {
    auto read = ReadSecret(config.client_secret_file);
    if (!read.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("web.sign_in.client_secret_file: ", read.status().message()));
    }
    secret = *std::move(read);
  }
  // One key set for both checks: read (or fetched) once, refetched once on rotation.
  auto loaded = api::IssuerKeys(auth);
  if (!loaded.ok()) return loaded.status();
  std::shared_ptr<const auth::KeySet> keys = *std::move(loaded);
  const auth::TokenSettings access = api::TokenSettingsOf(auth);
  auth::TokenSettings id = access;
  id.audience = config.client_id;
  const std::string url = config.public_url.empty() ? public_url : config.public_url;
  std::unique_ptr<SignIn> sign_in(new SignIn(config, auth, *std::move(cipher), url,
                                             std::move(secret),
                                             std::make_unique<auth::TokenValidator>(id, keys),
                                             std::make_unique<auth::TokenValidator>(access, keys)));
  if (auto endpoints = sign_in->Discover(); !endpoints.ok()) {
    LogError("web", absl::StrCat("sign-in: ", endpoints.status().message(),
                                 "; trying again at the next sign-in"));
  }
  return sign_in;
}

absl::StatusOr<SignIn::Endpoints> SignIn::Discover() {
  {
    absl::MutexLock lock(&mu_);
    if (endpoints_.has_value()) return *endpoints_;
  }
  const auto [base, path] = SplitUrl(discovery_url_);
  auto client = ClientFor(base, config_.ca_file);
  httplib::Result result = client->Get(path.c_str());
  if (!result || result->status != 200) {
    return absl::UnavailableError(absl::StrCat(
        "the issuer's discovery document ", discovery_url_, " cannot be read (",
        result ? absl::StrCat("HTTP ", result->status) : httplib::to_string(result.error()), ")"));
  }
  const json document = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  auto text = [&document](const char* name) {
    auto it = document.is_object() ? document.find(name) : document.end();
    return it != document.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (text("issuer") != issuer_) {
    return absl::UnavailableError(absl::StrCat("the discovery document ", discovery_url_,
                                               " names issuer \"", text("issuer"),
                                               "\", not auth.issuer \"", issuer_, "\""));
  }
  Endpoints endpoints{text("authorization_endpoint"), text("token_endpoint")};
  for (const std::string* endpoint : {&endpoints.authorization, &endpoints.token}) {
    // The code and the client secret go to the token endpoint: never in clear to another host.
    if (!IsWebAddress(*endpoint)) {
      return absl::UnavailableError(
          absl::StrCat("the discovery document ", discovery_url_, " names endpoint \"", *endpoint,
                       "\": an https:// address is required (http:// only on this host)"));
    }
  }
  if (auto methods = document.find("token_endpoint_auth_methods_supported");
      methods != document.end() && methods->is_array()) {
    bool basic = false;
    bool post = false;
    for (const json& method : *methods) {
      basic = basic || method == "client_secret_basic";
      post = post || method == "client_secret_post";
    }
    endpoints.secret_in_body = post && !basic;
  }
  absl::MutexLock lock(&mu_);
  endpoints_ = endpoints;
  return endpoints;
}

std::string SignIn::Cookie(const std::string& name, const std::string& value,
                           const std::string& path, absl::Duration max_age,
                           const char* same_site) const {
  return absl::StrCat(name, "=", value, "; Path=", path,
                      "; Max-Age=", std::max<int64_t>(0, absl::ToInt64Seconds(max_age)),
                      "; HttpOnly; Secure; SameSite=", same_site);
}

absl::StatusOr<SignInStep> SignIn::Begin(const std::string& return_to, absl::Time now) {
  auto endpoints = Discover();
  if (!endpoints.ok()) return endpoints.status();
  const std::string state = auth::RandomUrlToken();
  const std::string nonce = auth::RandomUrlToken();
  const std::string verifier = auth::RandomUrlToken();
  if (state.empty() || nonce.empty() || verifier.empty()) {
    return absl::InternalError("no random bytes from OpenSSL");
  }
  const json pending = {{"state", state},
                        {"nonce", nonce},
                        {"verifier", verifier},
                        {"return", IsLocalPath(return_to) ? return_to : "/"},
                        {"exp", absl::ToUnixSeconds(now + kSignInLifetime)}};
  auto sealed = cipher_.Seal(kCipherScope, kSignInKind, pending.dump());
  if (!sealed.ok()) return sealed.status();
  const httplib::Params query = {{"response_type", "code"},
                                 {"client_id", config_.client_id},
                                 {"redirect_uri", redirect_uri_},
                                 {"scope", "openid profile"},
                                 {"state", state},
                                 {"nonce", nonce},
                                 {"code_challenge", auth::PkceS256(verifier)},
                                 {"code_challenge_method", "S256"}};
  // SameSite=Lax: the issuer's redirect back is a navigation from another site, which a Strict
  // cookie would not come with.
  return SignInStep{httplib::append_query_params(endpoints->authorization, query),
                    {Cookie(sign_in_cookie_, *sealed, "/", kSignInLifetime, "Lax")}};
}

absl::StatusOr<std::string> SignIn::Exchange(const Endpoints& endpoints, const std::string& code,
                                             const std::string& verifier) {
  const auto [base, path] = SplitUrl(endpoints.token);
  auto client = ClientFor(base, config_.ca_file);
  httplib::Params form = {{"grant_type", "authorization_code"},
                          {"code", code},
                          {"redirect_uri", redirect_uri_},
                          {"client_id", config_.client_id},
                          {"code_verifier", verifier}};
  if (!client_secret_.empty()) {
    if (endpoints.secret_in_body) {
      form.emplace("client_secret", client_secret_);
    } else {
      // RFC 6749, section 2.3.1: both form-encoded before they are joined.
      client->set_basic_auth(httplib::detail::encode_query_param(config_.client_id).c_str(),
                             httplib::detail::encode_query_param(client_secret_).c_str());
    }
  }
  httplib::Result result = client->Post(path.c_str(), form);
  if (!result) {
    return Refused(absl::StrCat("the issuer's token endpoint cannot be reached (",
                                httplib::to_string(result.error()), ")"));
  }
  if (result->status != 200) {
    const json error = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
    std::string why = absl::StrCat("HTTP ", result->status);
    if (error.is_object() && error.contains("error") && error["error"].is_string()) {
      why = error["error"].get<std::string>();
      if (error.contains("error_description") && error["error_description"].is_string()) {
        absl::StrAppend(&why, ": ", error["error_description"].get<std::string>());
      }
    }
    return Refused(absl::StrCat("the issuer refused the code (", why, ")"));
  }
  return result->body;
}

absl::StatusOr<SignInStep> SignIn::Complete(const std::string& code, const std::string& state,
                                            const std::string& error, const std::string& cookies,
                                            absl::Time now) {
  const std::optional<std::string> sealed = CookieValue(cookies, sign_in_cookie_);
  if (!sealed.has_value()) {
    return Refused("this browser started no sign-in, or it took over 10 minutes");
  }
  auto opened = cipher_.Open(kCipherScope, kSignInKind, *sealed);
  const json pending = opened.ok() ? json::parse(*opened, nullptr, false) : json();
  if (!pending.is_object() || !pending.contains("state") || !pending.contains("exp") ||
      !pending["exp"].is_number_integer()) {
    return Refused("the sign-in cookie is not one of this server's");
  }
  if (absl::FromUnixSeconds(pending["exp"].get<int64_t>()) < now) {
    return Refused("the sign-in took over 10 minutes");
  }
  if (!SameSecret(pending["state"].get<std::string>(), state)) {
    return Refused("the issuer's answer is not for the sign-in this browser started (state)");
  }
  if (!error.empty()) return Refused(absl::StrCat("the issuer refused the sign-in: ", error));
  if (code.empty()) return Refused("the issuer sent no code");
  auto endpoints = Discover();
  if (!endpoints.ok()) return endpoints.status();
  auto body = Exchange(*endpoints, code, pending["verifier"].get<std::string>());
  if (!body.ok()) return body.status();
  const json tokens = json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (!tokens.is_object() || !tokens.contains("id_token") || !tokens["id_token"].is_string() ||
      !tokens.contains("access_token") || !tokens["access_token"].is_string()) {
    return Refused("the issuer's token response lacks id_token or access_token");
  }
  auto id = id_tokens_->Validate(tokens["id_token"].get<std::string>(), now);
  if (!id.ok()) return Refused(absl::StrCat("the ID token: ", id.status().message()));
  if (!SameSecret(id->nonce, pending["nonce"].get<std::string>())) {
    return Refused("the ID token: its nonce is not this sign-in's");
  }
  const std::string access_token = tokens["access_token"].get<std::string>();
  auto access = access_tokens_->Validate(access_token, now);
  if (!access.ok()) {
    return Refused(
        absl::StrCat("the access token is not one plauditd accepts: ", access.status().message()));
  }
  if (access->subject != id->subject) {
    return Refused("the access token and the ID token name different subjects");
  }
  const absl::Time expires = std::min(access->expires, now + config_.session_lifetime);
  const std::string csrf = auth::RandomUrlToken();
  if (csrf.empty()) return absl::InternalError("no random bytes from OpenSSL");
  const json session = {{"sub", id->subject},
                        {"token", access_token},
                        {"csrf", csrf},
                        {"exp", absl::ToUnixSeconds(expires)}};
  auto sealed_session = cipher_.Seal(kCipherScope, kSessionKind, session.dump());
  if (!sealed_session.ok()) return sealed_session.status();
  // Browsers drop a cookie over 4096 bytes without a word, which would send the person round the
  // sign-in for ever.
  if (session_cookie_.size() + 1 + sealed_session->size() > kMaxCookieBytes) {
    return Refused(absl::StrCat("the issuer's access token (", access_token.size(),
                                " bytes) is too large to keep in a session cookie; ask the "
                                "issuer for smaller access tokens (fewer claims)"));
  }
  return SignInStep{pending["return"].get<std::string>(),
                    {Cookie(session_cookie_, *sealed_session, "/", expires - now, "Strict"),
                     ClearSignInCookie()}};
}

absl::StatusOr<Session> SignIn::Open(const std::string& cookies, absl::Time now) const {
  const std::optional<std::string> sealed = CookieValue(cookies, session_cookie_);
  if (!sealed.has_value() || sealed->empty()) return absl::NotFoundError("no session cookie");
  auto opened = cipher_.Open(kCipherScope, kSessionKind, *sealed);
  const json session = opened.ok() ? json::parse(*opened, nullptr, false) : json();
  if (!session.is_object() || !session.contains("exp") || !session["exp"].is_number_integer() ||
      !session.contains("token") || !session.contains("csrf") || !session.contains("sub")) {
    return Refused("the session cookie is not one of this server's; sign in again");
  }
  Session result{session["sub"].get<std::string>(), session["token"].get<std::string>(),
                 session["csrf"].get<std::string>(),
                 absl::FromUnixSeconds(session["exp"].get<int64_t>())};
  if (result.expires <= now) return Refused("the session has ended; sign in again");
  return result;
}

std::string SignIn::ClearSignInCookie() const {
  return Cookie(sign_in_cookie_, "", "/", absl::ZeroDuration(), "Lax");
}

std::string SignIn::SignOutCookie() const {
  return Cookie(session_cookie_, "", "/", absl::ZeroDuration(), "Strict");
}

}  // namespace plaudit::web

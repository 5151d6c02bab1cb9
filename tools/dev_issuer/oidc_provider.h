// plaudit-dev-issuer serve: the dev issuer as a minimal OpenID Connect provider, so that the
// pages' sign-in (authorization code flow with PKCE) runs in the demo and the tests against a
// real provider over real HTTP. Never for production: whoever reaches its sign-in form signs in
// as whom they type.
//
//   GET  /.well-known/openid-configuration   discovery (issuer, endpoints, what is supported)
//   GET  /jwks.json                          DIR/jwks.json
//   GET  /authorize                          the sign-in form, for response_type=code with an
//                                            S256 code_challenge, a client_id and a redirect_uri
//   POST /authorize                          signs in as the form's subject, roles and teams and
//                                            redirects to redirect_uri with code and state
//   POST /token                              grant_type=authorization_code: checks the code (once
//                                            only, 60 s), client, redirect_uri and code_verifier;
//                                            answers an access token (audience `plaudit`, roles,
//                                            teams) and an ID token (audience the client, nonce)
//
// Tokens carry `iss` from DIR/issuer.txt and are signed with DIR/signing-key.pem, as `mint`'s.
// Errors of /token are RFC 6749's: 400 {"error": "invalid_grant", "error_description": ...}.
#ifndef PLAUDIT_TOOLS_DEV_ISSUER_OIDC_PROVIDER_H_
#define PLAUDIT_TOOLS_DEV_ISSUER_OIDC_PROVIDER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace plaudit::dev_issuer {

struct ProviderOptions {
  std::string dir;  // an issuer directory (InitIssuer)
  // HOST:PORT, loopback only; port 0 picks a free one.
  std::string listen = "127.0.0.1:0";
  // The redirect URIs clients may name. Empty: any http:// or https:// URI on a loopback host.
  std::vector<std::string> redirect_uris;
  std::string audience = "plaudit";  // the access token's `aud`
  absl::Duration token_ttl = absl::Hours(1);
};

class OidcProvider {
 public:
  // FAILED_PRECONDITION if DIR is not an issuer directory or `listen` is not loopback;
  // UNAVAILABLE if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<OidcProvider>> Start(const ProviderOptions& options);
  ~OidcProvider();
  OidcProvider(const OidcProvider&) = delete;
  OidcProvider& operator=(const OidcProvider&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT": where its endpoints are.
  std::string base_url() const;
  void Stop();

 private:
  struct Grant {
    std::string client_id;
    std::string redirect_uri;
    std::string code_challenge;
    std::string nonce;
    std::string subject;
    std::vector<std::string> roles;
    std::vector<std::string> teams;
    absl::Time expires;
  };

  explicit OidcProvider(const ProviderOptions& options);
  void Route();
  void Authorize(const httplib::Request& req, httplib::Response& res);
  void Token(const httplib::Request& req, httplib::Response& res);
  bool RedirectAllowed(const std::string& uri) const;

  const ProviderOptions options_;
  std::string host_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Grant> grants_ ABSL_GUARDED_BY(mu_);  // by code
};

}  // namespace plaudit::dev_issuer

#endif  // PLAUDIT_TOOLS_DEV_ISSUER_OIDC_PROVIDER_H_

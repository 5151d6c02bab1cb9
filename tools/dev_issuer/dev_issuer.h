// plaudit-dev-issuer: a development OpenID Connect token issuer and TLS certificate authority,
// for the demo and the tests. plauditd has nothing special for it: it reads DIR/jwks.json (or
// serves nothing; point `auth:` at the file) like any issuer's keys, and DIR/tls like any
// certificates. Never for production: the keys sit unencrypted in DIR.
//
// An issuer directory, as InitIssuer leaves it:
//   DIR/signing-key.pem         the private token-signing key, PKCS#8 PEM, mode 0600
//   DIR/jwks.json               its public key as a JWKS: kid (RFC 7638 thumbprint), alg, use "sig"
//   DIR/issuer.txt              the issuer URL (`iss` of every token), one line
//   DIR/tls/ca.pem, ca.key      a dev CA (key 0600)
//   DIR/tls/server.pem, .key    CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1
//   DIR/tls/NAME.pem, NAME.key  client certificates, from WriteClientCertificate
// Certificates are valid for 30 days from `now`.
//
// Functions take `now` rather than reading a clock, so tests mint tokens for any instant.
#ifndef PLAUDIT_TOOLS_DEV_ISSUER_DEV_ISSUER_H_
#define PLAUDIT_TOOLS_DEV_ISSUER_DEV_ISSUER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/auth/signing_key.h"

namespace plaudit::dev_issuer {

inline constexpr char kDefaultIssuer[] = "https://dev-issuer.plaudit.local";
inline constexpr char kDefaultAudience[] = "plaudit";
inline constexpr absl::Duration kCertificateValidity = absl::Hours(24 * 30);

struct IssuerOptions {
  std::string dir;
  std::string issuer = kDefaultIssuer;
  auth::JwsAlgorithm algorithm = auth::JwsAlgorithm::kES256;
  bool force = false;  // replace an existing DIR/signing-key.pem (and everything else)
};

// Creates DIR and DIR/tls if needed and writes the files above. ALREADY_EXISTS if
// DIR/signing-key.pem exists and !force; the signing key is written last, so an init that failed
// halfway can simply be run again.
absl::Status InitIssuer(const IssuerOptions& options, absl::Time now);

struct MintOptions {
  std::string subject;             // `sub`; required
  std::vector<std::string> roles;  // `roles`, omitted when empty
  std::vector<std::string> teams;  // `teams`, omitted when empty
  std::string audience = kDefaultAudience;
  absl::Duration ttl = absl::Hours(1);                  // exp = now + ttl
  absl::Duration not_before_in = absl::ZeroDuration();  // nbf = now + not_before_in
  bool expired = false;  // exp an hour before `now` (iat and nbf a ttl earlier still)
  // Further claims, set last so they may replace any of the above; a value that parses as JSON
  // (3, true, ["a","b"]) is that JSON, anything else a string.
  std::vector<std::pair<std::string, std::string>> claims;
};

// A compact JWS signed with DIR/signing-key.pem: header {alg, kid, typ "JWT"}, payload {iss (from
// DIR/issuer.txt), sub, aud, iat, nbf, exp, roles, teams, claims...}. INVALID_ARGUMENT for an
// empty subject or a ttl that is not positive; FAILED_PRECONDITION if DIR is not an issuer
// directory.
absl::StatusOr<std::string> MintToken(const std::string& dir, const MintOptions& options,
                                      absl::Time now);

// Writes DIR/tls/NAME.pem and NAME.key (0600): CN=NAME, extended key usage clientAuth, signed by
// the dev CA, for services that authenticate with mutual TLS. INVALID_ARGUMENT unless NAME is
// letters, digits, '.', '_' and '-' not starting with '.', and not "ca" or "server";
// FAILED_PRECONDITION without a dev CA.
absl::Status WriteClientCertificate(const std::string& dir, const std::string& name,
                                    absl::Time now);

}  // namespace plaudit::dev_issuer

#endif  // PLAUDIT_TOOLS_DEV_ISSUER_DEV_ISSUER_H_

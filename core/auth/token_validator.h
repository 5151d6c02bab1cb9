// OpenID Connect bearer-token validation: a compact JWS (RFC 7515) signed by the issuer, checked
// against the issuer's published keys and plauditd's `auth:` settings.
//
// Hand-written on OpenSSL 3 because Debian 12 packages no JOSE library that would do: its libjwt
// (1.10) has neither JWKS support nor EdDSA, and there is no other. The accepted algorithms are
// RS256, ES256 and EdDSA; `none` and the HMAC family are always refused, whatever the keys.
//
// A TokenValidator is immutable after construction apart from its KeySet's cache; Validate may be
// called from many threads at once.
#ifndef PLAUDIT_CORE_AUTH_TOKEN_VALIDATOR_H_
#define PLAUDIT_CORE_AUTH_TOKEN_VALIDATOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/auth/key_set.h"

namespace plaudit::auth {

// What plauditd's `auth:` config says about tokens.
struct TokenSettings {
  std::string issuer;    // required `iss`, compared exactly
  std::string audience;  // required in `aud` (a string, or an array of strings)
  std::string roles_claim = "roles";
  std::string agent_claim = "sub";
  std::string teams_claim = "teams";
  // Allowed disagreement between our clock and the issuer's, for `exp` and `nbf`.
  absl::Duration clock_skew = absl::Seconds(60);
};

// A validated token's caller.
struct TokenClaims {
  std::string subject;             // `sub`
  std::vector<std::string> roles;  // roles_claim: an array of strings, or a single string
  std::vector<std::string> teams;  // teams_claim, likewise
  std::string agent;               // the agent_claim string; empty if the claim is absent
  std::string nonce;               // `nonce` (an ID token's), empty if absent
  absl::Time expires;              // `exp`
};

class TokenValidator {
 public:
  // `keys` may be shared with other validators of the same issuer (a KeySet is thread-safe).
  TokenValidator(TokenSettings settings, std::shared_ptr<const KeySet> keys);

  // The caller a token names, if it is valid at `now`. Otherwise UNAUTHENTICATED whose message
  // starts with one of:
  //   "malformed token: ..."          not three base64url segments of JSON objects, a claim
  //                                   of the wrong type, no `exp`, over 16 KiB
  //   "unsupported algorithm ALG"     anything but RS256, ES256, EdDSA; or an alg that does not
  //                                   fit the key the kid names
  //   "unknown signing key KID"       no key with that kid, even after a refetch
  //   "bad signature"
  //   "token expired"                 now > exp + clock_skew
  //   "token not yet valid"           now < nbf - clock_skew
  //   "wrong issuer"
  //   "wrong audience"
  //   "token has no subject"          `sub` missing or empty
  // The signature is checked before any claim, so an unsigned claim never shapes the answer.
  // Keys come from the KeySet only: the header's jku, jwk and x5u are ignored, never fetched.
  absl::StatusOr<TokenClaims> Validate(std::string_view compact_jws, absl::Time now) const;

  const TokenSettings& settings() const { return settings_; }

 private:
  const TokenSettings settings_;
  const std::shared_ptr<const KeySet> keys_;
};

}  // namespace plaudit::auth

#endif  // PLAUDIT_CORE_AUTH_TOKEN_VALIDATOR_H_

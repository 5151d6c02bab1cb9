// JSON Web Key Set text (RFC 7517) to the signing keys we can verify with. Supported: kty RSA
// (RS256), EC on P-256 (ES256) and OKP Ed25519 (EdDSA). Keys whose `use` is not "sig", and keys of
// another type, curve or algorithm, are skipped rather than refused, so an issuer that also
// publishes keys we do not use still works. A supported key with a bad field is an error.
#ifndef PLAUDIT_CORE_AUTH_JWKS_H_
#define PLAUDIT_CORE_AUTH_JWKS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/auth/signing_key.h"

namespace plaudit::auth {

// INVALID_ARGUMENT naming the key and field, e.g. `keys[1].x: not base64url`, for text that is
// not a JWKS, a malformed supported key, a duplicate kid, or a set with no usable signing key.
absl::StatusOr<std::vector<std::shared_ptr<const SigningKey>>> ParseJwks(
    const std::string& jwks_json);

}  // namespace plaudit::auth

#endif  // PLAUDIT_CORE_AUTH_JWKS_H_

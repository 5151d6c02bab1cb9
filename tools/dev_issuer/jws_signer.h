// The dev issuer's side of JOSE: generating a signing key, its PEM and public JWK, and signing a
// compact JWS with it. The verifying side is core/auth; the two share only base64url and the
// algorithm names, so a test that mints here and validates there checks one against the other.
#ifndef PLAUDIT_TOOLS_DEV_ISSUER_JWS_SIGNER_H_
#define PLAUDIT_TOOLS_DEV_ISSUER_JWS_SIGNER_H_

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/auth/signing_key.h"
#include "nlohmann/json.hpp"

namespace plaudit::dev_issuer {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PrivateKey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// RSA 2048, P-256 or Ed25519, to fit `algorithm`.
absl::StatusOr<PrivateKey> GenerateSigningKey(auth::JwsAlgorithm algorithm);

// Unencrypted PKCS#8 PEM, which PyJWT, openssl(1) and OpenSSL's PEM reader all take.
absl::StatusOr<std::string> PrivateKeyPem(EVP_PKEY* key);
absl::StatusOr<PrivateKey> ReadPrivateKeyPem(const std::string& pem);

// The algorithm a key signs with: RS256 for RSA, ES256 for P-256, EdDSA for Ed25519.
absl::StatusOr<auth::JwsAlgorithm> AlgorithmOf(EVP_PKEY* key);

// The public half as a JWK with kid (its RFC 7638 thumbprint), alg and use "sig".
absl::StatusOr<nlohmann::json> PublicJwk(EVP_PKEY* key);

// header.payload.signature, each base64url, signed with `key` under the header's alg (which the
// caller has set to AlgorithmOf(key), or deliberately not, to test the refusal).
absl::StatusOr<std::string> SignCompactJws(EVP_PKEY* key, const nlohmann::json& header,
                                           const nlohmann::json& payload);

}  // namespace plaudit::dev_issuer

#endif  // PLAUDIT_TOOLS_DEV_ISSUER_JWS_SIGNER_H_

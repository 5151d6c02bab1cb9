// One issuer public key and the single JWS algorithm it verifies. Immutable once built, so one
// SigningKey may verify from many threads at once.
#ifndef PLAUDIT_CORE_AUTH_SIGNING_KEY_H_
#define PLAUDIT_CORE_AUTH_SIGNING_KEY_H_

#include <openssl/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace plaudit::auth {

// The algorithms we accept. `none` and the HMAC family are absent on purpose: a public key must
// never be usable as a shared secret.
enum class JwsAlgorithm {
  kRS256,  // RSASSA-PKCS1-v1_5 with SHA-256
  kES256,  // ECDSA P-256 with SHA-256, signature r||s
  kEdDSA,  // Ed25519
};

// nullopt for any other name, including "none" and "HS256".
std::optional<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name);
std::string_view JwsAlgorithmName(JwsAlgorithm algorithm);

class SigningKey {
 public:
  // Takes ownership of `public_key`, whose type must fit `algorithm` (the caller checks).
  SigningKey(std::string kid, JwsAlgorithm algorithm, EVP_PKEY* public_key);
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  const std::string& kid() const { return kid_; }
  JwsAlgorithm algorithm() const { return algorithm_; }

  // True if `signature` (in JWS form: raw r||s for ES256) signs `signing_input` under this key.
  bool Verify(std::string_view signing_input, std::string_view signature) const;

 private:
  std::string kid_;
  JwsAlgorithm algorithm_;
  EVP_PKEY* public_key_;
};

}  // namespace plaudit::auth

#endif  // PLAUDIT_CORE_AUTH_SIGNING_KEY_H_

#include "core/auth/signing_key.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>

namespace plaudit::auth {
namespace {

constexpr size_t kEs256HalfSize = 32;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

// JWS carries an ES256 signature as fixed-width r||s; OpenSSL verifies the DER ECDSA-Sig-Value.
std::optional<std::string> Es256ToDer(std::string_view raw) {
  if (raw.size() != 2 * kEs256HalfSize) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, kEs256HalfSize, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kEs256HalfSize, kEs256HalfSize, nullptr);
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::optional<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) {
  if (name == "RS256") return JwsAlgorithm::kRS256;
  if (name == "ES256") return JwsAlgorithm::kES256;
  if (name == "EdDSA") return JwsAlgorithm::kEdDSA;
  return std::nullopt;
}

std::string_view JwsAlgorithmName(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::kRS256:
      return "RS256";
    case JwsAlgorithm::kES256:
      return "ES256";
    case JwsAlgorithm::kEdDSA:
      return "EdDSA";
  }
  return "";
}

SigningKey::SigningKey(std::string kid, JwsAlgorithm algorithm, EVP_PKEY* public_key)
    : kid_(std::move(kid)), algorithm_(algorithm), public_key_(public_key) {}

SigningKey::~SigningKey() { EVP_PKEY_free(public_key_); }

bool SigningKey::Verify(std::string_view signing_input, std::string_view signature) const {
  std::string der;
  if (algorithm_ == JwsAlgorithm::kES256) {
    std::optional<std::string> converted = Es256ToDer(signature);
    if (!converted.has_value()) return false;
    der = *std::move(converted);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  // Ed25519 hashes internally and takes no digest.
  const EVP_MD* digest = algorithm_ == JwsAlgorithm::kEdDSA ? nullptr : EVP_sha256();
  const bool ok =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, digest, nullptr, public_key_) == 1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  // A failed verification leaves a reason on this thread's queue; nobody reads it.
  ERR_clear_error();
  return ok;
}

}  // namespace plaudit::auth

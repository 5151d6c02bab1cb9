#include "tools/dev_issuer/jws_signer.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/auth/base64url.h"

namespace plaudit::dev_issuer {
namespace {

using nlohmann::json;

constexpr size_t kRsaBits = 2048;
constexpr int kP256CoordinateSize = 32;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

absl::Status OpenSslFailure(std::string_view what) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  return absl::InternalError(absl::StrCat(std::string(what), ": ", reason ? reason : "failed"));
}

std::string Bytes(const unsigned char* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

absl::StatusOr<std::string> BignumParam(EVP_PKEY* key, const char* name, int pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return OpenSslFailure(name);
  std::unique_ptr<BIGNUM, BignumDeleter> bn(raw);
  const int size = pad_to > 0 ? pad_to : BN_num_bytes(bn.get());
  std::string out(static_cast<size_t>(size), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), size) != size) {
    return OpenSslFailure(name);
  }
  return out;
}

// The DER ECDSA-Sig-Value OpenSSL makes, as the fixed-width r||s of JWS.
absl::StatusOr<std::string> DerToEs256(const std::string& der) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (sig == nullptr) return OpenSslFailure("ES256 signature");
  std::string out(2 * kP256CoordinateSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), bytes, kP256CoordinateSize) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), bytes + kP256CoordinateSize, kP256CoordinateSize) <
          0) {
    return OpenSslFailure("ES256 signature");
  }
  return out;
}

}  // namespace

absl::StatusOr<PrivateKey> GenerateSigningKey(auth::JwsAlgorithm algorithm) {
  EVP_PKEY* key = nullptr;
  switch (algorithm) {
    case auth::JwsAlgorithm::kRS256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", kRsaBits);
      break;
    case auth::JwsAlgorithm::kES256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case auth::JwsAlgorithm::kEdDSA:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (key == nullptr) return OpenSslFailure("generating the signing key");
  return PrivateKey(key);
}

absl::StatusOr<std::string> PrivateKeyPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslFailure("writing the private key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<PrivateKey> ReadPrivateKeyPem(const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // No passphrase callback result: the dev key is never encrypted, and a prompt would hang tests.
  EVP_PKEY* key = PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return -1; }, nullptr);
  if (key == nullptr) return OpenSslFailure("reading the private key");
  return PrivateKey(key);
}

absl::StatusOr<auth::JwsAlgorithm> AlgorithmOf(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return auth::JwsAlgorithm::kRS256;
    case EVP_PKEY_ED25519:
      return auth::JwsAlgorithm::kEdDSA;
    case EVP_PKEY_EC: {
      char group[64] = "";
      size_t length = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &length) == 1 &&
          std::string_view(group, length) == "prime256v1") {
        return auth::JwsAlgorithm::kES256;
      }
      break;
    }
  }
  ERR_clear_error();
  return absl::InvalidArgumentError("the signing key is not RSA, EC P-256 or Ed25519");
}

absl::StatusOr<json> PublicJwk(EVP_PKEY* key) {
  absl::StatusOr<auth::JwsAlgorithm> algorithm = AlgorithmOf(key);
  if (!algorithm.ok()) return algorithm.status();
  // The members RFC 7638 hashes for the thumbprint; json's object keeps them sorted, as it asks.
  json required;
  switch (*algorithm) {
    case auth::JwsAlgorithm::kRS256: {
      absl::StatusOr<std::string> n = BignumParam(key, OSSL_PKEY_PARAM_RSA_N, 0);
      absl::StatusOr<std::string> e = BignumParam(key, OSSL_PKEY_PARAM_RSA_E, 0);
      if (!n.ok()) return n.status();
      if (!e.ok()) return e.status();
      required = {
          {"kty", "RSA"}, {"n", auth::Base64UrlEncode(*n)}, {"e", auth::Base64UrlEncode(*e)}};
      break;
    }
    case auth::JwsAlgorithm::kES256: {
      absl::StatusOr<std::string> x =
          BignumParam(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateSize);
      absl::StatusOr<std::string> y =
          BignumParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateSize);
      if (!x.ok()) return x.status();
      if (!y.ok()) return y.status();
      required = {{"kty", "EC"},
                  {"crv", "P-256"},
                  {"x", auth::Base64UrlEncode(*x)},
                  {"y", auth::Base64UrlEncode(*y)}};
      break;
    }
    case auth::JwsAlgorithm::kEdDSA: {
      unsigned char raw[64];
      size_t length = sizeof(raw);
      if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1) {
        return OpenSslFailure("Ed25519 public key");
      }
      required = {
          {"kty", "OKP"}, {"crv", "Ed25519"}, {"x", auth::Base64UrlEncode(Bytes(raw, length))}};
      break;
    }
  }
  const std::string canonical = required.dump();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  json jwk = required;
  jwk["kid"] = auth::Base64UrlEncode(Bytes(digest, sizeof(digest)));
  jwk["alg"] = std::string(auth::JwsAlgorithmName(*algorithm));
  jwk["use"] = "sig";
  return jwk;
}

absl::StatusOr<std::string> SignCompactJws(EVP_PKEY* key, const json& header, const json& payload) {
  absl::StatusOr<auth::JwsAlgorithm> algorithm = AlgorithmOf(key);
  if (!algorithm.ok()) return algorithm.status();
  const std::string signing_input = absl::StrCat(auth::Base64UrlEncode(header.dump()), ".",
                                                 auth::Base64UrlEncode(payload.dump()));
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  const EVP_MD* digest = *algorithm == auth::JwsAlgorithm::kEdDSA ? nullptr : EVP_sha256();
  const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
  std::string signature(static_cast<size_t>(EVP_PKEY_get_size(key)), '\0');
  size_t size = signature.size();
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, digest, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, input,
                     signing_input.size()) != 1) {
    return OpenSslFailure("signing");
  }
  signature.resize(size);
  if (*algorithm == auth::JwsAlgorithm::kES256) {
    absl::StatusOr<std::string> raw = DerToEs256(signature);
    if (!raw.ok()) return raw.status();
    signature = *std::move(raw);
  }
  return absl::StrCat(signing_input, ".", auth::Base64UrlEncode(signature));
}

}  // namespace plaudit::dev_issuer

#include "core/auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <optional>
#include <set>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/auth/base64url.h"
#include "nlohmann/json.hpp"

namespace plaudit::auth {
namespace {

using nlohmann::json;

constexpr int kMinRsaBits = 2048;
constexpr size_t kP256CoordinateSize = 32;
constexpr size_t kEd25519KeySize = 32;

struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};

absl::Status FieldError(size_t index, absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("keys[", index, "].", field, ": ", problem));
}

// The field as a string; NotFound if absent, INVALID_ARGUMENT if another JSON type.
absl::StatusOr<std::string> StringField(const json& jwk, size_t index, const char* field) {
  auto it = jwk.find(field);
  if (it == jwk.end()) return absl::NotFoundError(field);
  if (!it->is_string()) return FieldError(index, field, "not a string");
  return it->get<std::string>();
}

absl::StatusOr<std::string> RequiredBytes(const json& jwk, size_t index, const char* field) {
  absl::StatusOr<std::string> text = StringField(jwk, index, field);
  if (absl::IsNotFound(text.status())) return FieldError(index, field, "missing");
  if (!text.ok()) return text.status();
  std::optional<std::string> bytes = Base64UrlDecode(*text);
  if (!bytes.has_value()) return FieldError(index, field, "not base64url");
  if (bytes->empty()) return FieldError(index, field, "empty");
  return *std::move(bytes);
}

// Builds a public EVP_PKEY of `type` ("RSA", "EC") from OpenSSL parameters.
EVP_PKEY* PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

absl::StatusOr<EVP_PKEY*> RsaKey(const json& jwk, size_t index) {
  absl::StatusOr<std::string> n = RequiredBytes(jwk, index, "n");
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = RequiredBytes(jwk, index, "e");
  if (!e.ok()) return e.status();
  std::unique_ptr<BIGNUM, BignumDeleter> modulus(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), n->size(), nullptr));
  std::unique_ptr<BIGNUM, BignumDeleter> exponent(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), e->size(), nullptr));
  if (modulus == nullptr || exponent == nullptr) return FieldError(index, "n", "out of memory");
  if (BN_num_bits(modulus.get()) < kMinRsaBits) {
    return FieldError(index, "n", absl::StrCat("RSA modulus shorter than ", kMinRsaBits, " bits"));
  }
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return FieldError(index, "n", "out of memory");
  }
  EVP_PKEY* key = PublicKeyFromParams("RSA", bld.get());
  if (key == nullptr) return FieldError(index, "n", "not a usable RSA public key");
  return key;
}

absl::StatusOr<EVP_PKEY*> P256Key(const json& jwk, size_t index) {
  absl::StatusOr<std::string> x = RequiredBytes(jwk, index, "x");
  if (!x.ok()) return x.status();
  if (x->size() != kP256CoordinateSize) return FieldError(index, "x", "not 32 bytes");
  absl::StatusOr<std::string> y = RequiredBytes(jwk, index, "y");
  if (!y.ok()) return y.status();
  if (y->size() != kP256CoordinateSize) return FieldError(index, "y", "not 32 bytes");
  // The uncompressed point encoding.
  std::string point = absl::StrCat("\x04", *x, *y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return FieldError(index, "x", "out of memory");
  }
  EVP_PKEY* key = PublicKeyFromParams("EC", bld.get());
  if (key == nullptr) return FieldError(index, "y", "(x, y) is not a point on P-256");
  return key;
}

absl::StatusOr<EVP_PKEY*> Ed25519Key(const json& jwk, size_t index) {
  absl::StatusOr<std::string> x = RequiredBytes(jwk, index, "x");
  if (!x.ok()) return x.status();
  if (x->size() != kEd25519KeySize) return FieldError(index, "x", "not 32 bytes");
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (key == nullptr) {
    ERR_clear_error();
    return FieldError(index, "x", "not an Ed25519 public key");
  }
  return key;
}

// The algorithm a supported key verifies, or nullopt for a key we skip.
absl::StatusOr<std::optional<JwsAlgorithm>> KeyAlgorithm(const json& jwk, size_t index) {
  absl::StatusOr<std::string> kty = StringField(jwk, index, "kty");
  if (absl::IsNotFound(kty.status())) return FieldError(index, "kty", "missing");
  if (!kty.ok()) return kty.status();
  std::optional<JwsAlgorithm> algorithm;
  if (*kty == "RSA") {
    algorithm = JwsAlgorithm::kRS256;
  } else if (*kty == "EC" || *kty == "OKP") {
    absl::StatusOr<std::string> crv = StringField(jwk, index, "crv");
    if (absl::IsNotFound(crv.status())) return FieldError(index, "crv", "missing");
    if (!crv.ok()) return crv.status();
    if (*kty == "EC" && *crv == "P-256") algorithm = JwsAlgorithm::kES256;
    if (*kty == "OKP" && *crv == "Ed25519") algorithm = JwsAlgorithm::kEdDSA;
  }
  if (!algorithm.has_value()) return std::nullopt;
  absl::StatusOr<std::string> alg = StringField(jwk, index, "alg");
  if (absl::IsNotFound(alg.status())) return algorithm;
  if (!alg.ok()) return alg.status();
  if (*alg == JwsAlgorithmName(*algorithm)) return algorithm;
  // An RSA key published for PS256, say: a key for an algorithm we do not verify.
  if (!ParseJwsAlgorithm(*alg).has_value()) return std::nullopt;
  return FieldError(index, "alg", absl::StrCat(*alg, " does not fit kty ", *kty));
}

// nullptr for a key that is skipped.
absl::StatusOr<std::shared_ptr<const SigningKey>> KeyFromJwk(const json& jwk, size_t index) {
  if (!jwk.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("keys[", index, "]: not a JSON object"));
  }
  absl::StatusOr<std::string> use = StringField(jwk, index, "use");
  if (use.ok() && *use != "sig") return nullptr;
  if (!use.ok() && !absl::IsNotFound(use.status())) return use.status();

  absl::StatusOr<std::optional<JwsAlgorithm>> algorithm = KeyAlgorithm(jwk, index);
  if (!algorithm.ok()) return algorithm.status();
  if (!algorithm->has_value()) return nullptr;

  absl::StatusOr<std::string> kid = StringField(jwk, index, "kid");
  if (!kid.ok() && !absl::IsNotFound(kid.status())) return kid.status();

  absl::StatusOr<EVP_PKEY*> key;
  switch (**algorithm) {
    case JwsAlgorithm::kRS256:
      key = RsaKey(jwk, index);
      break;
    case JwsAlgorithm::kES256:
      key = P256Key(jwk, index);
      break;
    case JwsAlgorithm::kEdDSA:
      key = Ed25519Key(jwk, index);
      break;
  }
  if (!key.ok()) return key.status();
  return std::make_shared<const SigningKey>(kid.ok() ? *kid : "", **algorithm, *key);
}

}  // namespace

absl::StatusOr<std::vector<std::shared_ptr<const SigningKey>>> ParseJwks(
    const std::string& jwks_json) {
  const json document = json::parse(jwks_json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return absl::InvalidArgumentError("jwks: not JSON");
  if (!document.is_object()) return absl::InvalidArgumentError("jwks: not a JSON object");
  auto keys = document.find("keys");
  if (keys == document.end() || !keys->is_array()) {
    return absl::InvalidArgumentError("jwks: no \"keys\" array");
  }
  std::vector<std::shared_ptr<const SigningKey>> out;
  std::set<std::string, std::less<>> kids;
  for (size_t index = 0; index < keys->size(); ++index) {
    absl::StatusOr<std::shared_ptr<const SigningKey>> key = KeyFromJwk((*keys)[index], index);
    if (!key.ok()) return key.status();
    if (*key == nullptr) continue;
    if (!kids.insert((*key)->kid()).second) {
      return FieldError(index, "kid", absl::StrCat("duplicate kid \"", (*key)->kid(), "\""));
    }
    out.push_back(*std::move(key));
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        "jwks: no usable signing key (supported: RSA, EC P-256, OKP Ed25519 with use \"sig\")");
  }
  return out;
}

}  // namespace plaudit::auth

#include "core/store/state_cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace plaudit {
namespace {

constexpr absl::string_view kVersion1 = "v1:";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Length-prefixed, so that no other (plugin, key) pair has the same bytes.
std::string AssociatedData(absl::string_view plugin, absl::string_view key) {
  return absl::StrCat("plugin_state:", plugin.size(), ":", plugin, key);
}

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

absl::Status Unopenable(absl::string_view plugin, absl::string_view key, absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat("plugin state ", plugin, " key ", key, ": cannot be opened (", why, ")"));
}

}  // namespace

absl::StatusOr<StateCipher> StateCipher::FromKey(absl::string_view key) {
  if (key.size() != kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secrets key: expected ", kKeyBytes, " bytes, got ", key.size()));
  }
  return StateCipher(std::string(key));
}

std::string StateCipher::RandomKey() {
  std::string key(kKeyBytes, '\0');
  // Without randomness no secret can be kept: nothing sensible is left to do.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kKeyBytes) != 1) std::abort();
  return key;
}

StateCipher StateCipher::WithRandomKey() { return StateCipher(RandomKey()); }

absl::StatusOr<std::string> StateCipher::Seal(absl::string_view plugin, absl::string_view key,
                                              absl::string_view value) const {
  std::string sealed(kNonceBytes + value.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  if (RAND_bytes(out, kNonceBytes) != 1) return absl::InternalError("secrets: no random nonce");
  const std::string aad = AssociatedData(plugin, key);
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  int final_length = 0;
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), out) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(aad), static_cast<int>(aad.size())) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), out + kNonceBytes, &length, Bytes(value),
                        static_cast<int>(value.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out + kNonceBytes + length, &final_length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out + kNonceBytes + value.size()) != 1) {
    return absl::InternalError(absl::StrCat("secrets: cannot seal plugin state ", plugin, " key ",
                                            key, " (OpenSSL AES-256-GCM failed)"));
  }
  return absl::StrCat(kVersion1, absl::Base64Escape(sealed));
}

absl::StatusOr<std::string> StateCipher::Open(absl::string_view plugin, absl::string_view key,
                                              absl::string_view sealed) const {
  if (!absl::StartsWith(sealed, kVersion1)) return Unopenable(plugin, key, "not a sealed value");
  std::string raw;
  if (!absl::Base64Unescape(sealed.substr(kVersion1.size()), &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return Unopenable(plugin, key, "malformed sealed value");
  }
  const size_t text_size = raw.size() - kNonceBytes - kTagBytes;
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::string value(text_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(value.data());
  const std::string aad = AssociatedData(plugin, key);
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer but only reads it.
  std::string tag = raw.substr(kNonceBytes + text_size);
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  int final_length = 0;
  if (ctx == nullptr ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), in) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(aad), static_cast<int>(aad.size())) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), out, &length, in + kNonceBytes, static_cast<int>(text_size)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out + length, &final_length) != 1) {
    return Unopenable(plugin, key,
                      "it fails authentication: tampered with, moved from another key, or "
                      "sealed under another secrets key");
  }
  return value;
}

}  // namespace plaudit

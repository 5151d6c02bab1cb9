// Seals plugin state values before they reach the database, so that a copied database file reveals
// no plugin secret (a gift card's redemption code, an issuer's records).
//
// AES-256-GCM under a 32-byte key kept outside the database, a fresh random 12-byte nonce for
// every value, and the value's (plugin, key) as additional authenticated data: a sealed value
// opens only under the key it was written to. A sealed value is text, versioned:
//   "v1:" + base64(nonce || ciphertext || 16-byte tag)
//
// Thread-safe: a StateCipher does not change after construction.
#ifndef PLAUDIT_CORE_STORE_STATE_CIPHER_H_
#define PLAUDIT_CORE_STORE_STATE_CIPHER_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace plaudit {

class StateCipher {
 public:
  static constexpr size_t kKeyBytes = 32;

  // INVALID_ARGUMENT unless `key` holds exactly kKeyBytes bytes.
  static absl::StatusOr<StateCipher> FromKey(absl::string_view key);
  // A cipher under a fresh random key that exists only in this object (tests, scratch stores).
  static StateCipher WithRandomKey();
  // kKeyBytes random bytes from the system's generator: a new key.
  static std::string RandomKey();

  // INTERNAL only when OpenSSL itself fails.
  absl::StatusOr<std::string> Seal(absl::string_view plugin, absl::string_view key,
                                   absl::string_view value) const;
  // DATA_LOSS naming the plugin and key when `sealed` is not a sealed value of a known version,
  // or does not authenticate: tampered with, moved from another key, or sealed under another
  // cipher key.
  absl::StatusOr<std::string> Open(absl::string_view plugin, absl::string_view key,
                                   absl::string_view sealed) const;

 private:
  explicit StateCipher(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_STATE_CIPHER_H_

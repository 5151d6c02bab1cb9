#include "core/api/callback_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace plaudit::api {
namespace {

std::string HmacSha256Hex(absl::string_view secret, absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

absl::Status Malformed() {
  return absl::UnauthenticatedError(
      "signature: expected t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">");
}

}  // namespace

std::string SignCallback(absl::string_view secret, absl::Time at, absl::string_view body) {
  const int64_t t = absl::ToUnixSeconds(at);
  return absl::StrCat("t=", t, ",v1=", HmacSha256Hex(secret, absl::StrCat(t, ".", body)));
}

absl::StatusOr<VerifiedCallback> VerifyCallbackSignature(absl::string_view secret,
                                                         absl::string_view signature,
                                                         absl::string_view body, absl::Time now) {
  absl::string_view timestamp;
  std::vector<absl::string_view> digests;
  for (absl::string_view entry : absl::StrSplit(signature, ',')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (kv.first == "t") {
      if (!timestamp.empty()) return Malformed();
      timestamp = kv.second;
    } else if (kv.first == "v1") {
      digests.push_back(kv.second);
    }
    // Other schemes a vendor may add are ignored.
  }
  int64_t t = 0;
  if (timestamp.empty() || digests.empty() || !absl::SimpleAtoi(timestamp, &t)) return Malformed();
  const std::string expected = HmacSha256Hex(secret, absl::StrCat(timestamp, ".", body));
  for (absl::string_view digest : digests) {
    if (digest.size() != expected.size() ||
        CRYPTO_memcmp(digest.data(), expected.data(), expected.size()) != 0) {
      continue;
    }
    const absl::Time signed_at = absl::FromUnixSeconds(t);
    if (signed_at < now - kCallbackTolerance) {
      return absl::PermissionDeniedError(absl::StrCat(
          "stale callback: signed at t=", t, ", ", absl::FormatDuration(now - signed_at),
          " ago; callbacks older than ", absl::FormatDuration(kCallbackTolerance), " are too old"));
    }
    if (signed_at > now + kCallbackTolerance) {
      return absl::PermissionDeniedError(
          absl::StrCat("stale callback: signed at t=", t, ", ",
                       absl::FormatDuration(signed_at - now), " in the future (more than ",
                       absl::FormatDuration(kCallbackTolerance), "; is a clock wrong?)"));
    }
    return VerifiedCallback{signed_at, std::string(digest)};
  }
  return absl::UnauthenticatedError(
      "signature: does not match the body and timestamp (HMAC-SHA256 of \"<t>.<body>\" under "
      "the shared secret)");
}

}  // namespace plaudit::api

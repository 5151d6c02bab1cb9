// Vendor callbacks are signed with a timestamp inside the signed content, so that a captured
// callback cannot be delivered again later. The signature is
//
//   t=<unix seconds>,v1=<lowercase hex HMAC-SHA256 of "<t>.<body>" under the callback secret>
//
// (one or more v1 entries; any one matching will do, which lets a vendor roll its secret).
// A callback is fresh while its timestamp is within kCallbackTolerance of plauditd's clock, either
// way; a fresh callback is applied once (the store remembers its signature past that window).
#ifndef PLAUDIT_CORE_API_CALLBACK_SIGNATURE_H_
#define PLAUDIT_CORE_API_CALLBACK_SIGNATURE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace plaudit::api {

inline constexpr absl::Duration kCallbackTolerance = absl::Minutes(5);

struct VerifiedCallback {
  absl::Time signed_at;
  // The v1 entry that matched: what identifies this delivery when it is remembered.
  std::string digest;
};

// The signature of `body` signed at `at` (whole seconds) under `secret`.
std::string SignCallback(absl::string_view secret, absl::Time at, absl::string_view body);

// UNAUTHENTICATED ("signature: ...") when `signature` is not in the format above or matches
// neither the body nor the timestamp; PERMISSION_DENIED ("stale callback: ...") when it is signed
// more than kCallbackTolerance before or after `now`.
absl::StatusOr<VerifiedCallback> VerifyCallbackSignature(absl::string_view secret,
                                                         absl::string_view signature,
                                                         absl::string_view body, absl::Time now);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_CALLBACK_SIGNATURE_H_

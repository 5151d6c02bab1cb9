// The issuer's signing keys (a JWKS), from a file, a URL, or JSON text, parsed once and cached.
// A KeySet fetched from a URL refetches when asked for a kid it does not know, which is how it
// follows the issuer's key rotation; it refetches at most once per `min_refresh_interval`, so a
// flood of tokens with made-up kids cannot turn plauditd into a load generator against the
// issuer. A failed refetch keeps the keys it had. All methods are thread-safe.
#ifndef PLAUDIT_CORE_AUTH_KEY_SET_H_
#define PLAUDIT_CORE_AUTH_KEY_SET_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/auth/signing_key.h"
#include "core/domain/clock.h"

namespace plaudit::auth {

class KeySet {
 public:
  // Where a refetch gets the JWKS text from: the seam a test replaces to count fetches.
  using JwksSource = std::function<absl::StatusOr<std::string>()>;

  // Reads and parses the file once; never refetches. The file's errors name the path.
  static absl::StatusOr<std::unique_ptr<KeySet>> FromFile(const std::string& path);
  // Fetches `url` with libcurl, verifying the server against `ca_file` when it is not empty, else
  // the system CAs. INVALID_ARGUMENT unless the URL is https:// (http:// only to 127.0.0.1,
  // localhost or [::1]). Fails if the first fetch fails, so a wrong URL stops plauditd at start
  // rather than refusing every caller later.
  static absl::StatusOr<std::unique_ptr<KeySet>> FromUrl(
      const std::string& url, const std::string& ca_file,
      absl::Duration min_refresh_interval = absl::Seconds(30));
  // As FromUrl, from any source, reading time from `clock` (which must outlive the KeySet).
  static absl::StatusOr<std::unique_ptr<KeySet>> FromSource(JwksSource source,
                                                            absl::Duration min_refresh_interval,
                                                            Clock& clock);
  // Parses JWKS JSON text; never refetches. INVALID_ARGUMENT naming the key index and field, as
  // in `keys[1].x: not base64url`.
  static absl::StatusOr<std::unique_ptr<KeySet>> FromJson(const std::string& jwks_json);

  // The key with `kid` ("" for a token without kid matches a key without kid). NOT_FOUND if
  // there is none, after a refetch when one is due.
  absl::StatusOr<std::shared_ptr<const SigningKey>> Find(const std::string& kid) const;

  // The kids currently known, for diagnostics.
  std::vector<std::string> Kids() const;

 private:
  KeySet(std::vector<std::shared_ptr<const SigningKey>> keys, JwksSource source,
         absl::Duration min_refresh_interval, Clock* clock);
  void Replace(std::vector<std::shared_ptr<const SigningKey>> keys) const;

  const JwksSource source_;  // empty for a set that never refetches
  const absl::Duration min_refresh_interval_;
  Clock* const clock_;
  std::unique_ptr<Clock> owned_clock_;

  // Serialises refetches, so many threads missing the same new kid cause one fetch.
  mutable absl::Mutex refetch_mu_;
  mutable absl::Time last_fetch_ ABSL_GUARDED_BY(refetch_mu_);

  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const SigningKey>> keys_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace plaudit::auth

#endif  // PLAUDIT_CORE_AUTH_KEY_SET_H_

#include "core/auth/key_set.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/auth/jwks.h"
#include "core/auth/jwks_fetch.h"
#include "core/domain/log.h"

namespace plaudit::auth {
namespace {

// Keys fetched in the clear could be swapped by anyone on the path, and with them every token.
bool IsAllowedJwksUrl(const std::string& url) {
  if (url.rfind("https://", 0) == 0) return true;
  for (const char* loopback : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    const std::string prefix = loopback;
    if (url.rfind(prefix, 0) == 0 &&
        (url.size() == prefix.size() || url[prefix.size()] == ':' || url[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

}  // namespace

KeySet::KeySet(std::vector<std::shared_ptr<const SigningKey>> keys, JwksSource source,
               absl::Duration min_refresh_interval, Clock* clock)
    : source_(std::move(source)),
      min_refresh_interval_(min_refresh_interval),
      clock_(clock != nullptr ? clock : new RealClock()),
      owned_clock_(clock != nullptr ? nullptr : clock_),
      last_fetch_(clock_->Now()) {
  Replace(std::move(keys));
}

absl::StatusOr<std::unique_ptr<KeySet>> KeySet::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("jwks file ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::unique_ptr<KeySet>> keys = FromJson(text.str());
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat("jwks file ", path, ": ", keys.status().message()));
  }
  return keys;
}

absl::StatusOr<std::unique_ptr<KeySet>> KeySet::FromUrl(const std::string& url,
                                                        const std::string& ca_file,
                                                        absl::Duration min_refresh_interval) {
  if (!IsAllowedJwksUrl(url)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "jwks url ", url, ": use https:// (http:// is allowed for a loopback address only)"));
  }
  JwksSource source = [url, ca_file] { return FetchJwks(url, ca_file); };
  absl::StatusOr<std::string> text = source();
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<std::shared_ptr<const SigningKey>>> keys = ParseJwks(*text);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat("jwks ", url, ": ", keys.status().message()));
  }
  return std::unique_ptr<KeySet>(
      new KeySet(*std::move(keys), std::move(source), min_refresh_interval, nullptr));
}

absl::StatusOr<std::unique_ptr<KeySet>> KeySet::FromSource(JwksSource source,
                                                           absl::Duration min_refresh_interval,
                                                           Clock& clock) {
  absl::StatusOr<std::string> text = source();
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<std::shared_ptr<const SigningKey>>> keys = ParseJwks(*text);
  if (!keys.ok()) return keys.status();
  return std::unique_ptr<KeySet>(
      new KeySet(*std::move(keys), std::move(source), min_refresh_interval, &clock));
}

absl::StatusOr<std::unique_ptr<KeySet>> KeySet::FromJson(const std::string& jwks_json) {
  absl::StatusOr<std::vector<std::shared_ptr<const SigningKey>>> keys = ParseJwks(jwks_json);
  if (!keys.ok()) return keys.status();
  return std::unique_ptr<KeySet>(
      new KeySet(*std::move(keys), nullptr, absl::InfiniteDuration(), nullptr));
}

absl::StatusOr<std::shared_ptr<const SigningKey>> KeySet::Find(const std::string& kid) const {
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(kid);
    if (it != keys_.end()) return it->second;
  }
  const absl::Status unknown = absl::NotFoundError(absl::StrCat("unknown signing key ", kid));
  if (!source_) return unknown;

  absl::MutexLock refetch_lock(&refetch_mu_);
  {
    // Another thread may have refetched while this one waited.
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(kid);
    if (it != keys_.end()) return it->second;
  }
  const absl::Time now = clock_->Now();
  if (now - last_fetch_ < min_refresh_interval_) return unknown;
  last_fetch_ = now;
  absl::StatusOr<std::string> text = source_();
  if (!text.ok()) {
    LogWarning("auth", absl::StrCat("keeping the signing keys we have: ", text.status().message()));
    return unknown;
  }
  absl::StatusOr<std::vector<std::shared_ptr<const SigningKey>>> keys = ParseJwks(*text);
  if (!keys.ok()) {
    LogWarning("auth", absl::StrCat("keeping the signing keys we have: refetched jwks: ",
                                    keys.status().message()));
    return unknown;
  }
  Replace(*std::move(keys));
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(kid);
  if (it != keys_.end()) return it->second;
  return unknown;
}

std::vector<std::string> KeySet::Kids() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> kids;
  for (const auto& [kid, key] : keys_) kids.push_back(kid);
  return kids;
}

void KeySet::Replace(std::vector<std::shared_ptr<const SigningKey>> keys) const {
  absl::flat_hash_map<std::string, std::shared_ptr<const SigningKey>> by_kid;
  for (auto& key : keys) by_kid.emplace(key->kid(), std::move(key));
  absl::MutexLock lock(&mu_);
  keys_ = std::move(by_kid);
}

}  // namespace plaudit::auth

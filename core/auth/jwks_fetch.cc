#include "core/auth/jwks_fetch.h"

#include <curl/curl.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace plaudit::auth {
namespace {

constexpr size_t kMaxBody = 1 << 20;
constexpr long kTimeoutMs = 10'000;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

struct Body {
  std::string text;
  bool too_large = false;
};

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  if (body->text.size() + size * count > kMaxBody) {
    body->too_large = true;
    return 0;  // aborts the transfer
  }
  body->text.append(data, size * count);
  return size * count;
}

}  // namespace

absl::StatusOr<std::string> FetchJwks(const std::string& url, const std::string& ca_file) {
  // curl_global_init is not thread-safe on every libcurl; run it once, before any handle.
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global_init != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("jwks ", url, ": ", curl_easy_strerror(global_init)));
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::UnavailableError(absl::StrCat("jwks ", url, ": no curl"));
  Body body;
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  if (!ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca_file.c_str());
  const CURLcode code = curl_easy_perform(curl.get());
  if (body.too_large) {
    return absl::UnavailableError(absl::StrCat("jwks ", url, ": body larger than 1 MiB"));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("jwks ", url, ": ", error[0] != '\0' ? error : curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return absl::UnavailableError(absl::StrCat("jwks ", url, ": HTTP status ", status));
  }
  return std::move(body.text);
}

}  // namespace plaudit::auth

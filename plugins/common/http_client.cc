#include "plugins/common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "plaudit/trim.h"

namespace plaudit::http {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Keeps the headers of the last response only: a "100 Continue" or a proxy's answer comes first.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers->emplace_back(Lower(Trim(line.substr(0, colon))),
                          std::string(Trim(line.substr(colon + 1))));
  }
  return size * count;
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::optional<std::string> Response::Header(std::string_view name) const {
  const std::string wanted = Lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

CurlHttpClient::CurlHttpClient() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Response CurlHttpClient::Send(const Request& request) {
  Response response;
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    response.failure = Failure::kNotSent;
    response.error = "libcurl could not start a request";
    return response;
  }
  CURL* h = easy.get();
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(h, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* raw_list = nullptr;
  for (const auto& [name, value] : request.headers) {
    raw_list = curl_slist_append(raw_list, (name + ": " + value).c_str());
  }
  // libcurl would otherwise wait for "100 Continue" before sending a larger body.
  raw_list = curl_slist_append(raw_list, "Expect:");
  std::unique_ptr<curl_slist, SlistDeleter> header_list(raw_list);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);

  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    // libcurl reads both forms (delta-seconds and an HTTP date); 0 when absent or unreadable.
    curl_off_t retry_after_s = 0;
    if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after_s) == CURLE_OK &&
        retry_after_s > 0) {
      response.retry_after_ms = static_cast<int64_t>(retry_after_s) * 1000;
    }
    return response;
  }
  // How far it got: a request that left us may have been acted upon.
  long request_size = 0;
  curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
  const bool sent = request_size > 0;
  if (!sent) {
    response.failure = Failure::kNotSent;
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    response.failure = Failure::kTimedOut;
  } else {
    response.failure = Failure::kNoAnswer;
  }
  response.error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  response.body.clear();
  response.headers.clear();
  return response;
}

std::string PercentEncode(std::string_view text) {
  // Since libcurl 7.82 the handle argument is unused; the encoding does not depend on one.
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())), &curl_free);
  return escaped ? std::string(escaped.get()) : std::string();
}

}  // namespace plaudit::http

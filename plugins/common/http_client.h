// The HTTP seam of plugins that call a vendor's REST API. HttpClient is the interface tests may
// replace; CurlHttpClient sends each request on its own libcurl easy handle, so one client may be
// used from several threads at once.
//
// A failed exchange says how far it got, because that decides whether the request may have taken
// effect: kNotSent (no connection: safe to retry), kNoAnswer (the request went out but no
// complete response came back: the vendor may have acted on it), kTimedOut (likewise, the total
// timeout ran out). Production vendors are reached over HTTPS; libcurl verifies their certificate
// against the system's CA store, or against `ca_file` when one is given. Plain HTTP is accepted
// for a sandbox on loopback. No redirects are followed.
//
// Nothing here logs. Error texts name the URL's host, never a header or body, so a credential
// sent in a header cannot leak through them.
#ifndef PLAUDIT_PLUGINS_COMMON_HTTP_CLIENT_H_
#define PLAUDIT_PLUGINS_COMMON_HTTP_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plaudit::http {

struct Request {
  std::string method = "GET";
  // http:// or https:// only.
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t connect_timeout_ms = 5000;
  // For the whole exchange, connecting included.
  int64_t timeout_ms = 10000;
  // PEM bundle to verify the server against instead of the system's CA store.
  std::string ca_file;
};

enum class Failure {
  kNone,
  kNotSent,
  kNoAnswer,
  kTimedOut,
};

struct Response {
  Failure failure = Failure::kNone;
  // Why the exchange failed (libcurl's description); empty when it did not.
  std::string error;
  // Meaningful when failure is kNone.
  int status = 0;
  // Names in lower case, in the order received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // How long a Retry-After header asks to wait, as libcurl reads it (delta-seconds, or an HTTP
  // date against the system clock); nullopt when there is none, it is unreadable, or it has passed.
  std::optional<int64_t> retry_after_ms;

  // The first header named `name` (any case).
  std::optional<std::string> Header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Response Send(const Request& request) = 0;
};

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient();
  Response Send(const Request& request) override;
};

// `text` with every byte outside [A-Za-z0-9-._~] percent-encoded (RFC 3986 unreserved kept), as
// libcurl's curl_easy_escape writes it: for a query parameter or a URN component.
std::string PercentEncode(std::string_view text);

}  // namespace plaudit::http

#endif  // PLAUDIT_PLUGINS_COMMON_HTTP_CLIENT_H_

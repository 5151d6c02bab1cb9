#include "core/web/http_listener.h"

#include <httplib.h>

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace plaudit::web {

absl::StatusOr<std::pair<std::string, int>> SplitListen(const std::string& setting,
                                                        const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": \"", listen, "\" is not HOST:PORT (e.g. 127.0.0.1:8080)"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": \"", listen, "\" names no host (e.g. 127.0.0.1:8080)"));
  }
  return std::make_pair(host, port);
}

absl::StatusOr<std::unique_ptr<httplib::Server>> MakeHttpServer(const std::optional<TlsConfig>& tls,
                                                                const std::string& client_ca_file) {
  if (!tls.has_value()) return std::make_unique<httplib::Server>();
  for (const std::string& file : {tls->cert_file, tls->key_file, client_ca_file}) {
    if (!file.empty() && !std::ifstream(file).good()) {
      return absl::FailedPreconditionError(absl::StrCat("tls: cannot read ", file));
    }
  }
  auto https = std::make_unique<httplib::SSLServer>(
      tls->cert_file.c_str(), tls->key_file.c_str(),
      client_ca_file.empty() ? nullptr : client_ca_file.c_str());
  if (!https->is_valid()) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls: ", tls->cert_file, " and ", tls->key_file,
                     " are not a certificate and its private key"));
  }
  return std::unique_ptr<httplib::Server>(std::move(https));
}

absl::StatusOr<int> BindHttpServer(httplib::Server& http, const std::string& setting,
                                   const std::string& listen) {
  auto address = SplitListen(setting, listen);
  if (!address.ok()) return address.status();
  const auto& [host, port] = *address;
  int bound = 0;
  if (port == 0) {
    bound = http.bind_to_any_port(host);
  } else if (http.bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat(setting, ": cannot listen on ", listen,
                                               " (in use, or not an address of this host)"));
  }
  return bound;
}

std::thread ServeHttp(httplib::Server& http) {
  std::thread thread([&http] { http.listen_after_bind(); });
  while (!http.is_running()) absl::SleepFor(absl::Milliseconds(1));
  return thread;
}

}  // namespace plaudit::web

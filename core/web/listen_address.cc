#include "core/web/listen_address.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

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

}  // namespace plaudit::web

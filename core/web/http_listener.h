// What plauditd's HTTP listeners (the pages' web.listen, the operations' metrics_listen) share:
// their address split for httplib, and the server over HTTP or HTTPS.
#ifndef PLAUDIT_CORE_WEB_HTTP_LISTENER_H_
#define PLAUDIT_CORE_WEB_HTTP_LISTENER_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "core/config/server_config.h"

namespace httplib {
class Server;
}

namespace plaudit::web {

// HOST:PORT or [V6]:PORT into the host httplib binds and the port; INVALID_ARGUMENT naming
// `setting` and the value otherwise.
absl::StatusOr<std::pair<std::string, int>> SplitListen(const std::string& setting,
                                                        const std::string& listen);

// HTTPS with `tls`'s certificate and key, requiring client certificates signed by
// `client_ca_file` when it is not empty; plain HTTP without `tls`. FAILED_PRECONDITION naming the
// file when one cannot be read, or the certificate and key do not match.
absl::StatusOr<std::unique_ptr<httplib::Server>> MakeHttpServer(
    const std::optional<TlsConfig>& tls, const std::string& client_ca_file = "");

// Binds `http` to `listen` (port 0 picks a free one) and returns the port; UNAVAILABLE naming
// `setting` when the address is taken or not this host's.
absl::StatusOr<int> BindHttpServer(httplib::Server& http, const std::string& setting,
                                   const std::string& listen);

// Serves on a thread of its own, returned once the listener runs: httplib's stop() does nothing
// before then, so a server stopped sooner would go on accepting.
std::thread ServeHttp(httplib::Server& http);

}  // namespace plaudit::web

#endif  // PLAUDIT_CORE_WEB_HTTP_LISTENER_H_

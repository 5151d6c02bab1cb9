// The HOST:PORT of an HTTP listener (web.listen, metrics_listen), split for httplib.
#ifndef PLAUDIT_CORE_WEB_LISTEN_ADDRESS_H_
#define PLAUDIT_CORE_WEB_LISTEN_ADDRESS_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace plaudit::web {

// HOST:PORT or [V6]:PORT into the host httplib binds and the port; INVALID_ARGUMENT naming
// `setting` and the value otherwise.
absl::StatusOr<std::pair<std::string, int>> SplitListen(const std::string& setting,
                                                        const std::string& listen);

}  // namespace plaudit::web

#endif  // PLAUDIT_CORE_WEB_LISTEN_ADDRESS_H_

// The one HTTP request core/auth makes: GET a JWKS document with libcurl.
#ifndef PLAUDIT_CORE_AUTH_JWKS_FETCH_H_
#define PLAUDIT_CORE_AUTH_JWKS_FETCH_H_

#include <string>

#include "absl/status/statusor.h"

namespace plaudit::auth {

// The body of a 200 response to GET `url`, verifying the server against `ca_file` when it is not
// empty, else the system CAs. UNAVAILABLE naming the URL for a transport failure or another
// status. Bounded: 10 s in all, 1 MiB of body. Thread-safe.
absl::StatusOr<std::string> FetchJwks(const std::string& url, const std::string& ca_file);

}  // namespace plaudit::auth

#endif  // PLAUDIT_CORE_AUTH_JWKS_FETCH_H_

// The random values of an OpenID Connect sign-in and PKCE's code challenge (RFC 7636).
#ifndef PLAUDIT_CORE_AUTH_PKCE_H_
#define PLAUDIT_CORE_AUTH_PKCE_H_

#include <string>
#include <string_view>

namespace plaudit::auth {

// 32 bytes from OpenSSL's generator, base64url without padding (43 characters): a state, a
// nonce, a code verifier, a code. Empty when the generator fails.
std::string RandomUrlToken();

// The S256 code challenge of a code verifier: BASE64URL(SHA-256(verifier)).
std::string PkceS256(std::string_view verifier);

}  // namespace plaudit::auth

#endif  // PLAUDIT_CORE_AUTH_PKCE_H_

// Base64url without padding (RFC 4648 section 5), the encoding of every JWS segment and JWK
// field. Strict on input: padding, whitespace and the standard alphabet's '+' and '/' are refused,
// so one token has exactly one spelling.
#ifndef PLAUDIT_CORE_AUTH_BASE64URL_H_
#define PLAUDIT_CORE_AUTH_BASE64URL_H_

#include <optional>
#include <string>
#include <string_view>

namespace plaudit::auth {

std::string Base64UrlEncode(std::string_view bytes);

// nullopt if `text` is not unpadded base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace plaudit::auth

#endif  // PLAUDIT_CORE_AUTH_BASE64URL_H_

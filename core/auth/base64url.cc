#include "core/auth/base64url.h"

#include <openssl/evp.h>

namespace plaudit::auth {

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.resize(written);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  // A lone trailing character carries only six bits: never a whole byte.
  if (text.size() % 4 == 1) return std::nullopt;
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      standard.push_back(c);
    } else if (c == '-') {
      standard.push_back('+');
    } else if (c == '_') {
      standard.push_back('/');
    } else {
      return std::nullopt;
    }
  }
  const size_t padding = (4 - standard.size() % 4) % 4;
  // The last character's bits past the final byte must be zero, or a token would have several
  // spellings and a flipped character could leave the decoded bytes unchanged.
  if (padding > 0) {
    const char last = text.back();
    int value = 0;
    if (last >= 'A' && last <= 'Z') value = last - 'A';
    if (last >= 'a' && last <= 'z') value = last - 'a' + 26;
    if (last >= '0' && last <= '9') value = last - '0' + 52;
    if (last == '-') value = 62;
    if (last == '_') value = 63;
    const int unused_bits_mask = padding == 2 ? 0x0F : 0x03;
    if ((value & unused_bits_mask) != 0) return std::nullopt;
  }
  standard.append(padding, '=');
  std::string out(standard.size() / 4 * 3, '\0');
  const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(standard.data()),
                                      static_cast<int>(standard.size()));
  if (decoded < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<size_t>(decoded) - padding);
  return out;
}

}  // namespace plaudit::auth

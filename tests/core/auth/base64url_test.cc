#include "core/auth/base64url.h"

#include <gtest/gtest.h>

namespace plaudit::auth {
namespace {

TEST(Base64Url, RoundTripsEveryLengthWithoutPadding) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    const std::string encoded = Base64UrlEncode(bytes);
    EXPECT_EQ(encoded.find_first_of("=+/"), std::string::npos) << encoded;
    EXPECT_EQ(Base64UrlDecode(encoded), bytes);
    bytes.push_back(static_cast<char>(0xF8 + i));
  }
}

TEST(Base64Url, UsesTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RefusesPaddingWhitespaceAndTheStandardAlphabet) {
  EXPECT_EQ(Base64UrlDecode("-_8="), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("+/8"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode(" -_8"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("-_8\n"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("abcde"), std::nullopt);  // a lone sixth of a byte
}

TEST(Base64Url, RefusesNonZeroBitsAfterTheLastByte) {
  // "QQ" is "A"; "QR" would decode to "A" too if the four spare bits were ignored.
  EXPECT_EQ(Base64UrlDecode("QQ"), "A");
  EXPECT_EQ(Base64UrlDecode("QR"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("QUE"), "AA");
  EXPECT_EQ(Base64UrlDecode("QUF"), std::nullopt);
}

}  // namespace
}  // namespace plaudit::auth

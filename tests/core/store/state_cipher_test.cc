#include "core/store/state_cipher.h"

#include "gtest/gtest.h"

namespace plaudit {
namespace {

TEST(StateCipher, SealedValueOpensOnlyUnderItsPluginAndKey) {
  const StateCipher cipher = *StateCipher::FromKey(std::string(32, 'k'));
  const std::string sealed = *cipher.Seal("gift_card", "redemption/k1", "CODE-1234");
  EXPECT_EQ(sealed.rfind("v1:", 0), 0u);
  EXPECT_EQ(sealed.find("CODE-1234"), std::string::npos);
  EXPECT_EQ(*cipher.Open("gift_card", "redemption/k1", sealed), "CODE-1234");
  EXPECT_FALSE(cipher.Open("gift_card", "redemption/k2", sealed).ok());
  EXPECT_FALSE(cipher.Open("announce", "redemption/k1", sealed).ok());
  // The pair is length-prefixed: moving bytes between plugin and key does not authenticate.
  EXPECT_FALSE(cipher.Open("gift_cardr", "edemption/k1", sealed).ok());
}

TEST(StateCipher, EmptyValueRoundTrips) {
  const StateCipher cipher = StateCipher::WithRandomKey();
  EXPECT_EQ(*cipher.Open("p", "k", *cipher.Seal("p", "k", "")), "");
}

TEST(StateCipher, AnotherKeyOrAMalformedValueIsDataLossNamingPluginAndKey) {
  const StateCipher cipher = StateCipher::WithRandomKey();
  const std::string sealed = *cipher.Seal("p", "k", "value");
  auto other = StateCipher::WithRandomKey().Open("p", "k", sealed);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(other.status().message(),
            "plugin state p key k: cannot be opened (it fails authentication: tampered with, "
            "moved from another key, or sealed under another secrets key)");
  EXPECT_EQ(cipher.Open("p", "k", "value").status().message(),
            "plugin state p key k: cannot be opened (not a sealed value)");
  EXPECT_EQ(cipher.Open("p", "k", "v1:AAAA").status().message(),
            "plugin state p key k: cannot be opened (malformed sealed value)");
}

TEST(StateCipher, KeyMustBe32Bytes) {
  EXPECT_EQ(StateCipher::FromKey("short").status().message(),
            "secrets key: expected 32 bytes, got 5");
  EXPECT_EQ(StateCipher::RandomKey().size(), 32u);
  EXPECT_NE(StateCipher::RandomKey(), StateCipher::RandomKey());
}

}  // namespace
}  // namespace plaudit

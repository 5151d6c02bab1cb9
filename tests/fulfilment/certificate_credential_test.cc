// The certificate plugin's parts, driven directly: base64url, credential ids, the Open
// Badges credential's checks, and the QR code's matrix and drawing.
#include <cairo.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "fulfilment/certificate/issuer_key.h"
#include "fulfilment/certificate/open_badge.h"
#include "fulfilment/certificate/qr_code.h"
#include "plugins/common/json.h"

namespace plaudit::fulfilment {
namespace {

TEST(Base64Url, RoundTripsWithoutPaddingAndIsStrict) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  std::string bytes;
  ASSERT_TRUE(Base64UrlDecode("-_8", &bytes));
  EXPECT_EQ(bytes, "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecode("Zg==", &bytes));  // padding
  EXPECT_FALSE(Base64UrlDecode("+/8", &bytes));   // the other alphabet
  EXPECT_FALSE(Base64UrlDecode("Zh", &bytes));    // non-zero spare bits
  EXPECT_FALSE(Base64UrlDecode("Z", &bytes));     // impossible length
}

TEST(CredentialId, IsAStableVersion5UuidOfTheKey) {
  const std::string id = CredentialIdForKey("rwd-1");
  EXPECT_EQ(id, CredentialIdForKey("rwd-1"));
  EXPECT_NE(id, CredentialIdForKey("rwd-2"));
  ASSERT_EQ(id.size(), 45u) << id;
  EXPECT_EQ(id.rfind("urn:uuid:", 0), 0u);
  EXPECT_EQ(id[9 + 14], '5');                                          // version
  EXPECT_NE(std::string("89ab").find(id[9 + 19]), std::string::npos);  // RFC 4122 variant
  EXPECT_EQ(UuidOf(id), id.substr(9));
}

TEST(CredentialTime, FormatsAndParsesUtc) {
  EXPECT_EQ(FormatUtc(1793620800), "2026-11-02T12:00:00Z");
  int64_t seconds = 0;
  ASSERT_TRUE(ParseUtc("2026-11-02T12:00:00.250Z", &seconds));
  EXPECT_EQ(seconds, 1793620800);
  EXPECT_FALSE(ParseUtc("2026-11-02 10:00:00Z", &seconds));
  EXPECT_FALSE(ParseUtc("2026-11-02T12:00:00+01:00", &seconds));
  EXPECT_FALSE(ParseUtc("2026-13-02T10:00:00Z", &seconds));
}

BadgeAward SampleAward() {
  BadgeAward award;
  award.credential_id = CredentialIdForKey("rwd-1");
  award.agent_id = "a 17";
  award.program_id = "eotm";
  award.program_name = "Employee of the Month";
  award.period = "2026-10";
  award.period_words = "October 2026";
  award.award_id = "awd_0042";
  award.valid_from = 1793620800;
  return award;
}

TEST(OpenBadge, BuildsAWellFormedCredential) {
  const json::Value badge =
      BuildOpenBadge(SampleAward(), {"https://example.com/issuer", "Example"});
  EXPECT_TRUE(OpenBadgeProblems(badge).empty());
  EXPECT_EQ(badge.Find("credentialSubject")->StringMember("id"), "urn:plaudit:agent:a%2017");
  EXPECT_EQ(badge.StringMember("jti"), badge.StringMember("id"));
}

TEST(OpenBadge, NamesWhatIsMissingOrInconsistent) {
  json::Value badge = BuildOpenBadge(SampleAward(), {"https://example.com/issuer", "Example"});
  badge.Set("iss", json::Value::String("https://evil.example/"));
  badge.Set("type", json::Value::String("VerifiableCredential"));
  json::Value subject = *badge.Find("credentialSubject");
  json::Value achievement = *subject.Find("achievement");
  achievement.Set("criteria", json::Value::Object());
  subject.Set("achievement", achievement);
  badge.Set("credentialSubject", subject);
  const std::vector<std::string> problems = OpenBadgeProblems(badge);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "type is not [VerifiableCredential, OpenBadgeCredential]");
  EXPECT_EQ(problems[1], "iss differs from issuer.id");
  EXPECT_EQ(problems[2], "achievement has no criteria");
}

TEST(QrCode, EncodesTheSmallestSymbolWithFinderPatterns) {
  const std::optional<QrMatrix> qr =
      EncodeQr("https://recognition.example.com/verify/8c1d6c2b-8a6e-5f43-9e2a-54b1c2d3e4f5");
  ASSERT_TRUE(qr.has_value());
  // 76 bytes at level M need version 5: 17 + 4 * 5 modules a side.
  EXPECT_EQ(qr->size, 37);
  // The three finder patterns: a dark 7x7 ring, a light ring inside, a dark 3x3 centre.
  for (const auto& [x0, y0] :
       {std::pair{0, 0}, std::pair{qr->size - 7, 0}, std::pair{0, qr->size - 7}}) {
    for (int i = 0; i < 7; ++i) {
      EXPECT_TRUE(qr->Dark(x0 + i, y0));
      EXPECT_TRUE(qr->Dark(x0 + i, y0 + 6));
      EXPECT_TRUE(qr->Dark(x0, y0 + i));
      EXPECT_TRUE(qr->Dark(x0 + 6, y0 + i));
    }
    EXPECT_FALSE(qr->Dark(x0 + 1, y0 + 1));
    EXPECT_TRUE(qr->Dark(x0 + 3, y0 + 3));
  }
  EXPECT_FALSE(EncodeQr("").has_value());
  EXPECT_FALSE(EncodeQr(std::string(5000, 'x')).has_value());
}

TEST(QrCode, DrawsEachModuleAsAFilledSquareInsideAQuietZone) {
  const std::optional<QrMatrix> qr = EncodeQr("urn:uuid:8c1d6c2b-8a6e-5f43-9e2a-54b1c2d3e4f5");
  ASSERT_TRUE(qr.has_value());
  constexpr int kModule = 4;
  const int side = qr->size * kModule;
  const int offset = kQrQuietZoneModules * kModule;
  cairo_surface_t* surface =
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, side + 2 * offset, side + 2 * offset);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 0, 0);  // anything but white: the quiet zone must cover it
  cairo_paint(cr);
  DrawQr(cr, *qr, offset, offset, side);
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  auto pixel = [&](int x, int y) {
    return *reinterpret_cast<const uint32_t*>(data + y * stride + x * 4) & 0xFFFFFF;
  };
  for (int row = -kQrQuietZoneModules; row < qr->size + kQrQuietZoneModules; ++row) {
    for (int column = -kQrQuietZoneModules; column < qr->size + kQrQuietZoneModules; ++column) {
      const bool inside = row >= 0 && column >= 0 && row < qr->size && column < qr->size;
      const uint32_t want = inside && qr->Dark(column, row) ? 0x000000 : 0xFFFFFF;
      // Every pixel of the module, so neighbouring modules cannot bleed into each other.
      for (int dy = 0; dy < kModule; ++dy) {
        for (int dx = 0; dx < kModule; ++dx) {
          ASSERT_EQ(pixel(offset + column * kModule + dx, offset + row * kModule + dy), want)
              << "module " << column << "," << row;
        }
      }
    }
  }
  cairo_surface_destroy(surface);
}

}  // namespace
}  // namespace plaudit::fulfilment

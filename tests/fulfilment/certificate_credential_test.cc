// The certificate plugin's parts, driven directly: base64url, credential ids, the Open
// Badges credential's checks, and the QR code's matrix and drawing.
#include <cairo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "fulfilment/certificate/issuer_key.h"
#include "fulfilment/certificate/open_badge.h"
#include "fulfilment/certificate/qr_code.h"
#include "plugins/common/json_text.h"

namespace plaudit::fulfilment {
namespace {

TEST(Base64Url, RoundTripsWithoutPaddingAndIsStrict) {
  // The JWS is written with Abseil's encoder; these pin the form it must have.
  EXPECT_EQ(absl::WebSafeBase64Escape(""), "");
  EXPECT_EQ(absl::WebSafeBase64Escape("f"), "Zg");
  EXPECT_EQ(absl::WebSafeBase64Escape("fo"), "Zm8");
  EXPECT_EQ(absl::WebSafeBase64Escape("foo"), "Zm9v");
  EXPECT_EQ(absl::WebSafeBase64Escape("\xfb\xff"), "-_8");
  std::string bytes;
  ASSERT_TRUE(DecodeBase64Url("-_8", &bytes));
  EXPECT_EQ(bytes, "\xfb\xff");
  ASSERT_TRUE(DecodeBase64Url("", &bytes));
  EXPECT_EQ(bytes, "");
  EXPECT_FALSE(DecodeBase64Url("Zg==", &bytes));   // padding
  EXPECT_FALSE(DecodeBase64Url("+/8", &bytes));    // the other alphabet
  EXPECT_FALSE(DecodeBase64Url("Zh", &bytes));     // non-zero spare bits
  EXPECT_FALSE(DecodeBase64Url("Z", &bytes));      // impossible length
  EXPECT_FALSE(DecodeBase64Url("Zm 9v", &bytes));  // a space inside
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
  const json::Json badge = BuildOpenBadge(SampleAward(), {"https://example.com/issuer", "Example"});
  EXPECT_TRUE(OpenBadgeProblems(badge).empty());
  EXPECT_EQ(badge["credentialSubject"]["id"], "urn:plaudit:agent:a%2017");
  EXPECT_EQ(badge["jti"], badge["id"]);
  EXPECT_EQ(badge["credentialSubject"]["achievement"]["id"], "urn:plaudit:program:eotm");
  EXPECT_EQ(badge["nbf"], 1793620800);
}

// Signs `payload_json` as it is, so a test can hand the parser any bytes a forger could.
std::string SignRaw(const std::string& payload_json, const IssuerKey& key) {
  const std::string input = absl::WebSafeBase64Escape(R"({"alg":"EdDSA","typ":"vc+jwt"})") + "." +
                            absl::WebSafeBase64Escape(payload_json);
  return input + "." + absl::WebSafeBase64Escape(key.Sign(input));
}

TEST(VcJwt, RefusesAPayloadThatNamesAMemberTwice) {
  std::string error;
  bool created = false;
  const std::string path =
      ::testing::TempDir() + "vc-jwt-duplicate-" + std::to_string(::getpid()) + ".pem";
  const std::unique_ptr<IssuerKey> key = IssuerKey::LoadOrCreate(path, &created, &error);
  ASSERT_NE(key, nullptr) << error;
  std::remove(path.c_str());
  // Which "id" would a verifier read? Neither: the credential is refused.
  const std::optional<ParsedVcJwt> twice = ParseVcJwt(
      SignRaw(R"({"id":"urn:uuid:1","sub":{"id":"a","id":"b"},"id":"urn:uuid:2"})", *key), &error);
  EXPECT_FALSE(twice.has_value());
  EXPECT_NE(error.find("the payload is not a JSON object"), std::string::npos) << error;
  EXPECT_NE(error.find("duplicate member \"id\""), std::string::npos) << error;

  const std::optional<ParsedVcJwt> once =
      ParseVcJwt(SignRaw(R"({"id":"urn:uuid:1","sub":{"id":"a"}})", *key), &error);
  ASSERT_TRUE(once.has_value()) << error;
  EXPECT_EQ(once->payload["sub"]["id"], "a");
}

TEST(OpenBadge, NamesWhatIsMissingOrInconsistent) {
  json::Json badge = BuildOpenBadge(SampleAward(), {"https://example.com/issuer", "Example"});
  badge["iss"] = "https://evil.example/";
  badge["type"] = "VerifiableCredential";
  badge["credentialSubject"]["achievement"]["criteria"] = json::Json::object();
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

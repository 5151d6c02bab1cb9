// The certificate plugin, loaded from the build tree. Reads the PDFs back with pdftotext (and
// pdftoppm, to read the QR code off the page), and checks the credentials' signatures with
// OpenSSL directly, not with the plugin's own code.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fulfilment/certificate/certificate_layout.h"
#include "fulfilment/certificate/qr_code.h"
#include "tests/testing/plugin_harness.h"

// Unloading the plugin unloads cairo, and with it the only pointers to fontconfig's caches;
// LeakSanitizer (in the sanitizer build) would report those as leaks of this test.
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }

namespace plaudit::testing {
namespace {

namespace fs = std::filesystem;

pb::FulfilRequest CertificateRequest(const std::string& key, const std::string& name) {
  pb::FulfilRequest request;
  request.set_idempotency_key(key);
  request.set_award_id("awd_0042");
  request.set_program_id("eotm");
  request.set_program_name("Employee of the Month");
  request.set_period("2026-10");
  // October 2026 in UTC, as the host sends it: 2026-10-01T00:00Z to 2026-11-01T00:00Z.
  request.mutable_period_start()->set_seconds(1790812800);
  request.mutable_period_end()->set_seconds(1793491200);
  request.set_time_zone("UTC");
  request.set_reward_type("certificate");
  request.mutable_agent()->set_id("a17");
  request.mutable_agent()->set_display_name(name);
  return request;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs `command` and returns what it printed.
std::string CommandOutput(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), &::pclose);
  if (!pipe) return {};
  std::string text;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0)
    text.append(buffer.data(), n);
  return text;
}

// The PDF's text as pdftotext extracts it.
std::string PdfText(const fs::path& pdf) {
  return CommandOutput("pdftotext -enc UTF-8 '" + pdf.string() + "' - 2>&1");
}

int CountFiles(const fs::path& dir) {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++count;
  return count;
}

std::vector<std::string> SplitJws(const std::string& jws) {
  std::vector<std::string> parts;
  std::stringstream in(jws);
  std::string part;
  while (std::getline(in, part, '.')) parts.push_back(part);
  return parts;
}

// base64url to bytes through OpenSSL's standard base64 decoder.
std::string DecodeBase64Url(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  size_t padding = 0;
  while (text.size() % 4 != 0) {
    text += '=';
    ++padding;
  }
  std::string bytes(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return {};
  bytes.resize(static_cast<size_t>(n) - padding);
  return bytes;
}

std::string EncodeBase64Url(const std::string& bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  text.resize(static_cast<size_t>(n));
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

// Whether the compact JWS carries a valid Ed25519 signature by the PEM public key.
bool OpenSslVerifies(const std::string& public_key_pem, const std::string& jws) {
  const size_t dot = jws.rfind('.');
  if (dot == std::string::npos) return false;
  const std::string signing_input = jws.substr(0, dot);
  const std::string signature = DecodeBase64Url(jws.substr(dot + 1));
  std::unique_ptr<BIO, int (*)(BIO*)> bio(
      BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    ADD_FAILURE() << "not an Ed25519 public key: " << public_key_pem;
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

// A private key of `algorithm` ("ED25519", or "EC" for P-256) as PEM.
std::string GeneratePrivateKeyPem(const char* algorithm) {
  EVP_PKEY* key = std::string(algorithm) == "EC"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm);
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  EVP_PKEY_free(key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// The public half of a PEM private key, as SubjectPublicKeyInfo PEM.
std::string PublicPemOf(const std::string& private_pem) {
  std::unique_ptr<BIO, int (*)(BIO*)> in(
      BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  std::unique_ptr<BIO, int (*)(BIO*)> out(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PUBKEY(out.get(), key.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The cell of `column` in the answer's first row.
std::string Cell(const pb::QueryResponse& response, const std::string& column) {
  for (int i = 0; i < response.columns_size(); ++i) {
    if (response.columns(i) == column && response.rows_size() > 0 &&
        i < response.rows(0).cells_size()) {
      return response.rows(0).cells(i);
    }
  }
  return "<no " + column + ">";
}

// A greyscale raster of a PDF's first page at `dpi`.
struct Raster {
  int width = 0;
  int height = 0;
  std::string pixels;  // one byte a pixel, 0 black .. 255 white

  bool DarkAt(double x_points, double y_points, int dpi) const {
    const int x = static_cast<int>(x_points * dpi / 72.0);
    const int y = static_cast<int>(y_points * dpi / 72.0);
    return static_cast<unsigned char>(pixels[static_cast<size_t>(y) * width + x]) < 128;
  }
};

Raster RasterisePdf(const fs::path& pdf, const fs::path& out_prefix, int dpi) {
  const std::string command = "pdftoppm -gray -singlefile -r " + std::to_string(dpi) + " '" +
                              pdf.string() + "' '" + out_prefix.string() + "' 2>&1";
  const std::string output = CommandOutput(command);
  std::ifstream in(out_prefix.string() + ".pgm", std::ios::binary);
  Raster raster;
  std::string magic;
  int max_value = 0;
  in >> magic >> raster.width >> raster.height >> max_value;
  in.get();  // the single whitespace before the pixels
  if (magic != "P5" || max_value != 255) {
    ADD_FAILURE() << "pdftoppm gave no 8-bit PGM: " << output;
    return {};
  }
  raster.pixels.assign(static_cast<size_t>(raster.width) * raster.height, '\0');
  in.read(raster.pixels.data(), static_cast<std::streamsize>(raster.pixels.size()));
  return raster;
}

class CertificatePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath("certificate"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
  }

  void InitWith(const std::map<std::string, std::string>& config = {}) {
    const pb::InitResponse init = plugin_->Init(dir_.path().string(), config);
    ASSERT_EQ(init.error(), "");
  }

  // Stops the plugin and starts a fresh instance over the same data dir and host state, as a
  // plauditd restart does.
  void Restart(const std::map<std::string, std::string>& config = {}) {
    plugin_.reset();
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath("certificate"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
    InitWith(config);
  }

  // Fulfils a certificate and returns its credential, the text of the .jwt beside the PDF.
  std::string IssueCredential(const std::string& key = "rwd-1") {
    const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest(key, "Dana Okafor"));
    EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
    return Trimmed(ReadFile(fs::path(resp.artifact()).replace_extension(".jwt")));
  }

  pb::QueryResponse Verify(const std::string& jwt) {
    return plugin_->Query("verify", {{"credential", jwt}});
  }

  std::string PublicKeyPem() { return plugin_->Query("public_key").text(); }

  FakePluginHost host_;
  TempDir dir_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(CertificatePluginTest, DescribesItselfAsTheCertificateFulfilment) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string(), {});
  EXPECT_EQ(init.error(), "");
  EXPECT_EQ(init.info().name(), "certificate");
  EXPECT_EQ(init.info().kind(), pb::PLUGIN_KIND_FULFILMENT);
  EXPECT_EQ(init.info().version(), "1.1.0");
  ASSERT_EQ(init.info().reward_types_size(), 1);
  EXPECT_EQ(init.info().reward_types(0), "certificate");
}

TEST_F(CertificatePluginTest, RefusesUnknownConfigKeys) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string(), {{"ouput_dir", "x"}});
  EXPECT_NE(init.error().find("ouput_dir"), std::string::npos) << init.error();
}

TEST_F(CertificatePluginTest, WritesAPdfNamingAgentProgramAndPeriod) {
  InitWith();
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();

  const fs::path pdf = resp.artifact();
  EXPECT_TRUE(pdf.is_absolute()) << pdf;
  EXPECT_EQ(pdf, dir_.path() / "artifacts" / "certificate-rwd-1.pdf");
  EXPECT_EQ(ReadFile(pdf).rfind("%PDF-", 0), 0u);

  const std::string text = PdfText(pdf);
  EXPECT_NE(text.find("Certificate of Recognition"), std::string::npos) << text;
  EXPECT_NE(text.find("Dana Okafor"), std::string::npos) << text;
  EXPECT_NE(text.find("Employee of the Month"), std::string::npos) << text;
  EXPECT_NE(text.find("for October 2026"), std::string::npos) << text;
  EXPECT_NE(text.find("awd_0042"), std::string::npos) << text;
}

TEST_F(CertificatePluginTest, PeriodWordsComeFromTheInstantsInTheProgramsZone) {
  InitWith();
  // 5 October 2026 in Los Angeles: 2026-10-05T07:00Z to 2026-10-06T07:00Z, which by UTC would
  // span two days.
  pb::FulfilRequest day = CertificateRequest("rwd-day", "Dana Okafor");
  day.set_period("daily 41/5");  // the label is not parsed
  day.mutable_period_start()->set_seconds(1791183600);
  day.mutable_period_end()->set_seconds(1791270000);
  day.set_time_zone("America/Los_Angeles");
  const pb::FulfilResponse resp = plugin_->Fulfil(day);
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  const std::string text = PdfText(resp.artifact());
  EXPECT_NE(text.find("for 5 October 2026"), std::string::npos) << text;

  // A week is shown by its label.
  pb::FulfilRequest week = CertificateRequest("rwd-week", "Dana Okafor");
  week.set_period("2026-W41");
  week.mutable_period_start()->set_seconds(1791158400);  // 2026-10-05T00:00Z
  week.mutable_period_end()->set_seconds(1791763200);    // 2026-10-12T00:00Z
  const pb::FulfilResponse week_resp = plugin_->Fulfil(week);
  ASSERT_EQ(week_resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << week_resp.error();
  const std::string week_text = PdfText(week_resp.artifact());
  EXPECT_NE(week_text.find("for 2026-W41"), std::string::npos) << week_text;
}

TEST_F(CertificatePluginTest, SameKeyReturnsTheSameFile) {
  InitWith();
  const pb::FulfilResponse first = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(first.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << first.error();
  const std::string bytes = ReadFile(first.artifact());

  const pb::FulfilResponse again = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(again.artifact(), first.artifact());
  EXPECT_EQ(ReadFile(again.artifact()), bytes);
  // The PDF and its credential, no second copy, and no temporary file left behind.
  EXPECT_EQ(CountFiles(dir_.path() / "artifacts"), 2);
}

TEST_F(CertificatePluginTest, KeysDifferingOnlyInUnsafeCharactersGetTheirOwnFiles) {
  InitWith();
  const pb::FulfilResponse slash = plugin_->Fulfil(CertificateRequest("award/7", "Dana Okafor"));
  const pb::FulfilResponse underscore =
      plugin_->Fulfil(CertificateRequest("award_7", "Dana Okafor"));
  ASSERT_EQ(slash.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << slash.error();
  ASSERT_EQ(underscore.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << underscore.error();
  EXPECT_NE(slash.artifact(), underscore.artifact());
  EXPECT_EQ(fs::path(slash.artifact()).parent_path(), dir_.path() / "artifacts");
  const std::string name = fs::path(slash.artifact()).filename().string();
  EXPECT_EQ(name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789_-."),
            std::string::npos)
      << name;
}

TEST_F(CertificatePluginTest, RendersNonAsciiNames) {
  InitWith();
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-2", "Zoë Ångström"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  const std::string text = PdfText(resp.artifact());
  EXPECT_NE(text.find("Zoë Ångström"), std::string::npos) << text;
}

// The certificate speaks the agent's language (their locale's primary subtag), with the period's
// month in that language; a locale Plaudit has no words for gets the configured default.
TEST_F(CertificatePluginTest, PrintsInTheAgentsLanguage) {
  InitWith({{"language", "sv"}});
  struct Case {
    std::string locale;
    std::vector<std::string> words;
  };
  const std::vector<Case> cases = {
      {"ms-MY",
       {"Sijil Penghargaan", "dianugerahkan kepada", "bagi Oktober 2026", "Anugerah awd_0042",
        "Imbas untuk mengesahkan"}},
      {"pt", {"Certificado de Reconhecimento", "referente a outubro de 2026", "Prémio awd_0042"}},
      {"SV_se", {"Intyg om erkännande", "tilldelas", "för oktober 2026", "Utmärkelse awd_0042"}},
      {"en-GB", {"Certificate of Recognition", "is presented to", "for October 2026"}},
      // No words in Japanese: the configured default, Swedish.
      {"ja", {"Intyg om erkännande", "för oktober 2026"}},
      {"", {"Intyg om erkännande"}},
  };
  for (const Case& c : cases) {
    pb::FulfilRequest request = CertificateRequest("rwd-lang-" + c.locale, "Dana Okafor");
    request.mutable_agent()->set_locale(c.locale);
    const pb::FulfilResponse resp = plugin_->Fulfil(request);
    ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
    const std::string text = PdfText(resp.artifact());
    for (const std::string& word : c.words) {
      EXPECT_NE(text.find(word), std::string::npos) << c.locale << ": " << word << " in\n" << text;
    }
  }
}

// Persian is shaped and set right to left: the words read back in their logical order, the
// date's digits are Persian, and the first word of a line lies to the right of the last.
TEST_F(CertificatePluginTest, PrintsPersianRightToLeft) {
  InitWith();
  pb::FulfilRequest request = CertificateRequest("rwd-fa", "Dana Okafor");
  request.mutable_agent()->set_locale("fa-IR");
  const pb::FulfilResponse resp = plugin_->Fulfil(request);
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  const std::string text = PdfText(resp.artifact());
  EXPECT_NE(text.find("گواهی قدردانی"), std::string::npos) << text;
  EXPECT_NE(text.find("تقدیم به"), std::string::npos) << text;
  // pdftotext marks the embedded left-to-right run of the year with bidi controls.
  EXPECT_NE(text.find("برای اکتبر"), std::string::npos) << text;
  EXPECT_NE(text.find("۲۰۲۶"), std::string::npos) << text;
  EXPECT_NE(text.find("Dana Okafor"), std::string::npos) << text;

  // pdftotext -bbox gives a box for each Persian letter: on the title line, "گ" (the first
  // letter of "گواهی", the first word) sits to the right of "ق" (the first of "قدردانی").
  const std::string boxes =
      CommandOutput("pdftotext -bbox -enc UTF-8 '" + resp.artifact() + "' - 2>&1");
  auto x_of = [&](const std::string& word) -> double {
    const size_t at = boxes.find(">" + word + "</word>");
    if (at == std::string::npos) return -1;
    const size_t x = boxes.rfind("xMin=\"", at);
    return x == std::string::npos ? -1 : std::stod(boxes.substr(x + 6));
  };
  const double first = x_of("گ");
  const double second = x_of("ق");
  ASSERT_GE(first, 0) << boxes;
  ASSERT_GE(second, 0) << boxes;
  EXPECT_GT(first, second) << boxes;
}

TEST_F(CertificatePluginTest, RefusesALanguageItHasNoWordsFor) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string(), {{"language", "klingon"}});
  EXPECT_NE(init.error().find("klingon"), std::string::npos) << init.error();
}

TEST_F(CertificatePluginTest, MissingDisplayNameIsPermanent) {
  InitWith();
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-3", "  "));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(resp.error().find("display_name"), std::string::npos) << resp.error();
  EXPECT_FALSE(fs::exists(dir_.path() / "artifacts" / "certificate-rwd-3.pdf"));
}

TEST_F(CertificatePluginTest, OutputDirConfigReplacesArtifacts) {
  const fs::path out = dir_.path() / "certs" / "2026";
  InitWith({{"output_dir", out.string()}});
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-5", "Dana Okafor"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(fs::path(resp.artifact()), out / "certificate-rwd-5.pdf");
  EXPECT_FALSE(fs::exists(dir_.path() / "artifacts"));
}

TEST_F(CertificatePluginTest, UncreatableOutputDirIsRetryable) {
  // A regular file where a folder should be: no one, not even root, can create the folder.
  std::ofstream(dir_.path() / "blocker") << "x";
  InitWith({{"output_dir", (dir_.path() / "blocker" / "certs").string()}});
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-6", "Dana Okafor"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(resp.error().find("blocker"), std::string::npos) << resp.error();
}

const std::map<std::string, std::string> kIssuerConfig = {
    {"issuer_id", "https://recognition.example.com/issuer"},
    {"issuer_name", "Example Contact Centre"},
    {"verify_url_base", "https://recognition.example.com/verify/"}};

TEST_F(CertificatePluginTest, WritesASignedOpenBadgeCredentialBesideThePdf) {
  host_.SetNowMicros(1'793'620'800'000'000);  // 2026-11-02T12:00:00Z
  InitWith(kIssuerConfig);
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  const fs::path jwt_path = dir_.path() / "artifacts" / "certificate-rwd-1.jwt";
  ASSERT_TRUE(fs::is_regular_file(jwt_path));
  const std::string jwt = Trimmed(ReadFile(jwt_path));

  const std::vector<std::string> parts = SplitJws(jwt);
  ASSERT_EQ(parts.size(), 3u) << jwt;
  EXPECT_EQ(parts[0].find('='), std::string::npos);
  const std::string header = DecodeBase64Url(parts[0]);
  const std::string payload = DecodeBase64Url(parts[1]);
  const pb::QueryResponse key = plugin_->Query("public_key");
  EXPECT_EQ(header, R"({"alg":"EdDSA","typ":"vc+jwt","kid":")" + Cell(key, "kid") + R"("})");
  EXPECT_EQ(DecodeBase64Url(parts[2]).size(), 64u);
  EXPECT_TRUE(OpenSslVerifies(key.text(), jwt));

  for (const std::string& expected :
       {std::string(R"("@context":["https://www.w3.org/ns/credentials/v2",)"
                    R"("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"])"),
        std::string(R"("type":["VerifiableCredential","OpenBadgeCredential"])"),
        std::string(R"("issuer":{"id":"https://recognition.example.com/issuer",)"
                    R"("type":["Profile"],"name":"Example Contact Centre"})"),
        std::string(R"("validFrom":"2026-11-02T12:00:00Z")"),
        std::string(R"("credentialSubject":{"id":"urn:plaudit:agent:a17",)"
                    R"("type":["AchievementSubject"])"),
        std::string(R"("type":["Achievement"],"name":"Employee of the Month",)"
                    R"("description":"Employee of the Month for October 2026 (award awd_0042).")"),
        std::string(R"("criteria":{"narrative":")"), std::string(R"("statusPurpose":"revocation")"),
        std::string(R"("iss":"https://recognition.example.com/issuer")"),
        std::string(R"("sub":"urn:plaudit:agent:a17")"), std::string(R"("nbf":1793620800)")}) {
    EXPECT_NE(payload.find(expected), std::string::npos) << expected << "\nin " << payload;
  }
  // The id is a name-based UUID (version 5), and the JWT names it as jti.
  const size_t id_at = payload.find(R"("id":"urn:uuid:)");
  ASSERT_NE(id_at, std::string::npos) << payload;
  const std::string id = payload.substr(id_at + 6, 45);
  EXPECT_EQ(id[23], '5') << id;
  EXPECT_NE(payload.find(R"("jti":")" + id + "\""), std::string::npos) << payload;
  EXPECT_NE(payload.find(R"("id":"https://recognition.example.com/verify/)" + id.substr(9) +
                         R"(#revocation")"),
            std::string::npos)
      << payload;

  // Host state maps the id to the agent, the award and the files.
  const std::optional<std::string> record = host_.Get("credential/" + id);
  ASSERT_TRUE(record.has_value());
  EXPECT_NE(record->find(R"("agent":"a17")"), std::string::npos) << *record;
  EXPECT_NE(record->find(R"("award":"awd_0042")"), std::string::npos) << *record;
  EXPECT_NE(record->find(jwt_path.string()), std::string::npos) << *record;
  EXPECT_NE(record->find(resp.artifact()), std::string::npos) << *record;
}

TEST_F(CertificatePluginTest, HashesTheAgentsEmailIntoASaltedIdentifier) {
  InitWith();
  pb::FulfilRequest request = CertificateRequest("rwd-1", "Dana Okafor");
  request.mutable_agent()->set_email("Dana.Okafor@example.com");
  const pb::FulfilResponse resp = plugin_->Fulfil(request);
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  const std::string payload = DecodeBase64Url(
      SplitJws(Trimmed(ReadFile(fs::path(resp.artifact()).replace_extension(".jwt"))))[1]);
  EXPECT_NE(payload.find(R"("identityType":"emailAddress","hashed":true,"salt":")"),
            std::string::npos)
      << payload;
  EXPECT_EQ(payload.find("example.com"), std::string::npos) << payload;
}

TEST_F(CertificatePluginTest, VerifyReportsAValidCredential) {
  InitWith(kIssuerConfig);
  const std::string jwt = IssueCredential();
  const pb::QueryResponse report = Verify(jwt);
  ASSERT_EQ(report.error(), "");
  const std::string& text = report.text();
  EXPECT_NE(text.find("signature: valid"), std::string::npos) << text;
  EXPECT_NE(text.find("issuer: https://recognition.example.com/issuer (Example Contact Centre)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("subject: urn:plaudit:agent:a17"), std::string::npos) << text;
  EXPECT_NE(text.find("achievement: Employee of the Month"), std::string::npos) << text;
  EXPECT_NE(text.find("status: active\n"), std::string::npos) << text;
  EXPECT_NE(text.find("verdict: valid"), std::string::npos) << text;
  EXPECT_EQ(Cell(report, "verdict"), "valid");
  EXPECT_EQ(Cell(report, "signature"), "valid");
  EXPECT_EQ(Cell(report, "status"), "active");
}

// For the recipient's page: the credential with its verification link, and the PDF itself.
TEST_F(CertificatePluginTest, CredentialAndPdfQueriesReturnTheRecordedCertificate) {
  InitWith(kIssuerConfig);
  const std::string jwt = IssueCredential("rwd-9");
  const pb::QueryResponse credential = plugin_->Query("credential", {{"idempotency_key", "rwd-9"}});
  ASSERT_EQ(credential.error(), "");
  EXPECT_EQ(Cell(credential, "agent"), "a17");
  EXPECT_EQ(Cell(credential, "credential"), jwt);
  const std::string id = Cell(credential, "credential_id");
  EXPECT_TRUE(id.starts_with("urn:uuid:")) << id;
  EXPECT_EQ(Cell(credential, "verification_url"),
            std::string(kIssuerConfig.at("verify_url_base")) + id.substr(9));
  const pb::QueryResponse pdf = plugin_->Query("pdf", {{"idempotency_key", "rwd-9"}});
  ASSERT_EQ(pdf.error(), "");
  EXPECT_EQ(Cell(pdf, "agent"), "a17");
  EXPECT_EQ(Cell(pdf, "file"), "certificate-rwd-9.pdf");
  const std::string encoded = Cell(pdf, "pdf_base64");
  std::string decoded(encoded.size(), '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                     reinterpret_cast<const unsigned char*>(encoded.data()),
                                     static_cast<int>(encoded.size()));
  ASSERT_GT(length, 4);
  EXPECT_EQ(decoded.substr(0, 5), "%PDF-");
  EXPECT_EQ(decoded.substr(0, 1000),
            ReadFile(dir_.path() / "artifacts" / "certificate-rwd-9.pdf").substr(0, 1000));
  // A key without a certificate, and no key at all.
  EXPECT_EQ(plugin_->Query("credential", {{"idempotency_key", "nope"}}).code(), 5);
  EXPECT_EQ(plugin_->Query("pdf").error(), "arg idempotency_key is required");
}

TEST_F(CertificatePluginTest, TamperedPayloadDoesNotVerify) {
  InitWith(kIssuerConfig);
  const std::string jwt = IssueCredential();
  std::vector<std::string> parts = SplitJws(jwt);
  std::string payload = DecodeBase64Url(parts[1]);
  const size_t at = payload.find("urn:plaudit:agent:a17");
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, 21, "urn:plaudit:agent:a99");
  const std::string forged = parts[0] + "." + EncodeBase64Url(payload) + "." + parts[2];

  EXPECT_FALSE(OpenSslVerifies(PublicKeyPem(), forged));
  const pb::QueryResponse report = Verify(forged);
  ASSERT_EQ(report.error(), "");
  EXPECT_NE(report.text().find("signature: INVALID"), std::string::npos) << report.text();
  EXPECT_EQ(Cell(report, "verdict"), "invalid");
}

TEST_F(CertificatePluginTest, TamperedSignatureDoesNotVerify) {
  InitWith(kIssuerConfig);
  const std::string jwt = IssueCredential();
  std::vector<std::string> parts = SplitJws(jwt);
  std::string signature = DecodeBase64Url(parts[2]);
  signature[10] ^= 0x01;
  const std::string forged = parts[0] + "." + parts[1] + "." + EncodeBase64Url(signature);

  EXPECT_FALSE(OpenSslVerifies(PublicKeyPem(), forged));
  const pb::QueryResponse report = Verify(forged);
  ASSERT_EQ(report.error(), "");
  EXPECT_NE(report.text().find("signature: INVALID"), std::string::npos) << report.text();
  EXPECT_EQ(Cell(report, "verdict"), "invalid");
}

TEST_F(CertificatePluginTest, GarbageIsAnInvalidCredentialAndNoCredentialIsAnError) {
  InitWith();
  const pb::QueryResponse garbage = Verify("not a credential");
  ASSERT_EQ(garbage.error(), "");
  EXPECT_NE(garbage.text().find("structure: INVALID"), std::string::npos) << garbage.text();
  EXPECT_EQ(Cell(garbage, "verdict"), "invalid");

  const pb::QueryResponse missing = plugin_->Query("verify");
  EXPECT_EQ(missing.code(), 3);
  EXPECT_NE(missing.error().find("credential"), std::string::npos) << missing.error();
}

TEST_F(CertificatePluginTest, RevokedCredentialReportsRevoked) {
  host_.SetNowMicros(1'793'620'800'000'000);  // 2026-11-02T12:00:00Z
  InitWith(kIssuerConfig);
  const std::string jwt = IssueCredential();
  const std::string id = Cell(Verify(jwt), "credential");
  ASSERT_EQ(id.rfind("urn:uuid:", 0), 0u) << id;

  host_.SetNowMicros(1'793'793'600'000'000);  // 2026-11-04T12:00:00Z
  const pb::QueryResponse revoked =
      plugin_->Query("revoke", {{"id", id}, {"reason", "issued in error"}}, "ops-lead");
  ASSERT_EQ(revoked.error(), "");
  EXPECT_EQ(Cell(revoked, "revoked_by"), "ops-lead");

  const pb::QueryResponse report = Verify(jwt);
  EXPECT_NE(report.text().find("signature: valid"), std::string::npos) << report.text();
  EXPECT_NE(
      report.text().find("status: revoked (2026-11-04T12:00:00Z, by ops-lead: issued in error)"),
      std::string::npos)
      << report.text();
  EXPECT_EQ(Cell(report, "verdict"), "revoked");

  // Revoking again changes nothing: the first revocation stands.
  host_.SetNowMicros(1'793'880'000'000'000);
  const pb::QueryResponse again = plugin_->Query(
      "revoke", {{"id", std::string(id.substr(9))}, {"reason", "duplicate"}}, "team-lead");
  ASSERT_EQ(again.error(), "");
  EXPECT_EQ(Cell(again, "revoked_by"), "ops-lead");
  EXPECT_EQ(Cell(again, "reason"), "issued in error");
  EXPECT_NE(again.text().find("already"), std::string::npos) << again.text();
  EXPECT_NE(Verify(jwt).text().find("by ops-lead: issued in error"), std::string::npos);
}

TEST_F(CertificatePluginTest, RevokeRefusesWithoutActorReasonOrKnownId) {
  InitWith();
  const std::string id = Cell(Verify(IssueCredential()), "credential");
  EXPECT_EQ(plugin_->Query("revoke", {{"id", id}, {"reason", "x"}}, "").code(), 16);
  EXPECT_EQ(plugin_->Query("revoke", {{"id", id}}, "ops-lead").code(), 3);
  EXPECT_EQ(plugin_->Query("revoke", {{"reason", "x"}}, "ops-lead").code(), 3);
  EXPECT_EQ(plugin_
                ->Query("revoke",
                        {{"id", "urn:uuid:00000000-0000-5000-8000-000000000000"}, {"reason", "x"}},
                        "ops-lead")
                .code(),
            5);
  EXPECT_EQ(Cell(Verify(IssueCredential()), "status"), "active");
}

TEST_F(CertificatePluginTest, SameKeyIssuesTheSameCredentialAgain) {
  host_.SetNowMicros(1'793'620'800'000'000);
  InitWith();
  const std::string first = IssueCredential("rwd-7");
  host_.SetNowMicros(1'793'707'200'000'000);  // a day later: the retry keeps the first validFrom
  const std::string again = IssueCredential("rwd-7");
  EXPECT_EQ(again, first);
  const std::string other = IssueCredential("rwd-8");
  EXPECT_NE(Cell(Verify(other), "credential"), Cell(Verify(first), "credential"));
  // Two PDFs and two credentials; no temporary files left behind.
  EXPECT_EQ(CountFiles(dir_.path() / "artifacts"), 4);
}

TEST_F(CertificatePluginTest, LookupFindsOnlyFinishedCertificates) {
  InitWith();
  EXPECT_EQ(plugin_->Lookup(CertificateRequest("rwd-1", "Dana Okafor")).outcome(),
            pb::FULFIL_OUTCOME_NOT_FOUND);
  const pb::FulfilResponse fulfilled = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  const pb::FulfilResponse found = plugin_->Lookup(CertificateRequest("rwd-1", "Dana Okafor"));
  EXPECT_EQ(found.outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(found.artifact(), fulfilled.artifact());
}

TEST_F(CertificatePluginTest, GeneratedKeyIsPrivateAndSurvivesRestarts) {
  InitWith();
  const fs::path key_path = dir_.path() / "certificate" / "issuer-ed25519.pem";
  ASSERT_TRUE(fs::is_regular_file(key_path));
  struct stat key_stat;
  ASSERT_EQ(::stat(key_path.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_TRUE(host_.Logged(key_path.string()));
  const std::string kid = Cell(plugin_->Query("public_key"), "kid");
  const std::string jwt = IssueCredential();

  Restart();
  EXPECT_EQ(Cell(plugin_->Query("public_key"), "kid"), kid);
  EXPECT_EQ(Cell(Verify(jwt), "verdict"), "valid");
  EXPECT_TRUE(OpenSslVerifies(PublicKeyPem(), jwt));
}

TEST_F(CertificatePluginTest, SignsWithTheConfiguredIssuerKey) {
  const std::string pem = GeneratePrivateKeyPem("ED25519");
  std::ofstream(dir_.path() / "issuer.pem") << pem;
  InitWith({{"issuer_key_file", "issuer.pem"}});
  EXPECT_EQ(PublicKeyPem(), PublicPemOf(pem));
  EXPECT_NE(Cell(plugin_->Query("public_key"), "jwk").find(R"("kty":"OKP","crv":"Ed25519")"),
            std::string::npos);
  EXPECT_TRUE(OpenSslVerifies(PublicPemOf(pem), IssueCredential()));
  EXPECT_FALSE(fs::exists(dir_.path() / "certificate"));
}

TEST_F(CertificatePluginTest, RefusesToStartWithABadIssuerKey) {
  std::ofstream(dir_.path() / "ec.pem") << GeneratePrivateKeyPem("EC");
  std::ofstream(dir_.path() / "junk.pem") << "not a key\n";
  const std::string ec_error =
      plugin_->Init(dir_.path().string(), {{"issuer_key_file", "ec.pem"}}).error();
  EXPECT_NE(ec_error.find("Ed25519"), std::string::npos) << ec_error;
  EXPECT_NE(ec_error.find("ec.pem"), std::string::npos) << ec_error;
  const std::string junk_error =
      plugin_->Init(dir_.path().string(), {{"issuer_key_file", "junk.pem"}}).error();
  EXPECT_NE(junk_error.find("junk.pem"), std::string::npos) << junk_error;
  const std::string missing_error =
      plugin_->Init(dir_.path().string(), {{"issuer_key_file", "absent.pem"}}).error();
  EXPECT_NE(missing_error.find("absent.pem"), std::string::npos) << missing_error;

  // A generated key that was later replaced by something else is refused too, not overwritten.
  fs::create_directories(dir_.path() / "certificate");
  std::ofstream(dir_.path() / "certificate" / "issuer-ed25519.pem") << GeneratePrivateKeyPem("EC");
  EXPECT_NE(plugin_->Init(dir_.path().string(), {}).error().find("Ed25519"), std::string::npos);
}

TEST_F(CertificatePluginTest, RefusesMalformedIssuerSettings) {
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"issuer_id", "not a uri"}}).error(), "");
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"verify_url_base", "ftp://x/"}}).error(), "");
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"issuer_name", ""}}).error(), "");
}

TEST_F(CertificatePluginTest, PdfCarriesAQrCodeOfTheVerificationUrl) {
  InitWith(kIssuerConfig);
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  const std::string id = Cell(
      Verify(Trimmed(ReadFile(fs::path(resp.artifact()).replace_extension(".jwt")))), "credential");
  const std::optional<fulfilment::QrMatrix> expected =
      fulfilment::EncodeQr("https://recognition.example.com/verify/" + id.substr(9));
  ASSERT_TRUE(expected.has_value());

  const std::string text = PdfText(resp.artifact());
  EXPECT_NE(text.find("Scan to verify"), std::string::npos) << text;
  EXPECT_NE(text.find(id), std::string::npos) << text;

  // Read every module back off the rendered page, and one module of quiet zone around it.
  constexpr int kDpi = 144;
  const Raster page = RasterisePdf(resp.artifact(), dir_.path() / "page", kDpi);
  ASSERT_GT(page.width, 0);
  const double module = fulfilment::kQrSide / expected->size;
  int mismatches = 0;
  for (int row = -1; row <= expected->size; ++row) {
    for (int column = -1; column <= expected->size; ++column) {
      const bool inside =
          row >= 0 && column >= 0 && row < expected->size && column < expected->size;
      const bool want_dark = inside && expected->Dark(column, row);
      const bool dark = page.DarkAt(fulfilment::kQrX + (column + 0.5) * module,
                                    fulfilment::kQrY + (row + 0.5) * module, kDpi);
      if (dark != want_dark) ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST_F(CertificatePluginTest, WithoutAVerifyUrlTheQrCodeHoldsTheCredentialId) {
  InitWith();
  const pb::FulfilResponse resp = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  const std::string jwt = Trimmed(ReadFile(fs::path(resp.artifact()).replace_extension(".jwt")));
  const std::string id = Cell(Verify(jwt), "credential");
  const std::optional<fulfilment::QrMatrix> expected = fulfilment::EncodeQr(id);
  ASSERT_TRUE(expected.has_value());
  EXPECT_NE(DecodeBase64Url(SplitJws(jwt)[1]).find("urn:plaudit:revocation:" + id.substr(9)),
            std::string::npos);

  constexpr int kDpi = 144;
  const Raster page = RasterisePdf(resp.artifact(), dir_.path() / "page", kDpi);
  ASSERT_GT(page.width, 0);
  const double module = fulfilment::kQrSide / expected->size;
  int mismatches = 0;
  for (int row = 0; row < expected->size; ++row) {
    for (int column = 0; column < expected->size; ++column) {
      const bool dark = page.DarkAt(fulfilment::kQrX + (column + 0.5) * module,
                                    fulfilment::kQrY + (row + 0.5) * module, kDpi);
      if (dark != expected->Dark(column, row)) ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace plaudit::testing

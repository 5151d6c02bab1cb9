// The certificate plugin, loaded from the build tree. Reads the PDFs back with pdftotext.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

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
  request.set_reward_type("certificate");
  request.mutable_agent()->set_id("a17");
  request.mutable_agent()->set_display_name(name);
  return request;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The PDF's text as pdftotext extracts it.
std::string PdfText(const fs::path& pdf) {
  const std::string command = "pdftotext -enc UTF-8 '" + pdf.string() + "' - 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), &::pclose);
  if (!pipe) return {};
  std::string text;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0)
    text.append(buffer.data(), n);
  return text;
}

int CountFiles(const fs::path& dir) {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++count;
  return count;
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

  FakePluginHost host_;
  TempDir dir_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(CertificatePluginTest, DescribesItselfAsTheCertificateFulfilment) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string(), {});
  EXPECT_EQ(init.error(), "");
  EXPECT_EQ(init.info().name(), "certificate");
  EXPECT_EQ(init.info().kind(), pb::PLUGIN_KIND_FULFILMENT);
  EXPECT_EQ(init.info().version(), "1.0.0");
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

TEST_F(CertificatePluginTest, SameKeyReturnsTheSameFile) {
  InitWith();
  const pb::FulfilResponse first = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(first.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << first.error();
  const std::string bytes = ReadFile(first.artifact());

  const pb::FulfilResponse again = plugin_->Fulfil(CertificateRequest("rwd-1", "Dana Okafor"));
  ASSERT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(again.artifact(), first.artifact());
  EXPECT_EQ(ReadFile(again.artifact()), bytes);
  // No second file, and no temporary file left behind.
  EXPECT_EQ(CountFiles(dir_.path() / "artifacts"), 1);
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

}  // namespace
}  // namespace plaudit::testing

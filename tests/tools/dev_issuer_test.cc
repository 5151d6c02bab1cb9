// plaudit-dev-issuer, as the built binary (files, modes, refusals) and as the library tests
// link (certificates checked with OpenSSL's own chain verification).
#include "tools/dev_issuer/dev_issuer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/auth/token_validator.h"
#include "nlohmann/json.hpp"
#include "tests/testing/command.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::dev_issuer {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t Mode(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 07777;
}

std::string Binary() {
  const char* build_dir = std::getenv("PLAUDIT_BUILD_DIR");
  return std::string(build_dir ? build_dir : "build") + "/bin/plaudit-dev-issuer";
}

// Runs the binary with `arguments`; stderr joins stdout.
testing::CommandResult RunIssuer(const std::string& arguments) {
  return testing::RunCommand(Binary() + " " + arguments + " 2>&1");
}

std::string Trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// OK if `cert_path` chains to `ca_path` for `purpose` (X509_PURPOSE_SSL_SERVER, ...).
std::string VerifyChain(const std::string& cert_path, const std::string& ca_path, int purpose) {
  auto read = [](const std::string& path) {
    const std::string pem = ReadText(path);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
  };
  X509* cert = read(cert_path);
  X509* ca = read(ca_path);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  const bool ok = X509_verify_cert(ctx) == 1;
  const std::string result =
      ok ? "OK" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(ca);
  X509_free(cert);
  return result;
}

bool CertificateNames(const std::string& cert_path, const std::string& host,
                      const std::string& ip) {
  const std::string pem = ReadText(cert_path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  const bool names = (host.empty() || X509_check_host(cert, host.c_str(), 0, 0, nullptr) == 1) &&
                     (ip.empty() || X509_check_ip_asc(cert, ip.c_str(), 0) == 1);
  X509_free(cert);
  return names;
}

auth::TokenValidator ValidatorFor(const std::string& dir, auth::TokenSettings settings = {}) {
  settings.issuer = Trimmed(ReadText(dir + "/issuer.txt"));
  settings.audience = kDefaultAudience;
  return auth::TokenValidator(settings, *auth::KeySet::FromFile(dir + "/jwks.json"));
}

TEST(DevIssuerCli, InitWritesPrivateKeysForTheOwnerOnly) {
  testing::TempDir dir;
  const std::string issuer = dir.File("issuer");
  testing::CommandResult init = RunIssuer("init " + issuer);
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_EQ(Mode(issuer + "/signing-key.pem"), 0600);
  EXPECT_EQ(Mode(issuer + "/tls/ca.key"), 0600);
  EXPECT_EQ(Mode(issuer + "/tls/server.key"), 0600);
  EXPECT_EQ(Mode(issuer + "/jwks.json"), 0644);
  EXPECT_EQ(Mode(issuer + "/tls/ca.pem"), 0644);
  EXPECT_EQ(Mode(issuer + "/tls/server.pem"), 0644);
  EXPECT_EQ(Trimmed(ReadText(issuer + "/issuer.txt")), kDefaultIssuer);

  const json jwks = json::parse(ReadText(issuer + "/jwks.json"));
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0]["alg"], "ES256");
  EXPECT_EQ(jwks["keys"][0]["use"], "sig");
  EXPECT_FALSE(jwks["keys"][0]["kid"].get<std::string>().empty());
  EXPECT_FALSE(jwks["keys"][0].contains("d"));  // no private part
}

TEST(DevIssuerCli, InitRefusesToReplaceAKeyWithoutForce) {
  testing::TempDir dir;
  const std::string issuer = dir.File("issuer");
  ASSERT_EQ(RunIssuer("init " + issuer).exit_code, 0);
  const std::string key = ReadText(issuer + "/signing-key.pem");

  testing::CommandResult again = RunIssuer("init " + issuer);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.output,
            "plaudit-dev-issuer: " + issuer +
                "/signing-key.pem exists; pass --force to replace the issuer's keys\n");
  EXPECT_EQ(ReadText(issuer + "/signing-key.pem"), key);

  ASSERT_EQ(RunIssuer("init --force " + issuer).exit_code, 0);
  EXPECT_NE(ReadText(issuer + "/signing-key.pem"), key);
  EXPECT_EQ(Mode(issuer + "/signing-key.pem"), 0600);
}

TEST(DevIssuerCli, InitTakesTheIssuerAndAlgorithm) {
  testing::TempDir dir;
  const std::string issuer = dir.File("issuer");
  ASSERT_EQ(
      RunIssuer("init " + issuer + " --alg EdDSA --issuer https://login.example.test").exit_code,
      0);
  EXPECT_EQ(Trimmed(ReadText(issuer + "/issuer.txt")), "https://login.example.test");
  EXPECT_EQ(json::parse(ReadText(issuer + "/jwks.json"))["keys"][0]["alg"], "EdDSA");
  EXPECT_NE(RunIssuer("init " + dir.File("other") + " --alg HS256").exit_code, 0);
}

TEST(DevIssuerCli, MintPrintsATokenTheValidatorAccepts) {
  testing::TempDir dir;
  const std::string issuer = dir.File("issuer");
  ASSERT_EQ(RunIssuer("init " + issuer + " --alg RS256").exit_code, 0);
  const absl::Time before = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  testing::CommandResult mint = RunIssuer("mint --dir " + issuer +
                                          " --sub alice --roles admin,manager --teams north "
                                          "--ttl 15m --claim agent=a-7 --claim level=3");
  const absl::Time after = absl::Now();
  ASSERT_EQ(mint.exit_code, 0) << mint.output;
  auth::TokenSettings settings;
  settings.agent_claim = "agent";
  absl::StatusOr<auth::TokenClaims> claims =
      ValidatorFor(issuer, settings).Validate(Trimmed(mint.output), after);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_THAT(claims->roles, ElementsAre("admin", "manager"));
  EXPECT_THAT(claims->teams, ElementsAre("north"));
  EXPECT_EQ(claims->agent, "a-7");
  EXPECT_GE(claims->expires, before + absl::Minutes(15));
  EXPECT_LE(claims->expires, after + absl::Minutes(15));
}

TEST(DevIssuerCli, MintsExpiredAndNotYetValidTokensForTests) {
  testing::TempDir dir;
  const std::string issuer = dir.File("issuer");
  ASSERT_EQ(RunIssuer("init " + issuer).exit_code, 0);
  testing::CommandResult expired = RunIssuer("mint --dir " + issuer + " --sub alice --expired");
  testing::CommandResult early =
      RunIssuer("mint --dir " + issuer + " --sub alice --not-before-in 10m");
  ASSERT_EQ(expired.exit_code, 0) << expired.output;
  ASSERT_EQ(early.exit_code, 0) << early.output;
  auth::TokenValidator validator = ValidatorFor(issuer);
  EXPECT_EQ(validator.Validate(Trimmed(expired.output), absl::Now()).status().message(),
            "token expired");
  EXPECT_EQ(validator.Validate(Trimmed(early.output), absl::Now()).status().message(),
            "token not yet valid");
}

TEST(DevIssuerCli, MintRefusesBadFlags) {
  testing::TempDir dir;
  const std::string issuer = dir.File("issuer");
  ASSERT_EQ(RunIssuer("init " + issuer).exit_code, 0);
  EXPECT_EQ(RunIssuer("mint --dir " + issuer + " --sub a --ttl soon").output,
            "plaudit-dev-issuer: --ttl: not a duration: soon\n");
  EXPECT_EQ(RunIssuer("mint --dir " + issuer + " --sub a --claim novalue").output,
            "plaudit-dev-issuer: --claim: expected key=value, got novalue\n");
  EXPECT_NE(RunIssuer("mint --dir " + issuer).exit_code, 0);  // no --sub
  testing::CommandResult no_issuer = RunIssuer("mint --dir " + dir.File("absent") + " --sub a");
  EXPECT_EQ(no_issuer.exit_code, 1);
  EXPECT_THAT(no_issuer.output, HasSubstr("absent/signing-key.pem"));
}

TEST(DevIssuerCli, ClientCertIsSignedByTheDevCa) {
  testing::TempDir dir;
  const std::string issuer = dir.File("issuer");
  ASSERT_EQ(RunIssuer("init " + issuer).exit_code, 0);
  testing::CommandResult cert = RunIssuer("client-cert --dir " + issuer + " --name payroll-sync");
  ASSERT_EQ(cert.exit_code, 0) << cert.output;
  EXPECT_EQ(Mode(issuer + "/tls/payroll-sync.key"), 0600);
  EXPECT_EQ(VerifyChain(issuer + "/tls/payroll-sync.pem", issuer + "/tls/ca.pem",
                        X509_PURPOSE_SSL_CLIENT),
            "OK");
  EXPECT_TRUE(CertificateNames(issuer + "/tls/payroll-sync.pem", "payroll-sync", ""));
}

TEST(DevIssuer, ServerCertificateNamesLocalhostAndChainsToTheCa) {
  testing::TempDir dir;
  IssuerOptions options;
  options.dir = dir.path();
  ASSERT_TRUE(InitIssuer(options, absl::Now()).ok());
  const std::string server = dir.File("tls/server.pem");
  EXPECT_EQ(VerifyChain(server, dir.File("tls/ca.pem"), X509_PURPOSE_SSL_SERVER), "OK");
  EXPECT_TRUE(CertificateNames(server, "localhost", "127.0.0.1"));
  EXPECT_TRUE(CertificateNames(server, "", "::1"));
  EXPECT_FALSE(CertificateNames(server, "example.com", ""));
}

TEST(DevIssuer, ClientCertificateNamesAreFileNamesOnly) {
  testing::TempDir dir;
  IssuerOptions options;
  options.dir = dir.path();
  ASSERT_TRUE(InitIssuer(options, absl::Now()).ok());
  for (const char* name : {"", "../escape", ".hidden", "a/b", "ca", "server"}) {
    EXPECT_EQ(WriteClientCertificate(dir.path(), name, absl::Now()).code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
  testing::TempDir empty;
  EXPECT_EQ(WriteClientCertificate(empty.path(), "svc", absl::Now()).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(DevIssuer, MintRefusesAnEmptySubjectAndANonPositiveTtl) {
  testing::TempDir dir;
  IssuerOptions options;
  options.dir = dir.path();
  ASSERT_TRUE(InitIssuer(options, absl::Now()).ok());
  MintOptions mint;
  EXPECT_EQ(MintToken(dir.path(), mint, absl::Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  mint.subject = "alice";
  mint.ttl = absl::ZeroDuration();
  EXPECT_EQ(MintToken(dir.path(), mint, absl::Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace plaudit::dev_issuer

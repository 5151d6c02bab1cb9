#include "core/auth/token_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/auth/base64url.h"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/dev_issuer.h"
#include "tools/dev_issuer/jws_signer.h"

namespace plaudit::auth {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// A dev issuer directory and a validator that trusts its jwks.json.
class TokenValidatorTest : public ::testing::Test {
 protected:
  void Init(JwsAlgorithm algorithm, TokenSettings settings = {}) {
    dev_issuer::IssuerOptions options;
    options.dir = dir_.path();
    options.algorithm = algorithm;
    ASSERT_TRUE(dev_issuer::InitIssuer(options, kNow).ok());
    if (settings.issuer.empty()) settings.issuer = dev_issuer::kDefaultIssuer;
    if (settings.audience.empty()) settings.audience = dev_issuer::kDefaultAudience;
    absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromFile(dir_.File("jwks.json"));
    ASSERT_TRUE(keys.ok()) << keys.status();
    validator_ = std::make_unique<TokenValidator>(std::move(settings), *std::move(keys));
  }

  std::string Mint(const dev_issuer::MintOptions& options) {
    absl::StatusOr<std::string> token = dev_issuer::MintToken(dir_.path(), options, kNow);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }
  std::string Mint(const std::string& subject) {
    dev_issuer::MintOptions options;
    options.subject = subject;
    return Mint(options);
  }

  // Signs any header and payload with the issuer's key; for tokens MintToken will not make.
  std::string Sign(const json& header, const json& payload) {
    absl::StatusOr<std::string> pem = ReadKeyPem();
    absl::StatusOr<dev_issuer::PrivateKey> key = dev_issuer::ReadPrivateKeyPem(*pem);
    EXPECT_TRUE(key.ok()) << key.status();
    absl::StatusOr<std::string> token = dev_issuer::SignCompactJws(key->get(), header, payload);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }
  json Header(const std::string& alg) {
    absl::StatusOr<dev_issuer::PrivateKey> key = dev_issuer::ReadPrivateKeyPem(*ReadKeyPem());
    absl::StatusOr<json> jwk = dev_issuer::PublicJwk(key->get());
    return {{"alg", alg}, {"kid", (*jwk)["kid"]}};
  }
  json Payload() {
    return {{"iss", dev_issuer::kDefaultIssuer},
            {"aud", dev_issuer::kDefaultAudience},
            {"sub", "alice"},
            {"exp", absl::ToUnixSeconds(kNow + absl::Hours(1))}};
  }

  // The refusal's message, or "valid".
  std::string Reason(std::string_view token, absl::Time at = kNow) {
    absl::StatusOr<TokenClaims> claims = validator_->Validate(token, at);
    if (claims.ok()) return "valid";
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated) << claims.status();
    return std::string(claims.status().message());
  }

  absl::StatusOr<std::string> ReadKeyPem() {
    std::ifstream in(dir_.File("signing-key.pem"));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  testing::TempDir dir_;
  std::unique_ptr<TokenValidator> validator_;
};

class AcceptsEachAlgorithm : public TokenValidatorTest,
                             public ::testing::WithParamInterface<JwsAlgorithm> {};

TEST_P(AcceptsEachAlgorithm, ATokenFromTheDevIssuer) {
  Init(GetParam());
  dev_issuer::MintOptions options;
  options.subject = "alice";
  options.roles = {"admin", "manager"};
  options.teams = {"north"};
  absl::StatusOr<TokenClaims> claims = validator_->Validate(Mint(options), kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_THAT(claims->roles, ElementsAre("admin", "manager"));
  EXPECT_THAT(claims->teams, ElementsAre("north"));
  EXPECT_EQ(claims->agent, "alice");  // agent_claim defaults to sub
  EXPECT_EQ(claims->expires, kNow + absl::Hours(1));
}

INSTANTIATE_TEST_SUITE_P(TokenValidator, AcceptsEachAlgorithm,
                         ::testing::Values(JwsAlgorithm::kRS256, JwsAlgorithm::kES256,
                                           JwsAlgorithm::kEdDSA),
                         [](const auto& info) {
                           return std::string(JwsAlgorithmName(info.param));
                         });

TEST_F(TokenValidatorTest, ExpiryAllowsTheClockSkewAndNoMore) {
  Init(JwsAlgorithm::kES256);
  const std::string token = Mint("alice");  // exp = kNow + 1h, skew 60 s
  EXPECT_EQ(Reason(token, kNow + absl::Hours(1) + absl::Seconds(60)), "valid");
  EXPECT_EQ(Reason(token, kNow + absl::Hours(1) + absl::Seconds(61)), "token expired");
}

TEST_F(TokenValidatorTest, RefusesATokenThatExpiredAnHourAgo) {
  Init(JwsAlgorithm::kES256);
  dev_issuer::MintOptions options;
  options.subject = "alice";
  options.expired = true;
  EXPECT_EQ(Reason(Mint(options)), "token expired");
}

TEST_F(TokenValidatorTest, NotBeforeAllowsTheClockSkewAndNoMore) {
  Init(JwsAlgorithm::kES256);
  dev_issuer::MintOptions options;
  options.subject = "alice";
  options.not_before_in = absl::Minutes(10);
  const std::string token = Mint(options);
  EXPECT_EQ(Reason(token, kNow), "token not yet valid");
  EXPECT_EQ(Reason(token, kNow + absl::Minutes(9) - absl::Seconds(1)), "token not yet valid");
  EXPECT_EQ(Reason(token, kNow + absl::Minutes(9)), "valid");
}

TEST_F(TokenValidatorTest, RefusesAnotherIssuer) {
  TokenSettings settings;
  settings.issuer = "https://login.example.com";
  Init(JwsAlgorithm::kES256, settings);
  EXPECT_EQ(Reason(Mint("alice")), "wrong issuer");
}

TEST_F(TokenValidatorTest, RefusesAnotherAudience) {
  Init(JwsAlgorithm::kES256);
  dev_issuer::MintOptions options;
  options.subject = "alice";
  options.audience = "payroll";
  EXPECT_EQ(Reason(Mint(options)), "wrong audience");
}

TEST_F(TokenValidatorTest, AcceptsAnAudienceArrayThatHoldsOurs) {
  Init(JwsAlgorithm::kES256);
  dev_issuer::MintOptions options;
  options.subject = "alice";
  options.claims = {{"aud", R"(["payroll", "plaudit"])"}};
  EXPECT_EQ(Reason(Mint(options)), "valid");
  options.claims = {{"aud", R"(["payroll", "wiki"])"}};
  EXPECT_EQ(Reason(Mint(options)), "wrong audience");
}

TEST_F(TokenValidatorTest, RefusesATamperedPayload) {
  Init(JwsAlgorithm::kES256);
  const std::string alice = Mint("alice");
  const std::string mallory = Mint("mallory");
  // Alice's header and signature around Mallory's payload.
  const size_t first_dot = alice.find('.');
  const size_t second_dot = alice.rfind('.');
  const std::string forged = absl::StrCat(
      alice.substr(0, first_dot), ".",
      mallory.substr(mallory.find('.') + 1, mallory.rfind('.') - mallory.find('.') - 1),
      alice.substr(second_dot));
  EXPECT_EQ(Reason(forged), "bad signature");
}

TEST_F(TokenValidatorTest, RefusesASignatureOfTheWrongSize) {
  Init(JwsAlgorithm::kES256);
  const std::string token = Mint("alice");
  const size_t dot = token.rfind('.');
  std::string signature = *Base64UrlDecode(token.substr(dot + 1));
  signature.pop_back();
  EXPECT_EQ(Reason(token.substr(0, dot + 1) + Base64UrlEncode(signature)), "bad signature");
}

TEST_F(TokenValidatorTest, RefusesAlgNoneWithoutLookingAtTheSignature) {
  Init(JwsAlgorithm::kES256);
  const std::string unsigned_token = absl::StrCat(Base64UrlEncode(Header("none").dump()), ".",
                                                  Base64UrlEncode(Payload().dump()), ".");
  EXPECT_EQ(Reason(unsigned_token), "unsupported algorithm none");
}

TEST_F(TokenValidatorTest, RefusesHmacEvenWithAValidLookingToken) {
  Init(JwsAlgorithm::kES256);
  EXPECT_EQ(Reason(Sign(Header("HS256"), Payload())), "unsupported algorithm HS256");
}

TEST_F(TokenValidatorTest, RefusesAnAlgorithmThatDoesNotFitTheKey) {
  Init(JwsAlgorithm::kES256);
  const json header = Header("RS256");
  EXPECT_EQ(Reason(Sign(header, Payload())),
            absl::StrCat("unsupported algorithm RS256 for key ", header["kid"].get<std::string>()));
}

TEST_F(TokenValidatorTest, RefusesAnUnknownKid) {
  Init(JwsAlgorithm::kES256);
  json header = Header("ES256");
  header["kid"] = "retired-2025";
  EXPECT_EQ(Reason(Sign(header, Payload())), "unknown signing key retired-2025");
}

TEST_F(TokenValidatorTest, RefusesMalformedSegments) {
  Init(JwsAlgorithm::kES256);
  const std::string token = Mint("alice");
  const std::string payload = Base64UrlEncode(Payload().dump());
  EXPECT_EQ(Reason(""), "malformed token: not three dot-separated segments");
  EXPECT_EQ(Reason("abc.def"), "malformed token: not three dot-separated segments");
  EXPECT_EQ(Reason(token + ".extra"), "malformed token: not three dot-separated segments");
  EXPECT_EQ(Reason("eyJ+.x.y"), "malformed token: header is not base64url");
  EXPECT_EQ(Reason("eyJhbGciOiJFUzI1NiJ9=." + payload + ".sig"),
            "malformed token: header is not base64url");
  EXPECT_EQ(Reason(Base64UrlEncode("not json") + "." + payload + ".sig"),
            "malformed token: header is not a JSON object");
  EXPECT_EQ(Reason(Base64UrlEncode("[1]") + "." + payload + ".sig"),
            "malformed token: header is not a JSON object");
  EXPECT_EQ(Reason(Base64UrlEncode(R"({"kid":"x"})") + "." + payload + ".sig"),
            "malformed token: header has no alg");
  const std::string header = token.substr(0, token.find('.'));
  EXPECT_EQ(Reason(header + ".%%." + "sig"), "malformed token: payload is not base64url");
  EXPECT_EQ(Reason(header + "." + payload + ".a"), "malformed token: signature is not base64url");
  EXPECT_EQ(Reason(header + "." + std::string(16 * 1024, 'A') + ".sig"),
            "malformed token: longer than 16384 bytes");
}

TEST_F(TokenValidatorTest, RefusesATokenWithoutExp) {
  Init(JwsAlgorithm::kES256);
  json payload = Payload();
  payload.erase("exp");
  EXPECT_EQ(Reason(Sign(Header("ES256"), payload)), "malformed token: no exp claim");
  payload["exp"] = "tomorrow";
  EXPECT_EQ(Reason(Sign(Header("ES256"), payload)), "malformed token: claim exp is not a number");
}

TEST_F(TokenValidatorTest, RefusesATokenWithoutSubject) {
  Init(JwsAlgorithm::kES256);
  json payload = Payload();
  payload.erase("sub");
  EXPECT_EQ(Reason(Sign(Header("ES256"), payload)), "token has no subject");
  payload["sub"] = "";
  EXPECT_EQ(Reason(Sign(Header("ES256"), payload)), "token has no subject");
}

TEST_F(TokenValidatorTest, RolesMayBeOneStringOrAnArray) {
  Init(JwsAlgorithm::kES256);
  dev_issuer::MintOptions options;
  options.subject = "alice";
  options.claims = {{"roles", "admin"}};
  absl::StatusOr<TokenClaims> one = validator_->Validate(Mint(options), kNow);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_THAT(one->roles, ElementsAre("admin"));

  options.claims = {{"roles", R"(["admin","manager"])"}};
  absl::StatusOr<TokenClaims> two = validator_->Validate(Mint(options), kNow);
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_THAT(two->roles, ElementsAre("admin", "manager"));

  absl::StatusOr<TokenClaims> none = validator_->Validate(Mint("alice"), kNow);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT(none->roles, IsEmpty());

  options.claims = {{"roles", R"(["admin", 7])"}};
  EXPECT_EQ(Reason(Mint(options)),
            "malformed token: claim roles is not a string or an array of strings");
}

TEST_F(TokenValidatorTest, ReadsTheConfiguredClaimNames) {
  TokenSettings settings;
  settings.roles_claim = "groups";
  settings.teams_claim = "departments";
  settings.agent_claim = "agent_id";
  Init(JwsAlgorithm::kEdDSA, settings);
  dev_issuer::MintOptions options;
  options.subject = "0f3a-77";
  options.roles = {"ignored"};
  options.claims = {{"groups", "admin"}, {"departments", R"(["north"])"}, {"agent_id", "a-7"}};
  absl::StatusOr<TokenClaims> claims = validator_->Validate(Mint(options), kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "0f3a-77");
  EXPECT_THAT(claims->roles, ElementsAre("admin"));
  EXPECT_THAT(claims->teams, ElementsAre("north"));
  EXPECT_EQ(claims->agent, "a-7");

  options.claims = {{"agent_id", "7"}};
  EXPECT_EQ(Reason(Mint(options)), "malformed token: claim agent_id is not a string");
}

TEST_F(TokenValidatorTest, ValidatesFromManyThreadsAtOnce) {
  Init(JwsAlgorithm::kES256);
  const std::string good = Mint("alice");
  // A character inside the signature carries six whole bits: changing it always changes the
  // signature (the last characters may carry padding bits and stay the same bytes).
  std::string bad = good;
  char& flipped = bad[bad.size() - 10];
  flipped = flipped == 'A' ? 'B' : 'A';
  std::vector<int> accepted(8, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < accepted.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (validator_->Validate(good, kNow).ok()) ++accepted[t];
        if (validator_->Validate(bad, kNow).ok()) --accepted[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : accepted) EXPECT_EQ(count, 50);
}

}  // namespace
}  // namespace plaudit::auth

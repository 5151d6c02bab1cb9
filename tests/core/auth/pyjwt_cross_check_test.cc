// Our validator and the dev issuer checked against an independent JOSE implementation, PyJWT:
// tokens PyJWT signs with the dev issuer's private key validate here, and tokens the dev issuer
// mints verify in PyJWT against the published jwks.json. Skipped where python3 lacks jwt.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/auth/token_validator.h"
#include "nlohmann/json.hpp"
#include "tests/testing/command.h"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/dev_issuer.h"

namespace plaudit::auth {
namespace {

using nlohmann::json;

constexpr char kPyJwtScript[] = R"(
import json, sys, jwt
mode = sys.argv[1]
if mode == "sign":
    key_path, alg, kid, payload_path = sys.argv[2:6]
    with open(key_path) as key, open(payload_path) as payload:
        print(jwt.encode(json.load(payload), key.read(), algorithm=alg, headers={"kid": kid}))
elif mode == "verify":
    jwks_path, token, alg, issuer = sys.argv[2:6]
    with open(jwks_path) as jwks:
        key = jwt.PyJWKSet.from_json(jwks.read()).keys[0]
    claims = jwt.decode(token, key.key, algorithms=[alg], audience="plaudit", issuer=issuer)
    print(json.dumps(claims))
)";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class PyJwtCrossCheck : public ::testing::TestWithParam<JwsAlgorithm> {
 protected:
  void SetUp() override {
    std::optional<std::string> python = testing::FindPython3With("jwt");
    if (!python.has_value()) GTEST_SKIP() << "python3 has no jwt module (Debian: python3-jwt)";
    python_ = *python;
    std::ofstream(dir_.File("pyjwt.py")) << kPyJwtScript;
    dev_issuer::IssuerOptions options;
    options.dir = dir_.File("issuer");
    options.algorithm = GetParam();
    ASSERT_TRUE(dev_issuer::InitIssuer(options, now_).ok());
    jwk_ = json::parse(ReadText(dir_.File("issuer/jwks.json")))["keys"][0];
  }

  testing::CommandResult PyJwt(const std::string& arguments) {
    return testing::RunCommand(python_ + " " + dir_.File("pyjwt.py") + " " + arguments);
  }

  std::string Alg() const { return std::string(JwsAlgorithmName(GetParam())); }

  testing::TempDir dir_;
  std::string python_;
  json jwk_;
  const absl::Time now_ = absl::Now();
};

TEST_P(PyJwtCrossCheck, OurValidatorAcceptsWhatPyJwtSigns) {
  const json payload = {{"iss", dev_issuer::kDefaultIssuer},
                        {"aud", {"wiki", dev_issuer::kDefaultAudience}},
                        {"sub", "carol"},
                        {"roles", "manager"},
                        {"exp", absl::ToUnixSeconds(now_ + absl::Minutes(5))}};
  std::ofstream(dir_.File("payload.json")) << payload.dump();
  testing::CommandResult signed_token =
      PyJwt("sign " + dir_.File("issuer/signing-key.pem") + " " + Alg() + " " +
            jwk_["kid"].get<std::string>() + " " + dir_.File("payload.json"));
  ASSERT_EQ(signed_token.exit_code, 0);
  std::string token = signed_token.output;
  while (!token.empty() && token.back() == '\n') token.pop_back();

  TokenSettings settings;
  settings.issuer = dev_issuer::kDefaultIssuer;
  settings.audience = dev_issuer::kDefaultAudience;
  absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromFile(dir_.File("issuer/jwks.json"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  TokenValidator validator(settings, *std::move(keys));
  absl::StatusOr<TokenClaims> claims = validator.Validate(token, now_);
  ASSERT_TRUE(claims.ok()) << claims.status() << "\n" << token;
  EXPECT_EQ(claims->subject, "carol");
  EXPECT_EQ(claims->roles, std::vector<std::string>{"manager"});

  // And PyJWT's signature is checked, not just its shape.
  char& in_signature = token[token.rfind('.') + 10];
  in_signature = in_signature == 'A' ? 'B' : 'A';
  EXPECT_FALSE(validator.Validate(token, now_).ok());
}

TEST_P(PyJwtCrossCheck, PyJwtVerifiesWhatTheDevIssuerMints) {
  dev_issuer::MintOptions options;
  options.subject = "dave";
  options.teams = {"north", "south"};
  absl::StatusOr<std::string> token = dev_issuer::MintToken(dir_.File("issuer"), options, now_);
  ASSERT_TRUE(token.ok()) << token.status();
  testing::CommandResult verified = PyJwt("verify " + dir_.File("issuer/jwks.json") + " " + *token +
                                          " " + Alg() + " " + dev_issuer::kDefaultIssuer);
  ASSERT_EQ(verified.exit_code, 0) << *token;
  const json claims = json::parse(verified.output);
  EXPECT_EQ(claims["sub"], "dave");
  EXPECT_EQ(claims["teams"], json({"north", "south"}));
  EXPECT_EQ(claims["exp"], absl::ToUnixSeconds(now_ + absl::Hours(1)));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, PyJwtCrossCheck,
                         ::testing::Values(JwsAlgorithm::kRS256, JwsAlgorithm::kES256,
                                           JwsAlgorithm::kEdDSA),
                         [](const auto& info) {
                           return std::string(JwsAlgorithmName(info.param));
                         });

}  // namespace
}  // namespace plaudit::auth

#include "core/auth/key_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/auth/base64url.h"
#include "core/domain/clock.h"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/jws_signer.h"

namespace plaudit::auth {
namespace {

using nlohmann::json;
using ::testing::UnorderedElementsAre;

json NewJwk(JwsAlgorithm algorithm) {
  absl::StatusOr<dev_issuer::PrivateKey> key = dev_issuer::GenerateSigningKey(algorithm);
  EXPECT_TRUE(key.ok()) << key.status();
  absl::StatusOr<json> jwk = dev_issuer::PublicJwk(key->get());
  EXPECT_TRUE(jwk.ok()) << jwk.status();
  return *jwk;
}

json Jwks(std::initializer_list<json> keys) {
  json array = json::array();
  for (const json& key : keys) array.push_back(key);
  return {{"keys", array}};
}

// The message FromJson refuses `jwks` with, or "ok".
std::string Refusal(const json& jwks) {
  absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromJson(jwks.dump());
  if (keys.ok()) return "ok";
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument) << keys.status();
  return std::string(keys.status().message());
}

TEST(KeySetFromJson, FindsEachSupportedKeyByKid) {
  const json rsa = NewJwk(JwsAlgorithm::kRS256);
  const json ec = NewJwk(JwsAlgorithm::kES256);
  const json ed = NewJwk(JwsAlgorithm::kEdDSA);
  absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromJson(Jwks({rsa, ec, ed}).dump());
  ASSERT_TRUE(keys.ok()) << keys.status();
  for (const auto& [jwk, algorithm] :
       {std::pair{rsa, JwsAlgorithm::kRS256}, std::pair{ec, JwsAlgorithm::kES256},
        std::pair{ed, JwsAlgorithm::kEdDSA}}) {
    absl::StatusOr<std::shared_ptr<const SigningKey>> key =
        (*keys)->Find(jwk["kid"].get<std::string>());
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ((*key)->algorithm(), algorithm);
  }
  absl::StatusOr<std::shared_ptr<const SigningKey>> missing = (*keys)->Find("nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(KeySetFromJson, SkipsKeysNotForSignaturesAndTypesWeDoNotVerify) {
  json encryption = NewJwk(JwsAlgorithm::kES256);
  encryption["use"] = "enc";
  json p384 = NewJwk(JwsAlgorithm::kES256);
  p384["crv"] = "P-384";
  json hmac = {{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "shared"}};
  json pss = NewJwk(JwsAlgorithm::kRS256);
  pss["alg"] = "PS256";
  json signing = NewJwk(JwsAlgorithm::kEdDSA);
  signing.erase("use");  // `use` is optional
  absl::StatusOr<std::unique_ptr<KeySet>> keys =
      KeySet::FromJson(Jwks({encryption, p384, hmac, pss, signing}).dump());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_THAT((*keys)->Kids(), UnorderedElementsAre(signing["kid"].get<std::string>()));

  EXPECT_EQ(Refusal(Jwks({encryption, hmac})),
            "jwks: no usable signing key (supported: RSA, EC P-256, OKP Ed25519 with use \"sig\")");
}

TEST(KeySetFromJson, ErrorsNameTheKeyIndexAndField) {
  const json good = NewJwk(JwsAlgorithm::kES256);
  json bad = NewJwk(JwsAlgorithm::kES256);

  EXPECT_EQ(Refusal(json("{")), "jwks: not a JSON object");
  EXPECT_EQ(Refusal(json::object()), "jwks: no \"keys\" array");
  EXPECT_EQ(Refusal(Jwks({good, 7})), "keys[1]: not a JSON object");

  bad = NewJwk(JwsAlgorithm::kES256);
  bad.erase("kty");
  EXPECT_EQ(Refusal(Jwks({good, bad})), "keys[1].kty: missing");

  bad = NewJwk(JwsAlgorithm::kES256);
  bad["x"] = "not+base64url";
  EXPECT_EQ(Refusal(Jwks({good, bad})), "keys[1].x: not base64url");

  bad = NewJwk(JwsAlgorithm::kES256);
  bad.erase("y");
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].y: missing");

  bad = NewJwk(JwsAlgorithm::kES256);
  bad["x"] = Base64UrlEncode(std::string(31, 'x'));
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].x: not 32 bytes");

  bad = NewJwk(JwsAlgorithm::kES256);
  bad["y"] = Base64UrlEncode(std::string(32, '\x01'));
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].y: (x, y) is not a point on P-256");

  bad = NewJwk(JwsAlgorithm::kES256);
  bad["alg"] = "RS256";
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].alg: RS256 does not fit kty EC");

  bad = NewJwk(JwsAlgorithm::kEdDSA);
  bad["x"] = 42;
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].x: not a string");

  bad = NewJwk(JwsAlgorithm::kEdDSA);
  bad.erase("crv");
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].crv: missing");

  bad = NewJwk(JwsAlgorithm::kRS256);
  bad["n"] = Base64UrlEncode(std::string(128, '\xff'));  // 1024 bits
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].n: RSA modulus shorter than 2048 bits");

  bad = NewJwk(JwsAlgorithm::kRS256);
  bad["e"] = "";
  EXPECT_EQ(Refusal(Jwks({bad})), "keys[0].e: empty");

  EXPECT_EQ(Refusal(Jwks({good, good})),
            "keys[1].kid: duplicate kid \"" + good["kid"].get<std::string>() + "\"");
}

TEST(KeySetFromFile, ErrorsNameTheFile) {
  testing::TempDir dir;
  std::ofstream(dir.File("jwks.json")) << R"({"keys": [{"kty": "EC", "crv": "P-256"}]})";
  absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromFile(dir.File("jwks.json"));
  EXPECT_EQ(keys.status().message(), "jwks file " + dir.File("jwks.json") + ": keys[0].x: missing");
  keys = KeySet::FromFile(dir.File("absent.json"));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(keys.status().message(),
            "jwks file " + dir.File("absent.json") + ": No such file or directory");
}

// An issuer whose JWKS the test rotates, counting fetches.
class RotatingIssuer {
 public:
  RotatingIssuer() : jwks_(Jwks({NewJwk(JwsAlgorithm::kES256)})) {}
  KeySet::JwksSource Source() {
    return [this]() -> absl::StatusOr<std::string> {
      ++fetches_;
      if (!up_) return absl::UnavailableError("issuer down");
      return jwks_.dump();
    };
  }
  std::string Rotate() {
    const json jwk = NewJwk(JwsAlgorithm::kES256);
    jwks_ = Jwks({jwk});
    return jwk["kid"];
  }
  std::string Kid() const { return jwks_["keys"][0]["kid"]; }
  void SetUp(bool up) { up_ = up; }
  int fetches() const { return fetches_; }

 private:
  json jwks_;
  bool up_ = true;
  int fetches_ = 0;
};

TEST(KeySetFromSource, AnUnknownKidRefetchesAtMostOncePerInterval) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  RotatingIssuer issuer;
  const std::string first_kid = issuer.Kid();
  absl::StatusOr<std::unique_ptr<KeySet>> keys =
      KeySet::FromSource(issuer.Source(), absl::Seconds(30), clock);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(issuer.fetches(), 1);
  EXPECT_TRUE((*keys)->Find(first_kid).ok());
  EXPECT_EQ(issuer.fetches(), 1);  // a known kid never fetches

  // The issuer rotates right after our fetch: its new kid must wait out the interval.
  const std::string second_kid = issuer.Rotate();
  EXPECT_EQ((*keys)->Find(second_kid).status().code(), absl::StatusCode::kNotFound);
  clock.Advance(absl::Seconds(29));
  EXPECT_EQ((*keys)->Find(second_kid).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(issuer.fetches(), 1);

  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE((*keys)->Find(second_kid).ok());
  EXPECT_EQ(issuer.fetches(), 2);
  EXPECT_EQ((*keys)->Find(first_kid).status().code(), absl::StatusCode::kNotFound);  // retired

  // A flood of made-up kids costs one fetch per interval.
  for (int i = 0; i < 100; ++i) (*keys)->Find("made-up-" + std::to_string(i)).IgnoreError();
  EXPECT_EQ(issuer.fetches(), 2);
  clock.Advance(absl::Seconds(30));
  for (int i = 0; i < 100; ++i) (*keys)->Find("made-up-" + std::to_string(i)).IgnoreError();
  EXPECT_EQ(issuer.fetches(), 3);
}

TEST(KeySetFromSource, AFailedRefetchKeepsTheKeysItHad) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  RotatingIssuer issuer;
  const std::string kid = issuer.Kid();
  absl::StatusOr<std::unique_ptr<KeySet>> keys =
      KeySet::FromSource(issuer.Source(), absl::Seconds(30), clock);
  ASSERT_TRUE(keys.ok()) << keys.status();
  issuer.SetUp(false);
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ((*keys)->Find("new").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(issuer.fetches(), 2);
  EXPECT_TRUE((*keys)->Find(kid).ok());
}

TEST(KeySetFromSource, FailsWhenTheFirstFetchFails) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  RotatingIssuer issuer;
  issuer.SetUp(false);
  absl::StatusOr<std::unique_ptr<KeySet>> keys =
      KeySet::FromSource(issuer.Source(), absl::Seconds(30), clock);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace plaudit::auth

#include "core/api/callback_signature.h"

#include "gtest/gtest.h"

namespace plaudit::api {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

TEST(CallbackSignature, SignsTheTimestampAndTheBody) {
  // printf '1800000000.{}' | openssl dgst -sha256 -hmac s3cret
  const std::string signature = SignCallback("s3cret", kNow, "{}");
  EXPECT_EQ(signature,
            "t=1800000000,v1=1cd77f07c7f231a8a17cd9bc413e578ccb209c24eb17a0577ce1eb9218a4f3ed");
  auto verified = VerifyCallbackSignature("s3cret", signature, "{}", kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->signed_at, kNow);
  EXPECT_EQ(verified->digest, signature.substr(16));
}

TEST(CallbackSignature, AnyOfSeveralV1EntriesMayMatchAndOtherSchemesAreIgnored) {
  const std::string good = SignCallback("new", kNow, "{}").substr(16);
  const std::string old = SignCallback("old", kNow, "{}").substr(16);
  EXPECT_TRUE(
      VerifyCallbackSignature("new", "t=1800000000,v0=abc,v1=" + old + ",v1=" + good, "{}", kNow)
          .ok());
}

TEST(CallbackSignature, MalformedSignaturesAreUnauthenticated) {
  const std::string digest = SignCallback("s", kNow, "{}").substr(16);
  for (const std::string& signature :
       {std::string(""), digest, "t=,v1=" + digest, "t=soon,v1=" + digest,
        std::string("t=1800000000"), "t=1800000000,t=1800000000,v1=" + digest}) {
    EXPECT_EQ(VerifyCallbackSignature("s", signature, "{}", kNow).status().code(),
              absl::StatusCode::kUnauthenticated)
        << signature;
  }
}

TEST(CallbackSignature, FiveMinutesEitherWayIsFreshAndBeyondIsStale) {
  auto at = [](absl::Duration offset) {
    return VerifyCallbackSignature("s", SignCallback("s", kNow + offset, "{}"), "{}", kNow);
  };
  EXPECT_TRUE(at(-absl::Minutes(5)).ok());
  EXPECT_TRUE(at(absl::Minutes(5)).ok());
  EXPECT_EQ(at(-absl::Minutes(5) - absl::Seconds(1)).status().message(),
            "stale callback: signed at t=1799999699, 5m1s ago; callbacks older than 5m are too "
            "old");
  EXPECT_EQ(at(absl::Minutes(5) + absl::Seconds(1)).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace plaudit::api

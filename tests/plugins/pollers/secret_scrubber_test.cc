#include <string>

#include "gtest/gtest.h"
#include "plugins/api_pollers/poller_common.h"

namespace plaudit::pollers {
namespace {

TEST(SecretScrubber, ReplacesEverySecretAndAWholeLongerOneFirst) {
  SecretScrubber scrubber;
  scrubber.Add("s3cret");
  scrubber.Add("");
  scrubber.Add("client:s3cret-basic");
  EXPECT_EQ(scrubber.Scrub("Authorization: Basic client:s3cret-basic; secret s3cret twice s3cret"),
            "Authorization: Basic ***; secret *** twice ***");
}

// Tokens come every hour for as long as the process runs; the scrubber keeps the last few, not
// all of them, and the configured secrets for good.
TEST(SecretScrubber, KeepsTheLastTokensAndEverySecret) {
  SecretScrubber scrubber;
  scrubber.Add("the-client-secret");
  for (int i = 0; i < 1000; ++i) scrubber.AddToken("token-" + std::to_string(i));
  scrubber.AddToken("token-999");  // the same token again is not a second entry
  std::string text = "the-client-secret";
  for (size_t i = 0; i <= SecretScrubber::kTokensKept; ++i) {
    text += " token-" + std::to_string(999 - i);
  }
  // token-996 fell out: the last three are 997, 998 and 999.
  EXPECT_EQ(scrubber.Scrub(text), "*** *** *** *** token-996");
}

}  // namespace
}  // namespace plaudit::pollers

// The leave_credit plugin telling an HRIS of each grant: the webhook sink plays the HRIS in this
// process, the plugin reaches it over loopback through libcurl.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/testing/plugin_harness.h"
#include "tools/vendor_sandbox/http_server.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace plaudit::testing {
namespace {

using sandbox::HttpServer;
using sandbox::ReceivedPost;
using sandbox::WebhookFault;
using sandbox::WebhookSink;

constexpr char kToken[] = "hris_tok_7Rq2LmX90aZ";

int64_t Micros(int year, int month, int day) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone()));
}

pb::FulfilRequest Credit(const std::string& key, const std::string& hours = "8") {
  pb::FulfilRequest request;
  request.set_idempotency_key(key);
  request.set_award_id("awd_" + key);
  request.set_reward_type("leave_credit");
  request.mutable_agent()->set_id("a17");
  request.mutable_agent()->set_display_name("Dana Okafor");
  (*request.mutable_params())["hours"] = hours;
  return request;
}

class LeaveCreditHrisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.SetNowMicros(Micros(2026, 11, 22));
    std::string error;
    server_ = HttpServer::Start(
        0, [this](const sandbox::HttpRequest& request) { return hris_.Handle(request); }, &error);
    ASSERT_NE(server_, nullptr) << error;
    token_file_ = (dir_.path() / "hris.token").string();
    std::ofstream(token_file_) << kToken << "\n";
    plugin_ = LoadedPlugin::Load(PluginPath("leave_credit"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
    ASSERT_EQ(plugin_->Init(dir_.path().string(), Config()).error(), "");
  }

  void TearDown() override {
    plugin_.reset();
    if (server_) server_->Stop();
  }

  std::map<std::string, std::string> Config() const {
    return {{"hris_url", server_->url() + "/v1/leave-grants"},
            {"hris_token_file", token_file_},
            {"hris_timeout_ms", "1000"}};
  }

  TempDir dir_;
  FakePluginHost host_;
  WebhookSink hris_;
  std::unique_ptr<HttpServer> server_;
  std::string token_file_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(LeaveCreditHrisTest, RefusesIncompleteHrisSettings) {
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"hris_token_file", token_file_}}).error(), "");
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"hris_url", "ftp://hr.example"}}).error(), "");
  auto config = Config();
  config["hris_token_env"] = "PLAUDIT_HRIS_TEST_TOKEN";
  EXPECT_NE(plugin_->Init(dir_.path().string(), config).error().find("give one"),
            std::string::npos);
  config.erase("hris_token_file");
  EXPECT_NE(plugin_->Init(dir_.path().string(), config).error().find("is not set"),
            std::string::npos);
}

TEST_F(LeaveCreditHrisTest, PostCarriesIdempotencyKeyTokenAndTheGrant) {
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(resp.artifact(), "8 hours credited (expires 2027-11-22), balance 8");

  const std::vector<ReceivedPost> posts = hris_.Received();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, "/v1/leave-grants");
  EXPECT_EQ(posts[0].Header("idempotency-key"), "k1");
  EXPECT_EQ(posts[0].Header("authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(posts[0].Header("content-type"), "application/json");
  EXPECT_EQ(posts[0].body,
            "{\"agent_id\":\"a17\",\"hours\":8,\"expires\":\"2027-11-22\",\"award_id\":\"awd_k1\","
            "\"granted_at\":\"2026-11-22T00:00:00Z\"}");
  EXPECT_EQ(host_.Get("balance/a17"), "8");
}

TEST_F(LeaveCreditHrisTest, NoTokenMeansNoAuthorizationHeader) {
  auto config = Config();
  config.erase("hris_token_file");
  ASSERT_EQ(plugin_->Init(dir_.path().string(), config).error(), "");
  ASSERT_EQ(plugin_->Fulfil(Credit("k1", "7.5")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const std::vector<ReceivedPost> posts = hris_.Received();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].Header("authorization"), "");
  EXPECT_NE(posts[0].body.find("\"hours\":7.5"), std::string::npos) << posts[0].body;
}

TEST_F(LeaveCreditHrisTest, HrisServerErrorIsRetryableAndCreditsNothing) {
  hris_.AddFault(WebhookFault{500, 1, "", 0});
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(resp.error().find("HTTP 500"), std::string::npos) << resp.error();
  EXPECT_FALSE(host_.Get("balance/a17").has_value());
  EXPECT_FALSE(host_.Get("grant/k1").has_value());

  // The retry, a day later, sends the same grant under the same key and credits it.
  host_.SetNowMicros(Micros(2026, 11, 23));
  const pb::FulfilResponse retried = plugin_->Fulfil(Credit("k1"));
  ASSERT_EQ(retried.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << retried.error();
  EXPECT_EQ(retried.artifact(), "8 hours credited (expires 2027-11-22), balance 8");
  const std::vector<ReceivedPost> posts = hris_.Received();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1].Header("idempotency-key"), "k1");
  EXPECT_EQ(posts[1].body, posts[0].body);
  EXPECT_EQ(host_.Get("balance/a17"), "8");
}

TEST_F(LeaveCreditHrisTest, HrisRateLimitIsRetryableAfterRetryAfter) {
  hris_.AddFault(WebhookFault{429, 1, "30", 0});
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_EQ(resp.retry_after_ms(), 30000);
  EXPECT_FALSE(host_.Get("balance/a17").has_value());
}

TEST_F(LeaveCreditHrisTest, UnreachableHrisIsRetryableAndCreditsNothing) {
  server_->Stop();
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE) << resp.error();
  EXPECT_FALSE(host_.Get("balance/a17").has_value());
}

TEST_F(LeaveCreditHrisTest, RepeatAfterSuccessCreditsOnceAndPostsNoMore) {
  ASSERT_EQ(plugin_->Fulfil(Credit("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::FulfilResponse again = plugin_->Fulfil(Credit("k1"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(again.artifact(), "8 hours credited (expires 2027-11-22), balance 8");
  EXPECT_EQ(host_.Get("balance/a17"), "8");
  EXPECT_EQ(hris_.Received().size(), 1u);
}

TEST_F(LeaveCreditHrisTest, UnheardAcceptanceIsRepostedUnderTheSameKeyThenCredited) {
  auto config = Config();
  config["hris_timeout_ms"] = "300";
  ASSERT_EQ(plugin_->Init(dir_.path().string(), config).error(), "");
  // The HRIS takes the post but its answer never arrives.
  hris_.AddFault(WebhookFault{200, 1, "", 2000});
  const pb::FulfilResponse unheard = plugin_->Fulfil(Credit("k1"));
  EXPECT_EQ(unheard.outcome(), pb::FULFIL_OUTCOME_RETRYABLE) << unheard.error();
  EXPECT_FALSE(host_.Get("balance/a17").has_value());

  ASSERT_EQ(plugin_->Fulfil(Credit("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const std::vector<ReceivedPost> posts = hris_.Received();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].Header("idempotency-key"), "k1");
  EXPECT_EQ(posts[1].Header("idempotency-key"), "k1");
  EXPECT_EQ(posts[1].body, posts[0].body);
  EXPECT_EQ(host_.Get("balance/a17"), "8");
}

TEST_F(LeaveCreditHrisTest, NothingIsPostedUntilTheGrantIsPinned) {
  host_.FailCommits("disk full");
  EXPECT_EQ(plugin_->Fulfil(Credit("k1")).outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_TRUE(hris_.Received().empty());
}

TEST_F(LeaveCreditHrisTest, HrisRefusalIsPermanentWithItsAnswer) {
  hris_.AddFault(WebhookFault{422, 1, "", 0});
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(resp.error().find("HTTP 422"), std::string::npos) << resp.error();
  EXPECT_NE(resp.error().find("fault 422"), std::string::npos) << resp.error();
  EXPECT_FALSE(host_.Get("balance/a17").has_value());
}

TEST_F(LeaveCreditHrisTest, TokenNeverAppearsInLogsOrAnswers) {
  hris_.AddFault(WebhookFault{500, 1, "", 0});
  std::string said;
  for (const pb::FulfilResponse& resp :
       {plugin_->Fulfil(Credit("k1")), plugin_->Fulfil(Credit("k1"))}) {
    said += resp.error() + "\n" + resp.artifact() + "\n";
  }
  for (const LogLine& line : host_.Logs()) said += line.message + "\n";
  for (const auto& [key, value] : host_.State()) said += value + "\n";
  EXPECT_EQ(said.find(kToken), std::string::npos) << said;
}

}  // namespace
}  // namespace plaudit::testing

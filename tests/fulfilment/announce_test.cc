// The announce plugin, loaded from the build tree, posting to the webhook sink over a loopback
// socket: the sink runs in this process, the plugin reaches it through libcurl.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/common/json_text.h"
#include "tests/testing/plugin_harness.h"
#include "tools/vendor_sandbox/http_server.h"
#include "tools/webhook_sink/webhook_sink.h"

namespace plaudit::testing {
namespace {

using sandbox::HttpServer;
using sandbox::ReceivedPost;
using sandbox::WebhookFault;
using sandbox::WebhookSink;

// The secret part of a Slack-style webhook URL.
constexpr char kWebhookPath[] = "/services/T0001/B0002/Xq81vPa3LmR0sEcReT";
constexpr int64_t kNowMicros = int64_t{1795132800} * 1000000;  // 2026-11-22T00:00:00Z

pb::FulfilRequest Award(const std::string& key, const std::string& agent = "a17") {
  pb::FulfilRequest request;
  request.set_idempotency_key(key);
  request.set_award_id("awd_" + key);
  request.set_program_id("csat-champion");
  request.set_program_name("CSAT Champion");
  request.set_period("2026-11");
  request.set_reward_type("announce");
  request.mutable_agent()->set_id(agent);
  request.mutable_agent()->set_display_name("Dana Okafor");
  request.mutable_agent()->set_team("Tier 2");
  return request;
}

// The "text" of a posted Slack-style body.
std::string PostedText(const ReceivedPost& post) {
  std::string error;
  const std::optional<json::Json> body = json::ParseStrict(post.body, &error);
  return body ? json::StringMember(*body, "text") : "unreadable body: " + post.body;
}

class AnnouncePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.SetNowMicros(kNowMicros);
    std::string error;
    server_ = HttpServer::Start(
        0, [this](const sandbox::HttpRequest& request) { return sink_.Handle(request); }, &error);
    ASSERT_NE(server_, nullptr) << error;
    plugin_ = LoadedPlugin::Load(PluginPath("announce"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
    ASSERT_EQ(plugin_->Init(dir_.path().string(), Config()).error(), "");
  }

  void TearDown() override {
    plugin_.reset();
    if (server_) server_->Stop();
  }

  std::string WebhookUrl() const { return server_->url() + kWebhookPath; }

  std::map<std::string, std::string> Config() const {
    return {{"webhook_url", WebhookUrl()}, {"timeout_ms", "1000"}};
  }

  // Every captured log line and every text the plugin answered, for secret hunting.
  std::string EverythingSaid(const std::vector<pb::FulfilResponse>& answers) const {
    std::string all;
    for (const LogLine& line : host_.Logs()) all += line.message + "\n";
    for (const pb::FulfilResponse& answer : answers) {
      all += answer.error() + "\n" + answer.artifact() + "\n";
    }
    return all;
  }

  TempDir dir_;
  FakePluginHost host_;
  WebhookSink sink_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(AnnouncePluginTest, DescribesItselfAndRefusesBadSettings) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string(), Config());
  EXPECT_EQ(init.info().name(), "announce");
  EXPECT_EQ(init.info().kind(), pb::PLUGIN_KIND_FULFILMENT);
  ASSERT_EQ(init.info().reward_types_size(), 1);
  EXPECT_EQ(init.info().reward_types(0), "announce");

  auto refusal = [&](const std::map<std::string, std::string>& config) {
    return plugin_->Init(dir_.path().string(), config).error();
  };
  auto config = Config();
  config["colour"] = "blue";
  EXPECT_NE(refusal(config).find("unknown config key \"colour\""), std::string::npos);
  config = Config();
  config["template"] = "{agent} won {prize}";
  EXPECT_NE(refusal(config).find("unknown placeholder {prize}"), std::string::npos);
  config = Config();
  config["timeout_ms"] = "soon";
  EXPECT_NE(refusal(config).find("timeout_ms"), std::string::npos);
  config = Config();
  config["webhook_url_file"] = "url.txt";
  EXPECT_NE(refusal(config).find("give one"), std::string::npos);
  config = Config();
  config.erase("webhook_url");
  config["webhook_url_env"] = "PLAUDIT_ANNOUNCE_TEST_UNSET_URL";
  EXPECT_NE(refusal(config).find("PLAUDIT_ANNOUNCE_TEST_UNSET_URL is not set"), std::string::npos);

  // A malformed URL is refused without repeating it: it is a secret.
  config = Config();
  config["webhook_url"] = std::string("ftp://chat.example") + kWebhookPath;
  const std::string error = refusal(config);
  EXPECT_NE(error.find("https://"), std::string::npos);
  EXPECT_EQ(error.find(kWebhookPath), std::string::npos) << error;
}

TEST_F(AnnouncePluginTest, PostsTextNamingAgentProgramAndPeriod) {
  const pb::FulfilResponse resp = plugin_->Fulfil(Award("k1"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(resp.artifact(), "announced: :trophy: Dana Okafor won CSAT Champion for 2026-11!");

  const std::vector<ReceivedPost> posts = sink_.Received();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].method, "POST");
  EXPECT_EQ(posts[0].path, kWebhookPath);
  EXPECT_EQ(posts[0].Header("content-type"), "application/json");
  EXPECT_EQ(PostedText(posts[0]), ":trophy: Dana Okafor won CSAT Champion for 2026-11!");
}

TEST_F(AnnouncePluginTest, TemplateAndMessageAreExpandedWithValuesEscaped) {
  auto config = Config();
  config["template"] = "{team}: congratulations {agent} ({program}, {period})";
  ASSERT_EQ(plugin_->Init(dir_.path().string(), config).error(), "");
  pb::FulfilRequest request = Award("k1");
  request.mutable_agent()->set_display_name("Dana <!channel> Okafor");
  (*request.mutable_params())["message"] = "Lunch is on {team} & friends.";
  ASSERT_EQ(plugin_->Fulfil(request).outcome(), pb::FULFIL_OUTCOME_FULFILLED);

  const std::vector<ReceivedPost> posts = sink_.Delivered();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(PostedText(posts[0]),
            "Tier 2: congratulations Dana &lt;!channel&gt; Okafor (CSAT Champion, 2026-11)\n"
            "Lunch is on Tier 2 & friends.");
}

TEST_F(AnnouncePluginTest, AgentWhoOptedOutIsNotPosted) {
  pb::FulfilRequest request = Award("k1");
  request.mutable_agent()->set_no_public_praise(true);
  const pb::FulfilResponse resp = plugin_->Fulfil(request);
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(resp.artifact(), "not announced: a17 opted out of public praise");
  EXPECT_TRUE(sink_.Received().empty());
}

TEST_F(AnnouncePluginTest, SameKeyTwicePostsOnce) {
  const pb::FulfilResponse first = plugin_->Fulfil(Award("k1"));
  ASSERT_EQ(first.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << first.error();
  const pb::FulfilResponse again = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(again.artifact(), first.artifact());
  EXPECT_EQ(sink_.Received().size(), 1u);

  EXPECT_EQ(plugin_->Lookup(Award("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(plugin_->Lookup(Award("k2")).outcome(), pb::FULFIL_OUTCOME_NOT_FOUND);
}

TEST_F(AnnouncePluginTest, ServerErrorIsRetryableAndTheRetryPosts) {
  sink_.AddFault(WebhookFault{500, 1, "", 0});
  const pb::FulfilResponse failed = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(failed.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(failed.error().find("HTTP 500"), std::string::npos) << failed.error();
  EXPECT_TRUE(sink_.Delivered().empty());
  // Nothing reached the channel, so a lookup says it is safe to post.
  EXPECT_EQ(plugin_->Lookup(Award("k1")).outcome(), pb::FULFIL_OUTCOME_NOT_FOUND);

  const pb::FulfilResponse retried = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(retried.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << retried.error();
  EXPECT_EQ(sink_.Received().size(), 2u);
  EXPECT_EQ(sink_.Delivered().size(), 1u);
}

TEST_F(AnnouncePluginTest, RateLimitIsRetryableAfterRetryAfter) {
  sink_.AddFault(WebhookFault{429, 1, "7", 0});
  const pb::FulfilResponse resp = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_EQ(resp.retry_after_ms(), 7000);
  EXPECT_EQ(plugin_->Fulfil(Award("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(sink_.Delivered().size(), 1u);
}

TEST_F(AnnouncePluginTest, UnreachableWebhookIsRetryable) {
  server_->Stop();
  const pb::FulfilResponse resp = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE) << resp.error();
  EXPECT_EQ(EverythingSaid({resp}).find(kWebhookPath), std::string::npos);
  EXPECT_EQ(plugin_->Lookup(Award("k1")).outcome(), pb::FULFIL_OUTCOME_NOT_FOUND);
}

TEST_F(AnnouncePluginTest, OtherRefusalIsPermanentWithTheServicesAnswer) {
  sink_.AddFault(WebhookFault{404, 1, "", 0});
  const pb::FulfilResponse resp = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(resp.error().find("HTTP 404"), std::string::npos) << resp.error();
  EXPECT_NE(resp.error().find("fault 404"), std::string::npos) << resp.error();
}

TEST_F(AnnouncePluginTest, UnansweredPostIsUnknownAndNeverPostedAgain) {
  auto config = Config();
  config["timeout_ms"] = "300";
  ASSERT_EQ(plugin_->Init(dir_.path().string(), config).error(), "");
  sink_.AddFault(WebhookFault{200, 1, "", 2000});
  const pb::FulfilResponse resp = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_UNKNOWN) << resp.error();

  // While the post may still be in flight, nobody can tell.
  EXPECT_EQ(plugin_->Lookup(Award("k1")).outcome(), pb::FULFIL_OUTCOME_UNKNOWN);
  EXPECT_EQ(plugin_->Fulfil(Award("k1")).outcome(), pb::FULFIL_OUTCOME_UNKNOWN);

  // Later it counts as delivered, unconfirmed, and is not posted again.
  host_.SetNowMicros(kNowMicros + int64_t{60} * 1000000);
  const pb::FulfilResponse looked_up = plugin_->Lookup(Award("k1"));
  EXPECT_EQ(looked_up.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << looked_up.error();
  EXPECT_NE(looked_up.artifact().find("unconfirmed"), std::string::npos) << looked_up.artifact();
  const pb::FulfilResponse again = plugin_->Fulfil(Award("k1"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(again.artifact(), looked_up.artifact());
  EXPECT_EQ(sink_.Received().size(), 1u);
  EXPECT_TRUE(host_.Logged("not posted again"));
}

TEST_F(AnnouncePluginTest, WebhookUrlNeverAppearsInLogsOrAnswers) {
  std::vector<pb::FulfilResponse> answers;
  sink_.AddFault(WebhookFault{500, 1, "", 0});
  sink_.AddFault(WebhookFault{403, 1, "", 0});
  answers.push_back(plugin_->Fulfil(Award("k1")));
  answers.push_back(plugin_->Fulfil(Award("k2")));
  answers.push_back(plugin_->Fulfil(Award("k3")));
  answers.push_back(plugin_->Lookup(Award("k3")));
  EXPECT_EQ(answers[2].outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const std::string said = EverythingSaid(answers);
  EXPECT_EQ(said.find(kWebhookPath), std::string::npos) << said;
  EXPECT_EQ(said.find("Xq81vPa3LmR0sEcReT"), std::string::npos) << said;
  for (const auto& [key, value] : host_.State()) {
    EXPECT_EQ(value.find("Xq81vPa3LmR0sEcReT"), std::string::npos) << key;
  }
}

TEST_F(AnnouncePluginTest, ReadsTheUrlFromAFileOrTheEnvironment) {
  std::ofstream(dir_.path() / "webhook.url") << WebhookUrl() << "\n";
  ASSERT_EQ(plugin_->Init(dir_.path().string(), {{"webhook_url_file", "webhook.url"}}).error(), "");
  ASSERT_EQ(plugin_->Fulfil(Award("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);

  ASSERT_EQ(setenv("PLAUDIT_ANNOUNCE_TEST_URL", WebhookUrl().c_str(), 1), 0);
  ASSERT_EQ(plugin_->Init(dir_.path().string(), {{"webhook_url_env", "PLAUDIT_ANNOUNCE_TEST_URL"}})
                .error(),
            "");
  ASSERT_EQ(plugin_->Fulfil(Award("k2")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  unsetenv("PLAUDIT_ANNOUNCE_TEST_URL");
  EXPECT_EQ(sink_.Delivered().size(), 2u);
}

}  // namespace
}  // namespace plaudit::testing

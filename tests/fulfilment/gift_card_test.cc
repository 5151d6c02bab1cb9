// The gift_card plugin, loaded from the build tree, ordering from the vendor sandbox over a
// loopback socket: the sandbox runs in this process, the plugin reaches it through libcurl.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"
#include "tests/testing/plugin_harness.h"
#include "tools/vendor_sandbox/http_server.h"
#include "tools/vendor_sandbox/vendor_sandbox.h"

namespace plaudit::testing {
namespace {

using json::Json;
using sandbox::HttpServer;
using sandbox::SandboxOptions;
using sandbox::VendorSandbox;

constexpr char kApiKey[] = "sk_test_Zq81xQ7vPa3LmR0";
constexpr int64_t kFifteenMinutesMs = 15 * 60 * 1000;

pb::FulfilRequest GiftCard(const std::string& key, const std::string& brand = "bookshop",
                           const std::string& amount = "25", const std::string& currency = "USD",
                           const std::string& agent = "a17") {
  pb::FulfilRequest request;
  request.set_idempotency_key(key);
  request.set_award_id("awd_" + key);
  request.set_reward_type("gift_card");
  request.mutable_agent()->set_id(agent);
  request.mutable_agent()->set_display_name("Dana Okafor");
  request.mutable_agent()->set_email("dana@example.com");
  (*request.mutable_params())["brand"] = brand;
  (*request.mutable_params())["amount"] = amount;
  (*request.mutable_params())["currency"] = currency;
  return request;
}

class GiftCardPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SandboxOptions options;
    options.api_key = kApiKey;
    options.processing_ms = -1;  // asynchronous orders wait until the test completes them
    sandbox_ = std::make_unique<VendorSandbox>(options);
    std::string error;
    server_ = HttpServer::Start(
        0,
        [this](const sandbox::HttpRequest& request) {
          {
            std::lock_guard<std::mutex> lock(next_reply_mu_);
            ++requests_[request.method + " " + request.path];
            if (next_reply_) {
              sandbox::HttpReply reply = *std::move(next_reply_);
              next_reply_.reset();
              return reply;
            }
          }
          return sandbox_->Handle(request);
        },
        &error);
    ASSERT_NE(server_, nullptr) << error;
    key_file_ = (dir_.path() / "vendor.key").string();
    std::ofstream(key_file_) << kApiKey << "\n";
    plugin_ = LoadPlugin(&host_);
    ASSERT_NE(plugin_, nullptr);
    const pb::InitResponse init = plugin_->Init(dir_.path().string(), Config());
    ASSERT_EQ(init.error(), "");
  }

  void TearDown() override {
    plugin_.reset();
    if (server_) server_->Stop();
  }

  std::unique_ptr<LoadedPlugin> LoadPlugin(FakePluginHost* host) {
    std::string error;
    auto plugin = LoadedPlugin::Load(PluginPath("gift_card"), host, &error);
    EXPECT_NE(plugin, nullptr) << error;
    return plugin;
  }

  std::map<std::string, std::string> Config() const {
    return {{"base_url", server_->url()}, {"api_key_file", key_file_}, {"timeout_ms", "1000"}};
  }

  // A call to the sandbox's own API (controls included), as a test's hand on the vendor.
  Json Vendor(const std::string& method, const std::string& path, const std::string& body = "") {
    http::Request request;
    request.method = method;
    request.url = server_->url() + path;
    request.headers = {{"Authorization", std::string("Bearer ") + kApiKey}};
    request.body = body;
    const http::Response response = http_.Send(request);
    EXPECT_EQ(response.failure, http::Failure::kNone) << response.error;
    std::string error;
    std::optional<Json> value = json::ParseStrict(response.body, &error);
    EXPECT_TRUE(value.has_value()) << error << ": " << response.body;
    return value.value_or(Json());
  }

  void AddFault(const std::string& spec) {
    const Json faults = Vendor("POST", "/v1/_faults", spec);
    ASSERT_NE(json::Find(faults, "faults"), nullptr) << json::Serialize(faults);
  }

  std::vector<Json> Orders() { return Vendor("GET", "/v1/_orders").at("orders"); }

  std::vector<Json> OrdersFor(const std::string& reference) {
    std::vector<Json> found;
    for (const Json& order : Orders()) {
      if (json::StringMember(order, "external_reference") == reference) found.push_back(order);
    }
    return found;
  }

  std::string CodeAtVendor(const std::string& reference) {
    const std::vector<Json> orders = OrdersFor(reference);
    if (orders.size() != 1) return "";
    const Json* redemption = json::Find(orders[0], "redemption");
    return redemption == nullptr ? "" : json::StringMember(*redemption, "code");
  }

  void SetStatus(const std::string& reference, const std::string& status) {
    Vendor("POST", "/v1/_orders/status",
           "{\"external_reference\":" + json::Serialize(json::Json(reference)) +
               ",\"status\":" + json::Serialize(json::Json(status)) + "}");
  }

  // Every captured log line and every text the plugin answered, for secret hunting.
  std::string EverythingSaid(const std::vector<std::string>& answers) const {
    std::string all;
    for (const LogLine& line : host_.Logs()) all += line.message + "\n";
    for (const std::string& answer : answers) all += answer + "\n";
    return all;
  }

  // The next request is answered with this instead of by the sandbox.
  void AnswerNextWith(sandbox::HttpReply reply) {
    std::lock_guard<std::mutex> lock(next_reply_mu_);
    next_reply_ = std::move(reply);
  }

  // How many requests the vendor had for "METHOD /path".
  int Requests(const std::string& method_and_path) {
    std::lock_guard<std::mutex> lock(next_reply_mu_);
    return requests_[method_and_path];
  }

  std::mutex next_reply_mu_;
  std::optional<sandbox::HttpReply> next_reply_;  // guarded by next_reply_mu_
  std::map<std::string, int> requests_;           // guarded by next_reply_mu_
  TempDir dir_;
  FakePluginHost host_;
  std::unique_ptr<VendorSandbox> sandbox_;
  std::unique_ptr<HttpServer> server_;
  std::string key_file_;
  std::unique_ptr<LoadedPlugin> plugin_;
  http::CurlHttpClient http_;
};

TEST_F(GiftCardPluginTest, DescribesItselfAndRefusesBadSettings) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string(), Config());
  EXPECT_EQ(init.info().name(), "gift_card");
  EXPECT_EQ(init.info().kind(), pb::PLUGIN_KIND_FULFILMENT);
  ASSERT_EQ(init.info().reward_types_size(), 1);
  EXPECT_EQ(init.info().reward_types(0), "gift_card");

  auto config = Config();
  config["colour"] = "blue";
  EXPECT_NE(
      plugin_->Init(dir_.path().string(), config).error().find("unknown config key \"colour\""),
      std::string::npos);
  config = Config();
  config.erase("base_url");
  EXPECT_NE(plugin_->Init(dir_.path().string(), config).error().find("base_url is required"),
            std::string::npos);
  config = Config();
  config["base_url"] = "ftp://vendor.example";
  EXPECT_NE(plugin_->Init(dir_.path().string(), config).error().find("https://"),
            std::string::npos);
  config = Config();
  config["timeout_ms"] = "soon";
  EXPECT_NE(plugin_->Init(dir_.path().string(), config).error().find("timeout_ms"),
            std::string::npos);
  config = Config();
  config.erase("api_key_file");
  config["api_key_env"] = "PLAUDIT_GIFT_CARD_TEST_UNSET_KEY";
  EXPECT_NE(plugin_->Init(dir_.path().string(), config)
                .error()
                .find("environment variable PLAUDIT_GIFT_CARD_TEST_UNSET_KEY is not set"),
            std::string::npos);
  config["api_key_file"] = key_file_;
  EXPECT_NE(plugin_->Init(dir_.path().string(), config).error().find("give one"),
            std::string::npos);
}

TEST_F(GiftCardPluginTest, ReadsTheKeyFromTheNamedEnvironmentVariable) {
  ASSERT_EQ(setenv("PLAUDIT_GIFT_CARD_TEST_KEY", kApiKey, 1), 0);
  auto config = Config();
  config.erase("api_key_file");
  config["api_key_env"] = "PLAUDIT_GIFT_CARD_TEST_KEY";
  ASSERT_EQ(plugin_->Init(dir_.path().string(), config).error(), "");
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k-env"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  unsetenv("PLAUDIT_GIFT_CARD_TEST_KEY");
}

TEST_F(GiftCardPluginTest, CompletedOrderIsFulfilledAndItsCodeKeptForTheRecipient) {
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k1"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(resp.artifact(), "gift_card order ord_000001 (code held for the recipient)");

  const std::string code = CodeAtVendor("k1");
  ASSERT_FALSE(code.empty());
  EXPECT_EQ(resp.artifact().find(code), std::string::npos);
  const std::optional<std::string> stored = host_.Get("redemption/k1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->find(code), std::string::npos);
  EXPECT_EQ(host_.Get("recipient/k1"), "a17");
  EXPECT_EQ(EverythingSaid({resp.error(), resp.artifact()}).find(code), std::string::npos);

  const std::vector<Json> orders = OrdersFor("k1");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["brand_id"], "bookshop");
  EXPECT_EQ(orders[0]["amount"], 25);
  EXPECT_EQ(orders[0]["currency"], "USD");
  EXPECT_EQ(orders[0]["recipient"]["name"], "Dana Okafor");
  EXPECT_EQ(orders[0]["recipient"]["email"], "dana@example.com");
}

TEST_F(GiftCardPluginTest, SameKeyTwicePlacesOneOrder) {
  const pb::FulfilResponse first = plugin_->Fulfil(GiftCard("k1"));
  ASSERT_EQ(first.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << first.error();
  const pb::FulfilResponse again = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(again.artifact(), first.artifact());

  // A plugin that lost its state still places no second order: the vendor answers the first.
  FakePluginHost amnesiac;
  auto fresh = LoadPlugin(&amnesiac);
  ASSERT_NE(fresh, nullptr);
  ASSERT_EQ(fresh->Init(dir_.path().string(), Config()).error(), "");
  const pb::FulfilResponse replayed = fresh->Fulfil(GiftCard("k1"));
  EXPECT_EQ(replayed.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << replayed.error();
  EXPECT_EQ(replayed.artifact(), first.artifact());
  EXPECT_EQ(OrdersFor("k1").size(), 1u);
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(GiftCardPluginTest, UnknownBrandCurrencyOrAmountIsPermanentAndOrdersNothing) {
  const pb::FulfilResponse brand = plugin_->Fulfil(GiftCard("k1", "spaceship"));
  EXPECT_EQ(brand.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(brand.error().find("unknown gift-card brand \"spaceship\""), std::string::npos)
      << brand.error();
  EXPECT_NE(brand.error().find("bookshop"), std::string::npos) << brand.error();

  const pb::FulfilResponse currency = plugin_->Fulfil(GiftCard("k2", "cinema", "15", "EUR"));
  EXPECT_EQ(currency.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(currency.error().find("not sold in EUR"), std::string::npos) << currency.error();

  const pb::FulfilResponse amount = plugin_->Fulfil(GiftCard("k3", "bookshop", "30"));
  EXPECT_EQ(amount.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(amount.error().find("no 30.00 USD card (offered: 10.00, 25.00, 50.00, 100.00)"),
            std::string::npos)
      << amount.error();

  const pb::FulfilResponse range = plugin_->Fulfil(GiftCard("k4", "coffee", "250"));
  EXPECT_EQ(range.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(range.error().find("offered: 5.00 to 200.00"), std::string::npos) << range.error();

  const pb::FulfilResponse garbled = plugin_->Fulfil(GiftCard("k5", "bookshop", "25 dollars"));
  EXPECT_EQ(garbled.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(garbled.error().find("param \"amount\""), std::string::npos) << garbled.error();

  EXPECT_TRUE(Orders().empty());
}

TEST_F(GiftCardPluginTest, InsufficientBalanceIsRetryableLaterAndOrdersNothing) {
  Vendor("POST", "/v1/_balance", R"({"currency":"USD","available":"20.00"})");
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_EQ(resp.retry_after_ms(), kFifteenMinutesMs);
  EXPECT_NE(resp.error().find("balance USD 20.00 does not cover a 25.00 card"), std::string::npos)
      << resp.error();
  EXPECT_TRUE(Orders().empty());

  Vendor("POST", "/v1/_balance", R"({"currency":"USD","available":"100.00"})");
  const pb::FulfilResponse topped_up = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(topped_up.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << topped_up.error();
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(GiftCardPluginTest, ReadsTheBalanceOnceForManyOrders) {
  for (const char* key : {"k1", "k2", "k3", "k4", "k5"}) {
    const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard(key));
    EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << key << ": " << resp.error();
  }
  EXPECT_EQ(Requests("GET /v1/balance"), 1);
  EXPECT_EQ(Requests("POST /v1/orders"), 5);
}

TEST_F(GiftCardPluginTest, ReadsTheBalanceAgainWhenTheFigureLeftCannotCoverTheCard) {
  Vendor("POST", "/v1/_balance", R"({"currency":"USD","available":"60.00"})");
  EXPECT_EQ(plugin_->Fulfil(GiftCard("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(plugin_->Fulfil(GiftCard("k2")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(Requests("GET /v1/balance"), 1);
  // 60.00 - 2 x 25.00 leaves 10.00: the third card is checked against a fresh reading.
  const pb::FulfilResponse short_of = plugin_->Fulfil(GiftCard("k3"));
  EXPECT_EQ(short_of.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_EQ(short_of.retry_after_ms(), kFifteenMinutesMs);
  EXPECT_NE(short_of.error().find("balance USD 10.00 does not cover a 25.00 card"),
            std::string::npos)
      << short_of.error();
  EXPECT_EQ(Requests("GET /v1/balance"), 2);
  EXPECT_TRUE(OrdersFor("k3").empty());

  Vendor("POST", "/v1/_balance", R"({"currency":"USD","available":"100.00"})");
  EXPECT_EQ(plugin_->Fulfil(GiftCard("k3")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(Requests("GET /v1/balance"), 3);
  EXPECT_EQ(Orders().size(), 3u);
}

TEST_F(GiftCardPluginTest, AVendorRefusalForBalanceIsRetryableAndTheBalanceIsReadAgain) {
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  // Someone else spends the account down: the figure still says 975.00.
  Vendor("POST", "/v1/_balance", R"({"currency":"USD","available":"10.00"})");
  const pb::FulfilResponse refused = plugin_->Fulfil(GiftCard("k2"));
  EXPECT_EQ(refused.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_EQ(refused.retry_after_ms(), kFifteenMinutesMs);
  EXPECT_NE(refused.error().find("top up the account"), std::string::npos) << refused.error();
  EXPECT_EQ(Requests("POST /v1/orders"), 2);
  EXPECT_EQ(Requests("GET /v1/balance"), 1);
  EXPECT_TRUE(OrdersFor("k2").empty());

  // After the refusal the figure is read again before anything is ordered.
  const pb::FulfilResponse again = plugin_->Fulfil(GiftCard("k3"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(again.error().find("balance USD 10.00 does not cover a 25.00 card"), std::string::npos)
      << again.error();
  EXPECT_EQ(Requests("GET /v1/balance"), 2);
  EXPECT_EQ(Requests("POST /v1/orders"), 2);
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(GiftCardPluginTest, ReadsTheBalanceAgainOnceItsReadingIsStale) {
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  host_.SetNowMicros(int64_t{59} * 1000000);
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k2")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(Requests("GET /v1/balance"), 1);
  host_.SetNowMicros(int64_t{61} * 1000000);  // past the default 60 s
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k3")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(Requests("GET /v1/balance"), 2);

  // With balance_ttl_s 0 every order reads the balance first, as it once always did.
  auto config = Config();
  config["balance_ttl_s"] = "0";
  ASSERT_EQ(plugin_->Init(dir_.path().string(), config).error(), "");
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k4")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k5")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(Requests("GET /v1/balance"), 4);
  config["balance_ttl_s"] = "soon";
  EXPECT_NE(plugin_->Init(dir_.path().string(), config)
                .error()
                .find("balance_ttl_s must be a whole number from 0 to 86400; got \"soon\""),
            std::string::npos);
}

TEST_F(GiftCardPluginTest, RateLimitIsRetryableAfterTheVendorsRetryAfter) {
  AddFault(R"({"type":"rate_limit","method":"POST","path":"/v1/orders","retry_after_s":7})");
  const pb::FulfilResponse limited = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(limited.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_EQ(limited.retry_after_ms(), 7000);
  EXPECT_TRUE(Orders().empty());

  const pb::FulfilResponse retried = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(retried.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << retried.error();
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(GiftCardPluginTest, ServiceUnavailableIsRetryable) {
  AddFault(R"({"type":"error","status":503,"method":"POST","path":"/v1/orders"})");
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(resp.error().find("HTTP 503"), std::string::npos) << resp.error();
  EXPECT_TRUE(Orders().empty());
}

TEST_F(GiftCardPluginTest, UnreachableVendorIsRetryable) {
  server_->Stop();
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(resp.error().find("could not reach the vendor"), std::string::npos) << resp.error();
}

TEST_F(GiftCardPluginTest, OtherRefusalIsPermanentWithTheVendorsMessage) {
  AddFault(R"({"type":"error","status":422,"method":"POST","path":"/v1/orders"})");
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(resp.error().find("vendor refused the order (HTTP 422): injected fault"),
            std::string::npos)
      << resp.error();
}

TEST_F(GiftCardPluginTest, ARefusalCarryingAnOrderKeepsItsCodeOutOfTheError) {
  // A vendor that refuses a lookup but answers with the whole order, code and all: the error
  // becomes the reward's history, so the body must not be copied into it.
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const std::string code = CodeAtVendor("k1");
  ASSERT_FALSE(code.empty());
  sandbox::HttpReply reply;
  reply.status = 409;
  reply.body = json::Serialize(OrdersFor("k1").front());
  AnswerNextWith(reply);
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k2"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT) << resp.error();
  EXPECT_EQ(resp.error().find(code), std::string::npos) << resp.error();
  EXPECT_NE(resp.error().find("no message"), std::string::npos) << resp.error();
  // A plain-text error page is still shown.
  reply.status = 422;
  reply.body = "brand withdrawn";
  AnswerNextWith(reply);
  EXPECT_NE(plugin_->Fulfil(GiftCard("k3")).error().find("brand withdrawn"), std::string::npos);
}

TEST_F(GiftCardPluginTest, OrderRecordedWithoutAnAnswerIsUnknownThenLookupFindsIt) {
  AddFault(R"({"type":"record_then_hang","method":"POST","path":"/v1/orders","hang_ms":5000})");
  const pb::FulfilResponse unheard = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(unheard.outcome(), pb::FULFIL_OUTCOME_UNKNOWN) << unheard.error();
  ASSERT_EQ(OrdersFor("k1").size(), 1u);

  const pb::FulfilResponse looked = plugin_->Lookup(GiftCard("k1"));
  EXPECT_EQ(looked.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << looked.error();
  EXPECT_EQ(looked.artifact(), "gift_card order ord_000001 (code held for the recipient)");
  EXPECT_EQ(OrdersFor("k1").size(), 1u);

  const pb::FulfilResponse again = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(GiftCardPluginTest, ClosedConnectionAfterRecordingIsUnknownAndRetryFindsTheOrder) {
  AddFault(R"({"type":"record_then_close","method":"POST","path":"/v1/orders"})");
  const pb::FulfilResponse unheard = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(unheard.outcome(), pb::FULFIL_OUTCOME_UNKNOWN) << unheard.error();
  // Fulfilling again (the host may, for a plugin it cannot look up) looks before placing.
  const pb::FulfilResponse again = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(OrdersFor("k1").size(), 1u);
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(GiftCardPluginTest, LookupOfAKeyNeverOrderedIsNotFound) {
  const pb::FulfilResponse resp = plugin_->Lookup(GiftCard("never"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_NOT_FOUND) << resp.error();
}

TEST_F(GiftCardPluginTest, ProcessingOrderIsPendingUntilLookupSeesItComplete) {
  const pb::FulfilResponse placed = plugin_->Fulfil(GiftCard("k1", "cinema", "15"));
  EXPECT_EQ(placed.outcome(), pb::FULFIL_OUTCOME_PENDING) << placed.error();
  EXPECT_EQ(plugin_->Lookup(GiftCard("k1", "cinema", "15")).outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_FALSE(host_.Get("redemption/k1").has_value());

  SetStatus("k1", "completed");
  const pb::FulfilResponse done = plugin_->Lookup(GiftCard("k1", "cinema", "15"));
  EXPECT_EQ(done.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << done.error();
  EXPECT_EQ(done.artifact(), "gift_card order ord_000001 (code held for the recipient)");
  const std::optional<std::string> stored = host_.Get("redemption/k1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->find(CodeAtVendor("k1")), std::string::npos);
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(GiftCardPluginTest, FailedOrderIsPermanent) {
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1", "cinema", "15")).outcome(), pb::FULFIL_OUTCOME_PENDING);
  Vendor("POST", "/v1/_orders/status",
         R"({"external_reference":"k1","status":"failed","failure_reason":"card stock empty"})");
  const pb::FulfilResponse resp = plugin_->Lookup(GiftCard("k1", "cinema", "15"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_EQ(resp.error(), "vendor order ord_000001 failed: card stock empty");
}

TEST_F(GiftCardPluginTest, VendorStatusEventsBecomeStatusUpdates) {
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1", "cinema", "15")).outcome(), pb::FULFIL_OUTCOME_PENDING);
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k2", "cinema", "30")).outcome(), pb::FULFIL_OUTCOME_PENDING);
  SetStatus("k1", "completed");
  SetStatus("k2", "cancelled");

  std::map<std::string, std::vector<pb::FulfilResponse>> seen;
  const Json events = Vendor("GET", "/v1/_events");
  for (const Json& event : events.at("events")) {
    const pb::CallbackResponse resp = plugin_->Callback(json::Serialize(event));
    ASSERT_EQ(resp.error(), "") << json::Serialize(event);
    ASSERT_EQ(resp.updates_size(), 1);
    seen[resp.updates(0).idempotency_key()].push_back(resp.updates(0).result());
  }
  ASSERT_EQ(seen["k1"].size(), 2u);
  EXPECT_EQ(seen["k1"][0].outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_EQ(seen["k1"][1].outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(seen["k1"][1].artifact(), "gift_card order ord_000001 (code held for the recipient)");
  ASSERT_EQ(seen["k2"].size(), 2u);
  EXPECT_EQ(seen["k2"][1].outcome(), pb::FULFIL_OUTCOME_PERMANENT);

  // A batch of notifications in one body, as some vendors send them.
  const pb::CallbackResponse batch =
      plugin_->Callback(json::Serialize(Vendor("GET", "/v1/_events?after=2")));
  ASSERT_EQ(batch.error(), "");
  EXPECT_EQ(batch.updates_size(), 2);
}

TEST_F(GiftCardPluginTest, TheVendorsRedemptionIsPassedOnFromACallbackAndALookup) {
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1", "cinema", "15")).outcome(), pb::FULFIL_OUTCOME_PENDING);
  SetStatus("k1", "completed");
  Vendor("POST", "/v1/_orders/redeem",
         R"({"external_reference":"k1","redeemed_at":"2026-11-03T09:30:00.25Z"})");
  const Json events = Vendor("GET", "/v1/_events?after=2");
  ASSERT_EQ(events.at("events").size(), 1u);
  const pb::CallbackResponse resp = plugin_->Callback(json::Serialize(events.at("events")[0]));
  ASSERT_EQ(resp.error(), "");
  ASSERT_EQ(resp.updates_size(), 1);
  const pb::FulfilResponse& update = resp.updates(0).result();
  EXPECT_EQ(update.outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  ASSERT_TRUE(update.has_redeemed_at());
  EXPECT_EQ(update.redeemed_at().seconds(), 1793698200);
  EXPECT_EQ(update.redeemed_at().nanos(), 250000000);
  const pb::FulfilResponse looked = plugin_->Lookup(GiftCard("k1", "cinema", "15"));
  EXPECT_EQ(looked.outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(looked.redeemed_at().seconds(), 1793698200);
  // A completed order not redeemed says nothing of it; an unreadable time is logged and ignored.
  const pb::CallbackResponse plain = plugin_->Callback(
      R"({"external_reference":"k1","order_id":"ord_000001","status":"completed"})");
  EXPECT_FALSE(plain.updates(0).result().has_redeemed_at());
  const pb::CallbackResponse garbled = plugin_->Callback(
      R"({"external_reference":"k1","order_id":"ord_000001","status":"completed",)"
      R"("redeemed_at":"yesterday"})");
  EXPECT_EQ(garbled.updates(0).result().outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_FALSE(garbled.updates(0).result().has_redeemed_at());
  EXPECT_TRUE(host_.Logged("unreadable redeemed_at \"yesterday\""));
}

TEST_F(GiftCardPluginTest, MalformedCallbackBodyIsAnError) {
  EXPECT_NE(plugin_->Callback("not json").error().find("not JSON"), std::string::npos);
  EXPECT_NE(plugin_->Callback(R"({"status":"completed"})").error().find("external_reference"),
            std::string::npos);
  EXPECT_NE(plugin_->Callback("[]").error(), "");
}

TEST_F(GiftCardPluginTest, UnknownStatusWordIsPendingWithAWarning) {
  AddFault(R"({"type":"order_status","order_status":"on_hold"})");
  const pb::FulfilResponse resp = plugin_->Fulfil(GiftCard("k1"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PENDING) << resp.error();
  bool warned = false;
  for (const LogLine& line : host_.Logs()) {
    if (line.level == pb::LogRequest::WARNING &&
        line.message.find("unknown status \"on_hold\"") != std::string::npos) {
      warned = true;
    }
  }
  EXPECT_TRUE(warned);

  const pb::CallbackResponse callback =
      plugin_->Callback(R"({"external_reference":"k1","order_id":"ord_000001","status":"Weird"})");
  ASSERT_EQ(callback.updates_size(), 1);
  EXPECT_EQ(callback.updates(0).result().outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_TRUE(host_.Logged("unknown status \"Weird\""));
}

TEST_F(GiftCardPluginTest, TheApiKeyAppearsInNoLogAndNoAnswer) {
  std::vector<std::string> answers;
  auto note = [&](const pb::FulfilResponse& resp) {
    answers.push_back(resp.error());
    answers.push_back(resp.artifact());
  };
  note(plugin_->Fulfil(GiftCard("k1")));
  note(plugin_->Fulfil(GiftCard("k2", "spaceship")));
  AddFault(R"({"type":"error","status":500,"path":"/v1/orders","method":"POST"})");
  note(plugin_->Fulfil(GiftCard("k3")));
  AddFault(R"({"type":"order_status","order_status":"on_hold"})");
  note(plugin_->Fulfil(GiftCard("k4")));
  note(plugin_->Lookup(GiftCard("k5")));

  // A key the vendor refuses: retryable (nothing was ordered), and still never shown.
  std::ofstream(key_file_) << "sk_test_wrong_Hh2k9\n";
  ASSERT_EQ(plugin_->Init(dir_.path().string(), Config()).error(), "");
  const pb::FulfilResponse refused = plugin_->Fulfil(GiftCard("k6"));
  EXPECT_EQ(refused.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(refused.error().find("API key"), std::string::npos) << refused.error();
  note(refused);

  const std::string said = EverythingSaid(answers);
  EXPECT_FALSE(said.empty());
  EXPECT_EQ(said.find(kApiKey), std::string::npos) << said;
  EXPECT_EQ(said.find("sk_test_wrong_Hh2k9"), std::string::npos) << said;
  EXPECT_EQ(said.find(CodeAtVendor("k1")), std::string::npos) << said;
}

TEST_F(GiftCardPluginTest, CodeQueryAnswersOnlyTheRecipient) {
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::QueryResponse mine = plugin_->Query("code", {{"idempotency_key", "k1"}}, "a17");
  ASSERT_EQ(mine.error(), "");
  ASSERT_EQ(mine.rows_size(), 1);
  ASSERT_EQ(mine.columns_size(), 4);
  EXPECT_EQ(mine.columns(2), "code");
  EXPECT_EQ(mine.rows(0).cells(1), "ord_000001");
  EXPECT_EQ(mine.rows(0).cells(2), CodeAtVendor("k1"));
  EXPECT_NE(mine.rows(0).cells(3).find("https://"), std::string::npos);

  const pb::QueryResponse theirs = plugin_->Query("code", {{"idempotency_key", "k1"}}, "a18");
  EXPECT_EQ(theirs.code(), 7);
  EXPECT_EQ(theirs.rows_size(), 0);
  EXPECT_EQ(plugin_->Query("code", {{"idempotency_key", "k1"}}, "").code(), 7);
  EXPECT_EQ(plugin_->Query("code", {{"idempotency_key", "nope"}}, "a17").code(), 5);
  EXPECT_EQ(plugin_->Query("code", {}, "a17").code(), 3);
}

TEST_F(GiftCardPluginTest, CodeQueryFetchesACodeCompletedByCallback) {
  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1", "cinema", "15")).outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_EQ(plugin_->Query("code", {{"idempotency_key", "k1"}}, "a17").code(), 9);
  SetStatus("k1", "completed");
  const pb::QueryResponse mine = plugin_->Query("code", {{"idempotency_key", "k1"}}, "a17");
  ASSERT_EQ(mine.error(), "");
  ASSERT_EQ(mine.rows_size(), 1);
  EXPECT_EQ(mine.rows(0).cells(2), CodeAtVendor("k1"));
}

TEST_F(GiftCardPluginTest, CatalogAndBalanceQueries) {
  const pb::QueryResponse catalog = plugin_->Query("catalog");
  ASSERT_EQ(catalog.error(), "");
  ASSERT_EQ(catalog.columns_size(), 4);
  EXPECT_EQ(catalog.columns(0), "brand");
  EXPECT_EQ(catalog.columns(3), "denominations");
  ASSERT_EQ(catalog.rows_size(), 3);
  EXPECT_EQ(catalog.rows(0).cells(0), "bookshop");
  EXPECT_EQ(catalog.rows(0).cells(1), "Paper Lantern Books");
  EXPECT_EQ(catalog.rows(0).cells(2), "USD, EUR, GBP");
  EXPECT_EQ(catalog.rows(0).cells(3), "10.00, 25.00, 50.00, 100.00");
  EXPECT_EQ(catalog.rows(1).cells(3), "5.00 to 200.00");

  ASSERT_EQ(plugin_->Fulfil(GiftCard("k1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::QueryResponse balance = plugin_->Query("balance");
  ASSERT_EQ(balance.error(), "");
  ASSERT_EQ(balance.rows_size(), 3);
  EXPECT_EQ(balance.rows(2).cells(0), "USD");
  EXPECT_EQ(balance.rows(2).cells(1), "975.00");

  EXPECT_EQ(plugin_->Query("jackpot").code(), 5);
}

TEST_F(GiftCardPluginTest, CatalogueIsCachedForItsTtl) {
  ASSERT_EQ(plugin_->Query("catalog").error(), "");
  AddFault(R"({"type":"error","status":503,"path":"/v1/catalog","count":5})");
  EXPECT_EQ(plugin_->Query("catalog").error(), "");  // from the cache
  host_.SetNowMicros(int64_t{301} * 1000000);        // past the default 300 s
  const pb::QueryResponse stale = plugin_->Query("catalog");
  EXPECT_EQ(stale.error(), "");  // the vendor failed, so the stale copy serves
  EXPECT_TRUE(host_.Logged("could not refresh the catalogue"));
}

}  // namespace
}  // namespace plaudit::testing

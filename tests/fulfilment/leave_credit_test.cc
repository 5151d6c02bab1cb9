// The leave_credit plugin, loaded from the build tree, crediting into the fake host's state store.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/plugin_harness.h"

namespace plaudit::testing {
namespace {

pb::FulfilRequest Credit(const std::string& key, std::optional<std::string> hours,
                         const std::string& agent = "a17") {
  pb::FulfilRequest request;
  request.set_idempotency_key(key);
  request.set_award_id("awd_" + key);
  request.set_reward_type("leave_credit");
  request.mutable_agent()->set_id(agent);
  request.mutable_agent()->set_display_name("Dana Okafor");
  if (hours) (*request.mutable_params())["hours"] = *hours;
  return request;
}

class LeaveCreditPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath("leave_credit"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
    const pb::InitResponse init = plugin_->Init(dir_.path().string());
    ASSERT_EQ(init.error(), "");
  }

  FakePluginHost host_;
  TempDir dir_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(LeaveCreditPluginTest, DescribesItselfAsTheLeaveCreditFulfilment) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string());
  EXPECT_EQ(init.info().name(), "leave_credit");
  EXPECT_EQ(init.info().kind(), pb::PLUGIN_KIND_FULFILMENT);
  ASSERT_EQ(init.info().reward_types_size(), 1);
  EXPECT_EQ(init.info().reward_types(0), "leave_credit");
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"max", "8"}}).error(), "");
}

TEST_F(LeaveCreditPluginTest, CreditsHoursToTheBalance) {
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1", "8"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(resp.artifact(), "8 hours credited, balance 8");
  EXPECT_EQ(host_.Get("balance/a17"), "8");
  EXPECT_TRUE(host_.Get("grant/k1").has_value());
}

TEST_F(LeaveCreditPluginTest, RepeatedKeyCreditsOnce) {
  ASSERT_EQ(plugin_->Fulfil(Credit("k1", "8")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::FulfilResponse again = plugin_->Fulfil(Credit("k1", "8"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(again.artifact(), "8 hours credited, balance 8");
  EXPECT_EQ(host_.Get("balance/a17"), "8");
}

TEST_F(LeaveCreditPluginTest, TwoKeysAddUp) {
  ASSERT_EQ(plugin_->Fulfil(Credit("k1", "8")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::FulfilResponse second = plugin_->Fulfil(Credit("k2", "8"));
  ASSERT_EQ(second.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << second.error();
  EXPECT_EQ(second.artifact(), "8 hours credited, balance 16");
  EXPECT_EQ(host_.Get("balance/a17"), "16");
}

TEST_F(LeaveCreditPluginTest, BalancesAreKeptPerAgent) {
  ASSERT_EQ(plugin_->Fulfil(Credit("k1", "8", "a17")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  ASSERT_EQ(plugin_->Fulfil(Credit("k2", "4", "a18")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(host_.Get("balance/a17"), "8");
  EXPECT_EQ(host_.Get("balance/a18"), "4");
}

TEST_F(LeaveCreditPluginTest, FractionalHoursSumExactly) {
  for (const char* key : {"k1", "k2", "k3"}) {
    ASSERT_EQ(plugin_->Fulfil(Credit(key, "0.1")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  }
  EXPECT_EQ(host_.Get("balance/a17"), "0.3");
  const pb::FulfilResponse one = plugin_->Fulfil(Credit("k4", "1"));
  EXPECT_EQ(one.artifact(), "1 hour credited, balance 1.3");
}

TEST_F(LeaveCreditPluginTest, BadHoursArePermanentAndNamed) {
  for (const char* bad : {"abc", "-1", "nan", "inf", "0", "400.5", "8h", ""}) {
    SCOPED_TRACE(bad);
    const pb::FulfilResponse resp = plugin_->Fulfil(Credit(std::string("k-") + bad, bad));
    EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
    EXPECT_NE(resp.error().find("\"hours\""), std::string::npos) << resp.error();
    EXPECT_NE(resp.error().find(std::string("\"") + bad + "\""), std::string::npos) << resp.error();
  }
  const pb::FulfilResponse missing = plugin_->Fulfil(Credit("k-missing", std::nullopt));
  EXPECT_EQ(missing.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(missing.error().find("\"hours\" is required"), std::string::npos) << missing.error();
  EXPECT_TRUE(host_.State().empty());
}

TEST_F(LeaveCreditPluginTest, FourHundredHoursIsTheLargestCredit) {
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1", "400"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(host_.Get("balance/a17"), "400");
}

TEST_F(LeaveCreditPluginTest, StoreFailureIsRetryableAndCreditsNothing) {
  host_.FailCommits("disk full");
  const pb::FulfilResponse failed = plugin_->Fulfil(Credit("k1", "8"));
  EXPECT_EQ(failed.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(failed.error().find("disk full"), std::string::npos) << failed.error();
  EXPECT_TRUE(host_.State().empty());

  host_.FailCommits("");
  const pb::FulfilResponse retried = plugin_->Fulfil(Credit("k1", "8"));
  EXPECT_EQ(retried.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << retried.error();
  EXPECT_EQ(host_.Get("balance/a17"), "8");
}

TEST_F(LeaveCreditPluginTest, UnreadableStoredBalanceIsPermanent) {
  host_.Put("balance/a17", "eight");
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1", "8"));
  EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(resp.error().find("eight"), std::string::npos) << resp.error();
  EXPECT_EQ(host_.Get("balance/a17"), "eight");
}

// Fulfils as the host's fulfilment engine would: a retryable outcome is tried again.
pb::FulfilResponse FulfilUntilSettled(LoadedPlugin& plugin, const pb::FulfilRequest& request) {
  pb::FulfilResponse resp;
  for (int attempt = 0; attempt < 50; ++attempt) {
    resp = plugin.Fulfil(request);
    if (resp.outcome() != pb::FULFIL_OUTCOME_RETRYABLE) break;
  }
  return resp;
}

TEST_F(LeaveCreditPluginTest, ConcurrentCreditsForOneAgentAreNeverLost) {
  constexpr int kThreads = 8;
  constexpr int kKeysPerThread = 50;
  std::atomic<int> fulfilled{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kKeysPerThread; ++k) {
        const std::string key = "t" + std::to_string(t) + "-k" + std::to_string(k);
        if (FulfilUntilSettled(*plugin_, Credit(key, "2")).outcome() ==
            pb::FULFIL_OUTCOME_FULFILLED) {
          ++fulfilled;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(fulfilled.load(), 400);
  EXPECT_EQ(host_.Get("balance/a17"), "800");  // 400 credits x 2 hours
}

TEST_F(LeaveCreditPluginTest, ConcurrentRepeatsOfOneKeyCreditOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> fulfilled{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      if (FulfilUntilSettled(*plugin_, Credit("same", "8")).outcome() ==
          pb::FULFIL_OUTCOME_FULFILLED) {
        ++fulfilled;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(fulfilled.load(), 8);
  EXPECT_EQ(host_.Get("balance/a17"), "8");
}

}  // namespace
}  // namespace plaudit::testing

// The leave_credit plugin, loaded from the build tree, crediting into the fake host's state store.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/testing/plugin_harness.h"

namespace plaudit::testing {
namespace {

int64_t Micros(int year, int month, int day) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone()));
}

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
    host_.SetNowMicros(Micros(2026, 11, 22));
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
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"expires_after_days", "0"}}).error(), "");
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"time_zone", "Nowhere/Town"}}).error(), "");
  EXPECT_EQ(plugin_
                ->Init(dir_.path().string(),
                       {{"expires_after_days", "90"}, {"time_zone", "Europe/Stockholm"}})
                .error(),
            "");
}

TEST_F(LeaveCreditPluginTest, CreditsHoursToTheBalance) {
  const pb::FulfilResponse resp = plugin_->Fulfil(Credit("k1", "8"));
  ASSERT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << resp.error();
  EXPECT_EQ(resp.artifact(), "8 hours credited (expires 2027-11-22), balance 8");
  EXPECT_EQ(host_.Get("balance/a17"), "8");
  EXPECT_TRUE(host_.Get("grant/k1").has_value());
}

TEST_F(LeaveCreditPluginTest, RepeatedKeyCreditsOnce) {
  ASSERT_EQ(plugin_->Fulfil(Credit("k1", "8")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::FulfilResponse again = plugin_->Fulfil(Credit("k1", "8"));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << again.error();
  EXPECT_EQ(again.artifact(), "8 hours credited (expires 2027-11-22), balance 8");
  EXPECT_EQ(host_.Get("balance/a17"), "8");
}

TEST_F(LeaveCreditPluginTest, TwoKeysAddUp) {
  ASSERT_EQ(plugin_->Fulfil(Credit("k1", "8")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::FulfilResponse second = plugin_->Fulfil(Credit("k2", "8"));
  ASSERT_EQ(second.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << second.error();
  EXPECT_EQ(second.artifact(), "8 hours credited (expires 2027-11-22), balance 16");
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
  EXPECT_EQ(one.artifact(), "1 hour credited (expires 2027-11-22), balance 1.3");
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

std::vector<std::string> Cells(const pb::QueryResponse::Row& row) {
  return std::vector<std::string>(row.cells().begin(), row.cells().end());
}

pb::FulfilRequest Expiring(const std::string& key, const std::string& hours,
                           const std::string& days, const std::string& agent = "a17") {
  pb::FulfilRequest request = Credit(key, hours, agent);
  (*request.mutable_params())["expires_after_days"] = days;
  return request;
}

TEST_F(LeaveCreditPluginTest, ExpiredGrantsNoLongerCount) {
  host_.SetNowMicros(Micros(2026, 1, 10));
  ASSERT_EQ(plugin_->Fulfil(Expiring("k1", "8", "30")).artifact(),
            "8 hours credited (expires 2026-02-09), balance 8");
  host_.SetNowMicros(Micros(2026, 2, 1));
  ASSERT_EQ(plugin_->Fulfil(Credit("k2", "4")).artifact(),
            "4 hours credited (expires 2027-02-01), balance 12");

  host_.SetNowMicros(Micros(2026, 2, 8));  // the last day the first grant counts
  pb::QueryResponse before = plugin_->Query("balances");
  ASSERT_EQ(before.error(), "");
  EXPECT_EQ(std::vector<std::string>(before.columns().begin(), before.columns().end()),
            (std::vector<std::string>{"agent", "hours_available", "next_expiry", "grants"}));
  ASSERT_EQ(before.rows_size(), 1);
  EXPECT_EQ(Cells(before.rows(0)),
            (std::vector<std::string>{"Dana Okafor (a17)", "12", "2026-02-09", "2"}));

  host_.SetNowMicros(Micros(2026, 2, 9));
  pb::QueryResponse after = plugin_->Query("balances");
  ASSERT_EQ(after.rows_size(), 1);
  EXPECT_EQ(Cells(after.rows(0)),
            (std::vector<std::string>{"Dana Okafor (a17)", "4", "2027-02-01", "1"}));
  // A new credit's balance counts only what has not expired.
  EXPECT_EQ(plugin_->Fulfil(Credit("k3", "2")).artifact(),
            "2 hours credited (expires 2027-02-09), balance 6");
  EXPECT_EQ(host_.Get("balance/a17"), "14");  // every hour ever credited
}

TEST_F(LeaveCreditPluginTest, ExpiryComesFromTheSettingUnlessTheRewardSetsIt) {
  ASSERT_EQ(plugin_->Init(dir_.path().string(), {{"expires_after_days", "10"}}).error(), "");
  EXPECT_EQ(plugin_->Fulfil(Credit("k1", "1")).artifact(),
            "1 hour credited (expires 2026-12-02), balance 1");
  EXPECT_EQ(plugin_->Fulfil(Expiring("k2", "1", "1")).artifact(),
            "1 hour credited (expires 2026-11-23), balance 2");
  const pb::FulfilResponse bad = plugin_->Fulfil(Expiring("k3", "1", "soon"));
  EXPECT_EQ(bad.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(bad.error().find("\"expires_after_days\""), std::string::npos) << bad.error();
}

TEST_F(LeaveCreditPluginTest, HoursCreditedBeforeExpiryExistedStayAvailable) {
  host_.Put("balance/a17", "10");  // written by leave_credit 1.0, which kept no grant list
  host_.Put("balance/a99", "5");
  ASSERT_EQ(plugin_->Fulfil(Expiring("k1", "8", "5")).artifact(),
            "8 hours credited (expires 2026-11-27), balance 18");
  host_.SetNowMicros(Micros(2026, 12, 1));
  const pb::QueryResponse all = plugin_->Query("balances");
  ASSERT_EQ(all.rows_size(), 1);  // a99 was never credited since: ask for it by id
  EXPECT_EQ(Cells(all.rows(0)), (std::vector<std::string>{"Dana Okafor (a17)", "10", "", "0"}));
  const pb::QueryResponse legacy = plugin_->Query("balances", {{"agent", "a99"}});
  ASSERT_EQ(legacy.rows_size(), 1);
  EXPECT_EQ(Cells(legacy.rows(0)), (std::vector<std::string>{"a99", "5", "", "0"}));
}

TEST_F(LeaveCreditPluginTest, BalancesListEveryAgentOrOne) {
  ASSERT_EQ(plugin_->Fulfil(Credit("k1", "8", "a17")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  ASSERT_EQ(plugin_->Fulfil(Credit("k2", "7.5", "a18")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  ASSERT_EQ(plugin_->Fulfil(Credit("k3", "2", "a17")).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::QueryResponse all = plugin_->Query("balances");
  ASSERT_EQ(all.rows_size(), 2);
  EXPECT_EQ(Cells(all.rows(0)),
            (std::vector<std::string>{"Dana Okafor (a17)", "10", "2027-11-22", "2"}));
  EXPECT_EQ(Cells(all.rows(1)),
            (std::vector<std::string>{"Dana Okafor (a18)", "7.5", "2027-11-22", "1"}));
  const pb::QueryResponse one = plugin_->Query("balances", {{"agent", "a18"}});
  ASSERT_EQ(one.rows_size(), 1);
  EXPECT_EQ(one.rows(0).cells(1), "7.5");
  EXPECT_EQ(plugin_->Query("balances", {{"agent", "a404"}}).code(), 5);
  EXPECT_EQ(plugin_->Query("balances", {{"who", "a17"}}).code(), 3);
  EXPECT_EQ(plugin_->Query("ledger").code(), 5);
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

#include "core/plugin_host/plugin_host.h"

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

std::string TestPlugin(const std::string& name) {
  return std::string(std::getenv("PLAUDIT_BUILD_DIR")) + "/test-plugins/" + name + ".so";
}

class PluginHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    ingestor_ = std::make_unique<EventIngestor>(store_.get());
    PluginHost::Options options{
        dir_.path(),
        {{"test_good_plugin", {{"greeting", "hej"}}}, {"second_copy", {{"name", "good-again"}}}}};
    host_ = std::make_unique<PluginHost>(options, store_.get(), ingestor_.get(), &clock_);
  }

  FulfilmentCall Call(const std::string& key) {
    FulfilmentCall call;
    call.idempotency_key = key;
    call.reward_type = "thanks";
    call.agent.display_name = "Zoë";
    call.program_name = "Employee of the Month";
    call.period = "2026-10";
    return call;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixMicros(1234)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventIngestor> ingestor_;
  std::unique_ptr<PluginHost> host_;
};

TEST_F(PluginHostTest, LoadsAGoodPluginAndPassesItsConfig) {
  PluginStatus status = host_->Load(TestPlugin("test_good_plugin"));
  EXPECT_TRUE(status.loaded) << status.error;
  EXPECT_EQ(status.name, "good");
  EXPECT_EQ(status.kind, "fulfilment");
  EXPECT_EQ(status.version, "0.1.0");
  EXPECT_EQ(status.serves, std::vector<std::string>{"thanks"});
  EXPECT_EQ(host_->RewardTypes(), std::set<std::string>{"thanks"});

  FulfilResult first = host_->Fulfil(Call("k1"));
  EXPECT_EQ(first.outcome, FulfilOutcome::kFulfilled);
  EXPECT_EQ(first.artifact, "hej Zoë Employee of the Month 2026-10 first t=1234");
  // The plugin's state lives in the host store, scoped to the plugin's name.
  EXPECT_TRUE(store_->StateGet("good", "seen/k1")->has_value());
  FulfilResult again = host_->Fulfil(Call("k1"));
  EXPECT_EQ(again.artifact, "hej Zoë Employee of the Month 2026-10 again t=1234");
}

TEST_F(PluginHostTest, RejectsAWrongAbiVersionBeforeCallingAnything) {
  PluginStatus status = host_->Load(TestPlugin("test_wrong_abi_plugin"));
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "ABI version 42 is not supported (this plauditd speaks 1)");
}

TEST_F(PluginHostTest, RejectsASharedObjectWithoutEntryPoint) {
  PluginStatus status = host_->Load(TestPlugin("test_no_entry_plugin"));
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "not a Plaudit plugin: no plaudit_plugin_abi_version entry point");
}

TEST_F(PluginHostTest, RecordsAPluginWhoseInitFails) {
  PluginStatus status = host_->Load(TestPlugin("test_init_fails_plugin"));
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "init failed: config key api_key is required");
}

TEST_F(PluginHostTest, RecordsAFileThatIsNotASharedObject) {
  std::string path = dir_.File("junk.so");
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("not an ELF file", f);
  std::fclose(f);
  PluginStatus status = host_->Load(path);
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error.rfind("cannot load: ", 0), 0u) << status.error;
}

TEST_F(PluginHostTest, LoadDirectoryKeepsGoingPastBadPlugins) {
  host_->LoadDirectory(std::string(std::getenv("PLAUDIT_BUILD_DIR")) + "/test-plugins");
  std::vector<PluginStatus> plugins = host_->Plugins();
  ASSERT_EQ(plugins.size(), 4u);
  int loaded = 0;
  for (const PluginStatus& p : plugins) loaded += p.loaded ? 1 : 0;
  EXPECT_EQ(loaded, 1);
  EXPECT_EQ(host_->RewardTypes(), std::set<std::string>{"thanks"});
}

TEST_F(PluginHostTest, RefusesASecondPluginForTheSameRewardType) {
  ASSERT_TRUE(host_->Load(TestPlugin("test_good_plugin")).loaded);
  std::string copy = dir_.File("second_copy.so");
  std::filesystem::copy_file(TestPlugin("test_good_plugin"), copy);
  PluginStatus second = host_->Load(copy);
  EXPECT_FALSE(second.loaded);
  EXPECT_EQ(second.error, "reward type thanks is already served by plugin good");
}

TEST_F(PluginHostTest, AnExceptionInThePluginBecomesAnUnknownOutcome) {
  ASSERT_TRUE(host_->Load(TestPlugin("test_good_plugin")).loaded);
  FulfilmentCall call = Call("k2");
  call.params["throw"] = "yes";
  FulfilResult result = host_->Fulfil(call);
  EXPECT_EQ(result.outcome, FulfilOutcome::kUnknown);
  EXPECT_EQ(result.error, "plugin threw: asked to throw");
}

TEST_F(PluginHostTest, UnservedRewardTypeWaitsWithAReason) {
  FulfilmentCall call = Call("k3");
  call.reward_type = "gift_card";
  FulfilResult result = host_->Fulfil(call);
  EXPECT_EQ(result.outcome, FulfilOutcome::kPending);
  EXPECT_EQ(result.error, "no loaded plugin serves reward type gift_card");
}

}  // namespace
}  // namespace plaudit

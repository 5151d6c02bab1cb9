#include "core/plugin_host/plugin_host.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/plugin_host/plugin_probe.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

std::string TestPlugin(const std::string& name) {
  return std::string(std::getenv("PLAUDIT_BUILD_DIR")) + "/test-plugins/" + name + ".so";
}

// Long enough for a child to start and load a plugin on a busy machine, short enough to wait
// for the hanging test plugin.
constexpr absl::Duration kShortLimit = absl::Seconds(2);

// A probe child is this test binary started afresh. When this variable is set, the child sleeps
// this long before anything else in it runs (priority 101 goes before the probe's own
// constructor): a machine too busy to start a process quickly, made certain.
constexpr char kSlowStartVariable[] = "PLAUDIT_TEST_PROBE_SLOW_START_MS";
__attribute__((constructor(101))) void StartSlowlyIfAsked() {
  const char* millis = std::getenv(kSlowStartVariable);
  if (millis != nullptr) usleep(static_cast<useconds_t>(std::atoi(millis)) * 1000);
}

class SlowStart {
 public:
  explicit SlowStart(absl::Duration delay) {
    setenv(kSlowStartVariable, std::to_string(absl::ToInt64Milliseconds(delay)).c_str(), 1);
  }
  ~SlowStart() { unsetenv(kSlowStartVariable); }
};

std::string TestPluginDir() {
  return std::string(std::getenv("PLAUDIT_BUILD_DIR")) + "/test-plugins";
}

class PluginHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    ingestor_ = std::make_unique<EventIngestor>(store_.get());
    host_ = MakeHost(
        {{"test_good_plugin", {{"greeting", "hej"}}}, {"second_copy", {{"name", "good-again"}}}});
  }

  // The hanging test plugin is given up on after `probe_time_limit`: pass kShortLimit when it
  // is loaded.
  std::unique_ptr<PluginHost> MakeHost(
      std::map<std::string, std::map<std::string, std::string>> config,
      absl::Duration probe_time_limit = absl::Seconds(10)) {
    PluginHost::Options options{dir_.path(), std::move(config), probe_time_limit};
    return std::make_unique<PluginHost>(options, store_.get(), ingestor_.get(), &clock_);
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

// The agent's language reaches the plugin, which prints a certificate in it.
TEST_F(PluginHostTest, PassesTheAgentsLocale) {
  ASSERT_TRUE(host_->Load(TestPlugin("test_good_plugin")).loaded);
  FulfilmentCall call = Call("k-locale");
  call.agent.locale = "pt-BR";
  const FulfilResult result = host_->Fulfil(call);
  EXPECT_EQ(result.outcome, FulfilOutcome::kFulfilled);
  EXPECT_EQ(result.artifact, "hej Zoë Employee of the Month 2026-10 first t=1234 locale=pt-BR");
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

TEST_F(PluginHostTest, RecordsAnEmptyFileAsEmpty) {
  std::string path = dir_.File("empty.so");
  std::fclose(std::fopen(path.c_str(), "w"));
  PluginStatus status = host_->Load(path);
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "empty file (0 bytes)");
}

TEST_F(PluginHostTest, ASegfaultInCreateIsReportedAndTheHostCarriesOn) {
  PluginStatus status = host_->Load(TestPlugin("test_segfault_in_create_plugin"));
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "crashed in create: SIGSEGV");
  // Still here, and still able to load a good plugin.
  EXPECT_TRUE(host_->Load(TestPlugin("test_good_plugin")).loaded);
}

TEST_F(PluginHostTest, AnAbortInAStaticConstructorIsReportedAsACrashWhileLoading) {
  PluginStatus status = host_->Load(TestPlugin("test_abort_at_load_plugin"));
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "crashed while loading: SIGABRT");
}

TEST_F(PluginHostTest, AnInitThatNeverReturnsIsGivenUpOnAtTheTimeLimit) {
  auto host = MakeHost({}, kShortLimit);
  PluginStatus status = host->Load(TestPlugin("test_hang_in_init_plugin"));
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "init did not return within 2 s");
}

// Starting the child is not the plugin's time: a child that takes longer to start than the
// plugin's limit still tries the plugin, within the limit counted from when it begins loading.
TEST_F(PluginHostTest, TheTimeLimitCountsFromLoadingNotFromStartingTheProbe) {
  SlowStart slow(kShortLimit + absl::Seconds(1));
  PluginProbeRequest request{
      TestPlugin("test_good_plugin"), {}, absl::FromUnixMicros(1234), kShortLimit};
  const absl::Status status = ProbePlugin(request);
  EXPECT_TRUE(status.ok()) << status.message();
}

TEST_F(PluginHostTest, AProbeThatDoesNotStartIsGivenUpOnAtItsOwnLimit) {
  SlowStart slow(absl::Seconds(3));
  PluginProbeRequest request{TestPlugin("test_good_plugin"),
                             {},
                             absl::FromUnixMicros(1234),
                             absl::Seconds(10),
                             absl::Seconds(1)};
  const absl::Status status = ProbePlugin(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "the plugin probe did not start within 1 s");
}

TEST_F(PluginHostTest, APluginThatEndsTheProcessInInitIsReportedWithItsExitStatus) {
  PluginStatus status = host_->Load(TestPlugin("test_exit_in_init_plugin"));
  EXPECT_FALSE(status.loaded);
  EXPECT_EQ(status.error, "exited with status 3 in init");
}

TEST_F(PluginHostTest, LoadDirectoryKeepsGoingPastBadPlugins) {
  auto host = MakeHost({}, kShortLimit);
  ASSERT_TRUE(host->LoadDirectory(TestPluginDir()).ok());
  std::map<std::string, std::string> errors;
  for (const PluginStatus& p : host->Plugins()) {
    errors[std::filesystem::path(p.path).filename().string()] = p.loaded ? "loaded" : p.error;
  }
  EXPECT_EQ(
      errors,
      (std::map<std::string, std::string>{
          {"test_abort_at_load_plugin.so", "crashed while loading: SIGABRT"},
          {"test_exit_in_init_plugin.so", "exited with status 3 in init"},
          {"test_good_plugin.so", "loaded"},
          {"test_hang_in_init_plugin.so", "init did not return within 2 s"},
          {"test_init_fails_plugin.so", "init failed: config key api_key is required"},
          {"test_no_entry_plugin.so",
           "not a Plaudit plugin: no plaudit_plugin_abi_version entry point"},
          {"test_segfault_in_create_plugin.so", "crashed in create: SIGSEGV"},
          {"test_wrong_abi_plugin.so", "ABI version 42 is not supported (this plauditd speaks 1)"},
      }));
  EXPECT_EQ(host->RewardTypes(), std::set<std::string>{"thanks"});
}

TEST_F(PluginHostTest, AMissingPluginDirectoryIsAnError) {
  absl::Status status = host_->LoadDirectory(dir_.File("no-such-plugins"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "plugin_dir: " + dir_.File("no-such-plugins") + " does not exist");
  absl::Status file = host_->LoadDirectory(TestPlugin("test_good_plugin"));
  EXPECT_EQ(file.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file.message(),
            "plugin_dir: " + TestPlugin("test_good_plugin") + " is not a directory");
}

TEST_F(PluginHostTest, AMisspelledConfigBlockIsNamedWithTheClosestPlugin) {
  auto host = MakeHost({{"test_good_plugn", {{"greeting", "hej"}}}}, kShortLimit);
  ASSERT_TRUE(host->LoadDirectory(TestPluginDir()).ok());
  absl::Status status = host->CheckConfigBlocks();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "plugins.test_good_plugn: no plugin in " + TestPluginDir() +
                                  " is called test_good_plugn (did you mean test_good_plugin?)");
}

TEST_F(PluginHostTest, AConfigBlockFarFromAnyPluginGetsNoSuggestion) {
  auto host = MakeHost({{"gift_card", {}}});
  host->Load(TestPlugin("test_good_plugin"));
  EXPECT_EQ(host->CheckConfigBlocks().message(),
            "plugins.gift_card: no plugin is called gift_card");
}

TEST_F(PluginHostTest, ConfigBlocksOfFailedPluginsAndOfPluginNamesAreClaimed) {
  // test_init_fails_plugin fails, but its block is for it; "good" is the good plugin's own name,
  // under which plauditd's own settings are read.
  auto host = MakeHost({{"test_init_fails_plugin", {}},
                        {"good", {{"max_concurrency", "1"}}},
                        {"test_good_plugin", {}}});
  host->Load(TestPlugin("test_init_fails_plugin"));
  host->Load(TestPlugin("test_good_plugin"));
  EXPECT_TRUE(host->CheckConfigBlocks().ok()) << host->CheckConfigBlocks();
}

TEST_F(PluginHostTest, PluginSettingsUnderAPluginsOwnNameAreAnError) {
  // The good plugin is named "good" but reads its settings from its file's block.
  auto host = MakeHost({{"good", {{"max_concurrency", "1"}, {"greeting", "hej"}}}});
  host->Load(TestPlugin("test_good_plugin"));
  EXPECT_EQ(host->CheckConfigBlocks().message(),
            "plugins.good.greeting: the plugin named good is in test_good_plugin.so and reads its "
            "settings from plugins.test_good_plugin");
}

TEST(FormatTimeLimit, WholeSecondsInSecondsTheRestInMilliseconds) {
  EXPECT_EQ(FormatTimeLimit(absl::Seconds(10)), "10 s");
  EXPECT_EQ(FormatTimeLimit(absl::Milliseconds(300)), "300 ms");
  EXPECT_EQ(FormatTimeLimit(absl::Milliseconds(1500)), "1500 ms");
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

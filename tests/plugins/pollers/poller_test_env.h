// What the API poller tests share: a poller plugin loaded from the build tree against the
// in-memory plugin host, whose "ingest.facts" goes into the real contact ingest on a SQLite
// store; the platform fake (tools/platform_fake) on loopback; and one clock, set by the test, that
// both the host and the fake read, so that rate limits and back-offs are tested by moving time.
//
// Every text the plugin shows (log lines, poll errors, the position, lag and last problem it
// reports) is kept, and at the end of each test none may hold a secret.
//
// Not thread-safe, but for the clock and the facts handler, which the plugin and the fake's
// server threads call.
#ifndef PLAUDIT_TESTS_PLUGINS_POLLERS_POLLER_TEST_ENV_H_
#define PLAUDIT_TESTS_PLUGINS_POLLERS_POLLER_TEST_ENV_H_

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "core/store/store.h"
#include "tests/testing/contact_sink.h"
#include "tests/testing/plugin_harness.h"
#include "tools/platform_fake/platform_fake.h"
#include "tools/vendor_sandbox/http_server.h"

namespace plaudit::testing {

inline constexpr int64_t kSecond = 1000 * 1000;

// Microseconds since the epoch of an RFC 3339 time.
inline int64_t At(const std::string& text) {
  absl::Time time;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &time, &error)) << text << ": " << error;
  return absl::ToUnixMicros(time);
}

inline std::string Fixture(const std::string& name) {
  return std::string(PLAUDIT_SOURCE_DIR) + "/tests/plugins/fixtures/" + name;
}

class PollerTest : public ::testing::Test {
 protected:
  // The secrets the fake expects; none may show anywhere.
  static constexpr char kClientId[] = "plaudit-reader";
  static constexpr char kClientSecret[] = "gc-s3cret-7f2a91";
  static constexpr char kEmail[] = "ops@example.com";
  static constexpr char kApiToken[] = "zd-t0ken-c4b8e1";

  PollerTest() {
    sandbox::PlatformFakeOptions options;
    options.genesys_client_id = kClientId;
    options.genesys_client_secret = kClientSecret;
    options.zendesk_email = kEmail;
    options.zendesk_api_token = kApiToken;
    options.page_size = 2;
    options.now_us = [this] { return now_us_.load(); };
    fake_ = std::make_unique<sandbox::PlatformFake>(options);
  }

  void SetUp() override {
    std::string error;
    server_ = sandbox::HttpServer::Start(
        0, [this](const sandbox::HttpRequest& request) { return fake_->Handle(request); }, &error);
    ASSERT_NE(server_, nullptr) << error;
  }

  void TearDown() override {
    plugin_.reset();
    server_.reset();
    std::vector<std::string> texts = shown_;
    for (const LogLine& line : host_.Logs()) texts.push_back(line.message);
    for (const pb::IngestFactsRequest& report : sink_.requests()) {
      texts.push_back(report.position());
      texts.push_back(report.lag());
      texts.push_back(report.last_problem());
    }
    auto sources = store_->ListSourceStatus();
    ASSERT_TRUE(sources.ok());
    for (const auto& source : *sources) {
      texts.push_back(source.position + " " + source.lag + " " + source.last_problem);
    }
    const std::vector<std::string> secrets = {
        kClientSecret, kApiToken, absl::Base64Escape(std::string(kClientId) + ":" + kClientSecret),
        absl::Base64Escape(std::string(kEmail) + "/token:" + kApiToken)};
    for (const std::string& text : texts) {
      for (const std::string& secret : secrets) {
        EXPECT_EQ(text.find(secret), std::string::npos) << "a secret shows in: " << text;
      }
    }
  }

  void SetNow(int64_t unix_micros) {
    now_us_ = unix_micros;
    host_.SetNowMicros(unix_micros);
  }
  void Advance(int64_t micros) { SetNow(now_us_.load() + micros); }
  int64_t Now() const { return now_us_.load(); }

  // Loads `plugin` and initialises it with `config`; the test fails when either fails.
  void Start(const std::string& plugin, const std::map<std::string, std::string>& config) {
    plugin_.reset();
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath(plugin), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
    const pb::InitResponse init = plugin_->Init(dir_.path().string(), config);
    ASSERT_EQ(init.error(), "");
  }

  // One poll; its error is kept among the texts checked for secrets.
  pb::PollResponse Poll() {
    pb::PollResponse response = plugin_->Poll();
    if (!response.error().empty()) shown_.push_back(response.error());
    return response;
  }

  // Polls, moving the clock on by `step` after each poll, until `done` or `polls` polls.
  template <typename Done>
  void PollUntil(Done done, int64_t step = kSecond, int polls = 100) {
    for (int i = 0; i < polls && !done(); ++i) {
      Poll();
      Advance(step);
    }
    ASSERT_TRUE(done()) << "not done after " << polls << " polls";
  }

  SourceStatusRecord Status() {
    auto sources = store_->ListSourceStatus();
    EXPECT_TRUE(sources.ok());
    if (!sources.ok() || sources->empty()) return {};
    return (*sources)[0];
  }

  // The agent's samples and sum of `metric` in October 2026.
  std::pair<int64_t, double> Total(const std::string& agent, const std::string& metric) {
    auto rows = store_->Aggregate(At("2026-10-01T00:00:00Z"), At("2026-11-01T00:00:00Z"), agent);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::pair<int64_t, double> total{0, 0};
    for (const AggregateRow& row : *rows) {
      if (row.metric != metric) continue;
      total.first += row.aggregate.samples;
      total.second += row.aggregate.sum;
    }
    return total;
  }

  // The fake's API requests whose path contains `part`.
  std::vector<sandbox::FakeRequest> Requests(const std::string& part = "") const {
    std::vector<sandbox::FakeRequest> matching;
    for (const sandbox::FakeRequest& request : fake_->Requests()) {
      if (request.path.find(part) != std::string::npos) matching.push_back(request);
    }
    return matching;
  }

  std::vector<pb::IngestFactsRequest> Reports() { return sink_.requests(); }

  std::string url() const { return server_->url(); }

  TempDir dir_;
  std::atomic<int64_t> now_us_{0};
  std::unique_ptr<sandbox::PlatformFake> fake_;
  std::unique_ptr<sandbox::HttpServer> server_;
  FakePluginHost host_;
  ContactSink sink_{dir_.path(),
                    &host_,
                    {"a1", "a2", "a3"},
                    {{"u-anna", "a1"},
                     {"u-ben", "a2"},
                     {"u-cleo", "a3"},
                     {"9001", "a1"},
                     {"9002", "a2"},
                     {"9003", "a3"}}};
  Store* const store_ = sink_.store();
  std::unique_ptr<LoadedPlugin> plugin_;
  std::vector<std::string> shown_;
};

}  // namespace plaudit::testing

#endif  // PLAUDIT_TESTS_PLUGINS_POLLERS_POLLER_TEST_ENV_H_

// The genesys_poller plugin against the platform fake's OAuth login and conversation detail jobs,
// into the real contact ingest: a job read page by page, transfers, the job resumed after a
// restart, revisions fetched again by the lookback, rate limits, failures, expired tokens and
// wrong credentials, and no secret in anything it shows.
#include <filesystem>
#include <map>
#include <string>

#include "tests/plugins/pollers/poller_test_env.h"

namespace plaudit::testing {
namespace {

constexpr char kJobs[] = "/api/v2/analytics/conversations/details/jobs";

// Five conversations (fixture): conv-1 a call of u-anna (345.5 s), conv-2 a call transferred from
// u-ben to u-cleo and back (300 + 120 s and 900 s), conv-3 abandoned in the queue, conv-6 a chat
// of u-anna (600 s), conv-7 a call of u-ben (240 s). Pages of two.
class GenesysPollerTest : public PollerTest {
 protected:
  void SetUp() override {
    PollerTest::SetUp();
    std::string error;
    ASSERT_TRUE(fake_->LoadConversations(Fixture("poll_genesys_conversations.jsonl"), &error))
        << error;
    SetNow(At("2026-10-12T00:00:00Z"));
  }

  std::map<std::string, std::string> Config(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> config = {{"source", "genesys"},
                                                 {"api_url", url()},
                                                 {"login_url", url()},
                                                 {"client_id", kClientId},
                                                 {"client_secret", kClientSecret},
                                                 {"start_time", "2026-10-01T00:00:00Z"},
                                                 {"job_check_interval_ms", "2000"},
                                                 {"poll_interval_ms", "300000"}};
    for (auto& [key, value] : extra) config[key] = value;
    return config;
  }

  // Whether the source's position says a window (starting at `from`, when given) is done.
  bool WindowDone(const std::string& from = "") {
    const std::string position = Status().position;
    return position.find(" done") != std::string::npos && position.rfind("window " + from, 0) == 0;
  }

  size_t Count(const std::string& method, const std::string& path_part) {
    size_t count = 0;
    for (const auto& request : Requests(path_part)) count += request.method == method;
    return count;
  }

  void ExpectTheFiveConversationsCountOnce() {
    EXPECT_EQ(Total("a1", "calls_handled"), (std::pair<int64_t, double>{1, 1}));
    EXPECT_EQ(Total("a1", "chats_handled"), (std::pair<int64_t, double>{1, 1}));
    EXPECT_EQ(Total("a1", "aht_seconds"), (std::pair<int64_t, double>{2, 945.5}));
    // The transfer: u-ben's two turns are one call of 420 s, u-cleo has her own.
    EXPECT_EQ(Total("a2", "calls_handled"), (std::pair<int64_t, double>{2, 2}));
    EXPECT_EQ(Total("a2", "aht_seconds"), (std::pair<int64_t, double>{2, 660}));
    EXPECT_EQ(Total("a3", "calls_handled"), (std::pair<int64_t, double>{1, 1}));
    EXPECT_EQ(Total("a3", "aht_seconds"), (std::pair<int64_t, double>{1, 900}));
    EXPECT_EQ(Status().contacts, 5);
  }
};

TEST_F(GenesysPollerTest, ReadsAJobPageByPageAndEveryAgentOfATransferGetsFacts) {
  Start("genesys_poller", Config());
  Poll();
  // A token, the availability date and the job; the job is looked at after the check interval.
  EXPECT_EQ(Count("POST", "/oauth/token"), 1u);
  EXPECT_EQ(Count("POST", kJobs), 1u);
  EXPECT_EQ(Count("GET", kJobs), 1u);  // availability
  Poll();
  EXPECT_EQ(Requests().size(), 3u);
  PollUntil([&] { return WindowDone(); });
  EXPECT_EQ(Count("GET", "/results"), 3u);
  ExpectTheFiveConversationsCountOnce();
  EXPECT_EQ(Status().taken, 5);
  EXPECT_EQ(Status().position, "window 2026-10-01T00:00:00Z/2026-10-12T00:00:00Z done");
  EXPECT_EQ(Status().lag.rfind("caught up to 2026-10-12T00:00:00Z", 0), 0u) << Status().lag;

  // The next window waits poll_interval_ms and reaches back lookback_hours (6 h).
  const size_t jobs = Count("POST", kJobs);
  Advance(200 * kSecond);
  Poll();
  EXPECT_EQ(Count("POST", kJobs), jobs);
  Advance(100 * kSecond);
  PollUntil([&] { return WindowDone("2026-10-11T18:00:00Z/"); });
  EXPECT_EQ(Count("POST", kJobs), jobs + 1);
  ExpectTheFiveConversationsCountOnce();
}

TEST_F(GenesysPollerTest, ARestartResumesTheRunningJobFromItsCursor) {
  Start("genesys_poller", Config({{"requests_per_poll", "1"}}));
  PollUntil([&] { return Status().taken >= 2; });
  ASSERT_EQ(Status().taken, 2);       // the first page
  Start("genesys_poller", Config());  // a new process
  PollUntil([&] { return WindowDone(); });
  EXPECT_EQ(Count("POST", kJobs), 1u);  // the same job, not a new one
  EXPECT_EQ(Count("GET", "/results"), 3u);
  EXPECT_EQ(Status().taken, 5);
  ExpectTheFiveConversationsCountOnce();
}

TEST_F(GenesysPollerTest, AJobWhoseResultsExpiredIsSubmittedAgainForTheSameWindow) {
  Start("genesys_poller", Config({{"requests_per_poll", "1"}}));
  PollUntil([&] { return Status().taken >= 2; });
  fake_->ExpireJobs();  // e.g. plauditd was down longer than the results are kept
  Start("genesys_poller", Config());
  PollUntil([&] { return WindowDone(); });
  EXPECT_EQ(Count("POST", kJobs), 2u);
  EXPECT_NE(Status().last_problem.find("gone (HTTP 404)"), std::string::npos)
      << Status().last_problem;
  EXPECT_TRUE(WindowDone("2026-10-01T00:00:00Z/")) << Status().position;  // from the same start
  EXPECT_EQ(Status().taken, 7);                                           // the first page twice
  ExpectTheFiveConversationsCountOnce();
}

TEST_F(GenesysPollerTest, TheLookbackFetchesAConversationRevisedAfterItsWindow) {
  SetNow(At("2026-10-05T11:00:00Z"));
  Start("genesys_poller", Config({{"start_time", "2026-10-05T00:00:00Z"}}));
  PollUntil([&] { return WindowDone(); });
  EXPECT_EQ(Status().contacts, 1);  // conv-1 alone had begun
  EXPECT_EQ(Total("a1", "nps"), (std::pair<int64_t, double>{0, 0}));
  // A survey arrives for conv-1, which ended at 10:06, before the previous window's end.
  std::string error;
  ASSERT_TRUE(fake_->LoadConversations(Fixture("poll_genesys_revisions.jsonl"), &error)) << error;
  SetNow(At("2026-10-05T14:00:00Z"));
  PollUntil([&] { return WindowDone("2026-10-05T05:00:00Z/"); });
  EXPECT_EQ(Status().position, "window 2026-10-05T05:00:00Z/2026-10-05T14:00:00Z done");
  EXPECT_EQ(Total("a1", "nps"), (std::pair<int64_t, double>{1, 9}));
  EXPECT_EQ(Total("a1", "calls_handled"), (std::pair<int64_t, double>{1, 1}));  // still one call
}

TEST_F(GenesysPollerTest, ARateLimitIsWaitedOutAsRetryAfterAsks) {
  Start("genesys_poller", Config());
  fake_->AddFault({429, 1, "20", ""});
  const int64_t limited_at = Now();
  Poll();
  ASSERT_EQ(Requests().size(), 1u);
  EXPECT_EQ(Requests()[0].status, 429);
  EXPECT_NE(Status().last_problem.find("HTTP 429"), std::string::npos) << Status().last_problem;
  for (int i = 0; i < 19; ++i) {
    Advance(kSecond);
    Poll();
  }
  EXPECT_EQ(Requests().size(), 1u);
  Advance(kSecond);
  PollUntil([&] { return WindowDone(); });
  const auto requests = Requests();
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].at_us, limited_at + 20 * kSecond);
  }
  ExpectTheFiveConversationsCountOnce();
}

TEST_F(GenesysPollerTest, AServerErrorBacksOffAndReadingRecovers) {
  Start("genesys_poller", Config({{"requests_per_poll", "1"}}));
  PollUntil([&] { return Count("GET", "/results") == 1; });
  fake_->AddFault({503, 1, "", ""});
  pb::PollResponse failed = Poll();
  EXPECT_NE(failed.error().find("HTTP 503"), std::string::npos) << failed.error();
  EXPECT_NE(Status().last_problem.find("HTTP 503"), std::string::npos) << Status().last_problem;
  const size_t sent = Requests().size();
  Poll();  // within the back-off
  EXPECT_EQ(Requests().size(), sent);
  PollUntil([&] { return WindowDone(); });
  EXPECT_EQ(Count("POST", kJobs), 1u);
  ExpectTheFiveConversationsCountOnce();
}

TEST_F(GenesysPollerTest, AnExpiredTokenIsReplacedOnceAndTheWorkGoesOn) {
  Start("genesys_poller", Config());
  PollUntil([&] { return WindowDone(); });
  fake_->ExpireTokens();
  Advance(300 * kSecond);
  PollUntil([&] { return WindowDone("2026-10-11T18:00:00Z/"); });
  EXPECT_EQ(Count("POST", "/oauth/token"), 2u);
  size_t refused = 0;
  for (const auto& request : Requests()) refused += request.status == 401;
  EXPECT_EQ(refused, 1u);
}

TEST_F(GenesysPollerTest, WrongClientCredentialsAreAClearProblemAndNothingElse) {
  Start("genesys_poller", Config({{"client_secret", "not-the-secret"}}));
  pb::PollResponse refused = Poll();
  EXPECT_NE(refused.error().find("check client_id and client_secret"), std::string::npos)
      << refused.error();
  EXPECT_NE(Status().last_problem.find("HTTP 401"), std::string::npos) << Status().last_problem;
  EXPECT_NE(Status().last_problem.find("invalid_client"), std::string::npos);
  EXPECT_EQ(Status().last_problem.find("not-the-secret"), std::string::npos);
  EXPECT_EQ(Count("POST", kJobs), 0u);
  // It asks again only after its back-off, not at every poll.
  Poll();
  EXPECT_EQ(Requests().size(), 1u);
  Advance(kSecond);
  Poll();
  EXPECT_EQ(Requests().size(), 2u);
  EXPECT_EQ(Status().contacts, 0);
}

TEST_F(GenesysPollerTest, BadSettingsAreRefusedAtStart) {
  std::string error;
  auto plugin = LoadedPlugin::Load(PluginPath("genesys_poller"), &host_, &error);
  ASSERT_NE(plugin, nullptr) << error;
  auto config = Config();
  config.erase("client_secret");
  EXPECT_NE(plugin->Init(dir_.path().string(), config).error().find("client_secret"),
            std::string::npos);
  config = Config({{"lookback_hours", "-1"}});
  EXPECT_NE(plugin->Init(dir_.path().string(), config).error().find("lookback_hours"),
            std::string::npos);
  config = Config({{"api_url", "https://api.mypurecloud.com/api/v2"}});
  EXPECT_NE(plugin->Init(dir_.path().string(), config).error().find("api_url"), std::string::npos);
}

}  // namespace
}  // namespace plaudit::testing

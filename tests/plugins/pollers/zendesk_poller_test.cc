// The zendesk_poller plugin against the platform fake's incremental ticket export, into the real
// contact ingest: pages, the cursor across restarts, revisions, rate limits, failures and wrong
// credentials, and no secret in anything it shows.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/plugins/pollers/poller_test_env.h"

namespace plaudit::testing {
namespace {

// Six tickets (fixture): 101 and 107 solved by 9001 (email, web; 107 rated good), 108 open, 104
// solved by nobody, 105 solved by 9003 (voice, good), 103 closed by 9002 (chat, bad, reopened).
class ZendeskPollerTest : public PollerTest {
 protected:
  void SetUp() override {
    PollerTest::SetUp();
    std::string error;
    ASSERT_TRUE(fake_->LoadTickets(Fixture("poll_zendesk_tickets.jsonl"), &error)) << error;
    SetNow(At("2026-10-12T00:00:00Z"));
  }

  std::map<std::string, std::string> Config(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> config = {{"source", "zendesk"},
                                                 {"api_url", url()},
                                                 {"email", kEmail},
                                                 {"api_token", kApiToken},
                                                 {"start_time", "2026-10-01T00:00:00Z"},
                                                 {"request_interval_ms", "0"},
                                                 {"poll_interval_ms", "60000"}};
    for (auto& [key, value] : extra) config[key] = value;
    return config;
  }

  std::string CursorFileText() {
    std::ifstream in(dir_.path() / "contacts/zendesk/cursor");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void ExpectTheSixTicketsCountOnce() {
    EXPECT_EQ(Total("a1", "emails_handled"), (std::pair<int64_t, double>{2, 2}));
    EXPECT_EQ(Total("a1", "csat"), (std::pair<int64_t, double>{1, 5}));
    EXPECT_EQ(Total("a2", "chats_handled"), (std::pair<int64_t, double>{1, 1}));
    EXPECT_EQ(Total("a2", "csat"), (std::pair<int64_t, double>{1, 1}));
    EXPECT_EQ(Total("a2", "repeat_contacts"), (std::pair<int64_t, double>{1, 1}));
    EXPECT_EQ(Total("a3", "calls_handled"), (std::pair<int64_t, double>{1, 1}));
    EXPECT_EQ(Status().contacts, 6);
  }
};

TEST_F(ZendeskPollerTest, ReadsEveryPageWithItsMetricSetsAndStopsAtTheEndOfTheStream) {
  Start("zendesk_poller", Config());
  Poll();
  // Three pages of two, the first from start_time, the others from the cursor before them.
  const auto requests = Requests("/incremental/tickets");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_NE(requests[0].target.find("start_time=1790812800"), std::string::npos)
      << requests[0].target;
  EXPECT_NE(requests[0].target.find("include=metric_sets"), std::string::npos);
  EXPECT_NE(requests[1].target.find("cursor="), std::string::npos) << requests[1].target;
  ExpectTheSixTicketsCountOnce();  // reopens come from the sideloaded metric set
  EXPECT_EQ(Status().taken, 6);
  EXPECT_EQ(Status().rejected, 0);
  EXPECT_EQ(Status().position.rfind("cursor ", 0), 0u) << Status().position;
  EXPECT_EQ(Status().lag, "caught up");
  EXPECT_NE(CursorFileText().find("\"after_cursor\":\""), std::string::npos) << CursorFileText();

  // At the end of the stream it waits poll_interval_ms before asking again.
  Advance(59 * kSecond);
  Poll();
  EXPECT_EQ(Requests("/incremental/tickets").size(), 3u);
  Advance(kSecond);
  Poll();
  EXPECT_EQ(Requests("/incremental/tickets").size(), 4u);
  ExpectTheSixTicketsCountOnce();
}

TEST_F(ZendeskPollerTest, TheCursorSurvivesARestartSoNothingIsReadTwiceOrMissed) {
  Start("zendesk_poller", Config({{"requests_per_poll", "1"}}));
  Poll();
  EXPECT_EQ(Status().taken, 2);
  const std::string cursor_after_first_page = CursorFileText();

  Start("zendesk_poller", Config({{"requests_per_poll", "1"}}));  // a new process
  PollUntil([&] { return Status().lag == "caught up"; });
  const auto requests = Requests("/incremental/tickets");
  ASSERT_EQ(requests.size(), 3u);
  // The restarted plugin went on from the stored cursor, not from start_time.
  EXPECT_EQ(requests[1].target.find("start_time="), std::string::npos) << requests[1].target;
  EXPECT_EQ(Status().taken, 6);
  ExpectTheSixTicketsCountOnce();
  EXPECT_NE(CursorFileText(), cursor_after_first_page);
}

TEST_F(ZendeskPollerTest, APageStoredButItsCursorNotWrittenIsReadAgainAndCountsOnce) {
  Start("zendesk_poller", Config({{"requests_per_poll", "1"}}));
  Poll();
  ASSERT_EQ(Status().taken, 2);
  // As if the process died after the host stored the page and before the cursor was written.
  std::filesystem::remove(dir_.path() / "contacts/zendesk/cursor");
  Start("zendesk_poller", Config());
  Poll();
  EXPECT_EQ(Status().taken, 8);  // the first page twice
  ExpectTheSixTicketsCountOnce();
}

TEST_F(ZendeskPollerTest, ARevisionOnALaterPollReplacesTheEarlierVersion) {
  Start("zendesk_poller", Config());
  Poll();
  ASSERT_EQ(Total("a1", "csat"), (std::pair<int64_t, double>{1, 5}));
  // Ticket 101 is rated good two days after it was solved.
  std::string error;
  ASSERT_TRUE(fake_->LoadTickets(Fixture("poll_zendesk_revisions.jsonl"), &error)) << error;
  Advance(60 * kSecond);
  Poll();
  EXPECT_EQ(Total("a1", "csat"), (std::pair<int64_t, double>{2, 10}));
  EXPECT_EQ(Total("a1", "emails_handled"), (std::pair<int64_t, double>{2, 2}));  // no new ticket
  EXPECT_EQ(Status().contacts, 6);
  EXPECT_EQ(Status().taken, 7);
}

TEST_F(ZendeskPollerTest, ARateLimitIsWaitedOutAsRetryAfterAsks) {
  fake_->AddFault({429, 1, "30", ""});
  Start("zendesk_poller", Config());
  const int64_t limited_at = Now();
  Poll();
  EXPECT_NE(Status().last_problem.find("HTTP 429"), std::string::npos) << Status().last_problem;
  // Polled every second for 29 s: not one request.
  for (int i = 0; i < 29; ++i) {
    Advance(kSecond);
    Poll();
  }
  EXPECT_EQ(Requests().size(), 1u);
  Advance(kSecond);
  Poll();
  const auto requests = Requests();
  ASSERT_EQ(requests.size(), 4u);
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].at_us, limited_at + 30 * kSecond);
  }
  ExpectTheSixTicketsCountOnce();
}

TEST_F(ZendeskPollerTest, ServerErrorsBackOffAndReadingRecoversAfterThem) {
  fake_->AddFault({500, 2, "", ""});
  Start("zendesk_poller", Config());
  pb::PollResponse failed = Poll();
  EXPECT_NE(failed.error().find("HTTP 500"), std::string::npos) << failed.error();
  EXPECT_NE(Status().last_problem.find("HTTP 500"), std::string::npos) << Status().last_problem;
  Poll();  // within the first back-off (1 s): nothing sent
  EXPECT_EQ(Requests().size(), 1u);
  Advance(kSecond);
  Poll();  // the second 500; the back-off doubles
  EXPECT_EQ(Requests().size(), 2u);
  Advance(kSecond);
  Poll();
  EXPECT_EQ(Requests().size(), 2u);
  Advance(kSecond);
  Poll();
  EXPECT_EQ(Requests().size(), 5u);
  ExpectTheSixTicketsCountOnce();
}

TEST_F(ZendeskPollerTest, AHostFailureSendsThePageAgainLater) {
  sink_.FailBefore(1);
  Start("zendesk_poller", Config());
  pb::PollResponse failed = Poll();
  EXPECT_NE(failed.error().find("store unavailable"), std::string::npos) << failed.error();
  Advance(kSecond);
  Poll();
  ExpectTheSixTicketsCountOnce();
  EXPECT_NE(Requests("/incremental/tickets")[1].target.find("start_time="), std::string::npos);
}

TEST_F(ZendeskPollerTest, WrongCredentialsAreAClearProblemAndNothingElse) {
  Start("zendesk_poller", Config({{"api_token", "not-the-token"}}));
  pb::PollResponse refused = Poll();
  EXPECT_NE(refused.error().find("refused the credentials"), std::string::npos) << refused.error();
  EXPECT_NE(Status().last_problem.find("HTTP 401"), std::string::npos) << Status().last_problem;
  EXPECT_NE(Status().last_problem.find("check email and api_token"), std::string::npos);
  EXPECT_EQ(Status().last_problem.find("not-the-token"), std::string::npos);
  EXPECT_EQ(Status().contacts, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "contacts/zendesk/cursor"));
}

TEST_F(ZendeskPollerTest, AnOAuthTokenIsSentAsABearerToken) {
  sandbox::PlatformFakeOptions options;
  options.zendesk_oauth_token = "zd-oauth-91c";
  options.now_us = [this] { return now_us_.load(); };
  fake_ = std::make_unique<sandbox::PlatformFake>(options);
  std::string error;
  ASSERT_TRUE(fake_->LoadTickets(Fixture("poll_zendesk_tickets.jsonl"), &error)) << error;
  // The token from a file, as a deployment keeps it.
  std::ofstream(dir_.path() / "oauth.token") << "zd-oauth-91c\n";
  std::map<std::string, std::string> config = Config({{"oauth_token_file", "oauth.token"}});
  config.erase("email");
  config.erase("api_token");
  Start("zendesk_poller", config);
  PollUntil([&] { return Status().lag == "caught up"; });
  EXPECT_EQ(Status().contacts, 6);
}

TEST_F(ZendeskPollerTest, BadSettingsAreRefusedAtStart) {
  std::string error;
  auto plugin = LoadedPlugin::Load(PluginPath("zendesk_poller"), &host_, &error);
  ASSERT_NE(plugin, nullptr) << error;
  auto config = Config();
  config.erase("api_token");
  EXPECT_NE(plugin->Init(dir_.path().string(), config).error().find("api_token"),
            std::string::npos);
  config = Config({{"format", "genesys_cloud"}});
  EXPECT_NE(plugin->Init(dir_.path().string(), config).error().find("zendesk records"),
            std::string::npos);
  config = Config({{"api_url", "https://ops:pw@example.zendesk.com"}});
  const std::string problem = plugin->Init(dir_.path().string(), config).error();
  EXPECT_NE(problem.find("must not hold credentials"), std::string::npos) << problem;
  EXPECT_EQ(problem.find("pw"), std::string::npos);
}

}  // namespace
}  // namespace plaudit::testing

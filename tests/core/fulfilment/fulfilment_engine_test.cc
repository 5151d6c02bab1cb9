#include "core/fulfilment/fulfilment_engine.h"

#include <algorithm>
#include <deque>
#include <map>

#include "core/awards/award_actions.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

// Returns scripted results in order and records every call.
class ScriptedFulfiller : public RewardFulfiller {
 public:
  FulfilResult Fulfil(const FulfilmentCall& call) override {
    absl::MutexLock lock(&mu_);
    calls.push_back(call);
    if (script.empty()) return FulfilResult{FulfilOutcome::kFulfilled, "", "done", {}};
    FulfilResult r = script.front();
    script.pop_front();
    return r;
  }
  FulfilResult Lookup(const FulfilmentCall& call) override {
    absl::MutexLock lock(&mu_);
    lookups.push_back(call);
    if (lookup_script.empty()) return FulfilResult{FulfilOutcome::kCannotLookUp, "", "", {}};
    FulfilResult r = lookup_script.front();
    lookup_script.pop_front();
    return r;
  }
  absl::Mutex mu_;
  std::deque<FulfilResult> script;
  std::deque<FulfilResult> lookup_script;
  std::vector<FulfilmentCall> calls;
  std::vector<FulfilmentCall> lookups;
};

class FulfilmentEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->UpsertAgents({testing::TestAgent("a1")}).ok());
    ASSERT_TRUE(
        store_->PutProgram({"eotm", "Employee of the Month", "monthly", "UTC", 0, "x"}).ok());
    DecisionRecord d;
    d.program_id = "eotm";
    d.period = "2026-10";
    AwardRecord award;
    award.id = "eotm.2026-10.a1";
    award.program_id = "eotm";
    award.period = "2026-10";
    award.agent_id = "a1";
    award.rank = 1;
    FulfilmentRecord f;
    f.id = award.id + ".leave_credit";
    f.award_id = award.id;
    f.agent_id = "a1";
    f.type = "leave_credit";
    f.params = {{"hours", "8"}};
    f.idempotency_key = "key-1";
    f.next_attempt_us = absl::ToUnixMicros(clock_.Now());
    award.fulfilments.push_back(f);
    d.awards.push_back(award);
    ASSERT_TRUE(store_->CommitDecision(d, PlanAutoApproval).ok());
    FulfilmentEngine::Options options;
    options.max_attempts = 3;
    options.base_backoff = absl::Seconds(10);
    options.max_backoff = absl::Seconds(60);
    engine_ = std::make_unique<FulfilmentEngine>(store_.get(), &fulfiller_, &clock_, options);
  }

  FulfilmentRecord Row() { return (*store_->ListFulfilments(""))[0]; }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  std::unique_ptr<Store> store_;
  ScriptedFulfiller fulfiller_;
  std::unique_ptr<FulfilmentEngine> engine_;
};

TEST_F(FulfilmentEngineTest, FulfilsWithTheCommittedKeyAndAwardDetails) {
  EXPECT_EQ(engine_->RunOnce(), 1);
  ASSERT_EQ(fulfiller_.calls.size(), 1u);
  const FulfilmentCall& call = fulfiller_.calls[0];
  EXPECT_EQ(call.idempotency_key, "key-1");
  EXPECT_EQ(call.agent.display_name, "Agent a1");
  EXPECT_EQ(call.program_name, "Employee of the Month");
  EXPECT_EQ(call.period, "2026-10");
  EXPECT_EQ(call.params.at("hours"), "8");
  EXPECT_EQ(call.attempt, 1);
  FulfilmentRecord row = Row();
  EXPECT_EQ(row.state, FulfilmentState::kFulfilled);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.artifact, "done");
  EXPECT_EQ(engine_->RunOnce(), 0);  // Nothing left to do: never twice.
}

TEST_F(FulfilmentEngineTest, SendsThePeriodAsInstantsInTheProgramsZone) {
  EXPECT_EQ(engine_->RunOnce(), 1);
  ASSERT_EQ(fulfiller_.calls.size(), 1u);
  const FulfilmentCall& call = fulfiller_.calls[0];
  EXPECT_EQ(call.time_zone, "UTC");
  // October 2026 in UTC: 2026-10-01T00:00:00Z to 2026-11-01T00:00:00Z.
  ASSERT_TRUE(call.period_start.has_value());
  ASSERT_TRUE(call.period_end.has_value());
  EXPECT_EQ(absl::ToUnixSeconds(*call.period_start), 1790812800);
  EXPECT_EQ(absl::ToUnixSeconds(*call.period_end), 1793491200);
}

TEST_F(FulfilmentEngineTest, RetriesWithTheSameKeyAfterBackoffThenGivesUp) {
  fulfiller_.script = {{FulfilOutcome::kRetryable, "vendor 503", "", {}},
                       {FulfilOutcome::kUnknown, "timeout", "", {}},
                       {FulfilOutcome::kRetryable, "vendor 503", "", {}}};
  EXPECT_EQ(engine_->RunOnce(), 1);
  FulfilmentRecord row = Row();
  EXPECT_EQ(row.state, FulfilmentState::kPending);
  EXPECT_EQ(row.error, "vendor 503");
  // Full jitter: the first wait lies in [0, base_backoff].
  int64_t now_us = absl::ToUnixMicros(clock_.Now());
  EXPECT_GE(row.next_attempt_us, now_us);
  EXPECT_LE(row.next_attempt_us, now_us + 10 * 1000000);

  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(engine_->RunOnce(), 1);
  clock_.Advance(absl::Seconds(20));
  EXPECT_EQ(engine_->RunOnce(), 1);
  row = Row();
  EXPECT_EQ(row.state, FulfilmentState::kFailed);
  EXPECT_EQ(row.attempts, 3);
  EXPECT_EQ(row.error, "gave up after 3 attempts: vendor 503");
  ASSERT_EQ(fulfiller_.calls.size(), 3u);
  for (const FulfilmentCall& call : fulfiller_.calls) EXPECT_EQ(call.idempotency_key, "key-1");
  EXPECT_EQ(fulfiller_.calls[2].attempt, 3);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFailed);
}

TEST_F(FulfilmentEngineTest, HonoursRetryAfter) {
  fulfiller_.script = {{FulfilOutcome::kRetryable, "429", "", absl::Seconds(45)}};
  engine_->RunOnce();
  EXPECT_GE(Row().next_attempt_us, absl::ToUnixMicros(clock_.Now() + absl::Seconds(45)));
  clock_.Advance(absl::Seconds(44));
  EXPECT_EQ(engine_->RunOnce(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, PermanentFailureFailsAtOnce) {
  fulfiller_.script = {{FulfilOutcome::kPermanent, "hours: \"abc\" is not a number", "", {}}};
  engine_->RunOnce();
  FulfilmentRecord row = Row();
  EXPECT_EQ(row.state, FulfilmentState::kFailed);
  EXPECT_EQ(row.error, "hours: \"abc\" is not a number");
}

TEST_F(FulfilmentEngineTest, PendingIsPolledLaterWithoutSpendingAnAttempt) {
  fulfiller_.script = {{FulfilOutcome::kPending, "", "", {}}};
  engine_->RunOnce();
  EXPECT_EQ(Row().attempts, 0);
  EXPECT_EQ(engine_->RunOnce(), 0);
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, AttemptIsCountedBeforeTheCallSoACrashCannotRetryForever) {
  // A crash mid-call leaves the row pending with the attempt counted; a new engine (after a
  // restart) resumes it with the same key.
  FulfilmentRecord row = Row();
  row.attempts = 2;  // As left by two attempts that died mid-call.
  ASSERT_TRUE(store_->UpdateFulfilment(row).ok());
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout", "", {}}};
  engine_->RunOnce();
  EXPECT_EQ(fulfiller_.calls[0].idempotency_key, "key-1");
  EXPECT_EQ(Row().state, FulfilmentState::kFailed);
}

TEST_F(FulfilmentEngineTest, AnUnknownOutcomeIsLookedUpBeforeItIsEverPlacedAgain) {
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout after the order was sent", "", {}}};
  EXPECT_EQ(engine_->RunOnce(), 1);
  FulfilmentRecord row = Row();
  EXPECT_EQ(row.state, FulfilmentState::kPending);
  EXPECT_TRUE(row.check_first);
  EXPECT_EQ(row.attempts, 1);
  // The vendor did take the order: the lookup finds it, and nothing is placed a second time.
  fulfiller_.lookup_script = {{FulfilOutcome::kFulfilled, "", "order 77", {}}};
  clock_.Advance(absl::Seconds(61));
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(fulfiller_.calls.size(), 1u);
  ASSERT_EQ(fulfiller_.lookups.size(), 1u);
  EXPECT_EQ(fulfiller_.lookups[0].idempotency_key, "key-1");
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  EXPECT_EQ(Row().artifact, "order 77");

  std::vector<std::string> history;
  const std::vector<FulfilmentAttempt> attempts = *store_->ListAttempts(row.id);
  for (const FulfilmentAttempt& a : attempts) {
    history.push_back(a.kind + ":" + a.outcome);
  }
  EXPECT_EQ(history, (std::vector<std::string>{"fulfil:unknown", "lookup:fulfilled"}));
}

TEST_F(FulfilmentEngineTest, ALookupThatFindsNothingPlacesTheRewardWithTheSameKey) {
  fulfiller_.script = {{FulfilOutcome::kUnknown, "connection reset", "", {}}};
  engine_->RunOnce();
  fulfiller_.lookup_script = {{FulfilOutcome::kNotFound, "no order", "", {}}};
  clock_.Advance(absl::Seconds(61));
  EXPECT_EQ(engine_->RunOnce(), 1);
  ASSERT_EQ(fulfiller_.calls.size(), 2u);
  EXPECT_EQ(fulfiller_.calls[1].idempotency_key, "key-1");
  EXPECT_EQ(fulfiller_.calls[1].attempt, 2);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  EXPECT_FALSE(Row().check_first);
}

TEST_F(FulfilmentEngineTest, PendingIsReconciledByLookupsThatSpendNoAttempt) {
  fulfiller_.script = {{FulfilOutcome::kPending, "vendor processing", "", {}}};
  engine_->RunOnce();
  fulfiller_.lookup_script = {{FulfilOutcome::kPending, "vendor processing", "", {}},
                              {FulfilOutcome::kPending, "vendor processing", "", {}},
                              {FulfilOutcome::kFulfilled, "", "code sent", {}}};
  for (int round = 0; round < 3; ++round) {
    clock_.Advance(absl::Seconds(31));
    EXPECT_EQ(engine_->RunOnce(), 1) << round;
    EXPECT_EQ(Row().attempts, 0) << round;
  }
  EXPECT_EQ(fulfiller_.calls.size(), 1u);
  EXPECT_EQ(fulfiller_.lookups.size(), 3u);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, ACrashMidCallLeavesTheRewardToBeLookedUpFirst) {
  // The row is marked before the call; a crash then leaves it marked for the next engine.
  FulfilmentRecord row = Row();
  row.updated_us = absl::ToUnixMicros(clock_.Now());
  ASSERT_TRUE(*store_->BeginFulfilmentAttempt(row));
  EXPECT_TRUE(Row().check_first);
  EXPECT_EQ(Row().attempts, 1);
  FulfilmentEngine restarted(store_.get(), &fulfiller_, &clock_, FulfilmentEngine::Options());
  fulfiller_.lookup_script = {{FulfilOutcome::kFulfilled, "", "credited", {}}};
  EXPECT_EQ(restarted.RunOnce(), 1);
  EXPECT_TRUE(fulfiller_.calls.empty());  // Found by the lookup: never placed twice.
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, FailingLookupsSpendAttemptsUntilTheRewardFails) {
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout", "", {}}};
  engine_->RunOnce();
  fulfiller_.lookup_script = {{FulfilOutcome::kRetryable, "vendor down", "", {}},
                              {FulfilOutcome::kUnknown, "timeout", "", {}}};
  for (int i = 0; i < 2; ++i) {
    clock_.Advance(absl::Seconds(61));
    engine_->RunOnce();
  }
  EXPECT_EQ(Row().state, FulfilmentState::kFailed);
  EXPECT_EQ(Row().error, "gave up after 3 attempts: timeout");
  EXPECT_EQ(fulfiller_.calls.size(), 1u);
}

TEST_F(FulfilmentEngineTest, VendorReportsEndPendingRewardsAndUnclearOnesAreLookedUp) {
  fulfiller_.script = {{FulfilOutcome::kPending, "vendor processing", "", {}}};
  engine_->RunOnce();
  std::vector<std::string> lines =
      engine_->ApplyReports({{"key-1", {FulfilOutcome::kFulfilled, "", "card sent", {}}},
                             {"no-such-key", {FulfilOutcome::kFulfilled, "", "", {}}}},
                            "callback:gift_card");
  EXPECT_EQ(lines, (std::vector<std::string>{"eotm.2026-10.a1.leave_credit: fulfilled",
                                             "no-such-key: no such reward"}));
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  EXPECT_EQ(Row().artifact, "card sent");
  // A late duplicate changes nothing.
  lines = engine_->ApplyReports({{"key-1", {FulfilOutcome::kPermanent, "cancelled", "", {}}}},
                                "callback:gift_card");
  EXPECT_EQ(lines,
            (std::vector<std::string>{"eotm.2026-10.a1.leave_credit: already fulfilled; ignored"}));
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  auto attempts = *store_->ListAttempts(Row().id);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[1].kind, "callback");
  EXPECT_EQ(attempts[1].actor, "callback:gift_card");
}

TEST_F(FulfilmentEngineTest, AnUnclearVendorReportHasTheRewardLookedUpNow) {
  fulfiller_.script = {{FulfilOutcome::kPending, "vendor processing", "", {}}};
  engine_->RunOnce();
  EXPECT_EQ(engine_->RunOnce(), 0);  // Not due before the reconciliation interval.
  engine_->ApplyReports({{"key-1", {FulfilOutcome::kUnknown, "status \"on_hold\"", "", {}}}},
                        "callback:gift_card");
  fulfiller_.lookup_script = {{FulfilOutcome::kFulfilled, "", "", {}}};
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, FailedRewardCanBeRetriedAndPendingOneCancelled) {
  fulfiller_.script = {{FulfilOutcome::kPermanent, "vendor refused", "", {}}};
  engine_->RunOnce();
  ASSERT_EQ(Row().state, FulfilmentState::kFailed);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFailed);
  EXPECT_EQ(store_->CancelFulfilment(Row().id, "anna", "", 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto retried = store_->RetryFulfilment(Row().id, "anna", "vendor fixed the brand",
                                         absl::ToUnixMicros(clock_.Now()));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->state, FulfilmentState::kPending);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilling);
  // Retried rewards are looked up first: the vendor may hold the order after all.
  fulfiller_.lookup_script = {{FulfilOutcome::kNotFound, "", "", {}}};
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilled);
  EXPECT_EQ(store_->RetryFulfilment(Row().id, "anna", "", 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FulfilmentEngineTest, CancellingTheOnlyRewardCancelsItsAward) {
  fulfiller_.script = {{FulfilOutcome::kRetryable, "vendor busy", "", {}}};
  engine_->RunOnce();  // Refused: nothing is out with the vendor, so it may be cancelled.
  auto cancelled = store_->CancelFulfilment(Row().id, "anna", "brand discontinued",
                                            absl::ToUnixMicros(clock_.Now()));
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, FulfilmentState::kCancelled);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kCancelled);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(engine_->RunOnce(), 0);
}

TEST_F(FulfilmentEngineTest, AnUncertainRewardCannotBeCancelled) {
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout", "", {}}};
  engine_->RunOnce();
  auto refused = store_->CancelFulfilment(Row().id, "anna", "", 1);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(FulfilmentEngineTest, BackoffIsCappedAndAtLeastRetryAfter) {
  for (int i = 0; i < 50; ++i) {
    absl::Duration d = engine_->Backoff(10, absl::ZeroDuration());
    EXPECT_GE(d, absl::ZeroDuration());
    EXPECT_LE(d, absl::Seconds(60));
  }
  EXPECT_GE(engine_->Backoff(1, absl::Seconds(90)), absl::Seconds(90));
}

TEST_F(FulfilmentEngineTest, StartedEngineWorksInTheBackground) {
  engine_->Start();
  engine_->Wake();
  for (int i = 0; i < 500 && Row().state != FulfilmentState::kFulfilled; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  engine_->Stop();
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

// Sleeps in every call and records how many calls run at once per reward type.
class SlowFulfiller : public RewardFulfiller {
 public:
  FulfilResult Fulfil(const FulfilmentCall& call) override {
    {
      absl::MutexLock lock(&mu_);
      int& now = running_[call.reward_type];
      ++now;
      peak_[call.reward_type] = std::max(peak_[call.reward_type], now);
      peak_total_ = std::max(peak_total_, ++total_);
    }
    absl::SleepFor(absl::Milliseconds(20));
    absl::MutexLock lock(&mu_);
    --running_[call.reward_type];
    --total_;
    return FulfilResult{FulfilOutcome::kFulfilled, "", "", {}};
  }
  std::string PluginServing(const std::string& reward_type) const override { return reward_type; }
  absl::Mutex mu_;
  std::map<std::string, int> running_;
  std::map<std::string, int> peak_;
  int total_ = 0;
  int peak_total_ = 0;
};

TEST(FulfilmentEngineConcurrency, CallsPerPluginStayWithinTheirLimit) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = testing::OpenTestStore(dir);
  std::vector<Agent> agents;
  DecisionRecord d;
  d.program_id = "p";
  d.period = "2026-10";
  for (int i = 0; i < 12; ++i) {
    const std::string id = "a" + std::to_string(i);
    agents.push_back(testing::TestAgent(id));
    AwardRecord award;
    award.id = "p.2026-10." + id;
    award.program_id = "p";
    award.period = "2026-10";
    award.agent_id = id;
    award.rank = i + 1;
    for (const char* type : {"gift_card", "parking"}) {
      FulfilmentRecord f;
      f.id = award.id + "." + type;
      f.award_id = award.id;
      f.agent_id = id;
      f.type = type;
      f.idempotency_key = f.id;
      award.fulfilments.push_back(f);
    }
    d.awards.push_back(award);
  }
  ASSERT_TRUE(store->UpsertAgents(agents).ok());
  ASSERT_TRUE(store->CommitDecision(d, PlanAutoApproval).ok());
  SlowFulfiller fulfiller;
  RealClock clock;
  FulfilmentEngine::Options options;
  options.workers = 6;
  options.plugin_concurrency = 2;
  options.plugin_limits = {{"parking", 1}};
  options.idle_wait = absl::Milliseconds(20);
  FulfilmentEngine engine(store.get(), &fulfiller, &clock, options);
  engine.Start();
  engine.Wake();
  bool done = false;
  for (int i = 0; i < 500 && !done; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    done = true;
    const std::vector<FulfilmentRecord> rows = *store->ListFulfilments("");
    for (const FulfilmentRecord& f : rows) {
      done = done && f.state == FulfilmentState::kFulfilled;
    }
  }
  engine.Stop();
  EXPECT_TRUE(done);
  EXPECT_EQ(fulfiller.peak_["gift_card"], 2);
  EXPECT_EQ(fulfiller.peak_["parking"], 1);
  EXPECT_EQ(fulfiller.peak_total_, 3);  // The two plugins run side by side.
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST(FulfilmentEngineTeams, ARewardToATeamIsSentWithTheTeamAsTheAgent) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  FakeClock clock{absl::FromUnixSeconds(1800000000)};
  ASSERT_TRUE(store->PutProgram({"tm", "Team of the Month", "monthly", "UTC", 0, "x"}).ok());
  DecisionRecord d;
  d.program_id = "tm";
  d.period = "2026-10";
  AwardRecord award;
  award.id = "tm.2026-10.team.red";
  award.program_id = "tm";
  award.period = "2026-10";
  award.team = "red";
  award.rank = 1;
  FulfilmentRecord f;
  f.id = award.id + ".certificate";
  f.award_id = award.id;
  f.type = "certificate";
  f.idempotency_key = "team-key";
  f.next_attempt_us = absl::ToUnixMicros(clock.Now());
  award.fulfilments.push_back(f);
  d.awards.push_back(award);
  ASSERT_TRUE(store->CommitDecision(d, PlanAutoApproval).ok());
  ScriptedFulfiller fulfiller;
  FulfilmentEngine engine(store.get(), &fulfiller, &clock, FulfilmentEngine::Options());
  EXPECT_EQ(engine.RunOnce(), 1);
  ASSERT_EQ(fulfiller.calls.size(), 1u);
  EXPECT_EQ(fulfiller.calls[0].agent.id, "team:red");
  EXPECT_EQ(fulfiller.calls[0].agent.display_name, "red");
  EXPECT_EQ(fulfiller.calls[0].agent.team, "red");
  EXPECT_EQ((*store->ListFulfilments(""))[0].state, FulfilmentState::kFulfilled);
}

}  // namespace
}  // namespace plaudit

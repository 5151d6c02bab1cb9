#include "core/fulfilment/fulfilment_engine.h"

#include <sqlite3.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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
    if (script.empty()) return FulfilResult{FulfilOutcome::kFulfilled, "", "done", {}, {}};
    FulfilResult r = script.front();
    script.pop_front();
    return r;
  }
  FulfilResult Lookup(const FulfilmentCall& call) override {
    absl::MutexLock lock(&mu_);
    lookups.push_back(call);
    if (lookup_script.empty()) return FulfilResult{FulfilOutcome::kCannotLookUp, "", "", {}, {}};
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
  fulfiller_.script = {{FulfilOutcome::kRetryable, "vendor 503", "", {}, {}},
                       {FulfilOutcome::kUnknown, "timeout", "", {}, {}},
                       {FulfilOutcome::kRetryable, "vendor 503", "", {}, {}}};
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
  fulfiller_.script = {{FulfilOutcome::kRetryable, "429", "", absl::Seconds(45), {}}};
  engine_->RunOnce();
  EXPECT_GE(Row().next_attempt_us, absl::ToUnixMicros(clock_.Now() + absl::Seconds(45)));
  clock_.Advance(absl::Seconds(44));
  EXPECT_EQ(engine_->RunOnce(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, PermanentFailureFailsAtOnce) {
  fulfiller_.script = {{FulfilOutcome::kPermanent, "hours: \"abc\" is not a number", "", {}, {}}};
  engine_->RunOnce();
  FulfilmentRecord row = Row();
  EXPECT_EQ(row.state, FulfilmentState::kFailed);
  EXPECT_EQ(row.error, "hours: \"abc\" is not a number");
}

TEST_F(FulfilmentEngineTest, PendingIsPolledLaterWithoutSpendingAnAttempt) {
  fulfiller_.script = {{FulfilOutcome::kPending, "", "", {}, {}}};
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
  ASSERT_TRUE(store_->UpdateFulfilment(row, PlanAwardCompletion).ok());
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout", "", {}, {}}};
  engine_->RunOnce();
  EXPECT_EQ(fulfiller_.calls[0].idempotency_key, "key-1");
  EXPECT_EQ(Row().state, FulfilmentState::kFailed);
}

TEST_F(FulfilmentEngineTest, AnUnknownOutcomeIsLookedUpBeforeItIsEverPlacedAgain) {
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout after the order was sent", "", {}, {}}};
  EXPECT_EQ(engine_->RunOnce(), 1);
  FulfilmentRecord row = Row();
  EXPECT_EQ(row.state, FulfilmentState::kPending);
  EXPECT_TRUE(row.check_first);
  EXPECT_EQ(row.attempts, 1);
  // The vendor did take the order: the lookup finds it, and nothing is placed a second time.
  fulfiller_.lookup_script = {{FulfilOutcome::kFulfilled, "", "order 77", {}, {}}};
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
  fulfiller_.script = {{FulfilOutcome::kUnknown, "connection reset", "", {}, {}}};
  engine_->RunOnce();
  fulfiller_.lookup_script = {{FulfilOutcome::kNotFound, "no order", "", {}, {}}};
  clock_.Advance(absl::Seconds(61));
  EXPECT_EQ(engine_->RunOnce(), 1);
  ASSERT_EQ(fulfiller_.calls.size(), 2u);
  EXPECT_EQ(fulfiller_.calls[1].idempotency_key, "key-1");
  EXPECT_EQ(fulfiller_.calls[1].attempt, 2);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  EXPECT_FALSE(Row().check_first);
}

TEST_F(FulfilmentEngineTest, PendingIsReconciledByLookupsThatSpendNoAttempt) {
  fulfiller_.script = {{FulfilOutcome::kPending, "vendor processing", "", {}, {}}};
  engine_->RunOnce();
  fulfiller_.lookup_script = {{FulfilOutcome::kPending, "vendor processing", "", {}, {}},
                              {FulfilOutcome::kPending, "vendor processing", "", {}, {}},
                              {FulfilOutcome::kFulfilled, "", "code sent", {}, {}}};
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
  fulfiller_.lookup_script = {{FulfilOutcome::kFulfilled, "", "credited", {}, {}}};
  EXPECT_EQ(restarted.RunOnce(), 1);
  EXPECT_TRUE(fulfiller_.calls.empty());  // Found by the lookup: never placed twice.
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, FailingLookupsSpendAttemptsUntilTheRewardFails) {
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout", "", {}, {}}};
  engine_->RunOnce();
  fulfiller_.lookup_script = {{FulfilOutcome::kRetryable, "vendor down", "", {}, {}},
                              {FulfilOutcome::kUnknown, "timeout", "", {}, {}}};
  for (int i = 0; i < 2; ++i) {
    clock_.Advance(absl::Seconds(61));
    engine_->RunOnce();
  }
  EXPECT_EQ(Row().state, FulfilmentState::kFailed);
  EXPECT_EQ(Row().error, "gave up after 3 attempts: timeout");
  EXPECT_EQ(fulfiller_.calls.size(), 1u);
}

TEST_F(FulfilmentEngineTest, VendorReportsEndPendingRewardsAndUnclearOnesAreLookedUp) {
  fulfiller_.script = {{FulfilOutcome::kPending, "vendor processing", "", {}, {}}};
  engine_->RunOnce();
  std::vector<std::string> lines =
      engine_->ApplyReports({{"key-1", {FulfilOutcome::kFulfilled, "", "card sent", {}, {}}},
                             {"no-such-key", {FulfilOutcome::kFulfilled, "", "", {}, {}}}},
                            "callback:gift_card");
  EXPECT_EQ(lines, (std::vector<std::string>{"eotm.2026-10.a1.leave_credit: fulfilled",
                                             "no-such-key: no such reward"}));
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  EXPECT_EQ(Row().artifact, "card sent");
  // A late duplicate changes nothing.
  lines = engine_->ApplyReports({{"key-1", {FulfilOutcome::kPermanent, "cancelled", "", {}, {}}}},
                                "callback:gift_card");
  EXPECT_EQ(lines,
            (std::vector<std::string>{"eotm.2026-10.a1.leave_credit: already fulfilled; ignored"}));
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  auto attempts = *store_->ListAttempts(Row().id);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[1].kind, "callback");
  EXPECT_EQ(attempts[1].actor, "callback:gift_card");
}

TEST_F(FulfilmentEngineTest, AVendorsRedemptionReportIsRecordedOnceOnAFulfilledReward) {
  const absl::Time redeemed = absl::FromUnixSeconds(1793698200);
  // Reported while the reward is still pending: fulfilled and redeemed in one report.
  fulfiller_.script = {{FulfilOutcome::kPending, "vendor processing", "", {}, {}}};
  engine_->RunOnce();
  std::vector<std::string> lines =
      engine_->ApplyReports({{"key-1", {FulfilOutcome::kFulfilled, "", "card sent", {}, redeemed}}},
                            "callback:gift_card");
  EXPECT_EQ(lines, (std::vector<std::string>{"eotm.2026-10.a1.leave_credit: fulfilled",
                                             "eotm.2026-10.a1.leave_credit: redeemed"}));
  EXPECT_EQ(Row().redeemed_us, absl::ToUnixMicros(redeemed));
  // A later report of another time changes nothing: the first one stands.
  lines = engine_->ApplyReports(
      {{"key-1", {FulfilOutcome::kFulfilled, "", "", {}, redeemed + absl::Hours(1)}}},
      "callback:gift_card");
  EXPECT_EQ(lines,
            (std::vector<std::string>{"eotm.2026-10.a1.leave_credit: redeemed already noted"}));
  EXPECT_EQ(Row().redeemed_us, absl::ToUnixMicros(redeemed));
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, ARedemptionIsNotRecordedForARewardNotFulfilled) {
  fulfiller_.script = {{FulfilOutcome::kPermanent, "vendor refused", "", {}, {}}};
  engine_->RunOnce();
  ASSERT_EQ(Row().state, FulfilmentState::kFailed);
  auto marked = store_->MarkRedeemed(Row().id, 1793698200000000);
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_FALSE(*marked);
  EXPECT_EQ(Row().redeemed_us, 0);
}

TEST_F(FulfilmentEngineTest, AnUnclearVendorReportHasTheRewardLookedUpNow) {
  fulfiller_.script = {{FulfilOutcome::kPending, "vendor processing", "", {}, {}}};
  engine_->RunOnce();
  EXPECT_EQ(engine_->RunOnce(), 0);  // Not due before the reconciliation interval.
  engine_->ApplyReports({{"key-1", {FulfilOutcome::kUnknown, "status \"on_hold\"", "", {}, {}}}},
                        "callback:gift_card");
  fulfiller_.lookup_script = {{FulfilOutcome::kFulfilled, "", "", {}, {}}};
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
}

TEST_F(FulfilmentEngineTest, FailedRewardCanBeRetriedAndPendingOneCancelled) {
  fulfiller_.script = {{FulfilOutcome::kPermanent, "vendor refused", "", {}, {}}};
  engine_->RunOnce();
  ASSERT_EQ(Row().state, FulfilmentState::kFailed);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFailed);
  EXPECT_EQ(engine_->Cancel(Row().id, "anna", "").status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto retried = engine_->Retry(Row().id, "anna", "vendor fixed the brand");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->state, FulfilmentState::kPending);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilling);
  // Retried rewards are looked up first: the vendor may hold the order after all.
  fulfiller_.lookup_script = {{FulfilOutcome::kNotFound, "", "", {}, {}}};
  EXPECT_EQ(engine_->RunOnce(), 1);
  EXPECT_EQ(Row().state, FulfilmentState::kFulfilled);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kFulfilled);
  EXPECT_EQ(engine_->Retry(Row().id, "anna", "").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FulfilmentEngineTest, CancellingTheOnlyRewardCancelsItsAward) {
  fulfiller_.script = {{FulfilOutcome::kRetryable, "vendor busy", "", {}, {}}};
  engine_->RunOnce();  // Refused: nothing is out with the vendor, so it may be cancelled.
  auto cancelled = engine_->Cancel(Row().id, "anna", "brand discontinued");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->state, FulfilmentState::kCancelled);
  EXPECT_EQ((*store_->GetAward("eotm.2026-10.a1"))->state, AwardState::kCancelled);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(engine_->RunOnce(), 0);
}

TEST_F(FulfilmentEngineTest, AnUncertainRewardCannotBeCancelled) {
  fulfiller_.script = {{FulfilOutcome::kUnknown, "timeout", "", {}, {}}};
  engine_->RunOnce();
  auto refused = engine_->Cancel(Row().id, "anna", "");
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

TEST_F(FulfilmentEngineTest, AStartedEngineWaitsOutABackoffWhateverWakesIt) {
  {
    absl::MutexLock lock(&fulfiller_.mu_);
    fulfiller_.script = {{FulfilOutcome::kRetryable, "rate limited", "", absl::Hours(1), {}}};
  }
  FulfilmentEngine::Options options;
  options.idle_wait = absl::Milliseconds(5);
  FulfilmentEngine engine(store_.get(), &fulfiller_, &clock_, options);
  engine.Start();
  // New work announced again and again, each time read afresh: none hands the row out before its
  // Retry-After has passed.
  for (int i = 0; i < 100; ++i) {
    engine.Wake();
    absl::SleepFor(absl::Milliseconds(2));
  }
  engine.Stop();
  absl::MutexLock lock(&fulfiller_.mu_);
  EXPECT_EQ(fulfiller_.calls.size(), 1u);
  EXPECT_EQ(Row().state, FulfilmentState::kPending);
  EXPECT_EQ(Row().attempts, 1);
}

// Sleeps in every call and records how many calls run at once per reward type.
// Each call takes 20 ms; until `expected_peak` calls have been in flight at once, a call also
// waits (up to 5 s) for the others to join it, so that a busy machine's slow threads do not hide
// the concurrency the engine allows.
class SlowFulfiller : public RewardFulfiller {
 public:
  explicit SlowFulfiller(int expected_peak) : expected_peak_(expected_peak) {}
  FulfilResult Fulfil(const FulfilmentCall& call) override {
    {
      absl::MutexLock lock(&mu_);
      int& now = running_[call.reward_type];
      ++now;
      peak_[call.reward_type] = std::max(peak_[call.reward_type], now);
      peak_total_ = std::max(peak_total_, ++total_);
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](SlowFulfiller* f) { return f->peak_total_ >= f->expected_peak_; }, this),
          absl::Seconds(5));
    }
    absl::SleepFor(absl::Milliseconds(20));
    absl::MutexLock lock(&mu_);
    --running_[call.reward_type];
    --total_;
    return FulfilResult{FulfilOutcome::kFulfilled, "", "", {}, {}};
  }
  std::string PluginServing(const std::string& reward_type) const override { return reward_type; }
  absl::Mutex mu_;
  std::map<std::string, int> running_;
  std::map<std::string, int> peak_;
  int total_ = 0;
  int peak_total_ = 0;
  const int expected_peak_;
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
  SlowFulfiller fulfiller(/*expected_peak=*/3);
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

// Reads through a connection of its own, which sees only what the store committed: at every
// call, the reward must already be marked "look before placing" on disk, with its attempt counted.
class CommittedMarkFulfiller : public RewardFulfiller {
 public:
  explicit CommittedMarkFulfiller(const std::string& db_path) {
    sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~CommittedMarkFulfiller() override { sqlite3_close(db_); }

  FulfilResult Fulfil(const FulfilmentCall& call) override {
    {
      absl::MutexLock lock(&mu_);
      ++calls_[call.idempotency_key];
      sqlite3_stmt* q = nullptr;
      sqlite3_prepare_v2(db_,
                         "SELECT check_first, attempts FROM fulfilments WHERE idempotency_key = ?",
                         -1, &q, nullptr);
      sqlite3_bind_text(q, 1, call.idempotency_key.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0) != 1 ||
          sqlite3_column_int(q, 1) != 1) {
        unmarked_.push_back(call.idempotency_key);
      }
      sqlite3_finalize(q);
      const std::string plugin = call.reward_type;
      peak_[plugin] = std::max(peak_[plugin], ++running_[plugin]);
      // Gift cards wait for one another until more run at once than the default limit allows,
      // so that a loaded machine cannot hide their own limit; if it never comes, no call waits.
      if (plugin == "gift_card" && !gave_up_ &&
          !mu_.AwaitWithTimeout(
              absl::Condition(
                  +[](CommittedMarkFulfiller* f) { return f->peak_["gift_card"] >= kGiftCardPeak; },
                  this),
              absl::Seconds(5))) {
        gave_up_ = true;
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
    absl::MutexLock lock(&mu_);
    --running_[call.reward_type];
    return FulfilResult{FulfilOutcome::kFulfilled, "", "done", {}, {}};
  }

  static constexpr int kGiftCardPeak = 8;  // Above the default limit of 5, within its own 16.
  absl::Mutex mu_;
  sqlite3* db_ = nullptr;
  bool gave_up_ = false;
  std::map<std::string, int> calls_;
  std::vector<std::string> unmarked_;
  std::map<std::string, int> running_;
  std::map<std::string, int> peak_;
};

TEST(FulfilmentEngineGroupCommit, ManyWorkersCallEachRewardOnceAfterItsMarkIsCommitted) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  constexpr int kAgents = 150;
  std::vector<Agent> agents;
  DecisionRecord d;
  d.program_id = "p";
  d.period = "2026-10";
  for (int i = 0; i < kAgents; ++i) {
    const std::string id = absl::StrCat("a", i);
    agents.push_back(testing::TestAgent(id));
    AwardRecord award;
    award.id = "p.2026-10." + id;
    award.program_id = "p";
    award.period = "2026-10";
    award.agent_id = id;
    award.rank = i + 1;
    for (const char* type : {"gift_card", "leave_credit"}) {
      FulfilmentRecord f;
      f.id = absl::StrCat(award.id, ".", type);
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
  const Store::WriteGroupStats before = store->write_group_stats();

  CommittedMarkFulfiller fulfiller(dir.File("plaudit.db"));
  RealClock clock;
  FulfilmentEngine::Options options;
  options.workers = 24;
  options.plugin_concurrency = 5;
  options.plugin_limits = {{"gift_card", 16}};
  options.idle_wait = absl::Milliseconds(20);
  FulfilmentEngine engine(store.get(), &fulfiller, &clock, options);
  engine.Start();
  engine.Wake();
  bool done = false;
  for (int i = 0; i < 3000 && !done; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    done = true;
    const std::vector<FulfilmentRecord> rows = *store->ListFulfilments("");
    for (const FulfilmentRecord& f : rows) done = done && f.state == FulfilmentState::kFulfilled;
  }
  engine.Stop();
  ASSERT_TRUE(done);

  absl::MutexLock lock(&fulfiller.mu_);
  EXPECT_EQ(fulfiller.calls_.size(), 2u * kAgents);
  for (const auto& [key, calls] : fulfiller.calls_) EXPECT_EQ(calls, 1) << key;
  EXPECT_TRUE(fulfiller.unmarked_.empty()) << fulfiller.unmarked_.front();
  // Within each plugin's limit, and gift cards beyond the default one: their own limit applied.
  EXPECT_LE(fulfiller.peak_["gift_card"], 16);
  EXPECT_GE(fulfiller.peak_["gift_card"], CommittedMarkFulfiller::kGiftCardPeak);
  EXPECT_LE(fulfiller.peak_["leave_credit"], 5);
  const std::vector<FulfilmentRecord> rows = *store->ListFulfilments("");
  for (const FulfilmentRecord& f : rows) {
    const std::vector<FulfilmentAttempt> history = *store->ListAttempts(f.id);
    ASSERT_EQ(history.size(), 1u) << f.id;
    EXPECT_EQ(history[0].kind, "fulfil");
    EXPECT_EQ(f.attempts, 1);
  }
  // Each reward was written twice (begun; its outcome with its history); workers shared commits.
  const Store::WriteGroupStats after = store->write_group_stats();
  EXPECT_EQ(after.writes - before.writes, 2 * 2 * kAgents);
  EXPECT_LT(after.commits - before.commits, after.writes - before.writes);
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

namespace plaudit {
namespace {

// An award of program "p" for 2026-10 with one reward per type, or, given `members`, a team's
// award with one reward per type and member (in member order).
AwardRecord RankedAward(const std::string& id, int rank, const std::vector<std::string>& types,
                        const std::vector<std::string>& members = {}) {
  AwardRecord award;
  award.id = "p.2026-10." + id;
  award.program_id = "p";
  award.period = "2026-10";
  award.rank = rank;
  if (members.empty()) {
    award.agent_id = id;
  } else {
    award.team = id;
  }
  for (const std::string& type : types) {
    for (const std::string& agent : members.empty() ? std::vector<std::string>{id} : members) {
      FulfilmentRecord f;
      f.id = members.empty() ? absl::StrCat(award.id, ".", type)
                             : absl::StrCat(award.id, ".", type, ".", agent);
      f.award_id = award.id;
      f.agent_id = agent;
      f.type = type;
      f.idempotency_key = f.id;
      award.fulfilments.push_back(f);
    }
  }
  return award;
}

// Commits the awards as one decision of "p" for 2026-10, creating their agents.
void CommitRanked(Store& store, const std::vector<AwardRecord>& awards) {
  std::vector<Agent> agents;
  for (const AwardRecord& award : awards) {
    for (const FulfilmentRecord& f : award.fulfilments) {
      agents.push_back(testing::TestAgent(f.agent_id));
    }
  }
  ASSERT_TRUE(store.UpsertAgents(agents).ok());
  ASSERT_TRUE(store.PutProgram({"p", "Customer Hero", "monthly", "UTC", 0, "x"}).ok());
  DecisionRecord d;
  d.program_id = "p";
  d.period = "2026-10";
  d.awards = awards;
  ASSERT_TRUE(store.CommitDecision(d, PlanAutoApproval).ok());
}

// A fulfiller whose "parking" rewards are scarce. It records the order in which parking calls
// begin (by key, which the tests make the fulfilment id) and how many run at once, and answers
// them from `script` (fulfilled when a key's script runs out). Each call pauses for a random
// moment, so that calls finish in a different order in every run.
class ScarceFulfiller : public RewardFulfiller {
 public:
  explicit ScarceFulfiller(uint32_t seed = 0) : rng_(seed) {}

  FulfilResult Fulfil(const FulfilmentCall& call) override { return Answer(call, "fulfil"); }
  FulfilResult Lookup(const FulfilmentCall& call) override { return Answer(call, "lookup"); }
  std::set<std::string> RewardTypesInRankOrder() const override { return {"parking"}; }

  // Waits until `n` calls of any type have answered fulfilled; false after a generous limit.
  bool AwaitFulfilled(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return fulfilled_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(60));
  }

  absl::Mutex mu_;
  // "fulfil <key>" or "lookup <key>" per parking call, in the order the calls began.
  std::vector<std::string> parking_calls ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<FulfilResult>> script ABSL_GUARDED_BY(mu_);
  int parking_peak ABSL_GUARDED_BY(mu_) = 0;

 private:
  FulfilResult Answer(const FulfilmentCall& call, const char* kind) {
    const bool scarce = call.reward_type == "parking";
    FulfilResult result{FulfilOutcome::kFulfilled, "", "done", {}, {}};
    int pause_us = 0;
    {
      absl::MutexLock lock(&mu_);
      pause_us = std::uniform_int_distribution<int>(0, 1500)(rng_);
      if (scarce) {
        parking_calls.push_back(absl::StrCat(kind, " ", call.idempotency_key));
        parking_peak = std::max(parking_peak, ++parking_now_);
        std::deque<FulfilResult>& answers = script[call.idempotency_key];
        if (!answers.empty()) {
          result = answers.front();
          answers.pop_front();
        }
      }
    }
    // Timing noise only; nothing waits on it.
    if (pause_us % 3 == 0) {
      std::this_thread::yield();
    } else {
      absl::SleepFor(absl::Microseconds(pause_us));
    }
    absl::MutexLock lock(&mu_);
    if (scarce) --parking_now_;
    if (result.outcome == FulfilOutcome::kFulfilled) ++fulfilled_;
    return result;
  }

  std::mt19937 rng_ ABSL_GUARDED_BY(mu_);
  int parking_now_ ABSL_GUARDED_BY(mu_) = 0;
  int fulfilled_ ABSL_GUARDED_BY(mu_) = 0;
};

// The parking calls with consecutive repeats (retries of one reward) folded into one entry.
std::vector<std::string> Turns(const std::vector<std::string>& calls) {
  std::vector<std::string> turns;
  for (const std::string& call : calls) {
    const std::string key = call.substr(call.find(' ') + 1);
    if (turns.empty() || turns.back() != key) turns.push_back(key);
  }
  return turns;
}

TEST(FulfilmentEngineRankOrder, ScarceRewardsAreCalledInRankOrderWhateverTheTiming) {
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    testing::TempDir dir;
    std::unique_ptr<Store> store = testing::OpenTestStore(dir);
    ASSERT_NE(store, nullptr);
    // Ranks run against the ids' order, so that neither id nor commit order gives rank order;
    // rank 4 is a team award to three members, served in member order.
    std::vector<AwardRecord> awards;
    const int kRanks[] = {11, 10, 9, 1, 2, 3, 5, 6, 7, 8};
    for (int i = 0; i < 10; ++i) {
      awards.push_back(RankedAward(absl::StrCat("a", i), kRanks[i], {"gift_card", "parking"}));
    }
    awards.push_back(RankedAward("red", 4, {"parking", "gift_card"}, {"r3", "r1", "r2"}));
    std::mt19937 pick(seed);
    std::shuffle(awards.begin(), awards.end(), pick);
    CommitRanked(*store, awards);

    std::vector<std::pair<int, std::string>> by_rank;
    for (const AwardRecord& award : awards) by_rank.emplace_back(award.rank, award.id);
    std::sort(by_rank.begin(), by_rank.end());
    std::vector<std::string> expected;
    for (const auto& [rank, id] : by_rank) {
      if (id == "p.2026-10.red") {
        for (const char* member : {"r3", "r1", "r2"}) {
          expected.push_back(absl::StrCat(id, ".parking.", member));
        }
      } else {
        expected.push_back(absl::StrCat(id, ".parking"));
      }
    }

    ScarceFulfiller fulfiller(seed);
    {
      absl::MutexLock lock(&fulfiller.mu_);
      // Some winners are refused, time out or fail for good first: their turn lasts until they
      // are settled, and a reward that failed for good gives the turn to the next rank.
      std::uniform_int_distribution<size_t> any(0, expected.size() - 1);
      fulfiller.script[expected[any(pick)]] = {{FulfilOutcome::kRetryable, "busy", "", {}, {}},
                                               {FulfilOutcome::kRetryable, "busy", "", {}, {}}};
      fulfiller.script[expected[any(pick)]] = {{FulfilOutcome::kUnknown, "timeout", "", {}, {}},
                                               {FulfilOutcome::kNotFound, "", "", {}, {}}};
      fulfiller.script[expected[0]].push_back(
          {FulfilOutcome::kPermanent, "no such spot", "", {}, {}});
    }
    FulfilmentEngine::Options options;
    options.workers = 4;
    options.plugin_concurrency = 4;
    options.base_backoff = absl::Milliseconds(1);
    options.max_backoff = absl::Milliseconds(5);
    options.idle_wait = absl::Milliseconds(5);
    RealClock clock;
    FulfilmentEngine engine(store.get(), &fulfiller, &clock, options);
    engine.Start();
    engine.Wake();
    // Every reward but the one that failed for good ends fulfilled.
    const int rewards = static_cast<int>(2 * expected.size());
    EXPECT_TRUE(fulfiller.AwaitFulfilled(rewards - 1));
    engine.Stop();

    absl::MutexLock lock(&fulfiller.mu_);
    EXPECT_EQ(Turns(fulfiller.parking_calls), expected);
    EXPECT_EQ(fulfiller.parking_peak, 1);
    const std::vector<FulfilmentRecord> rows = *store->ListFulfilments("");
    for (const FulfilmentRecord& f : rows) {
      EXPECT_EQ(f.state,
                f.id == expected[0] ? FulfilmentState::kFailed : FulfilmentState::kFulfilled)
          << f.id;
    }
  }
}

// Rank 1 is "p.2026-10.b", rank 2 "p.2026-10.a": due in id order, wanted in rank order.
class RankOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    CommitRanked(*store_, {RankedAward("b", 1, {"parking", "gift_card"}),
                           RankedAward("a", 2, {"parking", "gift_card"})});
  }

  FulfilmentRecord Row(const std::string& id) { return **store_->GetFulfilment(id); }
  std::vector<std::string> ParkingCalls() {
    absl::MutexLock lock(&fulfiller_.mu_);
    return fulfiller_.parking_calls;
  }
  FulfilmentEngine::Options Options() {
    FulfilmentEngine::Options options;
    options.base_backoff = absl::Seconds(10);
    options.max_backoff = absl::Seconds(10);
    return options;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  std::unique_ptr<Store> store_;
  ScarceFulfiller fulfiller_;
};

TEST_F(RankOrderTest, ALowerRankWaitsWhileAHigherOneRetriesEvenAcrossARestart) {
  {
    absl::MutexLock lock(&fulfiller_.mu_);
    fulfiller_.script["p.2026-10.b.parking"] = {{FulfilOutcome::kRetryable, "busy", "", {}, {}}};
  }
  FulfilmentEngine engine(store_.get(), &fulfiller_, &clock_, Options());
  // Both gift cards and rank 1's parking; rank 2's parking waits although it is due.
  EXPECT_EQ(engine.RunOnce(), 3);
  EXPECT_EQ(ParkingCalls(), std::vector<std::string>{"fulfil p.2026-10.b.parking"});
  EXPECT_EQ(Row("p.2026-10.a.gift_card").state, FulfilmentState::kFulfilled);
  EXPECT_EQ(Row("p.2026-10.a.parking").attempts, 0);

  // A new engine (after kill -9) reads the turn from the store: rank 2 still waits.
  FulfilmentEngine restarted(store_.get(), &fulfiller_, &clock_, Options());
  EXPECT_EQ(restarted.RunOnce(), 0);
  clock_.Advance(absl::Seconds(10));
  restarted.RunOnce();
  restarted.RunOnce();
  EXPECT_EQ(ParkingCalls(),
            (std::vector<std::string>{"fulfil p.2026-10.b.parking", "fulfil p.2026-10.b.parking",
                                      "fulfil p.2026-10.a.parking"}));
  EXPECT_EQ(Row("p.2026-10.b.parking").state, FulfilmentState::kFulfilled);
  EXPECT_EQ(Row("p.2026-10.a.parking").state, FulfilmentState::kFulfilled);
}

TEST_F(RankOrderTest, ACrashMidCallKeepsTheTurnUntilTheRewardIsLookedUp) {
  FulfilmentRecord first = Row("p.2026-10.b.parking");
  first.updated_us = absl::ToUnixMicros(clock_.Now());
  ASSERT_TRUE(*store_->BeginFulfilmentAttempt(first));  // The call that died with the process.
  {
    absl::MutexLock lock(&fulfiller_.mu_);
    fulfiller_.script["p.2026-10.b.parking"] = {{FulfilOutcome::kUnknown, "timeout", "", {}, {}}};
  }
  FulfilmentEngine restarted(store_.get(), &fulfiller_, &clock_, Options());
  restarted.RunOnce();
  EXPECT_EQ(ParkingCalls(), std::vector<std::string>{"lookup p.2026-10.b.parking"});
  clock_.Advance(absl::Seconds(10));
  restarted.RunOnce();  // Found booked: rank 1 is settled only now.
  restarted.RunOnce();
  EXPECT_EQ(ParkingCalls(),
            (std::vector<std::string>{"lookup p.2026-10.b.parking", "lookup p.2026-10.b.parking",
                                      "fulfil p.2026-10.a.parking"}));
}

TEST_F(RankOrderTest, TheTurnIsCheckedAgainWhenTheAttemptBegins) {
  // Rank 2's row as the engine may hold it, read as due while rank 1 had failed; rank 1 is
  // pending now (as when a person retries it), so rank 2 may not begin.
  FulfilmentRecord second = Row("p.2026-10.a.parking");
  second.updated_us = absl::ToUnixMicros(clock_.Now());
  EXPECT_FALSE(*store_->BeginFulfilmentAttempt(second, true, /*in_rank_order=*/true));
  EXPECT_EQ(Row("p.2026-10.a.parking").attempts, 0);
  EXPECT_FALSE(Row("p.2026-10.a.parking").check_first);
  // Not a scarce type: no turn to wait for.
  EXPECT_TRUE(*store_->BeginFulfilmentAttempt(second, true, /*in_rank_order=*/false));
  // Rank 1 settled: rank 2's turn.
  FulfilmentRecord third = Row("p.2026-10.a.parking");
  ASSERT_TRUE(
      store_->CancelFulfilment("p.2026-10.b.parking", "anna", "", 1, PlanAwardCompletion).ok());
  EXPECT_TRUE(*store_->BeginFulfilmentAttempt(third, true, /*in_rank_order=*/true));
}

TEST_F(RankOrderTest, AHigherRankWaitingForItsRewardHoldsTheLowerOnesBack) {
  {
    absl::MutexLock lock(&fulfiller_.mu_);
    // Rank 1 waits (a parking spot to be freed), then is looked up and found booked.
    fulfiller_.script["p.2026-10.b.parking"] = {{FulfilOutcome::kPending, "waiting", "", {}, {}},
                                                {FulfilOutcome::kPending, "waiting", "", {}, {}}};
  }
  FulfilmentEngine engine(store_.get(), &fulfiller_, &clock_, Options());
  engine.RunOnce();
  clock_.Advance(absl::Seconds(30));
  engine.RunOnce();
  EXPECT_EQ(Row("p.2026-10.a.parking").attempts, 0);
  clock_.Advance(absl::Seconds(30));
  engine.RunOnce();
  engine.RunOnce();
  EXPECT_EQ(ParkingCalls(),
            (std::vector<std::string>{"fulfil p.2026-10.b.parking", "lookup p.2026-10.b.parking",
                                      "lookup p.2026-10.b.parking", "fulfil p.2026-10.a.parking"}));
}

TEST_F(RankOrderTest, ACancelledRewardGivesUpItsTurn) {
  ASSERT_TRUE(store_
                  ->CancelFulfilment("p.2026-10.b.parking", "anna", "has a car park pass",
                                     absl::ToUnixMicros(clock_.Now()), PlanAwardCompletion)
                  .ok());
  FulfilmentEngine engine(store_.get(), &fulfiller_, &clock_, Options());
  EXPECT_EQ(engine.RunOnce(), 3);
  EXPECT_EQ(ParkingCalls(), std::vector<std::string>{"fulfil p.2026-10.a.parking"});
}

TEST_F(RankOrderTest, ARewardThatFailedForGoodGivesUpItsTurn) {
  {
    absl::MutexLock lock(&fulfiller_.mu_);
    fulfiller_.script["p.2026-10.b.parking"] = {{FulfilOutcome::kPermanent, "no spot", "", {}, {}}};
  }
  FulfilmentEngine engine(store_.get(), &fulfiller_, &clock_, Options());
  engine.RunOnce();
  engine.RunOnce();
  EXPECT_EQ(ParkingCalls(),
            (std::vector<std::string>{"fulfil p.2026-10.b.parking", "fulfil p.2026-10.a.parking"}));
}

TEST(FulfilmentEngineRankOrderLine, ALongLineOfScarceRewardsDoesNotStarveOthers) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  // More waiting parking rewards than one round reads (RunOnce reads 100), each due before the
  // gift card, which comes last by id.
  std::vector<AwardRecord> awards;
  for (int rank = 1; rank <= 120; ++rank) {
    awards.push_back(RankedAward(absl::StrCat("a", 1000 + rank), rank, {"parking"}));
  }
  awards.push_back(RankedAward("z", 121, {"gift_card"}));
  CommitRanked(*store, awards);
  FakeClock clock{absl::FromUnixSeconds(1800000000)};
  ScarceFulfiller fulfiller;
  {
    absl::MutexLock lock(&fulfiller.mu_);
    fulfiller.script["p.2026-10.a1001.parking"] = {{FulfilOutcome::kRetryable, "busy", "", {}, {}}};
  }
  FulfilmentEngine::Options options;
  options.base_backoff = absl::Seconds(10);
  FulfilmentEngine engine(store.get(), &fulfiller, &clock, options);
  EXPECT_EQ(engine.RunOnce(), 2);  // Rank 1's parking (refused) and the gift card.
  EXPECT_EQ((*store->GetFulfilment("p.2026-10.z.gift_card"))->state, FulfilmentState::kFulfilled);
}

TEST(FulfilmentEngineRankOrderApproval, AnAwardAwaitingApprovalKeepsItsPlaceInLine) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  AwardRecord first = RankedAward("b", 1, {"parking"});
  first.approvals_needed = 1;  // Held for a manager; rank 2 needs nobody.
  CommitRanked(*store, {first, RankedAward("a", 2, {"parking"})});
  FakeClock clock{absl::FromUnixSeconds(1800000000)};
  ScarceFulfiller fulfiller;
  FulfilmentEngine engine(store.get(), &fulfiller, &clock, FulfilmentEngine::Options());
  EXPECT_EQ(engine.RunOnce(), 0);
  ASSERT_TRUE(ActOnAward(*store, "p.2026-10.b", AwardAction::kApprove, {"anna", Role::kManager, ""},
                         "", absl::ToUnixMicros(clock.Now()))
                  .ok());
  engine.RunOnce();
  engine.RunOnce();
  absl::MutexLock lock(&fulfiller.mu_);
  EXPECT_EQ(fulfiller.parking_calls,
            (std::vector<std::string>{"fulfil p.2026-10.b.parking", "fulfil p.2026-10.a.parking"}));
}

TEST(FulfilmentEngineRankOrderApproval, ARejectedAwardLetsTheNextRankGo) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  AwardRecord first = RankedAward("b", 1, {"parking"});
  first.approvals_needed = 1;
  CommitRanked(*store, {first, RankedAward("a", 2, {"parking"})});
  FakeClock clock{absl::FromUnixSeconds(1800000000)};
  ScarceFulfiller fulfiller;
  FulfilmentEngine engine(store.get(), &fulfiller, &clock, FulfilmentEngine::Options());
  EXPECT_EQ(engine.RunOnce(), 0);
  ASSERT_TRUE(ActOnAward(*store, "p.2026-10.b", AwardAction::kReject, {"anna", Role::kManager, ""},
                         "duplicate", absl::ToUnixMicros(clock.Now()))
                  .ok());
  EXPECT_EQ(engine.RunOnce(), 1);
  absl::MutexLock lock(&fulfiller.mu_);
  EXPECT_EQ(fulfiller.parking_calls, std::vector<std::string>{"fulfil p.2026-10.a.parking"});
}

}  // namespace
}  // namespace plaudit

#include "core/fulfilment/fulfilment_engine.h"

#include <deque>

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
  absl::Mutex mu_;
  std::deque<FulfilResult> script;
  std::vector<FulfilmentCall> calls;
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
    ASSERT_TRUE(store_->CommitDecision(d).ok());
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
  ASSERT_TRUE(store->CommitDecision(d).ok());
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

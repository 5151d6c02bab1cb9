// Group commit: fulfilment writes handed in while the store is busy share one commit, each still
// atomic on its own and durable when it returns.
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "core/awards/award_actions.h"
#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

constexpr int kRewards = 6;

class WriteGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->UpsertAgents({testing::TestAgent("a1")}).ok());
    DecisionRecord decision;
    decision.program_id = "p";
    decision.period = "2026-10";
    AwardRecord award;
    award.id = "p.2026-10.a1";
    award.program_id = "p";
    award.period = "2026-10";
    award.agent_id = "a1";
    award.rank = 1;
    for (int i = 0; i <= kRewards; ++i) {
      FulfilmentRecord f;
      f.id = award.id + ".r" + std::to_string(i);
      f.award_id = award.id;
      f.agent_id = "a1";
      f.type = "gift_card";
      f.idempotency_key = f.id;
      award.fulfilments.push_back(f);
    }
    decision.awards.push_back(award);
    ASSERT_TRUE(store_->CommitDecision(decision, PlanAutoApproval).ok());
  }

  FulfilmentRecord Row(int i) {
    return **store_->GetFulfilment("p.2026-10.a1.r" + std::to_string(i));
  }

  // Runs `hand_in` (which starts threads that write) while the store's connection is held by
  // another call, until `writes` writes are queued, so that they all wait for the same commit.
  void WhileTheStoreIsBusy(int writes, const std::function<void()>& hand_in) {
    AuditEntry entry;
    entry.time = absl::FromUnixSeconds(1790000000);
    entry.subject = "test";
    entry.method = "hold";
    entry.outcome = "OK";
    auto appended = store_->AppendAuditRecord(entry, [&](const AuditRecord&, const std::string&) {
      hand_in();
      const absl::Time deadline = absl::Now() + absl::Seconds(20);
      while (store_->write_group_stats().queued < writes && absl::Now() < deadline) {
        std::this_thread::yield();
      }
      return std::string("mac");
    });
    ASSERT_TRUE(appended.ok()) << appended.status();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(WriteGroupTest, WritesHandedInTogetherShareOneCommitAndFailAlone) {
  // The last reward is already fulfilled: writing its outcome again is refused.
  FulfilmentRecord done = Row(kRewards);
  done.state = FulfilmentState::kFulfilled;
  ASSERT_TRUE(store_->UpdateFulfilment(done, PlanAwardCompletion).ok());
  const Store::WriteGroupStats before = store_->write_group_stats();

  std::vector<FulfilmentRecord> rows;
  for (int i = 0; i < kRewards; ++i) rows.push_back(Row(i));
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<bool>> begun(kRewards, false);
  absl::StatusOr<bool> state_written = false;
  absl::Status refused;
  WhileTheStoreIsBusy(kRewards + 2, [&] {
    for (int i = 0; i < kRewards; ++i) {
      threads.emplace_back([&, i] { begun[i] = store_->BeginFulfilmentAttempt(rows[i]); });
    }
    threads.emplace_back([&] {
      state_written = store_->StateCommit("gift_card", {{"recipient/k", "a1"}}, {}, {});
    });
    threads.emplace_back([&] { refused = store_->UpdateFulfilment(done, PlanAwardCompletion); });
  });
  for (std::thread& thread : threads) thread.join();

  const Store::WriteGroupStats after = store_->write_group_stats();
  EXPECT_EQ(after.writes - before.writes, kRewards + 2);
  EXPECT_EQ(after.commits - before.commits, 1);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  ASSERT_TRUE(state_written.ok() && *state_written) << state_written.status();
  for (int i = 0; i < kRewards; ++i) {
    ASSERT_TRUE(begun[i].ok() && *begun[i]) << i;
  }

  // On disk: the store opened again reads every write of the group but the refused one.
  store_.reset();
  store_ = testing::OpenTestStore(dir_);
  ASSERT_NE(store_, nullptr);
  for (int i = 0; i < kRewards; ++i) {
    EXPECT_EQ(Row(i).attempts, 1) << i;
    EXPECT_TRUE(Row(i).check_first) << i;
  }
  EXPECT_EQ(*store_->StateGet("gift_card", "recipient/k"), "a1");
  EXPECT_EQ(Row(kRewards).state, FulfilmentState::kFulfilled);
  EXPECT_EQ(Row(kRewards).attempts, 0);
}

TEST_F(WriteGroupTest, ALoneWriteIsCommittedAtOnce) {
  const Store::WriteGroupStats before = store_->write_group_stats();
  FulfilmentRecord row = Row(0);
  ASSERT_TRUE(*store_->BeginFulfilmentAttempt(row));
  const Store::WriteGroupStats after = store_->write_group_stats();
  EXPECT_EQ(after.writes - before.writes, 1);
  EXPECT_EQ(after.commits - before.commits, 1);
  EXPECT_EQ(after.queued, 0);
}

}  // namespace
}  // namespace plaudit

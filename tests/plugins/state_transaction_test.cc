// sdk/plaudit/state_transaction.h against the in-memory host: what a commit writes, how a
// concurrent writer is told from a refusing store, and the retry loop around them. A "concurrent"
// writer is the test writing to the host between an attempt's reads and its commit, so every race
// here happens at a known point.
#include "plaudit/state_transaction.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "tests/testing/plugin_harness.h"

namespace plaudit::sdk {
namespace {

class StateTransactionTest : public ::testing::Test {
 protected:
  testing::FakePluginHost fake_;
  Host host_{fake_.table()};
};

TEST_F(StateTransactionTest, CommitsPutsWhenNothingReadHasChanged) {
  fake_.Put("balance", "8");
  StateTransaction tx(&host_);
  const StateRead balance = tx.Read("balance");
  const StateRead grant = tx.Read("grant/k1");
  ASSERT_TRUE(balance.ok && grant.ok);
  EXPECT_EQ(balance.value, "8");
  EXPECT_FALSE(grant.value.has_value());
  tx.Put("balance", "16");
  tx.Put("grant/k1", "first");
  tx.Put("grant/k1", "8 hours");  // the later put of a key wins
  std::string error;
  EXPECT_EQ(tx.Commit(&error), CommitResult::kCommitted) << error;
  EXPECT_EQ(fake_.Get("balance"), "16");
  EXPECT_EQ(fake_.Get("grant/k1"), "8 hours");
}

TEST_F(StateTransactionTest, AConcurrentWriteOfAKeyReadIsAConflict) {
  fake_.Put("balance", "8");
  StateTransaction tx(&host_);
  ASSERT_TRUE(tx.Read("balance").ok);
  tx.Put("balance", "16");
  fake_.Put("balance", "12");  // another call credited meanwhile
  std::string error;
  EXPECT_EQ(tx.Commit(&error), CommitResult::kConflict);
  EXPECT_EQ(fake_.Get("balance"), "12");
}

TEST_F(StateTransactionTest, AKeyThatAppearsAfterBeingReadAbsentIsAConflict) {
  StateTransaction tx(&host_);
  ASSERT_FALSE(tx.Read("grant/k1").value.has_value());
  tx.Put("grant/k1", "ours");
  fake_.Put("grant/k1", "theirs");
  std::string error;
  EXPECT_EQ(tx.Commit(&error), CommitResult::kConflict);
  EXPECT_EQ(fake_.Get("grant/k1"), "theirs");
}

TEST_F(StateTransactionTest, OnlyExpectedKeysAreConditions) {
  fake_.Put("spot/A", "");
  fake_.Put("spot/B", "");
  StateTransaction tx(&host_);
  const StateRead a = host_.ReadState("spot/A");
  ASSERT_TRUE(host_.ReadState("spot/B").ok);  // read to decide, but not written: no condition
  tx.Expect("spot/A", a.value);
  tx.Put("spot/A", "booked");
  fake_.Put("spot/B", "someone else");
  std::string error;
  EXPECT_EQ(tx.Commit(&error), CommitResult::kCommitted) << error;
  EXPECT_EQ(fake_.Get("spot/A"), "booked");
}

TEST_F(StateTransactionTest, AStoreThatRefusesIsNotAConflict) {
  fake_.Put("balance", "8");
  fake_.FailCommits("disk full");
  StateTransaction tx(&host_);
  ASSERT_TRUE(tx.Read("balance").ok);
  tx.Put("balance", "16");
  std::string error;
  EXPECT_EQ(tx.Commit(&error), CommitResult::kRefused);
  EXPECT_NE(error.find("disk full"), std::string::npos) << error;
  EXPECT_EQ(fake_.Get("balance"), "8");
}

TEST_F(StateTransactionTest, RetriesAfterAConflictWithFreshReads) {
  fake_.Put("count", "1");
  int attempts = 0;
  const std::optional<std::string> result =
      RetryStateTransaction(host_, 5, [&](StateTransaction& tx) -> std::optional<std::string> {
        ++attempts;
        const StateRead count = tx.Read("count");
        if (!count.ok) return "store failed: " + count.error;
        tx.Put("count", std::to_string(std::stoi(*count.value) + 1));
        if (attempts == 1) fake_.Put("count", "10");  // loses the first race
        std::string error;
        switch (tx.Commit(&error)) {
          case CommitResult::kCommitted:
            return "committed";
          case CommitResult::kConflict:
            return std::nullopt;
          case CommitResult::kRefused:
            break;
        }
        return "refused: " + error;
      });
  EXPECT_EQ(result, "committed");
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(fake_.Get("count"), "11");  // 10 + 1: the second attempt read the winner's value
}

TEST_F(StateTransactionTest, GivesUpAfterMaxAttempts) {
  int attempts = 0;
  const std::optional<int> result =
      RetryStateTransaction(host_, 3, [&](StateTransaction&) -> std::optional<int> {
        ++attempts;
        return std::nullopt;
      });
  EXPECT_FALSE(result.has_value());
  EXPECT_EQ(attempts, 3);
}

TEST_F(StateTransactionTest, InsertOrReadKeepsTheFirstWriter) {
  const StateRead first = InsertOrRead(host_, "recipient/k1", "a17");
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.value, "a17");
  const StateRead second = InsertOrRead(host_, "recipient/k1", "a99");
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.value, "a17");
  EXPECT_EQ(fake_.Get("recipient/k1"), "a17");
}

TEST_F(StateTransactionTest, InsertOrReadReportsARefusingStore) {
  fake_.FailCommits("read-only");
  const StateRead stored = InsertOrRead(host_, "recipient/k1", "a17");
  EXPECT_FALSE(stored.ok);
  EXPECT_NE(stored.error.find("read-only"), std::string::npos) << stored.error;
  EXPECT_FALSE(fake_.Get("recipient/k1").has_value());
}

}  // namespace
}  // namespace plaudit::sdk

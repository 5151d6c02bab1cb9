#include "core/praise/praise_ledger.h"

#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

class PraiseLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    Agent gone = testing::TestAgent("gone");
    gone.active = false;
    ASSERT_TRUE(store_
                    ->UpsertAgents({testing::TestAgent("a1"), testing::TestAgent("a2"),
                                    testing::TestAgent("a3"), gone})
                    .ok());
    ledger_ =
        std::make_unique<PraiseLedger>(store_.get(), &clock_, PraiseLedger::Options{3, zone_});
  }

  absl::StatusCode Code(const std::string& from, const std::string& to,
                        const std::string& message = "thanks", const std::string& value = "") {
    return ledger_->Send(from, to, message, value, "").status().code();
  }

  testing::TempDir dir_;
  absl::TimeZone zone_ = *LoadZone("Europe/Stockholm");
  // 2026-10-31 23:30 in Stockholm (UTC+1 after the DST change): still October there.
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 10, 31, 23, 30, 0), zone_)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<PraiseLedger> ledger_;
};

TEST_F(PraiseLedgerTest, PraiseIsStoredWithAPraiseReceivedEvent) {
  auto praise = ledger_->Send("a1", "a2", "  Covered my queue during the outage  ", "teamwork", "");
  ASSERT_TRUE(praise.ok()) << praise.status();
  EXPECT_EQ(praise->message, "Covered my queue during the outage");
  EXPECT_EQ(praise->value, "teamwork");
  auto rows = store_->Aggregate(0, absl::ToUnixMicros(clock_.Now()) + 1, "a2");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].metric, "praise_received");
  EXPECT_EQ((*rows)[0].aggregate.samples, 1);
  EXPECT_DOUBLE_EQ((*rows)[0].aggregate.sum, 1);
}

TEST_F(PraiseLedgerTest, RefusesSelfPraiseUnknownInactiveAndMalformed) {
  auto self = ledger_->Send("a1", "a1", "me", "", "");
  EXPECT_EQ(self.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(self.status().message(), "to_agent_id: nobody can praise themselves");
  EXPECT_EQ(Code("a1", "nobody"), absl::StatusCode::kNotFound);
  EXPECT_EQ(Code("nobody", "a1"), absl::StatusCode::kNotFound);
  EXPECT_EQ(Code("a1", "gone"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code("a1", "a2", "   "), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("a1", "a2", std::string(501, 'x')), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("a1", "a2", "bell\a"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("a1", "a2", "ok", "Team Work"), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ledger_->Feed("")->empty());
}

TEST_F(PraiseLedgerTest, AllowanceFollowsTheCalendarMonthOfTheZone) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ledger_->Send("a1", "a2", "x", "", "").ok());
  auto fourth = ledger_->Send("a1", "a3", "x", "", "");
  EXPECT_EQ(fourth.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(fourth.status().message(),
            "from_agent_id: a1 has already sent 3 praise in 2026-10 (the monthly allowance)");
  EXPECT_TRUE(ledger_->Send("a2", "a1", "x", "", "").ok());  // Per giver.
  clock_.Advance(absl::Minutes(30));                         // November in Stockholm.
  EXPECT_TRUE(ledger_->Send("a1", "a3", "x", "", "").ok());
}

TEST_F(PraiseLedgerTest, RequestIdMakesARetryReturnTheFirstPraise) {
  auto first = ledger_->Send("a1", "a2", "x", "", "req-1");
  auto again = ledger_->Send("a1", "a2", "x", "", "req-1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->id, again->id);
  EXPECT_EQ(ledger_->Feed("")->size(), 1u);
  EXPECT_EQ(*store_->CountEvents(), 1);
}

TEST_F(PraiseLedgerTest, ConcurrentSendersNeverOverdrawTheAllowance) {
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (ledger_->Send("a1", "a2", "x", "", "").ok()) ++accepted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 3);
  EXPECT_EQ(ledger_->Feed("a1")->size(), 3u);
}

TEST_F(PraiseLedgerTest, FeedIsNewestFirstAndFiltersByAgent) {
  ASSERT_TRUE(ledger_->Send("a1", "a2", "first", "", "").ok());
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(ledger_->Send("a2", "a3", "second", "", "").ok());
  auto all = ledger_->Feed("");
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].message, "second");
  auto a1 = ledger_->Feed("a1");
  ASSERT_EQ(a1->size(), 1u);
  EXPECT_EQ((*a1)[0].message, "first");
  EXPECT_EQ(ledger_->Feed("a3")->size(), 1u);
}

TEST_F(PraiseLedgerTest, TheAllowanceCountsWhatTheAgentSentThisMonthOnly) {
  auto before = ledger_->AllowanceOf("a1");
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->month, absl::CivilMonth(2026, 10));
  EXPECT_EQ(before->monthly, 3);
  EXPECT_EQ(before->used, 0);
  ASSERT_TRUE(ledger_->Send("a1", "a2", "thanks", "", "").ok());
  ASSERT_TRUE(ledger_->Send("a2", "a1", "likewise", "", "").ok());  // received: not counted
  ASSERT_TRUE(ledger_->Send("a1", "a3", "thanks too", "", "").ok());
  EXPECT_EQ(ledger_->AllowanceOf("a1")->used, 2);
  EXPECT_EQ(ledger_->AllowanceOf("a2")->used, 1);
  // Past midnight in Stockholm it is November there: a new allowance.
  clock_.Advance(absl::Hours(1));
  auto november = ledger_->AllowanceOf("a1");
  ASSERT_TRUE(november.ok());
  EXPECT_EQ(november->month, absl::CivilMonth(2026, 11));
  EXPECT_EQ(november->used, 0);
}

}  // namespace
}  // namespace plaudit

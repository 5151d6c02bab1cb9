#include "core/awards/period_closer.h"

#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

const char kProgram[] = R"(id: eotm
name: Employee of the Month
cadence: monthly
time_zone: Europe/Stockholm
close_after: 48h
scorecard:
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: top_n
  n: 1
  rewards:
    - type: certificate
)";

absl::Time Utc(int y, int m, int d, int hh, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

class PeriodCloserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->UpsertAgents({testing::TestAgent("a1"), testing::TestAgent("a2")}).ok());
    std::vector<StoredEvent> events;
    // One survey each per month from October 2026 to February 2027: a1 always ahead.
    int n = 0;
    for (int month = 10; month <= 14; ++month) {
      int y = month > 12 ? 2027 : 2026;
      int m = month > 12 ? month - 12 : month;
      events.push_back(
          {"e" + std::to_string(n++), "a1", "csat", 5, absl::ToUnixMicros(Utc(y, m, 10, 12))});
      events.push_back(
          {"e" + std::to_string(n++), "a2", "csat", 3, absl::ToUnixMicros(Utc(y, m, 10, 12))});
    }
    ASSERT_TRUE(store_->InsertEvents(events).ok());
    ASSERT_TRUE(store_
                    ->PutProgram({"eotm", "Employee of the Month", "monthly", "Europe/Stockholm", 0,
                                  kProgram},
                                 absl::ToUnixMicros(Utc(2026, 10, 15, 12)))
                    .ok());
  }

  std::vector<std::string> Decided() {
    auto periods = store_->DecidedPeriods("eotm");
    std::vector<std::string> out = periods.value_or(std::vector<std::string>());
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  // October 2026 in Stockholm ends at 2026-10-31T23:00Z (UTC+1 after the DST change on the 25th);
  // with close_after 48h it closes at 2026-11-02T23:00Z.
  FakeClock clock_{Utc(2026, 11, 2, 22, 59)};
};

TEST_F(PeriodCloserTest, ClosesAPeriodOnceItsGraceTimeHasPassed) {
  AwardDecider decider(store_.get(), &clock_, [] { return std::set<std::string>{"certificate"}; });
  PeriodCloser closer(store_.get(), &decider, &clock_);
  EXPECT_EQ(closer.RunOnce(), 0);
  auto status = closer.Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].last_closed, "");
  EXPECT_EQ(status[0].next_period, "2026-10");
  EXPECT_EQ(status[0].next_close, Utc(2026, 11, 2, 23));

  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(closer.RunOnce(), 1);
  EXPECT_EQ(Decided(), std::vector<std::string>{"2026-10"});
  auto awards = store_->ListAwards("eotm", "2026-10");
  ASSERT_EQ(awards->size(), 1u);
  EXPECT_EQ((*awards)[0].agent_id, "a1");
  EXPECT_EQ(closer.RunOnce(), 0);  // Never twice.

  status = closer.Status();
  EXPECT_EQ(status[0].last_closed, "2026-10");
  EXPECT_EQ(status[0].next_period, "2026-11");
  // November ends at local midnight on 1 December (UTC+1): 2026-11-30T23:00Z, plus 48 hours.
  EXPECT_EQ(status[0].next_close, Utc(2026, 12, 2, 23));
}

// Another replica closing (holding the closing lock) leaves the period to it; once it lets go,
// this one closes what is still undecided.
TEST_F(PeriodCloserTest, WhileAnotherReplicaClosesThisOnePasses) {
  AwardDecider decider(store_.get(), &clock_, [] { return std::set<std::string>{"certificate"}; });
  PeriodCloser closer(store_.get(), &decider, &clock_);
  clock_.Advance(absl::Minutes(1));
  bool ran = false;
  auto held = store_->RunAlone(PeriodCloser::kClosingLock, [&] {
    ran = true;
    EXPECT_EQ(closer.RunOnce(), 0);
    EXPECT_TRUE(Decided().empty());
  });
  ASSERT_TRUE(held.ok() && *held);
  ASSERT_TRUE(ran);
  EXPECT_EQ(closer.RunOnce(), 1);
  EXPECT_EQ(Decided(), std::vector<std::string>{"2026-10"});
}

TEST_F(PeriodCloserTest, AfterDowntimeEveryMissedPeriodIsClosedOnce) {
  AwardDecider decider(store_.get(), &clock_, [] { return std::set<std::string>{"certificate"}; });
  PeriodCloser closer(store_.get(), &decider, &clock_);
  // A period decided by hand is left as it is.
  ASSERT_TRUE(decider.Evaluate("eotm", "2026-10", /*dry_run=*/false).ok());
  clock_.Set(Utc(2027, 2, 10, 0));
  // 2026-11 and 2026-12 and 2027-01 (which closed at 2027-02-02T23:00Z).
  EXPECT_EQ(closer.RunOnce(), 3);
  EXPECT_EQ(Decided(), (std::vector<std::string>{"2026-10", "2026-11", "2026-12", "2027-01"}));
  EXPECT_EQ(closer.RunOnce(), 0);
  auto status = closer.Status();
  EXPECT_EQ(status[0].last_closed, "2027-01");
  EXPECT_EQ(status[0].next_period, "2027-02");
  // February ends 2027-03-01T00:00+01:00 = 2027-02-28T23:00Z, plus 48 hours.
  EXPECT_EQ(status[0].next_close, Utc(2027, 3, 2, 23));
}

TEST_F(PeriodCloserTest, PeriodsBeforeTheProgramExistedAreNotClosed) {
  AwardDecider decider(store_.get(), &clock_, [] { return std::set<std::string>{"certificate"}; });
  PeriodCloser closer(store_.get(), &decider, &clock_);
  clock_.Set(Utc(2026, 12, 5, 0));
  EXPECT_EQ(closer.RunOnce(), 2);
  // September was never decided: the program was first applied in October.
  EXPECT_EQ(Decided(), (std::vector<std::string>{"2026-10", "2026-11"}));
}

TEST_F(PeriodCloserTest, AProgramThatNoLongerParsesIsReportedNotClosed) {
  AwardDecider no_certificates(store_.get(), &clock_, [] { return std::set<std::string>(); });
  PeriodCloser closer(store_.get(), &no_certificates, &clock_);
  clock_.Set(Utc(2026, 12, 5, 0));
  EXPECT_EQ(closer.RunOnce(), 0);
  auto status = closer.Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_NE(status[0].error.find("unknown reward type \"certificate\""), std::string::npos)
      << status[0].error;
  EXPECT_TRUE(Decided().empty());
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST_F(PeriodCloserTest, EachPeriodIsDecidedByTheVersionInForceWhenItClosed) {
  // Version 2 (two winners) is applied on 10 December, after November closed (2 December).
  std::string two_winners = kProgram;
  two_winners.replace(two_winners.find("  n: 1"), 6, "  n: 2");
  ASSERT_EQ(store_
                ->PutProgram({"eotm", "Employee of the Month", "monthly", "Europe/Stockholm", 0,
                              two_winners},
                             absl::ToUnixMicros(Utc(2026, 12, 10, 12)))
                ->version,
            2);
  clock_.Set(Utc(2026, 12, 20, 0));
  AwardDecider decider(store_.get(), &clock_, [] { return std::set<std::string>{"certificate"}; });
  auto november = decider.Evaluate("eotm", "2026-11", /*dry_run=*/false);
  ASSERT_TRUE(november.ok()) << november.status();
  EXPECT_EQ(november->decision.program_version, 1);
  EXPECT_EQ(november->decision.awards.size(), 1u);
  auto december = decider.Evaluate("eotm", "2026-12", /*dry_run=*/true);
  ASSERT_TRUE(december.ok()) << december.status();
  EXPECT_EQ(december->decision.program_version, 2);
  EXPECT_EQ(december->decision.awards.size(), 2u);
  // Before the first version was applied, the first version is the one there is.
  auto at_start = store_->ProgramVersionAt("eotm", absl::ToUnixMicros(Utc(2020, 1, 1, 0)));
  ASSERT_TRUE(at_start.ok());
  EXPECT_EQ((*at_start)->version, 1);
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST_F(PeriodCloserTest, ADisabledProgramClosesNothingAndPeriodsClosedMeanwhileArePassedOver) {
  AwardDecider decider(store_.get(), &clock_, [] { return std::set<std::string>{"certificate"}; });
  PeriodCloser closer(store_.get(), &decider, &clock_);
  ASSERT_TRUE(store_
                  ->SetProgramDisabled("eotm", true, "ops", "n is wrong",
                                       absl::ToUnixMicros(Utc(2026, 11, 1, 0)))
                  .ok());
  clock_.Set(Utc(2026, 12, 10, 0));  // October and November have closed, while disabled.
  EXPECT_EQ(closer.RunOnce(), 0);
  EXPECT_TRUE(Decided().empty());
  auto status = closer.Status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_TRUE(status[0].disabled);
  // Committing by hand is refused too; a dry run still answers.
  EXPECT_EQ(decider.Evaluate("eotm", "2026-10", /*dry_run=*/false).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(decider.Evaluate("eotm", "2026-10", /*dry_run=*/true).ok());

  // Enabled again: the periods that closed while it was disabled stay undecided; December,
  // which closes after, is decided when due.
  ASSERT_TRUE(
      store_->SetProgramDisabled("eotm", false, "ops", "fixed", absl::ToUnixMicros(clock_.Now()))
          .ok());
  EXPECT_EQ(closer.RunOnce(), 0);
  status = closer.Status();
  EXPECT_FALSE(status[0].disabled);
  EXPECT_EQ(status[0].next_period, "2026-12");
  clock_.Set(Utc(2027, 1, 3, 0));
  EXPECT_EQ(closer.RunOnce(), 1);
  EXPECT_EQ(Decided(), std::vector<std::string>{"2026-12"});
  // An explicit evaluation still decides a passed-over period.
  EXPECT_TRUE(decider.Evaluate("eotm", "2026-10", /*dry_run=*/false).ok());

  auto corrections = store_->ListCorrections("eotm");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 2u);
  EXPECT_EQ((*corrections)[0].kind, "program_disabled");
  EXPECT_EQ((*corrections)[0].reason, "n is wrong");
  EXPECT_EQ((*corrections)[1].kind, "program_enabled");
}

}  // namespace
}  // namespace plaudit

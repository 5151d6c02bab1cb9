#include "core/awards/award_decider.h"

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/awards/award_actions.h"
#include "core/domain/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

absl::Time Utc(int y, int m, int d, int hh = 12) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, 0, 0), absl::UTCTimeZone());
}

Agent InTeam(const std::string& id, const std::string& team) {
  Agent agent = testing::TestAgent(id);
  agent.team = team;
  return agent;
}

constexpr char kTeamProgram[] = R"(id: team-month
name: Team of the Month
time_zone: UTC
scope: team
min_team_size: 2
scorecard:
  normalization: none
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: top_n
  n: 1
  rewards_to: REWARDS_TO
  rewards:
    - type: certificate
    - {type: leave_credit, hours: 4}
)";

std::string TeamProgram(const std::string& rewards_to) {
  std::string yaml = kTeamProgram;
  yaml.replace(yaml.find("REWARDS_TO"), 10, rewards_to);
  return yaml;
}

class AwardDeciderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_
                    ->UpsertAgents({InTeam("r1", "red"), InTeam("r2", "red"), InTeam("b1", "blue"),
                                    InTeam("b2", "blue")})
                    .ok());
  }

  void Survey(const std::string& agent, double value, absl::Time at) {
    ASSERT_TRUE(store_
                    ->InsertEvents({{"e" + std::to_string(next_event_++), agent, "csat", value,
                                     absl::ToUnixMicros(at)}})
                    .ok());
  }

  void Apply(const std::string& yaml) {
    ASSERT_TRUE(
        store_->PutProgram({"team-month", "Team of the Month", "monthly", "UTC", 0, yaml}).ok());
  }

  AwardDecider Decider() {
    return AwardDecider(store_.get(), &clock_, [] {
      return std::set<std::string>{"certificate", "leave_credit"};
    });
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  FakeClock clock_{Utc(2026, 11, 5)};
  int next_event_ = 0;
};

TEST_F(AwardDeciderTest, ATeamAwardToMembersGivesEachMemberEveryReward) {
  Survey("r1", 5, Utc(2026, 10, 3));
  Survey("r2", 4, Utc(2026, 10, 4));
  Survey("b1", 3, Utc(2026, 10, 5));
  Survey("b2", 4, Utc(2026, 10, 6));
  Apply(TeamProgram("members"));
  AwardDecider decider = Decider();
  auto result = decider.Evaluate("team-month", "2026-10", /*dry_run=*/false);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->decision.awards.size(), 1u);
  const AwardRecord& award = result->decision.awards[0];
  EXPECT_EQ(award.id, "team-month.2026-10.team.red");
  EXPECT_EQ(award.team, "red");
  EXPECT_EQ(award.agent_id, "");
  std::vector<std::string> ids;
  std::vector<std::string> recipients;
  for (const FulfilmentRecord& f : award.fulfilments) {
    ids.push_back(f.id);
    recipients.push_back(f.agent_id);
  }
  EXPECT_THAT(ids, ElementsAre("team-month.2026-10.team.red.certificate.r1",
                               "team-month.2026-10.team.red.certificate.r2",
                               "team-month.2026-10.team.red.leave_credit.r1",
                               "team-month.2026-10.team.red.leave_credit.r2"));
  EXPECT_THAT(recipients, ElementsAre("r1", "r2", "r1", "r2"));

  // The team and the standings' rule fields are stored with the decision.
  auto stored = store_->ListAwards("team-month", "2026-10");
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].team, "red");
  EXPECT_EQ((*stored)[0].fulfilments.size(), 4u);
  auto decision = store_->GetDecision("team-month", "2026-10");
  ASSERT_TRUE(decision.ok() && decision->has_value());
  ASSERT_EQ((*decision)->standings.size(), 2u);
  EXPECT_EQ((*decision)->standings[0].team, "red");
  EXPECT_THAT((*decision)->standings[0].members, ElementsAre("r1", "r2"));
}

TEST_F(AwardDeciderTest, ATeamAwardToTheTeamGivesOneRewardEachWithoutAnAgent) {
  Survey("r1", 5, Utc(2026, 10, 3));
  Survey("r2", 4, Utc(2026, 10, 4));
  Survey("b1", 3, Utc(2026, 10, 5));
  Survey("b2", 4, Utc(2026, 10, 6));
  Apply(TeamProgram("team"));
  AwardDecider decider = Decider();
  auto result = decider.Evaluate("team-month", "2026-10", /*dry_run=*/true);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->decision.awards.size(), 1u);
  const AwardRecord& award = result->decision.awards[0];
  ASSERT_EQ(award.fulfilments.size(), 2u);
  EXPECT_EQ(award.fulfilments[0].id, "team-month.2026-10.team.red.certificate");
  EXPECT_EQ(award.fulfilments[0].agent_id, "");
  EXPECT_EQ(award.fulfilments[1].id, "team-month.2026-10.team.red.leave_credit");
}

TEST_F(AwardDeciderTest, LeaderboardIsKeptUntilAWriteAndThenSeesIt) {
  Survey("r1", 5, Utc(2026, 10, 3));
  Survey("r2", 4, Utc(2026, 10, 4));
  Survey("b1", 3, Utc(2026, 10, 5));
  Survey("b2", 3, Utc(2026, 10, 6));
  Apply(TeamProgram("team"));
  AwardDecider decider = Decider();
  auto first = decider.Leaderboard("team-month", "2026-10");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ((*first)->awards.size(), 1u);
  EXPECT_EQ((*first)->awards[0].team, "red");
  // Nothing written: the very same standings, not computed again.
  auto again = decider.Leaderboard("team-month", "2026-10");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->get(), again->get());
  auto explained = decider.Explain("team-month", "2026-10", "blue");
  ASSERT_TRUE(explained.ok()) << explained.status();
  EXPECT_FALSE(explained->won);
  // A write is seen by the next call made after it.
  for (int day = 7; day < 15; ++day) Survey(day % 2 ? "b1" : "b2", 5, Utc(2026, 10, day));
  auto after = decider.Leaderboard("team-month", "2026-10");
  ASSERT_TRUE(after.ok());
  EXPECT_NE(first->get(), after->get());
  ASSERT_EQ((*after)->awards.size(), 1u);
  EXPECT_EQ((*after)->awards[0].team, "blue");
  explained = decider.Explain("team-month", "2026-10", "blue");
  ASSERT_TRUE(explained.ok());
  EXPECT_TRUE(explained->won);
  // The same as deciding it afresh.
  auto fresh = decider.Evaluate("team-month", "2026-10", /*dry_run=*/true);
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->decision.standings.size(), (*after)->standings.size());
  for (size_t i = 0; i < fresh->decision.standings.size(); ++i) {
    EXPECT_EQ(fresh->decision.standings[i].team, (*after)->standings[i].team);
    EXPECT_EQ(fresh->decision.standings[i].score, (*after)->standings[i].score);
  }
}

TEST_F(AwardDeciderTest, AppliedProgramsReadRollupsThatEqualTheRawEvents) {
  Apply(TeamProgram("team"));
  AwardDecider decider = Decider();
  auto spec = decider.ParseProgram(TeamProgram("team"));
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(decider.KeepAllRolledUp().ok());
  Survey("r1", 5, Utc(2026, 10, 3));
  Survey("r2", 4.1, Utc(2026, 10, 31, 23));
  Survey("b1", 0.3, Utc(2026, 10, 1, 0));
  Survey("b1", 0.1, Utc(2026, 11, 1, 0));
  auto window = *ParsePeriod(Cadence::kMonthly, "2026-10", absl::UTCTimeZone());
  auto rolled =
      store_->RolledUpAggregates("UTC", "monthly", "2026-10", absl::ToUnixMicros(window.start),
                                 absl::ToUnixMicros(window.end), TopBoxThresholds(*spec));
  ASSERT_TRUE(rolled.ok() && rolled->has_value()) << "not covered after KeepAllRolledUp";
  auto table = LoadAggregates(*store_, *spec, window);
  auto raw = LoadAggregatesFromEvents(*store_, *spec, window);
  ASSERT_TRUE(table.ok() && raw.ok());
  ASSERT_EQ(table->size(), 3u);
  for (const auto& [agent, metrics] : *raw) {
    for (const auto& [metric, aggregate] : metrics) {
      const MetricAggregate& got = table->at(agent).at(metric);
      EXPECT_EQ(got.samples, aggregate.samples);
      EXPECT_EQ(got.sum, aggregate.sum);
      EXPECT_EQ(got.min, aggregate.min);
      EXPECT_EQ(got.max, aggregate.max);
    }
  }
}

constexpr char kBestSurvey[] = R"(id: best-survey
name: Best Survey
time_zone: UTC
scorecard:
  normalization: none
  metrics:
    - {metric: csat, aggregation: mean, direction: DIRECTION}
award:
  rule: top_n
  n: 1
  rewards:
    - type: certificate
)";

std::string BestSurvey(const std::string& direction) {
  std::string yaml = kBestSurvey;
  yaml.replace(yaml.find("DIRECTION"), 9, direction);
  return yaml;
}

TEST_F(AwardDeciderTest, ExplainAndRestateUseTheVersionThatDecidedThePeriod) {
  Survey("r1", 5, Utc(2026, 10, 10));
  Survey("r2", 3, Utc(2026, 10, 10));
  ProgramRecord program{"best-survey", "Best Survey", "monthly", "UTC", 0, ""};
  program.yaml = BestSurvey("higher_is_better");
  ASSERT_TRUE(store_->PutProgram(program, absl::ToUnixMicros(Utc(2026, 10, 1))).ok());
  AwardDecider decider = Decider();
  auto decided = decider.Evaluate("best-survey", "2026-10", /*dry_run=*/false);
  ASSERT_TRUE(decided.ok()) << decided.status();
  ASSERT_EQ(decided->decision.awards.size(), 1u);
  EXPECT_EQ(decided->decision.awards[0].agent_id, "r1");

  // Version 2, applied after October closed, would crown the lower score.
  program.yaml = BestSurvey("lower_is_better");
  ASSERT_TRUE(store_->PutProgram(program, absl::ToUnixMicros(Utc(2026, 11, 5))).ok());
  auto r1 = decider.Explain("best-survey", "2026-10", "r1");
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_TRUE(r1->won);
  EXPECT_EQ(r1->rank, 1);
  auto r2 = decider.Explain("best-survey", "2026-10", "r2");
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_FALSE(r2->won);

  // Restating October on the version that decided it: nothing changed, nothing differs.
  auto restated = decider.Restate("best-survey", "2026-10");
  ASSERT_TRUE(restated.ok()) << restated.status();
  EXPECT_EQ(restated->now.program_version, 1);
  EXPECT_THAT(restated->differences, IsEmpty());
  ASSERT_EQ(restated->now.awards.size(), 1u);
  EXPECT_EQ(restated->now.awards[0].agent_id, "r1");

  // November is decided by version 2 and explained by it.
  Survey("r1", 5, Utc(2026, 11, 10));
  Survey("r2", 3, Utc(2026, 11, 10));
  auto november = decider.Explain("best-survey", "2026-11", "r2");
  ASSERT_TRUE(november.ok()) << november.status();
  EXPECT_TRUE(november->won);
}

TEST_F(AwardDeciderTest, CurrentResolvesToTheOpenPeriodAndUnknownProgramsAreNotFound) {
  ASSERT_TRUE(store_
                  ->PutProgram({"best-survey", "Best Survey", "monthly", "UTC", 0,
                                BestSurvey("higher_is_better")})
                  .ok());
  AwardDecider decider = Decider();
  EXPECT_EQ(*decider.ResolvePeriod("best-survey", "current"), "2026-11");
  EXPECT_EQ(*decider.ResolvePeriod("best-survey", "2026-10"), "2026-10");
  EXPECT_EQ(decider.ResolvePeriod("nope", "current").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(decider.Restate("best-survey", "2026-10").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AwardDeciderTest, MostImprovedComparesWithThePreviousPeriodsEvents) {
  // September: r1 3, r2 4.5; October: r1 4.5 (+1.5), r2 5 (+0.5).
  Survey("r1", 3, Utc(2026, 9, 10));
  Survey("r2", 4.5, Utc(2026, 9, 10));
  Survey("r1", 4.5, Utc(2026, 10, 10));
  Survey("r2", 5, Utc(2026, 10, 10));
  auto decision = Decider().Simulate(R"(id: improved
name: Most Improved
time_zone: UTC
scorecard:
  normalization: none
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: most_improved
  n: 1
  rewards:
    - type: certificate
)",
                                     "2026-10");
  ASSERT_TRUE(decision.ok()) << decision.status();
  ASSERT_EQ(decision->awards.size(), 1u);
  EXPECT_EQ(decision->awards[0].agent_id, "r1");
}

TEST_F(AwardDeciderTest, AStreakIsRecomputedFromEarlierPeriodsEvents) {
  // r1 has the best survey in August, September and October; r2 only in October.
  for (int month : {8, 9, 10}) {
    Survey("r1", 5, Utc(2026, month, 10));
    Survey("r2", month == 10 ? 5 : 2, Utc(2026, month, 10));
  }
  const std::string yaml = R"(id: streak
name: Three in a Row
time_zone: UTC
scorecard:
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: streak
  periods: 3
  of: {rule: threshold, min_score: 0.5}
  rewards:
    - type: certificate
)";
  auto decision = Decider().Simulate(yaml, "2026-10");
  ASSERT_TRUE(decision.ok()) << decision.status();
  std::vector<std::string> winners;
  for (const AwardRecord& award : decision->awards) winners.push_back(award.agent_id);
  EXPECT_THAT(winners, ElementsAre("r1"));
  auto september = Decider().Simulate(yaml, "2026-09");
  ASSERT_TRUE(september.ok());
  // July had no events: nobody was eligible, so no streak of three yet.
  EXPECT_THAT(september->awards, IsEmpty());
}

// A hold that matches the best csat turns the winner's award into one held for review: its
// rewards wait until someone approves it.
TEST_F(AwardDeciderTest, AHeldWinnerWaitsForReviewWithItsReason) {
  Survey("r1", 5, Utc(2026, 10, 3));
  Survey("r2", 3, Utc(2026, 10, 4));
  ASSERT_TRUE(store_
                  ->PutProgram({"held", "Held", "monthly", "UTC", 0, R"(id: held
name: Held
time_zone: UTC
scorecard:
  metrics:
    - {metric: csat, aggregation: mean}
holds:
  - name: too good to be true
    when:
      - {metric: csat, aggregation: mean, min: 5}
award:
  rule: top_n
  n: 2
  rewards:
    - type: certificate
)"})
                  .ok());
  auto result = Decider().Evaluate("held", "2026-10", /*dry_run=*/false, "ops");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->decision.awards.size(), 2u);
  const AwardRecord& held = result->decision.awards[0];
  EXPECT_EQ(held.agent_id, "r1");
  EXPECT_EQ(held.state, AwardState::kHeld);
  EXPECT_THAT(held.state_reason, ::testing::StartsWith("hold \"too good to be true\""));
  EXPECT_EQ(held.fulfilments[0].state, FulfilmentState::kWaiting);
  EXPECT_EQ(result->decision.awards[1].state, AwardState::kApproved);  // auto, no hold
  EXPECT_EQ((*store_->AwardHistory(held.id))[0].actor, "ops");
  EXPECT_TRUE(store_->DueFulfilments(absl::ToUnixMicros(Utc(2026, 12, 1)), 10)->size() == 1u);

  auto approved =
      ActOnAward(*store_, held.id, AwardAction::kApprove, Actor{"anna", Role::kManager, ""},
                 "checked", absl::ToUnixMicros(Utc(2026, 11, 6)));
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->state, AwardState::kApproved);
  EXPECT_EQ(approved->fulfilments[0].state, FulfilmentState::kPending);
}

// The award's value is what its rewards cost, for every member who receives them; members of
// the winning team cannot approve it, even with rewards_to: team.
TEST_F(AwardDeciderTest, TeamAwardValueCountsEachMemberAndMembersCannotApproveIt) {
  Survey("r1", 5, Utc(2026, 10, 3));
  Survey("r2", 4, Utc(2026, 10, 4));
  Survey("b1", 3, Utc(2026, 10, 5));
  Survey("b2", 4, Utc(2026, 10, 6));
  std::string yaml = TeamProgram("members");
  yaml.replace(yaml.find("    - type: certificate\n"), 24, "");
  yaml.replace(yaml.find("hours: 4}"), 9, "hours: 4, value: 4, face_value: 96}");
  yaml += "approval: manager\nbudget: {amount: 12, unit: hours}\n";
  Apply(yaml);
  auto result = Decider().Evaluate("team-month", "2026-10", /*dry_run=*/false);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->decision.awards.size(), 1u);
  const AwardRecord& award = result->decision.awards[0];
  EXPECT_EQ(award.state, AwardState::kProposed);
  EXPECT_DOUBLE_EQ(award.value, 8);  // 4 h for each of r1 and r2.
  // Each member's reward keeps its own value and face value.
  ASSERT_EQ(award.fulfilments.size(), 2u);
  for (const FulfilmentRecord& f : award.fulfilments) {
    EXPECT_EQ(f.value, 4) << f.id;
    EXPECT_EQ(f.face_value, 96) << f.id;
  }
  auto own = ActOnAward(*store_, award.id, AwardAction::kApprove, Actor{"r2", Role::kManager, ""},
                        "", absl::ToUnixMicros(Utc(2026, 11, 6)));
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied);
  auto approved =
      ActOnAward(*store_, award.id, AwardAction::kApprove, Actor{"b1", Role::kManager, ""}, "",
                 absl::ToUnixMicros(Utc(2026, 11, 6)));
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_DOUBLE_EQ((*store_->GetBudget("team-month", "2026-10"))->position.reserved, 8);
}

TEST_F(AwardDeciderTest, MembersOfATeamAwardedAsOneCannotApproveIt) {
  Survey("r1", 5, Utc(2026, 10, 3));
  Survey("r2", 4, Utc(2026, 10, 4));
  Survey("b1", 3, Utc(2026, 10, 5));
  Survey("b2", 4, Utc(2026, 10, 6));
  Apply(TeamProgram("team") + "approval: admin\n");
  auto result = Decider().Evaluate("team-month", "2026-10", /*dry_run=*/false);
  ASSERT_TRUE(result.ok()) << result.status();
  const AwardRecord& award = result->decision.awards[0];
  EXPECT_EQ(award.approver_role, Role::kAdmin);
  auto own = ActOnAward(*store_, award.id, AwardAction::kReject, Actor{"r1", Role::kAdmin, ""}, "",
                        absl::ToUnixMicros(Utc(2026, 11, 6)));
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(own.status().message(),
            "r1 may not reject award team-month.2026-10.team.red: it is their own award");
}

// Random events, stored in two different orders in two stores, decide the same way under every
// rule: standings, scores to the bit, winners, tiers and reward rows.
TEST(AwardDeciderDeterminism, RandomEventsInAnyOrderGiveIdenticalDecisions) {
  const std::vector<std::string> rules = {
      "  rule: top_n\n  n: 2\n",
      "  rule: threshold\n  min_score: 0.5\n",
      "  rule: tiers\n  tiers:\n    - {name: gold, min_score: 0.8}\n"
      "    - {name: silver, min_score: 0.4}\n",
      "  rule: target\n  metric: calls_handled\n  aggregation: sum\n  at_least: 30\n",
      "  rule: most_improved\n  n: 2\n",
      "  rule: streak\n  periods: 2\n  of: {rule: top_n, n: 3}\n",
  };
  for (uint32_t seed : {7u, 8u, 9u}) {
    std::mt19937 random(seed);
    std::vector<Agent> agents;
    for (int i = 0; i < 12; ++i) {
      agents.push_back(InTeam("a" + std::to_string(i), i % 3 == 0 ? "red" : "blue"));
    }
    std::vector<StoredEvent> events;
    std::uniform_int_distribution<int> csat(1, 5);
    std::uniform_int_distribution<int> calls(0, 9);
    std::uniform_int_distribution<int> day(1, 28);
    for (int n = 0; n < 400; ++n) {
      const Agent& agent = agents[n % agents.size()];
      const int month = 9 + n % 2;
      const bool survey = n % 3 != 0;
      events.push_back({"e" + std::to_string(n), agent.id, survey ? "csat" : "calls_handled",
                        static_cast<double>(survey ? csat(random) : calls(random)),
                        absl::ToUnixMicros(Utc(2026, month, day(random)))});
    }
    std::string first;
    for (int order = 0; order < 2; ++order) {
      testing::TempDir dir;
      std::unique_ptr<Store> store = testing::OpenTestStore(dir);
      ASSERT_TRUE(store->UpsertAgents(agents).ok());
      std::shuffle(events.begin(), events.end(), random);
      ASSERT_TRUE(store->InsertEvents(events).ok());
      FakeClock clock(Utc(2026, 11, 5));
      AwardDecider decider(store.get(), &clock, [] {
        return std::set<std::string>{"certificate", "leave_credit"};
      });
      std::string fingerprint;
      for (const char* scope : {"agent", "team"}) {
        for (const std::string& rule : rules) {
          const std::string yaml = std::string("id: det\nname: Det\ntime_zone: UTC\nscope: ") +
                                   scope +
                                   "\nscorecard:\n  metrics:\n"
                                   "    - {metric: csat, aggregation: mean, weight: 2}\n"
                                   "    - {metric: calls_handled, weight: 1}\n"
                                   "award:\n" +
                                   rule + "  rewards:\n    - type: certificate\n";
          auto decision = decider.Simulate(yaml, "2026-10");
          ASSERT_TRUE(decision.ok()) << decision.status() << "\n" << yaml;
          for (const Standing& st : decision->standings) {
            absl::StrAppend(&fingerprint, st.agent_id, st.team, "|", st.rank, "|",
                            absl::StrFormat("%a", st.score), "|", st.eligible, ";");
          }
          for (const AwardRecord& award : decision->awards) {
            absl::StrAppend(&fingerprint, award.id, "#", award.rank, "#", award.tier, "#",
                            award.fulfilments.size(), ";");
          }
          absl::StrAppend(&fingerprint, "\n");
        }
      }
      if (order == 0) {
        first = fingerprint;
        EXPECT_NE(first.find('#'), std::string::npos) << "no rule gave any award";
      } else {
        EXPECT_EQ(fingerprint, first) << "seed " << seed;
      }
    }
  }
}

}  // namespace
}  // namespace plaudit

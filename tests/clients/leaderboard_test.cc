#include "clients/plaudit/leaderboard.h"

#include <gtest/gtest.h>

namespace plaudit::cli {
namespace {

v1::EvaluateAwardsResponse SampleEvaluation() {
  v1::EvaluateAwardsResponse response;
  v1::Standing* second = response.add_standings();
  second->set_agent_id("a-2");
  second->set_eligible(true);
  second->set_rank(2);
  second->set_score(0.5);
  second->set_peer_group("phone");
  v1::MetricStanding* aht = second->add_metrics();
  aht->set_metric("aht");
  aht->set_value(312.5);
  aht->set_samples(140);
  aht->set_normalized(0.5);

  v1::Standing* out = response.add_standings();
  out->set_agent_id("a-3");
  out->set_peer_group("phone");
  out->add_reasons("fewer than 20 samples of csat");
  out->add_reasons("inactive");

  v1::Standing* first = response.add_standings();
  first->set_agent_id("a-1");
  first->set_eligible(true);
  first->set_rank(1);
  first->set_score(0.91234);
  first->set_peer_group("phone");
  v1::MetricStanding* csat = first->add_metrics();
  csat->set_metric("csat");
  csat->set_value(4.8);
  csat->set_samples(120);
  csat->set_normalized(0.88);
  v1::MetricStanding* aht1 = first->add_metrics();
  aht1->set_metric("aht");
  aht1->set_value(280);
  aht1->set_samples(150);
  aht1->set_normalized(0.95);

  v1::Award* award = response.add_awards();
  award->set_id("aw-1");
  award->set_agent_id("a-1");
  award->set_rank(1);
  award->add_rewards()->set_type("certificate");
  award->set_state(v1::Award::FULFILLING);
  return response;
}

TEST(MetricStandingText, ValueSamplesAndNormalisedScore) {
  v1::MetricStanding standing;
  standing.set_metric("aht");
  standing.set_value(312.5);
  standing.set_samples(140);
  standing.set_normalized(0.95);
  EXPECT_EQ(MetricStandingText(standing), "aht=312.5 (n=140, norm=0.950)");
}

TEST(RenderLeaderboard, EligibleByRankThenIneligibleThenAwards) {
  v1::EvaluateAwardsResponse response = SampleEvaluation();
  response.set_newly_committed(true);
  EXPECT_EQ(
      RenderLeaderboard(response, /*dry_run=*/false),
      "rank  agent_id  peer_group  score  details\n"
      "   1  a-1       phone       0.912  csat=4.8 (n=120, norm=0.880), aht=280 (n=150, "
      "norm=0.950)\n"
      "   2  a-2       phone       0.500  aht=312.5 (n=140, norm=0.500)\n"
      "   -  a-3       phone           -  ineligible: fewer than 20 samples of csat; inactive\n"
      "\n"
      "Awards:\n"
      "id    agent_id  rank  rewards      state\n"
      "aw-1  a-1          1  certificate  fulfilling\n");
}

TEST(RenderLeaderboard, SaysWhenNothingWasWritten) {
  v1::EvaluateAwardsResponse response = SampleEvaluation();
  response.clear_awards();
  std::string text = RenderLeaderboard(response, /*dry_run=*/true);
  EXPECT_NE(text.find("\nAwards:\n(none)\n(dry run: nothing was written)\n"), std::string::npos)
      << text;
}

TEST(RenderLeaderboard, SaysWhenTheDecisionWasStoredEarlier) {
  v1::EvaluateAwardsResponse response = SampleEvaluation();
  response.set_newly_committed(false);
  std::string text = RenderLeaderboard(response, /*dry_run=*/false);
  EXPECT_TRUE(text.ends_with("fulfilling\n(already decided earlier; returned as stored)\n"))
      << text;
}

TEST(LeaveOutIneligible, KeepsTheRankedInTheirOrder) {
  v1::EvaluateAwardsResponse response = SampleEvaluation();
  EXPECT_EQ(LeaveOutIneligible(&response), 1);
  ASSERT_EQ(response.standings_size(), 2);
  EXPECT_EQ(response.standings(0).agent_id(), "a-2");
  EXPECT_EQ(response.standings(1).agent_id(), "a-1");
  EXPECT_EQ(response.awards_size(), 1);
}

TEST(StandingsPageText, SaysWhichStandingsOfAllAndHowToAskForTheNextPage) {
  v1::EvaluateAwardsResponse response = SampleEvaluation();
  response.set_total_standings(250);
  response.set_standings_offset(100);
  response.set_next_page_token("103");
  EXPECT_EQ(StandingsPageText(response),
            "standings 101\u2013103 of 250; next page: --page-token 103\n");
  response.clear_next_page_token();
  response.set_total_standings(103);
  EXPECT_EQ(StandingsPageText(response), "standings 101\u2013103 of 103\n");
  response.mutable_standings()->DeleteSubrange(1, 2);
  response.set_standings_offset(6);
  EXPECT_EQ(StandingsPageText(response), "standing 7 of 103\n");
  response.clear_standings();
  response.set_total_standings(0);
  EXPECT_EQ(StandingsPageText(response), "no standings\n");
}

}  // namespace
}  // namespace plaudit::cli

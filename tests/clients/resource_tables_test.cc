#include "clients/plaudit/resource_tables.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clients/plaudit/display_names.h"
#include "clients/plaudit/output.h"

namespace plaudit::cli {
namespace {

std::vector<std::string> Names(const std::vector<Column>& columns) {
  std::vector<std::string> names;
  for (const Column& column : columns) names.push_back(column.name);
  return names;
}

std::string Json(std::vector<Column> columns, std::vector<Cell> row) {
  Table table{std::move(columns), {std::move(row)}};
  return RenderJson(table);
}

TEST(AgentTable, ShowsChannelAndStatusAsWords) {
  v1::Agent agent;
  agent.set_id("a-7");
  agent.set_display_name("Ana Lima");
  agent.set_email("ana@example.com");
  agent.set_team("red");
  agent.set_channel(v1::CHANNEL_CHAT);
  agent.set_hire_date("2024-02-01");
  agent.set_active(false);
  agent.set_no_public_praise(true);
  EXPECT_EQ(Names(AgentColumns()),
            (std::vector<std::string>{"id", "display_name", "email", "team", "channel", "hire_date",
                                      "status", "public_praise"}));
  EXPECT_EQ(RenderCsv({AgentColumns(), {AgentRow(agent)}}),
            "id,display_name,email,team,channel,hire_date,status,public_praise\n"
            "a-7,Ana Lima,ana@example.com,red,chat,2024-02-01,inactive,no\n");
}

TEST(MetricDefinitionTable, BoundsAreBlankWhenAbsent) {
  v1::MetricDefinition csat;
  csat.set_name("csat");
  csat.set_direction(v1::DIRECTION_HIGHER_IS_BETTER);
  csat.set_has_min(true);
  csat.set_min(1);
  csat.set_max(99);  // has_max is false: the server says there is no upper bound.
  csat.set_description("Survey score");
  EXPECT_EQ(Json(MetricDefinitionColumns(), MetricDefinitionRow(csat)),
            "[\n  {\"name\": \"csat\", \"direction\": \"higher_is_better\", \"min\": 1, "
            "\"max\": null, \"description\": \"Survey score\"}\n]\n");
}

TEST(MetricSummaryTable, NumbersStayNumbers) {
  v1::MetricSummary summary;
  summary.set_agent_id("a-1");
  summary.set_metric("aht");
  summary.set_samples(4);
  summary.set_sum(1250);
  summary.set_mean(312.5);
  summary.set_min(200);
  summary.set_max(410.25);
  EXPECT_EQ(Json(MetricSummaryColumns(), MetricSummaryRow(summary)),
            "[\n  {\"agent_id\": \"a-1\", \"metric\": \"aht\", \"samples\": 4, \"sum\": 1250, "
            "\"mean\": 312.5, \"min\": 200, \"max\": 410.25}\n]\n");
}

TEST(ProgramTable, Columns) {
  v1::Program program;
  program.set_id("eotm");
  program.set_name("Employee of the month");
  program.set_cadence("monthly");
  program.set_time_zone("Europe/Lisbon");
  program.set_version(3);
  program.set_yaml("not shown");
  EXPECT_EQ(RenderCsv({ProgramColumns(), {ProgramRow(program)}}),
            "id,name,cadence,time_zone,version\n"
            "eotm,Employee of the month,monthly,Europe/Lisbon,3\n");
}

TEST(AwardTable, JoinsRewardsWithTheirParameters) {
  v1::Award award;
  award.set_id("aw-1");
  award.set_program_id("eotm");
  award.set_period("2026-10");
  award.set_agent_id("a-1");
  award.set_rank(1);
  award.add_rewards()->set_type("certificate");
  v1::Reward* leave = award.add_rewards();
  leave->set_type("leave_credit");
  (*leave->mutable_params())["hours"] = "8";
  award.set_state(v1::Award::OVER_BUDGET);
  award.set_state_reason("fixed budget has 20 EUR left");
  EXPECT_EQ(RenderCsv({AwardColumns(), {AwardRow(award)}}),
            "id,program_id,period,agent_id,rank,rewards,state,state_reason\n"
            "aw-1,eotm,2026-10,a-1,1,certificate; leave_credit(hours=8),over_budget,"
            "fixed budget has 20 EUR left\n");
}

TEST(AwardTable, ATeamAwardToItsMembersListsEachRewardOnce) {
  v1::Award award;
  award.set_id("aw-2");
  award.set_team("red");
  // One reward per member, as the server lists them for rewards_to: members.
  for (int member = 0; member < 3; ++member) {
    award.add_rewards()->set_type("certificate");
    v1::Reward* lunch = award.add_rewards();
    lunch->set_type("manual");
    (*lunch->mutable_params())["item"] = "lunch";
  }
  EXPECT_EQ(AwardRewardsText(award), "certificate; manual(item=lunch) (each of 3 members)");
  const std::vector<Cell> row = AwardRow(award);
  EXPECT_EQ(std::get<std::string>(row[3]), "team:red");
  EXPECT_EQ(std::get<std::string>(row[5]), "certificate; manual(item=lunch) (each of 3 members)");
}

TEST(AwardTable, AnAgentsRepeatedRewardShowsItsCount) {
  v1::Award award;
  award.set_agent_id("a-1");
  award.add_rewards()->set_type("certificate");
  award.add_rewards()->set_type("certificate");
  award.add_rewards()->set_type("praise");
  EXPECT_EQ(AwardRewardsText(award), "certificate x2; praise");
}

TEST(AwardTransitionTable, TimesAreUtcOrTheChosenZone) {
  v1::AwardTransition transition;
  transition.set_seq(2);
  transition.set_from_state("proposed");
  transition.set_to_state("approved");
  transition.set_actor("team-lead");
  transition.mutable_at()->set_seconds(1793487600);  // 2026-10-31T23:00:00Z
  EXPECT_EQ(
      RenderCsv({AwardTransitionColumns(), {AwardTransitionRow(transition, absl::UTCTimeZone())}}),
      "seq,at,from,to,actor,reason\n2,2026-10-31T23:00:00Z,proposed,approved,team-lead,\n");
  absl::TimeZone stockholm;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Stockholm", &stockholm));
  EXPECT_EQ(std::get<std::string>(AwardTransitionRow(transition, stockholm)[1]),
            "2026-11-01T00:00:00+01:00");
}

TEST(PraiseTable, SentAtIsInTheChosenZone) {
  v1::Praise praise;
  praise.mutable_sent_at()->set_seconds(1782900000);  // 2026-07-01T10:00:00Z
  absl::TimeZone stockholm;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Stockholm", &stockholm));
  EXPECT_EQ(std::get<std::string>(PraiseRow(praise, absl::UTCTimeZone())[0]),
            "2026-07-01T10:00:00Z");
  EXPECT_EQ(std::get<std::string>(PraiseRow(praise, stockholm)[0]), "2026-07-01T12:00:00+02:00");
}

TEST(FulfilmentTable, Columns) {
  v1::Fulfilment fulfilment;
  fulfilment.set_id("f-1");
  fulfilment.set_award_id("aw-1");
  fulfilment.set_agent_id("a-1");
  fulfilment.set_type("gift_card");
  fulfilment.set_state(v1::Fulfilment::FAILED);
  fulfilment.set_attempts(5);
  fulfilment.set_error("vendor said, \"no\"");
  fulfilment.set_idempotency_key("never shown");
  EXPECT_EQ(RenderCsv({FulfilmentColumns(), {FulfilmentRow(fulfilment)}}),
            "id,award_id,agent_id,type,state,attempts,error,artifact\n"
            "f-1,aw-1,a-1,gift_card,failed,5,\"vendor said, \"\"no\"\"\",\n");
}

TEST(PluginTable, StatusSaysWhyAPluginFailed) {
  v1::PluginStatus loaded;
  loaded.set_name("certificate");
  loaded.set_kind("fulfilment");
  loaded.set_version("1.0.0");
  loaded.add_serves("certificate");
  loaded.add_serves("praise");
  loaded.set_loaded(true);
  loaded.set_path("plugins/libcertificate.so");
  v1::PluginStatus broken;
  broken.set_name("libbroken.so");
  broken.set_error("ABI version 9, expected 1");
  EXPECT_EQ(
      RenderCsv({PluginColumns(), {PluginRow(loaded), PluginRow(broken)}}),
      "name,kind,version,serves,status,path\n"
      "certificate,fulfilment,1.0.0,\"certificate, praise\",loaded,plugins/libcertificate.so\n"
      "libbroken.so,,,,\"failed: ABI version 9, expected 1\",\n");
}

TEST(DisplayNames, EnumsAreLowerCaseWords) {
  EXPECT_EQ(ChannelName(v1::CHANNEL_PHONE), "phone");
  EXPECT_EQ(ChannelName(v1::CHANNEL_SOCIAL), "social");
  EXPECT_EQ(ChannelName(v1::CHANNEL_UNSPECIFIED), "");
  EXPECT_EQ(DirectionName(v1::DIRECTION_LOWER_IS_BETTER), "lower_is_better");
  EXPECT_EQ(AwardStateName(v1::Award::FULFILLED), "fulfilled");
  EXPECT_EQ(AwardStateName(v1::Award::FAILED), "failed");
  EXPECT_EQ(FulfilmentStateName(v1::Fulfilment::PENDING), "pending");
  EXPECT_EQ(ChannelName(static_cast<v1::Channel>(9)), "unknown(9)");
}

TEST(DisplayNames, RewardParametersAreSortedByName) {
  v1::Reward reward;
  reward.set_type("gift_card");
  (*reward.mutable_params())["vendor"] = "acme";
  (*reward.mutable_params())["amount"] = "50";
  EXPECT_EQ(RewardText(reward), "gift_card(amount=50, vendor=acme)");
}

}  // namespace
}  // namespace plaudit::cli

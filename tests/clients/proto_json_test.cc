#include "clients/plaudit/proto_json.h"

#include <gtest/gtest.h>

#include "plaudit/v1/agents.pb.h"
#include "plaudit/v1/awards.pb.h"

namespace plaudit::cli {
namespace {

using nlohmann::ordered_json;

TEST(ProtoToJson, EnumsAreLowerSnakeLikeListPrintsThem) {
  v1::Award award;
  award.set_state(v1::Award::OVER_BUDGET);
  EXPECT_EQ(ProtoToJson(award, absl::UTCTimeZone())["state"], "over_budget");
  v1::Agent agent;
  agent.set_channel(v1::CHANNEL_PHONE);
  EXPECT_EQ(ProtoToJson(agent, absl::UTCTimeZone())["channel"], "phone");
}

TEST(ProtoToJson, UnspecifiedEnumIsEmpty) {
  EXPECT_EQ(ProtoToJson(v1::Award(), absl::UTCTimeZone())["state"], "");
}

TEST(ProtoToJson, Int64IsANumberNotAString) {
  v1::EvaluateAwardsResponse response;
  v1::MetricStanding* metric = response.add_standings()->add_metrics();
  metric->set_samples(140);
  metric->set_value(312.5);
  const ordered_json json = ProtoToJson(response, absl::UTCTimeZone());
  const ordered_json& sent = json["standings"][0]["metrics"][0];
  EXPECT_TRUE(sent["samples"].is_number_integer()) << sent.dump();
  EXPECT_EQ(sent["samples"], 140);
  EXPECT_EQ(sent["value"], 312.5);
}

TEST(ProtoToJson, WholeDecimalsAreWrittenLikeTheTablesWriteThem) {
  v1::MetricStanding metric;
  metric.set_value(16);
  metric.set_normalized(0.5);
  EXPECT_EQ(ProtoToJson(metric, absl::UTCTimeZone()).dump(),
            R"({"metric":"","value":16,"samples":0,"normalized":0.5})");
}

TEST(ProtoToJson, EveryFieldIsPresentAndUnsetOptionalsAreNull) {
  v1::Standing standing;
  standing.set_improvement(0.25);
  const ordered_json json = ProtoToJson(standing, absl::UTCTimeZone());
  EXPECT_EQ(json["rank"], 0);
  EXPECT_EQ(json["eligible"], false);
  EXPECT_EQ(json["reasons"], ordered_json::array());
  EXPECT_TRUE(json["target_progress"].is_null());
  EXPECT_EQ(json["improvement"], 0.25);
  // Keys in field order.
  EXPECT_EQ(json.begin().key(), "agent_id");
}

TEST(ProtoToJson, TimestampsAreRfc3339InTheDisplayZone) {
  v1::Award award;
  award.mutable_decided_at()->set_seconds(1793487600);  // 2026-10-31T23:00:00Z
  EXPECT_EQ(ProtoToJson(award, absl::UTCTimeZone())["decided_at"], "2026-10-31T23:00:00Z");
  absl::TimeZone stockholm;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Stockholm", &stockholm));
  EXPECT_EQ(ProtoToJson(award, stockholm)["decided_at"], "2026-11-01T00:00:00+01:00");
  EXPECT_TRUE(ProtoToJson(v1::Award(), stockholm)["decided_at"].is_null());
}

TEST(ProtoToJson, MapsAreObjectsWithSortedKeys) {
  v1::Reward reward;
  reward.set_type("leave_credit");
  (*reward.mutable_params())["reason"] = "csat";
  (*reward.mutable_params())["hours"] = "8";
  EXPECT_EQ(JsonText(ProtoToJson(reward, absl::UTCTimeZone())),
            "{\n  \"type\": \"leave_credit\",\n  \"params\": {\n    \"hours\": \"8\",\n"
            "    \"reason\": \"csat\"\n  }\n}\n");
}

TEST(EnumValueText, StripsTheTypePrefix) {
  EXPECT_EQ(
      EnumValueText(*v1::Direction_descriptor()->FindValueByNumber(v1::DIRECTION_LOWER_IS_BETTER)),
      "lower_is_better");
}

}  // namespace
}  // namespace plaudit::cli

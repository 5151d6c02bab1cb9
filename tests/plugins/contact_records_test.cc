// Amazon Connect contact records read as contact facts, from fixtures in the documented record
// shape: a revision, a duplicate, a transfer's two legs, an abandoned contact, a chat with fields
// of a later format, a task, and malformed records.
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "plugins/contact_records/amazon_connect.h"

namespace plaudit::contacts {
namespace {

using Metrics = std::vector<std::pair<std::string, double>>;

std::vector<std::string> FixtureLines() {
  std::ifstream in(std::string(PLAUDIT_SOURCE_DIR) +
                   "/tests/plugins/fixtures/amazon-connect/contact-records.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int64_t Us(const char* rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return absl::ToUnixMicros(t);
}

class AmazonConnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = FixtureLines();
    ASSERT_EQ(lines_.size(), 10u);
  }
  AmazonConnectResult Read(int line) { return ReadAmazonConnectRecord(lines_.at(line - 1), {}); }

  std::vector<std::string> lines_;
};

TEST_F(AmazonConnectTest, ACallIsOneContactOfItsAgentWithHandleTimeAndSurvey) {
  AmazonConnectResult first = Read(1);
  ASSERT_TRUE(first.fact.has_value());
  EXPECT_FALSE(first.rejected);
  EXPECT_TRUE(first.problems.empty());
  const ContactFact& fact = *first.fact;
  EXPECT_EQ(fact.source, "amazon_connect");
  EXPECT_EQ(fact.contact_id, "c-0001");
  EXPECT_EQ(fact.participant, "jane.doe");
  EXPECT_EQ(fact.channel, "VOICE");
  EXPECT_EQ(fact.queue, "BasicQueue");
  EXPECT_EQ(fact.occurred_us, Us("2026-10-05T10:00:00Z"));
  EXPECT_EQ(fact.version_us, Us("2026-10-05T10:07:00Z"));
  // Interaction 300 + hold 45, after-contact work not yet ended.
  EXPECT_EQ(fact.metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 345}, {"csat", 5}}));
  EXPECT_EQ(EventIdFor(fact, "aht_seconds"), "amazon_connect:c-0001:jane.doe:aht_seconds");
}

TEST_F(AmazonConnectTest, ARevisionIsTheSameKeyWithANewerVersion) {
  const ContactFact first = *Read(1).fact;
  const ContactFact revised = *Read(2).fact;
  EXPECT_EQ(revised.contact_id, first.contact_id);
  EXPECT_EQ(revised.participant, first.participant);
  EXPECT_GT(revised.version_us, first.version_us);
  EXPECT_EQ(revised.metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 435}, {"csat", 5}}));
  // Its events have the same ids: they replace the first version's.
  EXPECT_EQ(EventIdFor(revised, "aht_seconds"), EventIdFor(first, "aht_seconds"));
  // A duplicate delivery reads as the same fact, version and all.
  const ContactFact again = *Read(3).fact;
  EXPECT_EQ(again.version_us, revised.version_us);
  EXPECT_EQ(again.metrics, revised.metrics);
}

TEST_F(AmazonConnectTest, EachLegOfATransferIsItsOwnAgentsFact) {
  const ContactFact first_leg = *Read(4).fact;
  const ContactFact second_leg = *Read(5).fact;
  EXPECT_EQ(first_leg.participant, "sam.lee");
  EXPECT_EQ(second_leg.participant, "mo.ali");
  EXPECT_NE(first_leg.contact_id, second_leg.contact_id);
  // Fractions of a second are kept.
  EXPECT_EQ(first_leg.version_us, Us("2026-10-06T09:20:00Z") + 250000);
  EXPECT_EQ(first_leg.metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 630}}));
  EXPECT_EQ(second_leg.metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 1080}}));
}

TEST_F(AmazonConnectTest, AContactNoAgentTookIsNoFactAndNoProblem) {
  AmazonConnectResult abandoned = Read(6);
  EXPECT_FALSE(abandoned.fact.has_value());
  EXPECT_FALSE(abandoned.rejected);
  EXPECT_TRUE(abandoned.problems.empty());
}

TEST_F(AmazonConnectTest, AScoreOutOfRangeIsLeftOutAndNamedAndTheRestKept) {
  AmazonConnectResult chat = Read(7);
  ASSERT_TRUE(chat.fact.has_value());
  EXPECT_FALSE(chat.rejected);
  EXPECT_EQ(chat.fact->channel, "CHAT");
  EXPECT_EQ(chat.fact->queue, "ChatQueue");
  // Times with an offset: 14:00 at +02:00 is 12:00 UTC.
  EXPECT_EQ(chat.fact->occurred_us, Us("2026-10-07T12:00:00Z"));
  EXPECT_EQ(chat.fact->metrics, (Metrics{{"chats_handled", 1}, {"aht_seconds", 1260}, {"nps", 9}}));
  EXPECT_EQ(chat.problems, std::vector<std::string>{
                               "Attributes.csat: \"7\" is not a csat score from 1 to 5; left out"});
}

TEST_F(AmazonConnectTest, ATaskCountsOnlyItsHandleTimeByDefault) {
  EXPECT_EQ(Read(8).fact->metrics, (Metrics{{"aht_seconds", 1500}}));
}

TEST_F(AmazonConnectTest, AMalformedRecordIsRejectedWithTheFieldAndValue) {
  AmazonConnectResult bad_time = Read(9);
  EXPECT_TRUE(bad_time.rejected);
  EXPECT_FALSE(bad_time.fact.has_value());
  EXPECT_EQ(bad_time.problems,
            std::vector<std::string>{
                "LastUpdateTimestamp: \"yesterday\" is not a time like 2026-10-05T10:00:00Z"});
  AmazonConnectResult truncated = Read(10);
  EXPECT_TRUE(truncated.rejected);
  ASSERT_EQ(truncated.problems.size(), 1u);
  EXPECT_EQ(truncated.problems[0].rfind("not a JSON record: ", 0), 0u) << truncated.problems[0];

  AmazonConnectMapping mapping;
  auto read = [&mapping](const std::string& text) {
    AmazonConnectResult result = ReadAmazonConnectRecord(text, mapping);
    return result.problems.empty() ? std::string() : result.problems.front();
  };
  const std::string base =
      R"("LastUpdateTimestamp":"2026-10-05T10:00:00Z","InitiationTimestamp":"2026-10-05T10:00:00Z")";
  EXPECT_EQ(read("[1]"), "not a contact record: the JSON is not an object");
  EXPECT_EQ(read("{" + base + R"(,"Channel":"VOICE"})"), "ContactId: missing");
  EXPECT_EQ(read(R"({"ContactId":"c",)" + base + "}"), "Channel: missing");
  EXPECT_EQ(read(R"({"ContactId":"c","Channel":"VOICE",)" + base + R"(,"Agent":{}})"),
            "Agent.Username: missing");
  EXPECT_EQ(read(R"({"ContactId":"c","Channel":"VOICE",)" + base +
                 R"(,"Agent":{"Username":"u","CustomerHoldDuration":-3}})"),
            "Agent.CustomerHoldDuration: -3 is not a whole number of seconds, 0 or more");
  EXPECT_EQ(read(R"({"ContactId":7,"Channel":"VOICE",)" + base + "}"),
            "ContactId: 7 is not a non-empty string");
}

TEST_F(AmazonConnectTest, TheMappingSaysWhatAContactCountsAs) {
  AmazonConnectMapping mapping;
  mapping.source = "connect-eu";
  mapping.channel_metrics = {{"TASK", "followups_resolved"}};
  mapping.handle_time = false;
  mapping.csat_attribute = "";
  mapping.nps_attribute = "";
  const ContactFact task = *ReadAmazonConnectRecord(lines_.at(7), mapping).fact;
  EXPECT_EQ(task.source, "connect-eu");
  EXPECT_EQ(task.metrics, (Metrics{{"followups_resolved", 1}}));
  // A call: no channel metric, no handle time, the survey attribute not read.
  EXPECT_TRUE(ReadAmazonConnectRecord(lines_.at(0), mapping).fact->metrics.empty());
}

}  // namespace
}  // namespace plaudit::contacts

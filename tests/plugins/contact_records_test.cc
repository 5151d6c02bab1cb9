// Platform records read as contact facts, from fixtures in each platform's documented record
// shape: revisions, duplicates, transfers, contacts no agent took, late surveys, unknown fields
// and malformed records.
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "plugins/contact_records/amazon_connect.h"
#include "plugins/contact_records/genesys_cloud.h"
#include "plugins/contact_records/survey_response.h"
#include "plugins/contact_records/zendesk.h"

namespace plaudit::contacts {
namespace {

using Metrics = std::vector<std::pair<std::string, double>>;

std::vector<std::string> FixtureLines(const std::string& file) {
  std::ifstream in(std::string(PLAUDIT_SOURCE_DIR) + "/tests/plugins/fixtures/" + file);
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
    lines_ = FixtureLines("amazon-connect/contact-records.jsonl");
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
  EXPECT_EQ(first.contact_id, "c-0001");
  EXPECT_EQ(first.version_us, fact.version_us);
}

TEST_F(AmazonConnectTest, ARevisionIsTheSameKeyWithANewerVersion) {
  const ContactFact first = *Read(1).fact;
  const ContactFact revised = *Read(2).fact;
  EXPECT_EQ(revised.contact_id, first.contact_id);
  EXPECT_EQ(revised.participant, first.participant);
  EXPECT_GT(revised.version_us, first.version_us);
  EXPECT_EQ(revised.metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 435}, {"csat", 5}}));
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
  // Still a version of its contact: one that replaces an earlier version's facts with none.
  EXPECT_FALSE(abandoned.contact_id.empty());
  EXPECT_GT(abandoned.version_us, 0);
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

class GenesysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = FixtureLines("genesys-cloud/conversations.jsonl");
    ASSERT_EQ(lines_.size(), 6u);
  }
  GenesysResult Read(int line, const GenesysMapping& mapping = {}) {
    return ReadGenesysConversation(lines_.at(line - 1), mapping);
  }

  std::vector<std::string> lines_;
};

TEST_F(GenesysTest, AnAgentsCallIsOneContactWithItsHandleTime) {
  GenesysResult call = Read(1);
  EXPECT_FALSE(call.rejected);
  EXPECT_TRUE(call.problems.empty());
  ASSERT_EQ(call.facts.size(), 1u);
  const ContactFact& fact = call.facts[0];
  EXPECT_EQ(fact.source, "genesys_cloud");
  EXPECT_EQ(fact.contact_id, "conv-1");
  EXPECT_EQ(fact.participant, "u-anna");
  EXPECT_EQ(fact.channel, "voice");
  EXPECT_EQ(fact.queue, "q-support");
  EXPECT_EQ(fact.occurred_us, Us("2026-10-05T10:00:00Z"));
  EXPECT_EQ(fact.version_us, Us("2026-10-05T10:06:00Z"));
  // tHandle 345,500 ms; the wrap-up code means nothing unless the mapping says so.
  EXPECT_EQ(fact.metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 345.5}}));
  GenesysMapping mapping;
  mapping.followup_wrapup_codes = {"wu-callback"};
  EXPECT_EQ(Read(1, mapping).facts.at(0).metrics,
            (Metrics{{"calls_handled", 1}, {"aht_seconds", 345.5}, {"followups_flagged", 1}}));
}

TEST_F(GenesysTest, ALateSurveyMakesANewerVersionOfTheSameFact) {
  const ContactFact first = Read(1).facts.at(0);
  const ContactFact revised = Read(2).facts.at(0);
  EXPECT_EQ(revised.contact_id, first.contact_id);
  EXPECT_EQ(revised.participant, first.participant);
  EXPECT_EQ(revised.version_us, Us("2026-10-07T08:00:00Z"));
  EXPECT_GT(revised.version_us, first.version_us);
  EXPECT_EQ(revised.occurred_us, first.occurred_us);
  EXPECT_EQ(revised.metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 345.5}, {"nps", 9}}));
}

TEST_F(GenesysTest, EveryAgentOfATransferHasAFactAndOneWhoCameBackHasOne) {
  GenesysResult transfer = Read(3);
  EXPECT_TRUE(transfer.problems.empty());
  ASSERT_EQ(transfer.facts.size(), 2u);
  EXPECT_EQ(transfer.facts[0].participant, "u-ben");
  EXPECT_EQ(transfer.facts[1].participant, "u-cleo");
  // Ben's two turns: one call, 300 + 120 s.
  EXPECT_EQ(transfer.facts[0].metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 420}}));
  EXPECT_EQ(transfer.facts[0].queue, "q-support");
  EXPECT_EQ(transfer.facts[1].metrics, (Metrics{{"calls_handled", 1}, {"aht_seconds", 900}}));
  EXPECT_EQ(transfer.facts[1].queue, "q-billing");
  EXPECT_EQ(transfer.facts[0].version_us, Us("2026-10-06T09:30:00Z"));
  EXPECT_EQ(transfer.facts[1].version_us, transfer.facts[0].version_us);
}

TEST_F(GenesysTest, AConversationNoAgentJoinedHasNoFacts) {
  GenesysResult abandoned = Read(4);
  EXPECT_FALSE(abandoned.rejected);
  EXPECT_TRUE(abandoned.facts.empty());
  EXPECT_TRUE(abandoned.problems.empty());
  EXPECT_FALSE(abandoned.contact_id.empty());
  EXPECT_GT(abandoned.version_us, 0);
}

TEST_F(GenesysTest, BadValuesAreLeftOutAndNamedAndTheRestKept) {
  GenesysResult chat = Read(5);
  EXPECT_FALSE(chat.rejected);
  ASSERT_EQ(chat.facts.size(), 1u);
  // No handle time read: none rather than 0 seconds, which would be the best there is.
  EXPECT_EQ(chat.facts[0].metrics, (Metrics{{"chats_handled", 1}}));
  EXPECT_EQ(chat.facts[0].occurred_us, Us("2026-10-07T12:00:00Z"));
  EXPECT_EQ(chat.facts[0].version_us, Us("2026-10-08T09:30:00Z"));
  EXPECT_EQ(chat.problems,
            (std::vector<std::string>{
                "participants[0].sessions[0].metrics[1].value: \"fast\" is not a tHandle in "
                "milliseconds, 0 or more; left out",
                "surveys[0].userId: \"u-zed\" took no part in the conversation; left out",
                "surveys[1].surveyPromoterScore: 11 is not a promoter score from 0 to 10; left "
                "out"}));
}

TEST_F(GenesysTest, AConversationWithoutItsStartIsRejected) {
  GenesysResult bad = Read(6);
  EXPECT_TRUE(bad.rejected);
  EXPECT_TRUE(bad.facts.empty());
  EXPECT_EQ(bad.problems, std::vector<std::string>{"conversationStart: missing"});
  EXPECT_EQ(ReadGenesysConversation(R"({"conversationStart":"2026-10-05T10:00:00Z"})", {}).problems,
            std::vector<std::string>{"conversationId: missing"});
  EXPECT_EQ(
      ReadGenesysConversation(
          R"({"conversationId":"c","conversationStart":"2026-10-05T10:00:00Z","participants":{}})",
          {})
          .problems,
      std::vector<std::string>{"participants: not an array"});
}

class ZendeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = FixtureLines("zendesk/tickets.jsonl");
    ASSERT_EQ(lines_.size(), 8u);
  }
  ZendeskResult Read(int line, const ZendeskMapping& mapping = {}) {
    return ReadZendeskTicket(lines_.at(line - 1), mapping);
  }

  std::vector<std::string> lines_;
};

TEST_F(ZendeskTest, ASolvedTicketIsOneContactOfItsAssignee) {
  ZendeskResult solved = Read(1);
  EXPECT_FALSE(solved.rejected);
  EXPECT_TRUE(solved.problems.empty());
  ASSERT_TRUE(solved.fact.has_value());
  EXPECT_EQ(solved.fact->source, "zendesk");
  EXPECT_EQ(solved.fact->contact_id, "101");
  EXPECT_EQ(solved.fact->participant, "9001");
  EXPECT_EQ(solved.fact->channel, "email");
  EXPECT_EQ(solved.fact->occurred_us, Us("2026-10-05T09:30:00Z"));
  EXPECT_EQ(solved.fact->version_us, Us("2026-10-05T09:31:00Z"));
  EXPECT_EQ(solved.fact->metrics, (Metrics{{"emails_handled", 1}}));
}

TEST_F(ZendeskTest, ALateRatingIsANewerVersionAndAReassignmentMovesTheTicket) {
  const ContactFact first = *Read(1).fact;
  const ContactFact rated = *Read(2).fact;
  EXPECT_GT(rated.version_us, first.version_us);
  EXPECT_EQ(rated.occurred_us, first.occurred_us);
  EXPECT_EQ(rated.metrics, (Metrics{{"emails_handled", 1}, {"csat", 5}}));
  const ContactFact moved = *Read(8).fact;
  EXPECT_EQ(moved.contact_id, "101");
  EXPECT_EQ(moved.participant, "9002");
  EXPECT_GT(moved.version_us, rated.version_us);
}

TEST_F(ZendeskTest, AnOpenOrUnassignedTicketIsNoFactYet) {
  for (int line : {3, 5}) {
    ZendeskResult none = Read(line);
    EXPECT_FALSE(none.fact.has_value()) << line;
    EXPECT_FALSE(none.rejected) << line;
    EXPECT_TRUE(none.problems.empty()) << line;
    EXPECT_FALSE(none.contact_id.empty()) << line;
    EXPECT_GT(none.version_us, 0) << line;
  }
}

TEST_F(ZendeskTest, ABadRatingAndReopensCountAgainstTheTicket) {
  EXPECT_EQ(Read(4).fact->metrics,
            (Metrics{{"chats_handled", 1}, {"csat", 1}, {"repeat_contacts", 1}}));
  ZendeskMapping mapping;
  mapping.rating_csat = {{"good", 4}};
  mapping.reopens = false;
  mapping.channel_metrics = {};
  EXPECT_TRUE(Read(4, mapping).fact->metrics.empty());
}

TEST_F(ZendeskTest, BadValuesAreLeftOutAndARecordWithoutItsVersionIsRejected) {
  ZendeskResult api = Read(6);
  ASSERT_TRUE(api.fact.has_value());
  // Not a mapped channel, a rating only offered: nothing to count, but the ticket is known.
  EXPECT_TRUE(api.fact->metrics.empty());
  EXPECT_EQ(api.problems,
            std::vector<std::string>{"metric_set.reopens: \"x\" is not a count; left out"});
  ZendeskResult bad = Read(7);
  EXPECT_TRUE(bad.rejected);
  EXPECT_EQ(bad.problems, std::vector<std::string>{"updated_at: missing"});
  EXPECT_EQ(ReadZendeskTicket(R"({"id":-4,"updated_at":"2026-10-05T10:00:00Z"})", {}).problems,
            std::vector<std::string>{"id: -4 is not a ticket id"});
}

class SurveyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = FixtureLines("surveys/responses.jsonl");
    ASSERT_EQ(lines_.size(), 8u);
    mapping_.contact_source = "connect";
  }
  SurveyResult Read(int line) { return ReadSurveyResponse(lines_.at(line - 1), mapping_); }

  std::vector<std::string> lines_;
  SurveyMapping mapping_;
};

TEST_F(SurveyTest, AResponseNamingItsAgentIsAFactOfTheirs) {
  SurveyResult r = Read(1);
  ASSERT_FALSE(r.rejected) << r.problems.front();
  EXPECT_EQ(r.contact_id, "r-100");
  EXPECT_EQ(r.version_us, Us("2026-10-05T12:30:00Z"));
  ASSERT_TRUE(r.fact.has_value());
  EXPECT_EQ(r.fact->participant, "jane.doe");
  EXPECT_EQ(r.fact->occurred_us, Us("2026-10-05T12:30:00Z"));
  EXPECT_EQ(r.fact->channel, "VOICE");
  EXPECT_EQ(r.fact->metrics, (Metrics{{"csat", 5}, {"nps", 9}}));
  EXPECT_TRUE(r.problems.empty());
}

TEST_F(SurveyTest, AResponseNamingAContactRatesWhoeverTookItAndAnEditIsANewerVersion) {
  SurveyResult first = Read(2);
  ASSERT_TRUE(first.fact.has_value());
  EXPECT_EQ(first.fact->participant, "contact:connect/8b1f5d0e-3c9a-4d4e-9a51-0c4ab2b0d101");
  EXPECT_EQ(first.fact->metrics, (Metrics{{"csat", 4}}));
  SurveyResult edited = Read(3);
  ASSERT_TRUE(edited.fact.has_value());
  EXPECT_EQ(edited.contact_id, first.contact_id);
  EXPECT_EQ(edited.version_us, Us("2026-10-07T09:05:00Z"));
  EXPECT_GT(edited.version_us, first.version_us);
  // It still counts when it was answered.
  EXPECT_EQ(edited.fact->occurred_us, Us("2026-10-07T09:00:00Z"));
  EXPECT_EQ(edited.fact->metrics, (Metrics{{"csat", 2}}));
}

TEST_F(SurveyTest, AScoreOutOfRangeIsLeftOutAndTheRestKept) {
  SurveyResult r = Read(4);
  ASSERT_TRUE(r.fact.has_value());
  EXPECT_EQ(r.contact_id, "102");
  EXPECT_EQ(r.fact->participant, "contact:zendesk/c-7");
  EXPECT_EQ(r.fact->metrics, (Metrics{{"csat", 3}}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "nps: 11 is not a nps score, a whole number from 0 to 10; left out");
}

TEST_F(SurveyTest, AResponseWithoutWhoItRatesTimeOrScoreIsRejectedWithTheReason) {
  SurveyResult nobody = Read(5);
  EXPECT_TRUE(nobody.rejected);
  EXPECT_EQ(nobody.problems.front(), "agent and contact_id: missing; a response must name one");
  SurveyResult no_time = Read(6);
  EXPECT_TRUE(no_time.rejected);
  EXPECT_NE(no_time.problems.front().find("submitted_at: \"yesterday\""), std::string::npos);
  SurveyResult no_score = Read(7);
  EXPECT_TRUE(no_score.rejected);
  EXPECT_NE(no_score.problems.front().find("csat: 0 is not a csat score"), std::string::npos);
  SurveyResult garbage = Read(8);
  EXPECT_TRUE(garbage.rejected);
  EXPECT_NE(garbage.problems.front().find("not a JSON record"), std::string::npos);

  // A contact without a source to look it up in.
  mapping_.contact_source.clear();
  SurveyResult unsourced = Read(2);
  EXPECT_TRUE(unsourced.rejected);
  EXPECT_NE(unsourced.problems.front().find("contact_source: missing"), std::string::npos);

  // A source named that no reference could carry.
  for (const char* bad : {R"("zen desk")", R"("")", "7"}) {
    const std::string line = absl::StrCat(
        R"({"response_id":"r-9","submitted_at":"2026-10-05T13:00:00Z","contact_id":"c-7",)",
        R"("contact_source":)", bad, R"(,"csat":3})");
    SurveyResult misnamed = ReadSurveyResponse(line, mapping_);
    EXPECT_TRUE(misnamed.rejected) << bad;
    ASSERT_FALSE(misnamed.problems.empty()) << bad;
    EXPECT_EQ(misnamed.problems.front(),
              absl::StrCat("contact_source: ", bad,
                           " is not a source name (1-64 letters, digits, _ and -)"));
  }
}

}  // namespace
}  // namespace plaudit::contacts

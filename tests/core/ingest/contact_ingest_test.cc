#include "core/ingest/contact_ingest.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

constexpr int64_t kOctoberFifth = int64_t{1791201780} * 1000000;  // 2026-10-05T12:03:00Z

class ContactIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_);
    ASSERT_NE(store_, nullptr);
    Agent jane = testing::TestAgent("a1");
    jane.email = "Jane.Doe@Example.com";
    ASSERT_TRUE(store_->UpsertAgents({jane, testing::TestAgent("a2")}).ok());
    ingestor_ = std::make_unique<ContactIngestor>(store_.get(), &clock_);
  }

  // A call of `participant`, version `version`, with its handle time.
  static ContactInput Call(const std::string& id, int64_t version, const std::string& participant,
                           double aht) {
    return ContactInput{id,
                        version,
                        {ContactFactInput{participant,
                                          kOctoberFifth,
                                          "VOICE",
                                          "Billing",
                                          {{"calls_handled", 1}, {"aht_seconds", aht}}}},
                        "day1.jsonl line " + id};
  }

  // A transfer: `first` took call `id`, and `last` finished it a minute later.
  static ContactInput Transferred(const std::string& id, const std::string& first,
                                  const std::string& last) {
    ContactInput call = Call(id, 100, first, 120);
    ContactFactInput second = call.facts[0];
    second.participant = last;
    second.occurred_us += 60'000'000;
    call.facts.push_back(second);
    return call;
  }

  ContactSummary Ingest(std::vector<ContactInput> contacts, const IdentityMap* identities = nullptr,
                        const std::string& source = "connect") {
    ContactBatch batch;
    batch.source = source;
    batch.contacts = std::move(contacts);
    auto summary = ingestor_->Ingest(batch, identities);
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.value_or(ContactSummary());
  }

  // A survey response `id` rating whoever took `contact` of connect.
  static ContactInput Survey(const std::string& id, const std::string& contact, double csat) {
    return ContactInput{
        id,
        100,
        {ContactFactInput{
            ContactReference("connect", contact), kOctoberFifth, "", "", {{"csat", csat}}}},
        "survey " + id};
  }

  // agent -> csat sum over October 5th.
  double Csat(const std::string& agent) {
    auto rows = store_->Aggregate(kOctoberFifth, kOctoberFifth + 1, agent);
    EXPECT_TRUE(rows.ok()) << rows.status();
    double sum = 0;
    for (const AggregateRow& row : *rows) {
      if (row.metric == "csat") sum += row.aggregate.sum;
    }
    return sum;
  }

  // agent -> (calls, handle time) over October 5th.
  std::pair<int64_t, double> Totals(const std::string& agent) {
    auto rows = store_->Aggregate(kOctoberFifth, kOctoberFifth + 1, agent);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::pair<int64_t, double> totals{0, 0};
    for (const AggregateRow& row : *rows) {
      if (row.metric == "calls_handled") totals.first += row.aggregate.samples;
      if (row.metric == "aht_seconds") totals.second += row.aggregate.sum;
    }
    return totals;
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ContactIngestor> ingestor_;
};

TEST_F(ContactIngestTest, OnlyANewerVersionChangesTheEventsAndTheChangeIsACorrection) {
  ContactSummary first = Ingest({Call("c1", 100, "a1", 300)});
  EXPECT_EQ(first.applied, 1);
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{1, 300}));

  // The same version again, and an older one: nothing changes.
  ContactSummary again = Ingest({Call("c1", 100, "a1", 300), Call("c1", 50, "a1", 999)});
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.unchanged, 2);
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{1, 300}));

  // Newer: the handle time is replaced, not added; the call is not counted twice.
  ContactSummary newer = Ingest({Call("c1", 200, "a1", 390)});
  EXPECT_EQ(newer.applied, 1);
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{1, 390}));
  auto corrections = store_->ListCorrections(ContactEventId("connect", "c1", "a1", "aht_seconds"));
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 1u);
  EXPECT_EQ((*corrections)[0].kind, "event_replaced");
  EXPECT_EQ((*corrections)[0].actor, "source:connect");
}

TEST_F(ContactIngestTest, OfOneContactGivenTwiceInABatchTheNewestCounts) {
  ContactSummary summary = Ingest({Call("c1", 200, "a1", 390), Call("c1", 100, "a1", 300)});
  EXPECT_EQ(summary.applied, 1);
  EXPECT_EQ(summary.unchanged, 1);
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{1, 390}));
}

TEST_F(ContactIngestTest, AReassignedContactMovesToItsNewAgent) {
  Ingest({Call("c1", 100, "a1", 300)});
  Ingest({Call("c1", 200, "a2", 300)});
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{0, 0}));
  EXPECT_EQ(Totals("a2"), (std::pair<int64_t, double>{1, 300}));
}

TEST_F(ContactIngestTest, AgentsAreMatchedByTheMapThenTheirIdThenTheirEmail) {
  const IdentityMap map = {{"jane.doe", "a1"}, {"a2", "a1"}};
  ContactSummary summary = Ingest({Call("c1", 100, "jane.doe", 10), Call("c2", 100, "a2", 20),
                                   Call("c3", 100, "JANE.DOE@example.com", 40)},
                                  &map);
  EXPECT_EQ(summary.unmatched, 0);
  // The map wins over an agent id; the email matches whatever its case.
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{3, 70}));
  EXPECT_EQ(Totals("a2"), (std::pair<int64_t, double>{0, 0}));
}

TEST_F(ContactIngestTest, AnUnknownAgentsContactWaitsAndIsAppliedOnceTheAgentAppears) {
  ContactSummary summary = Ingest({Call("c1", 100, "mo.ali", 300)});
  EXPECT_EQ(summary.applied, 1);
  EXPECT_EQ(summary.unmatched, 1);
  EXPECT_EQ(*store_->CountEvents(), 0);
  auto waiting = store_->ListUnmatchedContacts("connect", "", "", 10);
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ((*waiting)[0].facts[0].participant, "mo.ali");

  // Nothing new: nothing to do.
  EXPECT_EQ(*ingestor_->MatchWaiting("connect", nullptr, 0), 0);
  ASSERT_TRUE(store_->UpsertAgents({testing::TestAgent("a3")}).ok());
  EXPECT_EQ(*ingestor_->MatchWaiting("connect", nullptr, 0), 0);  // a3 is not mo.ali
  const IdentityMap map = {{"mo.ali", "a3"}};
  EXPECT_EQ(*ingestor_->MatchWaiting("connect", &map, 1), 1);
  EXPECT_EQ(Totals("a3"), (std::pair<int64_t, double>{1, 300}));
  EXPECT_TRUE(store_->ListUnmatchedContacts("connect", "", "", 10)->empty());
  // Applied once: matching again changes nothing.
  EXPECT_EQ(*ingestor_->MatchWaiting("connect", &map, 2), 0);
  EXPECT_EQ(Totals("a3"), (std::pair<int64_t, double>{1, 300}));
}

TEST_F(ContactIngestTest, ASurveyNamingAContactRatesTheAgentWhoTookItLast) {
  // a1 took the call first, a2 finished it.
  ASSERT_EQ(Ingest({Transferred("c1", "a1", "a2")}).applied, 1);

  ContactSummary rated = Ingest({Survey("r1", "c1", 4)}, nullptr, "surveys");
  EXPECT_EQ(rated.applied, 1);
  EXPECT_EQ(rated.unmatched, 0);
  EXPECT_EQ(Csat("a2"), 4);
  EXPECT_EQ(Csat("a1"), 0);
}

TEST_F(ContactIngestTest, ASurveyBeforeItsContactWaitsAndCountsOnceTheContactIsStored) {
  ContactSummary early = Ingest({Survey("r1", "c9", 5)}, nullptr, "surveys");
  EXPECT_EQ(early.applied, 1);
  EXPECT_EQ(early.unmatched, 1);
  EXPECT_EQ(Csat("a1"), 0);
  // Nothing to apply yet.
  auto none = ingestor_->MatchWaiting("surveys", nullptr, 0);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, 0);

  ASSERT_EQ(Ingest({Call("c9", 100, "a1", 200)}).applied, 1);
  auto applied = ingestor_->MatchWaiting("surveys", nullptr, 0);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(Csat("a1"), 5);
  auto again = ingestor_->MatchWaiting("surveys", nullptr, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(Csat("a1"), 5);
}

// The survey rates whoever took the contact last; while that agent is not known it waits,
// rather than crediting the agent who had the contact before.
TEST_F(ContactIngestTest, ASurveyWaitsWhileTheContactsLastAgentIsUnknown) {
  ASSERT_EQ(Ingest({Transferred("c1", "a1", "a3")}).applied, 1);

  ContactSummary rated = Ingest({Survey("r1", "c1", 4)}, nullptr, "surveys");
  EXPECT_EQ(rated.unmatched, 1);
  EXPECT_EQ(Csat("a1"), 0);

  ASSERT_TRUE(store_->UpsertAgents({testing::TestAgent("a3")}).ok());
  auto call_matched = ingestor_->MatchWaiting("connect", nullptr, 0);
  ASSERT_TRUE(call_matched.ok()) << call_matched.status();
  EXPECT_EQ(*call_matched, 1);
  auto survey_matched = ingestor_->MatchWaiting("surveys", nullptr, 0);
  ASSERT_TRUE(survey_matched.ok()) << survey_matched.status();
  EXPECT_EQ(*survey_matched, 1);
  EXPECT_EQ(Csat("a3"), 4);
  EXPECT_EQ(Csat("a1"), 0);
}

// Another replica on the same store writes the contact a waiting survey names: this one knows
// nothing changed, and finds it when it scans again a minute on.
TEST_F(ContactIngestTest, AContactAnotherReplicaStoresIsFoundByTheNextRescan) {
  ASSERT_EQ(Ingest({Survey("r1", "c9", 5)}, nullptr, "surveys").unmatched, 1);
  auto none = ingestor_->MatchWaiting("surveys", nullptr, 0);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, 0);

  ContactIngestor other_replica(store_.get(), &clock_);
  ContactBatch batch;
  batch.source = "connect";
  batch.contacts = {Call("c9", 100, "a1", 200)};
  ASSERT_TRUE(other_replica.Ingest(batch, nullptr).ok());

  clock_.Advance(absl::Seconds(30));
  auto early = ingestor_->MatchWaiting("surveys", nullptr, 0);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(*early, 0);
  EXPECT_EQ(Csat("a1"), 0);

  clock_.Advance(absl::Seconds(31));
  auto found = ingestor_->MatchWaiting("surveys", nullptr, 0);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, 1);
  EXPECT_EQ(Csat("a1"), 5);
}

TEST_F(ContactIngestTest, AMalformedReferenceIsLeftOutWithItsReason) {
  ContactInput survey = Survey("r1", "c1", 3);
  survey.facts[0].participant = "contact:no-slash";
  ContactSummary summary = Ingest({survey}, nullptr, "surveys");
  ASSERT_EQ(summary.problems.size(), 1u);
  EXPECT_NE(summary.problems[0].reason.find("contact:no-slash"), std::string::npos);
  EXPECT_NE(summary.problems[0].reason.find("not a reference"), std::string::npos);
}

TEST_F(ContactIngestTest, BadValuesAreLeftOutWithTheirReasonAndTheRestIsStored) {
  ContactInput contact = Call("c1", 100, "a1", 300);
  contact.facts[0].metrics.push_back({"csat", 7});
  contact.facts[0].metrics.push_back({"happiness", 1});
  contact.facts.push_back(contact.facts[0]);  // the same participant twice
  ContactSummary summary =
      Ingest({contact, ContactInput{"", 100, {}, "line 2"}, ContactInput{"c3", 0, {}, "line 3"}});
  EXPECT_EQ(summary.applied, 1);
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{1, 300}));
  std::vector<std::string> reasons;
  for (const ContactProblem& p : summary.problems) reasons.push_back(p.origin + ": " + p.reason);
  EXPECT_EQ(reasons,
            (std::vector<std::string>{
                "day1.jsonl line c1: contact \"c1\", participant \"a1\": metric csat: 7 is "
                "outside its range (1..5); left out",
                "day1.jsonl line c1: contact \"c1\", participant \"a1\": metric \"happiness\" is "
                "not in the catalogue; left out",
                "day1.jsonl line c1: contact \"c1\": participant \"a1\" is given twice; the first "
                "is kept",
                "line 2: the contact has no id",
                "line 3: contact \"c3\": no version (last-updated time)"}));
}

TEST_F(ContactIngestTest, ASourceNameMustBeFitForEventIds) {
  ContactBatch batch;
  batch.source = "connect eu";
  EXPECT_EQ(ingestor_->Ingest(batch, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ContactIngestTest, TheSourceReportsWhereItStands) {
  ContactBatch batch;
  batch.source = "connect";
  batch.position = "day1.jsonl line 4";
  batch.lag = "0 more files waiting";
  batch.taken = 4;
  batch.rejected = 1;
  batch.last_problem = "day1.jsonl line 2: not a JSON record";
  batch.contacts = {Call("c1", 100, "nobody", 1)};
  ASSERT_TRUE(ingestor_->Ingest(batch, nullptr).ok());
  auto sources = store_->ListSourceStatus();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].position, "day1.jsonl line 4");
  EXPECT_EQ((*sources)[0].taken, 4);
  EXPECT_EQ((*sources)[0].rejected, 1);
  EXPECT_EQ((*sources)[0].unmatched, 1);
  EXPECT_EQ((*sources)[0].contacts, 1);
}

TEST(ContactEventId, IsStableValidAndTellsParticipantsApart) {
  const std::string id = ContactEventId("connect", "c-0001", "jane.doe@example.com", "csat");
  EXPECT_EQ(id, ContactEventId("connect", "c-0001", "jane.doe@example.com", "csat"));
  EXPECT_NE(id, ContactEventId("connect", "c-0001", "sam.lee", "csat"));
  // "a:b" + "c" is not "a" + "b:c".
  EXPECT_NE(ContactEventId("s", "a:b", "c", "csat"), ContactEventId("s", "a", "b:c", "csat"));
  // The contact id as it is, the participant as 16 hex digits.
  EXPECT_TRUE(id.starts_with("connect:c-0001:")) << id;
  EXPECT_EQ(id.size(), std::string("connect:c-0001:").size() + 16 + std::string(":csat").size());
  // A contact id that cannot be part of an id, or is too long, is hashed.
  for (const std::string& contact : {std::string("ticket #42"), std::string(200, 'x')}) {
    const std::string hashed = ContactEventId("zendesk", contact, "7", "csat");
    EXPECT_EQ(hashed.size(), std::string("zendesk:").size() + 32 + 1 + 16 + 5) << hashed;
    EXPECT_EQ(hashed.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-.:"),
              std::string::npos)
        << hashed;
  }
}

TEST(ReadIdentityMap, NamesTheLineOfAProblem) {
  testing::TempDir dir;
  const auto write = [&](const std::string& text) {
    std::ofstream(dir.File("map.csv")) << text;
    return ReadIdentityMap(dir.File("map.csv"));
  };
  auto map = write("agent_id,identity\na1,jane.doe\n a2 , sam.lee \n");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(*map, (IdentityMap{{"jane.doe", "a1"}, {"sam.lee", "a2"}}));
  EXPECT_EQ(write("identity\njane,a1\n").status().message(),
            absl::StrCat("identity map ", dir.File("map.csv"),
                         ": line 1: the header must name identity and agent_id"));
  EXPECT_EQ(write("identity,agent_id\njane,a1\njane,a2\n").status().message(),
            absl::StrCat("identity map ", dir.File("map.csv"),
                         ": line 3: identity \"jane\" is given twice"));
  EXPECT_EQ(ReadIdentityMap(dir.File("none.csv")).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace plaudit

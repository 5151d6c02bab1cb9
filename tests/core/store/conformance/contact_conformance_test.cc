// The conformance suite's contacts: a contact replaces the stored one only at the version it was
// read at, its events are stored, replaced and retracted with corrections in the same
// transaction, unmatched facts are listed, and each source's status adds up; on every backend.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/core/store/conformance/backends.h"

namespace plaudit {
namespace {

class ContactConformance : public conformance::BackendTest {
 protected:
  // A contact of "connect" handled by `agent` (empty: unmatched) with the given csat, and, when
  // matched, its events: one contact and the csat.
  static ContactWrite Handled(const std::string& id, int64_t version, const std::string& agent,
                              double csat, std::optional<int64_t> replaces) {
    ContactWrite w;
    w.contact = ContactRecord{"connect", id, version, version + 5, {}};
    w.contact.facts.push_back(ContactFactRecord{
        "jo@example.com", agent, 1000, "VOICE", "Billing", {{"calls_handled", 1}, {"csat", csat}}});
    w.replaces_version = replaces;
    if (!agent.empty()) {
      w.events = {
          StoredEvent{"connect:" + id + ":jo:calls_handled", agent, "calls_handled", 1, 1000},
          StoredEvent{"connect:" + id + ":jo:csat", agent, "csat", csat, 1000}};
    }
    return w;
  }

  double CsatSum() {
    auto rows = backend_->events().Aggregate(0, 2000);
    EXPECT_TRUE(rows.ok()) << rows.status();
    double sum = 0;
    for (const AggregateRow& row : *rows) {
      if (row.metric == "csat") sum += row.aggregate.sum;
    }
    return sum;
  }
};

const EventReplacement kAs{"source:connect", "a newer version of the contact", 7000};

TEST_P(ContactConformance, AContactIsWrittenOnlyOverTheVersionItWasReadAt) {
  ContactStore& contacts = backend_->contacts();
  auto first = contacts.WriteContacts({Handled("c1", 100, "a1", 3, std::nullopt)}, kAs, {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, std::vector<bool>{true});
  EXPECT_DOUBLE_EQ(CsatSum(), 3);

  // A writer that read no contact, or an older version, writes nothing.
  auto stale = contacts.WriteContacts(
      {Handled("c1", 300, "a1", 1, std::nullopt), Handled("c1x", 300, "a1", 2, 50)}, kAs, {});
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ(*stale, (std::vector<bool>{false, false}));
  EXPECT_DOUBLE_EQ(CsatSum(), 3);
  EXPECT_FALSE(contacts.GetContact("connect", "c1x")->has_value());

  // Over the version it read: the events are replaced and the replacement is a correction.
  auto newer = contacts.WriteContacts({Handled("c1", 200, "a1", 5, 100)}, kAs, {});
  ASSERT_TRUE(newer.ok()) << newer.status();
  EXPECT_EQ(*newer, std::vector<bool>{true});
  Reopen();
  EXPECT_DOUBLE_EQ(CsatSum(), 5);
  auto stored = backend_->contacts().GetContact("connect", "c1");
  ASSERT_TRUE(stored.ok() && stored->has_value()) << stored.status();
  EXPECT_EQ((*stored)->version_us, 200);
  EXPECT_EQ((*stored)->received_us, 205);
  ASSERT_EQ((*stored)->facts.size(), 1u);
  EXPECT_EQ((*stored)->facts[0], Handled("c1", 200, "a1", 5, 100).contact.facts[0]);
  auto corrections = backend_->corrections().ListCorrections("connect:c1:jo:csat");
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 1u);
  EXPECT_EQ((*corrections)[0].kind, "event_replaced");
  EXPECT_EQ((*corrections)[0].actor, "source:connect");
  EXPECT_EQ((*corrections)[0].detail, "a1 csat 3 at 1970-01-01T00:00:00.001Z");
  // The unchanged event is a duplicate: no correction.
  EXPECT_TRUE(backend_->corrections().ListCorrections("connect:c1:jo:calls_handled")->empty());
}

TEST_P(ContactConformance, EventsTheNewerVersionNoLongerStandsForAreRetractedAndCanComeBack) {
  ContactStore& contacts = backend_->contacts();
  ASSERT_TRUE(contacts.WriteContacts({Handled("c1", 100, "a1", 4, std::nullopt)}, kAs, {}).ok());
  // The agent is no longer known for the contact (a ticket reassigned to an unknown agent).
  auto moved = contacts.WriteContacts({Handled("c1", 200, "", 4, 100)}, kAs, {});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_DOUBLE_EQ(CsatSum(), 0);
  EXPECT_EQ(*backend_->events().CountEvents(), 0);
  auto corrections = backend_->corrections().ListCorrections("connect:c1:jo:csat");
  ASSERT_EQ(corrections->size(), 1u);
  EXPECT_EQ((*corrections)[0].kind, "event_retracted");
  EXPECT_EQ((*corrections)[0].reason, "a newer version of the contact");

  // Matched again at the same version: the retracted ids come back.
  auto matched = contacts.WriteContacts({Handled("c1", 200, "a2", 4, 200)}, kAs, {});
  ASSERT_TRUE(matched.ok()) << matched.status();
  EXPECT_EQ(*matched, std::vector<bool>{true});
  EXPECT_EQ(*backend_->events().CountEvents(), 2);
  auto rows = backend_->events().Aggregate(0, 2000, "a2");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);
}

TEST_P(ContactConformance, TwoWritesOfOneContactInOneCallAreRefused) {
  auto twice = backend_->contacts().WriteContacts(
      {Handled("c1", 100, "a1", 4, std::nullopt), Handled("c1", 200, "a1", 5, std::nullopt)}, kAs,
      {});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(backend_->contacts().GetContact("connect", "c1")->has_value());
  EXPECT_EQ(*backend_->events().CountEvents(), 0);
}

TEST_P(ContactConformance, UnmatchedContactsAreListedInPagesAndSourcesAddUp) {
  ContactStore& contacts = backend_->contacts();
  SourceProgress progress{"connect", "day1.jsonl line 3", "0 files waiting", 3, 1, "", 9000};
  ASSERT_TRUE(contacts
                  .WriteContacts({Handled("c1", 100, "", 4, std::nullopt),
                                  Handled("c2", 100, "a1", 4, std::nullopt),
                                  Handled("c3", 100, "", 2, std::nullopt)},
                                 kAs, progress)
                  .ok());
  progress = {"connect", "", "1 file waiting", 2, 0, "line 9: not JSON", 9500};
  ASSERT_TRUE(contacts.WriteContacts({}, kAs, progress).ok());

  auto page = contacts.ListUnmatchedContacts("", "", "", 1);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].contact_id, "c1");
  ASSERT_EQ((*page)[0].facts.size(), 1u);
  EXPECT_EQ((*page)[0].facts[0].participant, "jo@example.com");
  page = contacts.ListUnmatchedContacts("connect", "connect", "c1", 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].contact_id, "c3");
  EXPECT_TRUE(contacts.ListUnmatchedContacts("genesys", "", "", 10)->empty());

  auto sources = contacts.ListSourceStatus();
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 1u);
  const SourceStatusRecord& s = (*sources)[0];
  EXPECT_EQ(s.source, "connect");
  EXPECT_EQ(s.position, "day1.jsonl line 3");  // an empty position keeps the last
  EXPECT_EQ(s.lag, "1 file waiting");
  EXPECT_EQ(s.taken, 5);
  EXPECT_EQ(s.rejected, 1);
  EXPECT_EQ(s.unmatched, 2);
  EXPECT_EQ(s.contacts, 3);
  EXPECT_EQ(s.last_problem, "line 9: not JSON");
  EXPECT_EQ(s.updated_us, 9500);
}

INSTANTIATE_TEST_SUITE_P(Backends, ContactConformance, ::testing::Values("sqlite", "postgres"),
                         conformance::BackendName);

}  // namespace
}  // namespace plaudit

// Contacts as metric sources last reported them, the metric events derived from them, and where
// each source stands. An interface of the store (core/store/store.h), implemented by each backend.
//
// The store keeps what it is given and applies it atomically; which version wins, who the agent
// is and which events a contact stands for are decided by the caller (core/ingest/contact_ingest).
#ifndef PLAUDIT_CORE_STORE_CONTACT_STORE_H_
#define PLAUDIT_CORE_STORE_CONTACT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

// One agent's part in a contact, as its source reported it.
struct ContactFactRecord {
  // The agent's identity on the platform (a user name or id).
  std::string participant;
  // The agent it was matched to; empty while unmatched (the fact then waits, and stands for no
  // event).
  std::string agent_id;
  int64_t occurred_us = 0;
  std::string channel;
  std::string queue;
  // Catalogue metric name and value, by name (read back in that order).
  std::vector<std::pair<std::string, double>> metrics;

  bool operator==(const ContactFactRecord&) const = default;
};

// A contact at one version: every fact of it.
struct ContactRecord {
  std::string source;
  std::string contact_id;
  // The platform's last-updated time of this version.
  int64_t version_us = 0;
  // When it was taken in.
  int64_t received_us = 0;
  std::vector<ContactFactRecord> facts;
};

// One contact to write: it replaces the stored contact only while that is still at
// `replaces_version` (nullopt: while none is stored), so that two writers of the same contact
// cannot interleave. `events` are all the metric events this version stands for.
struct ContactWrite {
  ContactRecord contact;
  std::optional<int64_t> replaces_version;
  std::vector<StoredEvent> events;
};

// What a source reports of itself with a batch: where it now stands, and how far behind.
struct SourceProgress {
  std::string source;
  // Free text the source chooses ("contacts-2026-10-05.jsonl line 1200", "partition 0 offset 99").
  std::string position;
  std::string lag;
  // Records it took in, and records it could not read, with this batch.
  int64_t taken = 0;
  int64_t rejected = 0;
  // The last problem it reported; empty keeps the one before.
  std::string last_problem;
  int64_t at_us = 0;
};

struct SourceStatusRecord {
  std::string source;
  std::string position;
  std::string lag;
  int64_t taken = 0;
  int64_t rejected = 0;
  // Facts waiting for their agent.
  int64_t unmatched = 0;
  // Contacts stored.
  int64_t contacts = 0;
  std::string last_problem;
  int64_t updated_us = 0;
};

class ContactStore {
 public:
  virtual ~ContactStore() = default;

  // The stored version of each of `contact_ids` of `source` that is stored, in no order.
  virtual absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ContactVersions(
      const std::string& source, const std::vector<std::string>& contact_ids) = 0;
  virtual absl::StatusOr<std::optional<ContactRecord>> GetContact(
      const std::string& source, const std::string& contact_id) = 0;

  // In one transaction, each write whose contact is still stored at its replaces_version:
  //   - its facts replace the stored contact's;
  //   - its events are stored as InsertEvents stores them with `as` (an id held with other
  //     content, or retracted, is replaced and recorded as an "event_replaced" correction);
  //   - events of the version it replaces that it no longer stands for are retracted, recorded as
  //     "event_retracted" corrections by `as`.
  // And `progress` is added to its source's status (when its source is not empty). One entry per
  // write, in order: true when written, false when the stored version had moved (nothing of that
  // write is applied). INVALID_ARGUMENT, writing nothing, when two writes are of the same contact.
  virtual absl::StatusOr<std::vector<bool>> WriteContacts(const std::vector<ContactWrite>& writes,
                                                          const EventReplacement& as,
                                                          const SourceProgress& progress) = 0;

  // Contacts with at least one unmatched fact, of `source` (every source when empty), in
  // (source, contact id) order after (after_source, after_contact), at most `limit`.
  virtual absl::StatusOr<std::vector<ContactRecord>> ListUnmatchedContacts(
      const std::string& source, const std::string& after_source, const std::string& after_contact,
      int limit) = 0;

  // Every source that reported progress or holds contacts, by name.
  virtual absl::StatusOr<std::vector<SourceStatusRecord>> ListSourceStatus() = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_CONTACT_STORE_H_

// Contacts from metric sources (Amazon Connect, Genesys Cloud, Zendesk, ...): the rules that turn
// what a platform last reported of a contact into metric events.
//
// - A contact is keyed by (source, contact id) and versioned by the platform's last-updated time.
//   A version newer than the stored one replaces it whole: its events replace those of the older
//   one (recorded as corrections by "source:<name>"), and events it no longer stands for (an agent
//   no longer in it) are retracted. An older or equal version changes nothing, so a platform's
//   at-least-once delivery and a source's replay after a crash count once.
// - Each fact's participant (the agent's identity on the platform) is matched to an agent: by the
//   source's identity map (a CSV file `identity,agent_id`), else by agent id, else by the agents'
//   email (case-insensitive). A fact with no match is stored and waits, standing for no event,
//   until MatchWaiting() finds its agent.
// - A participant "contact:<source>/<contact id>" (ContactReference) is whoever took another
//   source's contact: a survey response that names the contact it rates, not the agent. It is the
//   agent of that contact's fact that happened last, once one is matched; until the contact is
//   stored (a survey may come before the contact's record), the fact waits like any other.
// - A fact stands for one event per metric, at its occurred time, for its agent, with an id stable
//   across versions: "<source>:<contact id>:<16 hex digits of SHA-256(participant)>:<metric>" (so
//   that a contact's events sit together, and in the order contacts come); a contact id that is
//   not letters, digits, - _ . and : or that would make the id longer than 128 characters is
//   replaced by the first 32 hex digits of its SHA-256.
// - A metric not in the catalogue, or a value outside its range, is left out of the fact with a
//   problem naming it; the rest of the contact is stored.
//
// Committed awards never change by themselves: a late revision changes the events, and
// restatement shows what it would change.
//
// Thread-safe. Writes of one contact by two callers (two replicas) cannot interleave: each is
// written only over the version it was read at (ContactStore::WriteContacts), and is read and
// tried again when that moved.
#ifndef PLAUDIT_CORE_INGEST_CONTACT_INGEST_H_
#define PLAUDIT_CORE_INGEST_CONTACT_INGEST_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/domain/clock.h"
#include "core/store/store.h"

namespace plaudit {

struct ContactFactInput {
  std::string participant;
  int64_t occurred_us = 0;
  std::string channel;
  std::string queue;
  std::vector<std::pair<std::string, double>> metrics;
};

struct ContactInput {
  std::string contact_id;
  int64_t version_us = 0;
  std::vector<ContactFactInput> facts;
  // Where it came from, for problems ("day1.jsonl line 12").
  std::string origin;
};

struct ContactBatch {
  std::string source;
  std::vector<ContactInput> contacts;
  // The source's own account of itself (ContactStore's SourceProgress).
  std::string position;
  std::string lag;
  int64_t taken = 0;
  int64_t rejected = 0;
  std::string last_problem;
};

struct ContactProblem {
  std::string origin;
  std::string reason;
};

struct ContactSummary {
  int64_t applied = 0;
  int64_t unchanged = 0;
  int64_t unmatched = 0;
  std::vector<ContactProblem> problems;
};

// Platform identity -> agent id, of one source.
using IdentityMap = std::map<std::string, std::string>;

// Reads an identity map file: a header `identity,agent_id`, then one row each. INVALID_ARGUMENT
// naming the line for a malformed one (a missing column, an identity given twice).
absl::StatusOr<IdentityMap> ReadIdentityMap(const std::string& path);

// The participant that stands for whoever took `contact_id` of `source` (see above).
std::string ContactReference(const std::string& source, const std::string& contact_id);

// The event id a fact's metric stands for (see above).
std::string ContactEventId(const std::string& source, const std::string& contact_id,
                           const std::string& participant, const std::string& metric);

class ContactIngestor {
 public:
  ContactIngestor(Store* store, Clock* clock);

  // Stores what is newer in `batch` and reports on the rest. `identities` is the source's
  // identity map (may be null). INVALID_ARGUMENT for a source name that is not letters, digits, _
  // and -; UNAVAILABLE and the like when the store fails (nothing stored: send again).
  absl::StatusOr<ContactSummary> Ingest(const ContactBatch& batch, const IdentityMap* identities);

  // Applies the waiting facts of `source` whose agent is now known (by `identities` or the
  // agents), at the version they were stored with; returns how many contacts changed. Cheap when
  // neither the agents nor the map changed since the last call for the source.
  absl::StatusOr<int64_t> MatchWaiting(const std::string& source, const IdentityMap* identities,
                                       int64_t identities_generation);

 private:
  struct Agents {
    absl::flat_hash_map<std::string, std::string> by_id;     // id -> id
    absl::flat_hash_map<std::string, std::string> by_email;  // lower-case email -> id
  };
  // Reference participant -> the agent who took the contact it names ("" while none is known).
  using References = absl::flat_hash_map<std::string, std::string>;
  absl::StatusOr<std::shared_ptr<const Agents>> KnownAgents();
  // The agents that the reference participants of `contacts` stand for, looked up in the store.
  absl::StatusOr<References> ResolveReferences(const std::vector<const ContactRecord*>& contacts);
  // The agent `participant` is, or "".
  static std::string Match(const Agents& agents, const IdentityMap* identities,
                           const References& references, const std::string& participant);
  // The write of `contact` over `replaces`, its facts matched and its events derived.
  static ContactWrite Derive(ContactRecord contact, std::optional<int64_t> replaces,
                             const Agents& agents, const IdentityMap* identities,
                             const References& references);

  Store* const store_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::shared_ptr<const Agents> agents_ ABSL_GUARDED_BY(mu_);
  int64_t agents_generation_ ABSL_GUARDED_BY(mu_) = -1;
  // Contacts this ingestor changed: a waiting reference may now have its contact.
  std::atomic<int64_t> contacts_written_{0};
  // What MatchWaiting last saw of a source: the agents' and identity map's generations, the
  // contacts written and the waiting references stored by then, whether references were left
  // waiting, and when it scanned. Contacts written since matter only to a source with waiting
  // references: the others' waiting facts need an agent or a map entry, and rereading them at
  // every write would cost a scan of them per batch. Contacts another replica writes on a shared
  // store are not counted here: a source with waiting references is scanned again once
  // kReferenceRescan has passed.
  struct Matched {
    int64_t agents = -1;
    int64_t identities = -1;
    int64_t contacts = -1;
    int64_t references = -1;
    bool waiting_references = false;
    absl::Time scanned = absl::InfinitePast();
  };
  // Per source, how many times Ingest stored a fact whose reference found no agent; a scan that
  // began before the last of them may have missed it.
  std::map<std::string, int64_t> references_stored_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Matched> matched_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_INGEST_CONTACT_INGEST_H_

#include "core/ingest/contact_ingest.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "core/csv/csv_reader.h"
#include "core/domain/metric_catalogue.h"
#include "plaudit/source_name.h"

namespace plaudit {
namespace {

// Contacts of one source read or written per store call while matching waiting facts.
constexpr int kMatchPage = 500;
// Times a contact whose stored version moved under us is read and tried again.
constexpr int kWriteAttempts = 3;
// How often a source whose references wait is scanned again though nothing this process knows of
// changed: another replica may have stored the contacts they name.
constexpr absl::Duration kReferenceRescan = absl::Seconds(60);
constexpr char kReferencePrefix[] = "contact:";
constexpr size_t kReferencePrefixSize = sizeof(kReferencePrefix) - 1;

std::string Quoted(const std::string& text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

// Why `value` cannot stand for `metric`; empty when it can.
std::string MetricProblem(const std::string& metric, double value) {
  const MetricSpec* spec = FindMetric(metric);
  if (spec == nullptr) return absl::StrCat("metric ", Quoted(metric), " is not in the catalogue");
  if (!std::isfinite(value)) return absl::StrCat("metric ", metric, ": not a finite number");
  if (value < spec->min || value > spec->max) {
    return absl::StrFormat("metric %s: %.15g is outside its range (%.15g..%.15g)", metric, value,
                           spec->min, spec->max);
  }
  return "";
}

// The first `bytes` bytes of SHA-256(text), in hex.
std::string Digest(const std::string& text, size_t bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), bytes));
}

// The (source, contact id) a reference participant names; nullopt for any other participant, and
// for a reference that names no valid source or no contact.
std::optional<std::pair<std::string, std::string>> ParseReference(const std::string& participant) {
  if (!absl::StartsWith(participant, kReferencePrefix)) return std::nullopt;
  const std::string rest = participant.substr(kReferencePrefixSize);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 == rest.size()) return std::nullopt;
  std::string source = rest.substr(0, slash);
  if (!IsSourceName(source)) return std::nullopt;
  return std::make_pair(std::move(source), rest.substr(slash + 1));
}

}  // namespace

std::string ContactReference(const std::string& source, const std::string& contact_id) {
  return absl::StrCat(kReferencePrefix, source, "/", contact_id);
}

absl::StatusOr<IdentityMap> ReadIdentityMap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("identity map ", path, ": cannot be read"));
  CsvReader reader(in);
  CsvRecord record;
  const auto problem = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("identity map ", path, ": line ", record.line, ": ", what));
  };
  if (!reader.Next(&record)) return problem("empty: expected a header identity,agent_id");
  int identity = -1, agent = -1;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const std::string name(absl::StripAsciiWhitespace(record.fields[i]));
    if (name == "identity") identity = static_cast<int>(i);
    if (name == "agent_id") agent = static_cast<int>(i);
  }
  if (identity < 0 || agent < 0) return problem("the header must name identity and agent_id");
  IdentityMap map;
  while (reader.Next(&record)) {
    if (!record.error.empty()) return problem(record.error);
    if (record.fields.size() <= static_cast<size_t>(std::max(identity, agent))) {
      return problem("expected identity and agent_id");
    }
    const std::string key(absl::StripAsciiWhitespace(record.fields[identity]));
    const std::string value(absl::StripAsciiWhitespace(record.fields[agent]));
    if (key.empty() || value.empty()) return problem("identity and agent_id must not be empty");
    if (!map.emplace(key, value).second) {
      return problem(absl::StrCat("identity ", Quoted(key), " is given twice"));
    }
  }
  if (in.bad()) return absl::UnavailableError(absl::StrCat("identity map ", path, ": read failed"));
  return map;
}

std::string ContactEventId(const std::string& source, const std::string& contact_id,
                           const std::string& participant, const std::string& metric) {
  const std::string who = Digest(participant, 8);
  // Event ids take 1-128 letters, digits, - _ . and :.
  const bool plain = !contact_id.empty() &&
                     std::all_of(contact_id.begin(), contact_id.end(),
                                 [](char c) {
                                   return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                                          c == '-' || c == '_' || c == '.' || c == ':';
                                 }) &&
                     source.size() + contact_id.size() + who.size() + metric.size() + 3 <= 128;
  return absl::StrCat(source, ":", plain ? contact_id : Digest(contact_id, 16), ":", who, ":",
                      metric);
}

ContactIngestor::ContactIngestor(Store* store, Clock* clock) : store_(store), clock_(clock) {}

absl::StatusOr<std::shared_ptr<const ContactIngestor::Agents>> ContactIngestor::KnownAgents() {
  const int64_t generation = store_->agents_generation();
  {
    absl::MutexLock lock(&mu_);
    if (agents_ != nullptr && agents_generation_ == generation) return agents_;
  }
  auto list = store_->ListAgents();
  if (!list.ok()) return list.status();
  auto agents = std::make_shared<Agents>();
  for (const Agent& a : *list) {
    agents->by_id.emplace(a.id, a.id);
    if (!a.email.empty()) agents->by_email.emplace(absl::AsciiStrToLower(a.email), a.id);
  }
  absl::MutexLock lock(&mu_);
  agents_ = agents;
  agents_generation_ = generation;
  return std::shared_ptr<const Agents>(agents);
}

absl::StatusOr<ContactIngestor::References> ContactIngestor::ResolveReferences(
    const std::vector<const ContactRecord*>& contacts) {
  References references;
  for (const ContactRecord* contact : contacts) {
    for (const ContactFactRecord& fact : contact->facts) {
      if (references.contains(fact.participant)) continue;
      auto named = ParseReference(fact.participant);
      if (!named.has_value()) continue;
      auto taken = store_->GetContact(named->first, named->second);
      if (!taken.ok()) return taken.status();
      // The agent of the contact's last leg (the first of equals). While that leg's agent is not
      // known the reference waits, rather than crediting whoever took the contact before.
      const ContactFactRecord* last = nullptr;
      if (taken->has_value()) {
        for (const ContactFactRecord& leg : (*taken)->facts) {
          if (last == nullptr || leg.occurred_us > last->occurred_us) last = &leg;
        }
      }
      references.emplace(fact.participant, last == nullptr ? "" : last->agent_id);
    }
  }
  return references;
}

std::string ContactIngestor::Match(const Agents& agents, const IdentityMap* identities,
                                   const References& references, const std::string& participant) {
  if (auto it = references.find(participant); it != references.end()) {
    return agents.by_id.contains(it->second) ? it->second : "";
  }
  if (ParseReference(participant).has_value()) return "";
  if (identities != nullptr) {
    auto mapped = identities->find(participant);
    if (mapped != identities->end()) {
      return agents.by_id.contains(mapped->second) ? mapped->second : "";
    }
  }
  if (auto it = agents.by_id.find(participant); it != agents.by_id.end()) return it->second;
  if (auto it = agents.by_email.find(absl::AsciiStrToLower(participant));
      it != agents.by_email.end()) {
    return it->second;
  }
  return "";
}

ContactWrite ContactIngestor::Derive(ContactRecord contact, std::optional<int64_t> replaces,
                                     const Agents& agents, const IdentityMap* identities,
                                     const References& references) {
  ContactWrite write;
  write.replaces_version = replaces;
  for (ContactFactRecord& fact : contact.facts) {
    fact.agent_id = Match(agents, identities, references, fact.participant);
    if (fact.agent_id.empty()) continue;
    for (const auto& [metric, value] : fact.metrics) {
      write.events.push_back(
          StoredEvent{ContactEventId(contact.source, contact.contact_id, fact.participant, metric),
                      fact.agent_id, metric, value, fact.occurred_us});
    }
  }
  write.contact = std::move(contact);
  return write;
}

absl::StatusOr<ContactSummary> ContactIngestor::Ingest(const ContactBatch& batch,
                                                       const IdentityMap* identities) {
  if (!IsSourceName(batch.source)) {
    return absl::InvalidArgumentError(
        absl::StrCat("source ", Quoted(batch.source),
                     ": expected 1-64 letters, digits, _ and - (it prefixes event ids)"));
  }
  auto agents = KnownAgents();
  if (!agents.ok()) return agents.status();
  ContactSummary summary;
  const int64_t now_us = absl::ToUnixMicros(clock_->Now());

  // Valid contacts by id; of one contact given twice, the newest version (the first of equals).
  std::map<std::string, ContactRecord> newest;
  for (const ContactInput& in : batch.contacts) {
    const auto refuse = [&](std::string reason) {
      summary.problems.push_back(ContactProblem{in.origin, std::move(reason)});
    };
    if (in.contact_id.empty()) {
      refuse("the contact has no id");
      continue;
    }
    if (in.version_us <= 0) {
      refuse(absl::StrCat("contact ", Quoted(in.contact_id), ": no version (last-updated time)"));
      continue;
    }
    ContactRecord record{batch.source, in.contact_id, in.version_us, now_us, {}};
    std::set<std::string> participants;
    for (const ContactFactInput& f : in.facts) {
      if (f.participant.empty()) {
        refuse(absl::StrCat("contact ", Quoted(in.contact_id), ": a fact has no participant"));
        continue;
      }
      if (absl::StartsWith(f.participant, kReferencePrefix) &&
          !ParseReference(f.participant).has_value()) {
        refuse(absl::StrCat("contact ", Quoted(in.contact_id), ": participant ",
                            Quoted(f.participant),
                            " is not a reference contact:<source>/<contact id>; left out"));
        continue;
      }
      if (!participants.insert(f.participant).second) {
        refuse(absl::StrCat("contact ", Quoted(in.contact_id), ": participant ",
                            Quoted(f.participant), " is given twice; the first is kept"));
        continue;
      }
      ContactFactRecord fact{f.participant, "", f.occurred_us, f.channel, f.queue, {}};
      std::set<std::string> seen;
      for (const auto& [metric, value] : f.metrics) {
        std::string problem = MetricProblem(metric, value);
        if (problem.empty() && !seen.insert(metric).second) {
          problem = absl::StrCat("metric ", metric, " is given twice; the first is kept");
        }
        if (!problem.empty()) {
          refuse(absl::StrCat("contact ", Quoted(in.contact_id), ", participant ",
                              Quoted(f.participant), ": ", problem, "; left out"));
          continue;
        }
        fact.metrics.emplace_back(metric, value);
      }
      std::sort(fact.metrics.begin(), fact.metrics.end());
      record.facts.push_back(std::move(fact));
    }
    auto [it, inserted] = newest.try_emplace(in.contact_id, std::move(record));
    if (inserted) continue;
    ++summary.unchanged;
    if (record.version_us > it->second.version_us) it->second = std::move(record);
  }

  SourceProgress progress{batch.source,   batch.position,     batch.lag, batch.taken,
                          batch.rejected, batch.last_problem, now_us};
  bool progress_recorded = false;
  bool waiting_references = false;
  const EventReplacement as{absl::StrCat("source:", batch.source), "a newer version of the contact",
                            now_us};
  for (int attempt = 0; attempt < kWriteAttempts && !newest.empty(); ++attempt) {
    std::vector<std::string> ids;
    ids.reserve(newest.size());
    for (const auto& [id, unused] : newest) ids.push_back(id);
    auto stored = store_->ContactVersions(batch.source, ids);
    if (!stored.ok()) return stored.status();
    absl::flat_hash_map<std::string, int64_t> versions(stored->begin(), stored->end());
    std::vector<const ContactRecord*> newer;
    for (auto it = newest.begin(); it != newest.end();) {
      auto version = versions.find(it->first);
      if (version != versions.end() && version->second >= it->second.version_us) {
        ++summary.unchanged;
        it = newest.erase(it);
        continue;
      }
      newer.push_back(&it->second);
      ++it;
    }
    auto references = ResolveReferences(newer);
    if (!references.ok()) return references.status();
    std::vector<ContactWrite> writes;
    for (const ContactRecord* contact : newer) {
      auto version = versions.find(contact->contact_id);
      std::optional<int64_t> replaces;
      if (version != versions.end()) replaces = version->second;
      writes.push_back(Derive(*contact, replaces, **agents, identities, *references));
    }
    auto written = store_->WriteContacts(writes, as, progress);
    if (!written.ok()) return written.status();
    progress = SourceProgress{batch.source, "", batch.lag, 0, 0, "", now_us};
    progress_recorded = true;
    for (size_t i = 0; i < writes.size(); ++i) {
      if (!(*written)[i]) continue;  // moved meanwhile: read again
      ++summary.applied;
      contacts_written_.fetch_add(1, std::memory_order_relaxed);
      for (const ContactFactRecord& fact : writes[i].contact.facts) {
        if (!fact.agent_id.empty()) continue;
        ++summary.unmatched;
        if (ParseReference(fact.participant).has_value()) waiting_references = true;
      }
      newest.erase(writes[i].contact.contact_id);
    }
  }
  if (waiting_references) {
    absl::MutexLock lock(&mu_);
    ++references_stored_[batch.source];
  }
  if (!progress_recorded) {
    auto recorded = store_->WriteContacts({}, as, progress);
    if (!recorded.ok()) return recorded.status();
  }
  for (const auto& [id, contact] : newest) {
    summary.problems.push_back(ContactProblem{
        "",
        absl::StrCat("contact ", Quoted(id), " kept changing while it was written; not stored")});
  }
  return summary;
}

absl::StatusOr<int64_t> ContactIngestor::MatchWaiting(const std::string& source,
                                                      const IdentityMap* identities,
                                                      int64_t identities_generation) {
  Matched now{store_->agents_generation(),
              identities_generation,
              contacts_written_.load(std::memory_order_relaxed),
              0,
              false,
              clock_->Now()};
  {
    absl::MutexLock lock(&mu_);
    now.references = references_stored_[source];
    auto it = matched_at_.find(source);
    if (it != matched_at_.end() && it->second.agents == now.agents &&
        it->second.identities == now.identities && it->second.references == now.references &&
        (!it->second.waiting_references || (it->second.contacts == now.contacts &&
                                            now.scanned - it->second.scanned < kReferenceRescan))) {
      return 0;
    }
  }
  auto agents = KnownAgents();
  if (!agents.ok()) return agents.status();
  const int64_t now_us = absl::ToUnixMicros(clock_->Now());
  const EventReplacement as{absl::StrCat("source:", source), "the contact's agent is now known",
                            now_us};
  int64_t changed = 0;
  std::string after_contact;
  while (true) {
    auto page = store_->ListUnmatchedContacts(source, source, after_contact, kMatchPage);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    after_contact = page->back().contact_id;
    std::vector<const ContactRecord*> waiting;
    for (const ContactRecord& contact : *page) {
      if (contact.source == source) waiting.push_back(&contact);
    }
    auto references = ResolveReferences(waiting);
    if (!references.ok()) return references.status();
    std::vector<ContactWrite> writes;
    for (const ContactRecord* waiting_contact : waiting) {
      const ContactRecord& contact = *waiting_contact;
      ContactWrite write = Derive(contact, contact.version_us, **agents, identities, *references);
      bool newly = false;
      for (size_t i = 0; i < contact.facts.size(); ++i) {
        newly = newly ||
                (contact.facts[i].agent_id.empty() && !write.contact.facts[i].agent_id.empty());
      }
      for (const ContactFactRecord& fact : write.contact.facts) {
        now.waiting_references =
            now.waiting_references ||
            (fact.agent_id.empty() && ParseReference(fact.participant).has_value());
      }
      if (newly) writes.push_back(std::move(write));
    }
    if (!writes.empty()) {
      // A contact whose version moved meanwhile was matched by the writer that moved it.
      auto written = store_->WriteContacts(writes, as, SourceProgress{});
      if (!written.ok()) return written.status();
      const int64_t now_matched = std::count(written->begin(), written->end(), true);
      changed += now_matched;
      contacts_written_.fetch_add(now_matched, std::memory_order_relaxed);
    }
    if (static_cast<int>(page->size()) < kMatchPage) break;
  }
  absl::MutexLock lock(&mu_);
  matched_at_[source] = now;
  return changed;
}

}  // namespace plaudit

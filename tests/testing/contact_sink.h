// What tests of metric-source plugins store into: a SQLite store with a few agents and the real
// contact ingest behind a FakePluginHost's "ingest.facts", with failures a test may ask for and
// every request kept (to look for secrets in what a plugin reports).
#ifndef PLAUDIT_TESTS_TESTING_CONTACT_SINK_H_
#define PLAUDIT_TESTS_TESTING_CONTACT_SINK_H_

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "core/domain/clock.h"
#include "core/ingest/contact_ingest.h"
#include "core/plugin_host/contact_facts.h"
#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/plugin_harness.h"

namespace plaudit::testing {

class ContactSink {
 public:
  // A store at `dir`/plaudit.db holding agents `agent_ids` (team T, hired 2024-01-15), whose
  // ingest matches participants by `identities`, answering `host`'s "ingest.facts" from now on.
  ContactSink(const std::filesystem::path& dir, FakePluginHost* host,
              const std::vector<std::string>& agent_ids, IdentityMap identities)
      : identities_(std::move(identities)) {
    auto store = Store::Open((dir / "plaudit.db").string());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return;
    store_ = *std::move(store);
    std::vector<Agent> agents;
    for (const std::string& id : agent_ids) {
      Agent a;
      a.id = id;
      a.display_name = id;
      a.team = "T";
      a.hire_date = absl::CivilDay(2024, 1, 15);
      agents.push_back(a);
    }
    EXPECT_TRUE(store_->UpsertAgents(agents).ok());
    ingestor_ = std::make_unique<ContactIngestor>(store_.get(), &clock_);
    host->SetFactsHandler([this](const pb::IngestFactsRequest& request,
                                 pb::IngestFactsResponse* response,
                                 std::string* error) { return Ingest(request, response, error); });
  }

  Store* store() { return store_.get(); }
  ContactIngestor* ingestor() { return ingestor_.get(); }

  // The next `calls` calls fail before storing anything (a store that is down).
  void FailBefore(int calls) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_before_ = calls;
  }
  // The next `calls` calls store, and then fail (the answer lost: a crash before the source
  // moved on).
  void FailAfter(int calls) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_after_ = calls;
  }
  int failures_after_left() {
    std::lock_guard<std::mutex> lock(mu_);
    return fail_after_;
  }
  // Every request received, in order.
  std::vector<pb::IngestFactsRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  bool Ingest(const pb::IngestFactsRequest& request, pb::IngestFactsResponse* response,
              std::string* error) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      if (fail_before_ > 0) {
        --fail_before_;
        *error = "store unavailable";
        return false;
      }
    }
    *response =
        FactsResponseFrom(ingestor_->Ingest(ContactBatchFromRequest(request), &identities_));
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_after_ > 0) {
      --fail_after_;
      *error = "connection reset";
      return false;
    }
    return true;
  }

  const IdentityMap identities_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ContactIngestor> ingestor_;
  std::mutex mu_;
  std::vector<pb::IngestFactsRequest> requests_;  // guarded by mu_
  int fail_before_ = 0;                           // guarded by mu_
  int fail_after_ = 0;                            // guarded by mu_
};

}  // namespace plaudit::testing

#endif  // PLAUDIT_TESTS_TESTING_CONTACT_SINK_H_

// The parking plugin behind the real plugin host and fulfilment engine: winners who prefer the
// same spot get them in rank order, however the engine's workers interleave.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/awards/award_lifecycle.h"
#include "core/fulfilment/fulfilment_engine.h"
#include "core/ingest/ingest.h"
#include "core/plugin_host/plugin_host.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

std::string ParkingPlugin() {
  const char* build_dir = std::getenv("PLAUDIT_BUILD_DIR");
  EXPECT_NE(build_dir, nullptr) << "PLAUDIT_BUILD_DIR is not set; run the tests through ctest";
  return absl::StrCat(build_dir == nullptr ? "." : build_dir, "/plugins/parking.so");
}

// Passes every call to the plugin host and lets the test wait until `n` rewards are fulfilled.
class CountingFulfiller : public RewardFulfiller {
 public:
  explicit CountingFulfiller(RewardFulfiller* host) : host_(host) {}

  FulfilResult Fulfil(const FulfilmentCall& call) override { return Count(host_->Fulfil(call)); }
  FulfilResult Lookup(const FulfilmentCall& call) override { return Count(host_->Lookup(call)); }
  std::string PluginServing(const std::string& reward_type) const override {
    return host_->PluginServing(reward_type);
  }
  std::set<std::string> RewardTypesInRankOrder() const override {
    return host_->RewardTypesInRankOrder();
  }

  bool AwaitFulfilled(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return fulfilled_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(60));
  }

 private:
  FulfilResult Count(FulfilResult result) {
    absl::MutexLock lock(&mu_);
    if (result.outcome == FulfilOutcome::kFulfilled) ++fulfilled_;
    return result;
  }

  RewardFulfiller* host_;
  absl::Mutex mu_;
  int fulfilled_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(ParkingRankOrder, TheBestRankGetsThePreferredSpotEveryTime) {
  // The demo's pool; every winner prefers "vip,near_entrance". By rank: P1 (vip and near the
  // entrance), P3 (near the entrance), then the pool's order: P2, P4.
  const std::map<int, std::string> kSpotByRank = {{1, "P1"}, {2, "P3"}, {3, "P2"}, {4, "P4"}};
  // Ranks against the agents' ids, so that neither id nor commit order is rank order.
  const std::map<std::string, int> kRankOf = {{"ana", 4}, {"bo", 2}, {"cy", 3}, {"dee", 1}};
  for (int run = 0; run < 20; ++run) {
    SCOPED_TRACE(absl::StrCat("run ", run));
    testing::TempDir dir;
    std::unique_ptr<Store> store = testing::OpenTestStore(dir);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->PutProgram({"customer-hero", "Customer Hero", "monthly", "Europe/Stockholm", 0, "x"})
            .ok());
    DecisionRecord decision;
    decision.program_id = "customer-hero";
    decision.period = "2026-10";
    std::vector<Agent> agents;
    for (const auto& [agent, rank] : kRankOf) {
      agents.push_back(testing::TestAgent(agent));
      AwardRecord award;
      award.id = "customer-hero.2026-10." + agent;
      award.program_id = decision.program_id;
      award.period = decision.period;
      award.agent_id = agent;
      award.rank = rank;
      FulfilmentRecord parking;
      parking.id = award.id + ".parking";
      parking.award_id = award.id;
      parking.agent_id = agent;
      parking.type = "parking";
      parking.params = {{"prefer", "vip,near_entrance"}};
      parking.idempotency_key = absl::StrCat("key-", run, "-", agent);
      award.fulfilments.push_back(parking);
      decision.awards.push_back(award);
    }
    std::mt19937 shuffle(run);
    std::shuffle(decision.awards.begin(), decision.awards.end(), shuffle);
    ASSERT_TRUE(store->UpsertAgents(agents).ok());
    ASSERT_TRUE(store->CommitDecision(decision, PlanAutoApproval).ok());

    RealClock clock;
    EventIngestor ingestor(store.get());
    PluginHost host({dir.path(),
                     {{"parking",
                       {{"spots", "P1:vip,near_entrance;P2:ev;P3:accessible,near_entrance;P4"},
                        {"time_zone", "Europe/Stockholm"}}}}},
                    store.get(), &ingestor, &clock);
    const PluginStatus loaded = host.Load(ParkingPlugin());
    ASSERT_TRUE(loaded.loaded) << loaded.error;
    // The host reads the plugin's declaration.
    ASSERT_EQ(host.RewardTypesInRankOrder(), std::set<std::string>{"parking"});

    CountingFulfiller fulfiller(&host);
    FulfilmentEngine::Options options;
    options.workers = 4;
    options.plugin_concurrency = 4;
    options.idle_wait = absl::Milliseconds(5);
    FulfilmentEngine engine(store.get(), &fulfiller, &clock, options);
    engine.Start();
    engine.Wake();
    EXPECT_TRUE(fulfiller.AwaitFulfilled(static_cast<int>(kRankOf.size())));
    engine.Stop();

    const std::vector<FulfilmentRecord> rows = *store->ListFulfilments("");
    ASSERT_EQ(rows.size(), kRankOf.size());
    for (const FulfilmentRecord& row : rows) {
      const std::string agent = row.agent_id;
      const std::string& spot = kSpotByRank.at(kRankOf.at(agent));
      EXPECT_EQ(row.state, FulfilmentState::kFulfilled) << agent;
      // "spot P1 (vip, near_entrance) from 2026-11-01 to 2026-11-30"
      EXPECT_TRUE(row.artifact.starts_with("spot " + spot + " "))
          << agent << " (rank " << kRankOf.at(agent) << ") got " << row.artifact;
    }
  }
}

}  // namespace
}  // namespace plaudit

// How fast gift cards go out: the vendor sandbox answers every request `latency` late on loopback;
// first a plain client orders cards from it with `concurrency` requests at once (the baseline: what
// the vendor allows at that concurrency), then the same number of gift-card rewards, generated
// here and committed as one decision, are delivered by the real fulfilment engine through the real
// gift_card plugin (loaded from --plugin-dir through the plugin host) and a store in a temporary
// directory. Prints both rates, what the vendor was asked per reward and how the store grouped
// its writes, and checks that every reward was fulfilled with exactly one order.
//
//   bench_fulfilment --plugin-dir DIR [--rewards N] [--latency-ms MS] [--workers N]
//                    [--concurrency N] [--balance-ttl-s S]
//
// --workers and --concurrency default to plauditd's defaults (fulfilment.workers and
// fulfilment.default_concurrency); --balance-ttl-s to the gift_card plugin's (0: the balance is
// read before every order).
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/awards/award_lifecycle.h"
#include "core/config/server_config.h"
#include "core/domain/clock.h"
#include "core/fulfilment/fulfilment_engine.h"
#include "core/ingest/ingest.h"
#include "core/plugin_host/plugin_host.h"
#include "core/store/store.h"
#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"
#include "tools/vendor_sandbox/http_server.h"
#include "tools/vendor_sandbox/vendor_sandbox.h"

namespace {

using plaudit::sandbox::HttpReply;
using plaudit::sandbox::HttpRequest;
using plaudit::sandbox::HttpServer;
using plaudit::sandbox::VendorSandbox;

constexpr char kApiKey[] = "bench-key";
constexpr int64_t kCardMinorUnits = 1000;  // a 10.00 USD card

struct Args {
  std::string plugin_dir;
  int rewards = 5000;
  int latency_ms = 20;
  int workers = plaudit::FulfilmentConfig().workers;
  int concurrency = plaudit::FulfilmentConfig().default_concurrency;
  int balance_ttl_s = 60;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "bench_fulfilment: %s\n", message.c_str());
  std::exit(1);
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Fail(flag + " needs a value");
    const std::string value = argv[++i];
    int number = 0;
    const bool numeric = absl::SimpleAtoi(value, &number) && number >= 0;
    if (flag == "--plugin-dir") {
      args.plugin_dir = value;
    } else if (!numeric) {
      Fail(flag + ": expected a number, got \"" + value + "\"");
    } else if (flag == "--rewards" && number > 0) {
      args.rewards = number;
    } else if (flag == "--latency-ms") {
      args.latency_ms = number;
    } else if (flag == "--workers" && number > 0) {
      args.workers = number;
    } else if (flag == "--concurrency" && number > 0) {
      args.concurrency = number;
    } else if (flag == "--balance-ttl-s") {
      args.balance_ttl_s = number;
    } else {
      Fail("unknown flag or bad value: " + flag + " " + value);
    }
  }
  if (args.plugin_dir.empty()) Fail("--plugin-dir is required (the build's plugins folder)");
  return args;
}

// The sandbox on loopback, every request `latency_ms` late, counting requests per path.
class Vendor {
 public:
  Vendor(int rewards, int latency_ms) {
    plaudit::sandbox::SandboxOptions options;
    options.api_key = kApiKey;
    // Enough for the baseline's cards and the rewards', with room to spare.
    options.balances = {{"USD", int64_t{4} * rewards * kCardMinorUnits}};
    sandbox_ = std::make_unique<VendorSandbox>(options);
    if (latency_ms > 0) {
      std::string error;
      plaudit::json::Json fault = plaudit::json::Json::object();
      fault["type"] = "latency";
      fault["latency_ms"] = latency_ms;
      fault["ratio"] = 1;
      if (!sandbox_->AddFault(fault, &error)) Fail("latency fault: " + error);
    }
    std::string error;
    server_ = HttpServer::Start(
        0,
        [this](const HttpRequest& request) {
          {
            absl::MutexLock lock(&mu_);
            ++requests_[request.method + " " + request.path];
          }
          return sandbox_->Handle(request);
        },
        &error);
    if (server_ == nullptr) Fail("vendor sandbox: " + error);
  }

  std::string url() const { return server_->url(); }

  std::map<std::string, int64_t> TakeRequests() {
    absl::MutexLock lock(&mu_);
    std::map<std::string, int64_t> taken;
    taken.swap(requests_);
    return taken;
  }

  // Orders per external reference, from the sandbox's own list.
  std::map<std::string, int> OrdersByReference() {
    HttpRequest request;
    request.method = "GET";
    request.path = "/v1/_orders";
    const HttpReply reply = sandbox_->Handle(request);
    std::string error;
    const auto body = plaudit::json::ParseStrict(reply.body, &error);
    if (!body) Fail("cannot read the sandbox's orders: " + error);
    std::map<std::string, int> orders;
    for (const auto& order : body->at("orders")) {
      ++orders[plaudit::json::StringMember(order, "external_reference")];
    }
    return orders;
  }

 private:
  std::unique_ptr<VendorSandbox> sandbox_;
  std::unique_ptr<HttpServer> server_;
  absl::Mutex mu_;
  std::map<std::string, int64_t> requests_;
};

// CPU time this process has used, every thread (the sandbox's included), in seconds.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `orders` cards ordered by `concurrency` threads, each waiting for its answer before the next.
double SandboxAlone(const std::string& url, int orders, int concurrency) {
  plaudit::http::CurlHttpClient http;
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < orders; i = next++) {
        plaudit::http::Request request;
        request.method = "POST";
        request.url = url + "/v1/orders";
        request.headers = {{"Authorization", std::string("Bearer ") + kApiKey},
                           {"Content-Type", "application/json"}};
        request.body =
            absl::StrCat(R"({"external_reference":"baseline-)", i,
                         R"(","brand_id":"bookshop","amount":10,"currency":"USD",)",
                         R"("recipient":{"name":"Baseline","email":"baseline@example.com"}})");
        const plaudit::http::Response response = http.Send(request);
        if (response.failure != plaudit::http::Failure::kNone || response.status != 201) ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = Seconds(start);
  if (failed > 0) Fail(absl::StrCat(failed.load(), " baseline orders failed"));
  return seconds;
}

// The plugin host, counting the rewards it reports fulfilled, so that the run ends when the last
// one is.
class CountingFulfiller : public plaudit::RewardFulfiller {
 public:
  explicit CountingFulfiller(plaudit::PluginHost* host) : host_(host) {}

  plaudit::FulfilResult Fulfil(const plaudit::FulfilmentCall& call) override {
    return Count(host_->Fulfil(call));
  }
  plaudit::FulfilResult Lookup(const plaudit::FulfilmentCall& call) override {
    return Count(host_->Lookup(call));
  }
  std::string PluginServing(const std::string& reward_type) const override {
    return host_->PluginServing(reward_type);
  }
  std::set<std::string> RewardTypesInRankOrder() const override {
    return host_->RewardTypesInRankOrder();
  }

  void AwaitFulfilled(int rewards) {
    absl::MutexLock lock(&mu_);
    auto done = [this, rewards]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return fulfilled_ >= rewards; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&done), absl::Minutes(30))) {
      Fail(absl::StrCat("only ", fulfilled_, " of ", rewards, " rewards fulfilled in 30 minutes"));
    }
  }

  int others() {
    absl::MutexLock lock(&mu_);
    return others_;
  }

 private:
  plaudit::FulfilResult Count(plaudit::FulfilResult result) {
    absl::MutexLock lock(&mu_);
    if (result.outcome == plaudit::FulfilOutcome::kFulfilled) {
      ++fulfilled_;
    } else {
      ++others_;
    }
    return result;
  }

  plaudit::PluginHost* host_;
  absl::Mutex mu_;
  int fulfilled_ ABSL_GUARDED_BY(mu_) = 0;
  int others_ ABSL_GUARDED_BY(mu_) = 0;
};

// One decision of `rewards` awards, one 10.00 USD gift card each, approved as decided.
void CommitRewards(plaudit::Store& store, int rewards, int64_t now_us) {
  std::vector<plaudit::Agent> agents;
  plaudit::DecisionRecord decision;
  decision.program_id = "bench";
  decision.period = "2026-11";
  for (int i = 0; i < rewards; ++i) {
    plaudit::Agent agent;
    agent.id = absl::StrCat("agent-", i);
    agent.display_name = absl::StrCat("Agent ", i);
    agent.email = absl::StrCat("agent-", i, "@example.com");
    agent.team = "T";
    agents.push_back(agent);
    plaudit::AwardRecord award;
    award.id = absl::StrCat("bench.2026-11.", agent.id);
    award.program_id = decision.program_id;
    award.period = decision.period;
    award.agent_id = agent.id;
    award.rank = i + 1;
    plaudit::FulfilmentRecord card;
    card.id = award.id + ".gift_card";
    card.award_id = award.id;
    card.agent_id = agent.id;
    card.type = "gift_card";
    card.params = {{"brand", "bookshop"}, {"amount", "10"}, {"currency", "USD"}};
    card.idempotency_key = absl::StrCat("bench-", i);
    card.next_attempt_us = now_us;
    award.fulfilments.push_back(card);
    decision.awards.push_back(award);
  }
  if (absl::Status stored = store.UpsertAgents(agents); !stored.ok()) Fail(stored.ToString());
  auto program = store.PutProgram(
      {"bench", "Fulfilment benchmark", "monthly", "UTC", 0, "id: bench\n", false, 0});
  if (!program.ok()) Fail(program.status().ToString());
  auto committed = store.CommitDecision(decision, plaudit::PlanAutoApproval);
  if (!committed.ok()) Fail(committed.status().ToString());
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  const std::filesystem::path plugin_file =
      std::filesystem::absolute(args.plugin_dir) / "gift_card.so";
  if (!std::filesystem::exists(plugin_file)) Fail(plugin_file.string() + " is missing");
  char pattern[] = "/tmp/bench-fulfilment-XXXXXX";
  if (mkdtemp(pattern) == nullptr) Fail("cannot make a temporary directory");
  const std::filesystem::path work(pattern);
  std::filesystem::create_directories(work / "plugins");
  std::filesystem::create_directories(work / "data");
  std::filesystem::create_symlink(plugin_file, work / "plugins" / "gift_card.so");
  std::ofstream(work / "vendor.key") << kApiKey << "\n";

  std::printf(
      "%d gift cards of 10.00 USD; vendor sandbox on loopback answering every request %d ms "
      "late; %d workers, %d gift_card calls at once, balance_ttl_s %d\n",
      args.rewards, args.latency_ms, args.workers, args.concurrency, args.balance_ttl_s);
  std::fflush(stdout);

  Vendor vendor(args.rewards, args.latency_ms);
  const double cpu_start = CpuSeconds();
  const double baseline_s = SandboxAlone(vendor.url(), args.rewards, args.concurrency);
  vendor.TakeRequests();
  const double baseline_cpu_s = CpuSeconds() - cpu_start;
  std::printf("  sandbox alone, plain client, %d at once: %d orders in %.2f s = %.0f orders/s\n",
              args.concurrency, args.rewards, baseline_s, args.rewards / baseline_s);
  std::fflush(stdout);

  plaudit::RealClock clock;
  auto opened = plaudit::Store::Open((work / "data" / "plaudit.db").string());
  if (!opened.ok()) Fail(opened.status().ToString());
  std::unique_ptr<plaudit::Store> store = *std::move(opened);
  plaudit::EventIngestor ingestor(store.get());
  plaudit::PluginHost::Options host_options;
  host_options.data_dir = (work / "data").string();
  host_options.config["gift_card"] = {{"base_url", vendor.url()},
                                      {"api_key_file", (work / "vendor.key").string()},
                                      {"balance_ttl_s", std::to_string(args.balance_ttl_s)}};
  plaudit::PluginHost host(host_options, store.get(), &ingestor, &clock);
  if (absl::Status loaded = host.LoadDirectory((work / "plugins").string()); !loaded.ok()) {
    Fail(loaded.ToString());
  }
  if (!host.RewardTypes().contains("gift_card")) Fail("the gift_card plugin did not load");
  CommitRewards(*store, args.rewards, absl::ToUnixMicros(clock.Now()));
  const plaudit::Store::WriteGroupStats writes_before = store->write_group_stats();

  CountingFulfiller fulfiller(&host);
  plaudit::FulfilmentEngine::Options options;
  options.workers = args.workers;
  options.plugin_concurrency = args.concurrency;
  options.plugin_limits = {{"gift_card", args.concurrency}};
  plaudit::FulfilmentEngine engine(store.get(), &fulfiller, &clock, options);
  const auto start = std::chrono::steady_clock::now();
  const double engine_cpu_start = CpuSeconds();
  engine.Start();
  engine.Wake();
  fulfiller.AwaitFulfilled(args.rewards);
  engine.Stop();
  const double engine_s = Seconds(start);
  const double engine_cpu_s = CpuSeconds() - engine_cpu_start;
  const std::map<std::string, int64_t> requests = vendor.TakeRequests();
  const plaudit::Store::WriteGroupStats writes_after = store->write_group_stats();

  // Every reward fulfilled, each with exactly one order under its key.
  const auto rows = store->ListFulfilments("");
  if (!rows.ok()) Fail(rows.status().ToString());
  int fulfilled = 0;
  for (const plaudit::FulfilmentRecord& row : *rows) {
    fulfilled += row.state == plaudit::FulfilmentState::kFulfilled ? 1 : 0;
  }
  const std::map<std::string, int> orders = vendor.OrdersByReference();
  for (int i = 0; i < args.rewards; ++i) {
    auto it = orders.find(absl::StrCat("bench-", i));
    if (it == orders.end() || it->second != 1) Fail(absl::StrCat("bench-", i, " has no one order"));
  }
  if (fulfilled != args.rewards) {
    Fail(absl::StrCat(fulfilled, " of ", args.rewards, " rewards are recorded fulfilled"));
  }

  auto per_reward = [&](const std::string& what) {
    auto it = requests.find(what);
    return it == requests.end() ? 0.0 : static_cast<double>(it->second) / args.rewards;
  };
  const int64_t writes = writes_after.writes - writes_before.writes;
  const int64_t commits = writes_after.commits - writes_before.commits;
  std::printf(
      "  engine + gift_card plugin + store:        %d rewards in %.2f s = %.0f rewards/s "
      "(%.0f%% of the sandbox alone)\n",
      args.rewards, engine_s, args.rewards / engine_s, 100.0 * baseline_s / engine_s);
  std::printf(
      "  vendor requests per reward: %.3f orders, %.3f balance reads, %.3f catalogue reads; "
      "other outcomes on the way: %d\n",
      per_reward("POST /v1/orders"), per_reward("GET /v1/balance"), per_reward("GET /v1/catalog"),
      fulfiller.others());
  std::printf("  store: %lld grouped writes in %lld commits (%.1f writes per commit)\n",
              static_cast<long long>(writes), static_cast<long long>(commits),
              commits > 0 ? static_cast<double>(writes) / commits : 0.0);
  std::printf(
      "  CPU time of this process (sandbox included): %.2f ms per baseline order, %.2f ms per "
      "reward\n",
      1000 * baseline_cpu_s / args.rewards, 1000 * engine_cpu_s / args.rewards);
  std::printf(
      "RESULT rewards=%d workers=%d concurrency=%d balance_ttl_s=%d baseline_per_s=%.0f "
      "rewards_per_s=%.0f writes_per_commit=%.1f cpu_ms_per_order=%.2f cpu_ms_per_reward=%.2f\n",
      args.rewards, args.workers, args.concurrency, args.balance_ttl_s, args.rewards / baseline_s,
      args.rewards / engine_s, commits > 0 ? static_cast<double>(writes) / commits : 0.0,
      1000 * baseline_cpu_s / args.rewards, 1000 * engine_cpu_s / args.rewards);
  store.reset();
  std::error_code ignored;
  std::filesystem::remove_all(work, ignored);
  return 0;
}

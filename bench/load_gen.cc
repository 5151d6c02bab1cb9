// plaudit-load: a gRPC load generator for the standings RPCs, built on the project's stubs.
// For each concurrency level it runs that many workers, each making one call at a time for a
// fixed time (--duration) or until a number of calls is reached (--calls), and prints the calls,
// the errors (with the first error's message), calls per second and latency percentiles.
// Workers share a channel per --workers-per-channel, each channel its own HTTP/2 connection, so
// that one connection's flow control does not set the ceiling.
//
//   plaudit-load --server 127.0.0.1:50051 --rpc leaderboard --program standings
//   plaudit-load --server ... --rpc explain --program standings --agents-file agents.txt
//   plaudit-load --server ... --rpc summary --agent-prefix a --agents 1000 --concurrency 1,8
//
// See BENCHMARKS.md ("Standings") for the output and scripts/bench-standings.sh for a whole run.
// With --drain-events it instead reads one export of every event to its end, dropping it
// (scripts/bench-export.sh).
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/latency_summary.h"
#include "bench/standings_calls.h"
#include "plaudit/v1/exports.grpc.pb.h"

namespace plaudit::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct LoadOptions {
  std::string server = "127.0.0.1:50051";
  std::string rpc_name = "leaderboard";
  CallSettings call;
  std::string agents_file;
  std::string agent_prefix = "a";
  int agents = 0;
  int agent_digits = 6;
  std::string concurrency = "1,8,32";
  double duration_s = 10;
  int64_t calls = 0;
  int warmup = 1;
  int workers_per_channel = 4;
  std::string token_file;
  std::string ca_file;
  uint64_t seed = 1;
};

struct LevelResult {
  int concurrency = 0;
  LatencySummary latency;
  int64_t errors = 0;
  std::string first_error;
  double wall_s = 0;
};

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "DEADLINE_EXCEEDED: Deadline Exceeded": gRPC's codes are numbered as absl's.
std::string DescribeStatus(const grpc::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

// The agents calls pick from: the file's lines, or <prefix><n> for n in 1..agents, n padded to
// `digits` (the ids plaudit-bench-data generates).
std::optional<std::vector<std::string>> AgentIds(const LoadOptions& options, std::string* error) {
  std::vector<std::string> ids;
  if (!options.agents_file.empty()) {
    auto text = ReadFile(options.agents_file);
    if (!text) {
      *error = "--agents-file: cannot read " + options.agents_file;
      return std::nullopt;
    }
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) ids.emplace_back(line);
    }
  } else {
    for (int n = 1; n <= options.agents; ++n) {
      ids.push_back(absl::StrFormat("%s%0*d", options.agent_prefix, options.agent_digits, n));
    }
  }
  return ids;
}

std::optional<std::vector<int>> ParseLevels(const std::string& text) {
  std::vector<int> levels;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    int level = 0;
    if (!absl::SimpleAtoi(part, &level) || level <= 0 || level > 4096) return std::nullopt;
    levels.push_back(level);
  }
  if (levels.empty()) return std::nullopt;
  return levels;
}

std::shared_ptr<grpc::Channel> MakeChannel(const LoadOptions& options, const std::string& ca_pem,
                                           int index) {
  grpc::ChannelArguments arguments;
  // A whole leaderboard of 100,000 standings is far above gRPC's 4 MB default.
  arguments.SetMaxReceiveMessageSize(-1);
  // As the CLI: a stream may run 8 MB ahead of what was read (HTTP/2 flow control).
  arguments.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 8 * 1024 * 1024);
  // Channels with equal arguments may share a connection; a private subchannel pool and an
  // argument of its own give each channel its own.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  arguments.SetInt("plaudit.load_channel", index);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(options.server, credentials, arguments);
}

LevelResult RunLevel(int concurrency, const LoadOptions& options,
                     const std::vector<std::unique_ptr<StandingsCaller>>& callers,
                     const std::vector<std::string>& agents) {
  std::atomic<int64_t> issued{0};
  std::vector<std::vector<double>> latencies(concurrency);
  std::atomic<int64_t> errors{0};
  std::mutex first_error_mu;
  std::string first_error;
  const Clock::time_point start = Clock::now();
  const Clock::time_point stop = start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options.duration_s));
  auto work = [&](int worker) {
    const StandingsCaller& caller = *callers[worker / options.workers_per_channel];
    std::mt19937_64 rng(options.seed * 1000003 + static_cast<uint64_t>(worker));
    std::uniform_int_distribution<size_t> pick(0, agents.empty() ? 0 : agents.size() - 1);
    static const std::string kNoAgent;
    for (;;) {
      if (options.calls > 0) {
        if (issued.fetch_add(1) >= options.calls) break;
      } else if (Clock::now() >= stop) {
        break;
      }
      const std::string& agent = agents.empty() ? kNoAgent : agents[pick(rng)];
      const Clock::time_point begun = Clock::now();
      grpc::Status status = caller.Call(agent);
      latencies[worker].push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - begun).count());
      if (!status.ok() && errors.fetch_add(1) == 0) {
        std::lock_guard<std::mutex> lock(first_error_mu);
        first_error = DescribeStatus(status);
      }
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(concurrency);
  for (int w = 0; w < concurrency; ++w) workers.emplace_back(work, w);
  for (std::thread& worker : workers) worker.join();
  LevelResult result;
  result.concurrency = concurrency;
  result.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& one : latencies) all.insert(all.end(), one.begin(), one.end());
  result.latency = Summarize(std::move(all));
  result.errors = errors.load();
  result.first_error = first_error;
  return result;
}

// The PEM of --ca-file ("" without one); nullopt, having said why, when it cannot be read.
std::optional<std::string> ReadCa(const LoadOptions& options) {
  if (options.ca_file.empty()) return std::string();
  auto ca = ReadFile(options.ca_file);
  if (!ca) {
    std::fprintf(stderr, "plaudit-load: --ca-file: cannot read %s\n", options.ca_file.c_str());
    return std::nullopt;
  }
  return *ca;
}

int Run(const LoadOptions& parsed) {
  LoadOptions options = parsed;
  auto rpc = ParseStandingsRpc(options.rpc_name);
  if (!rpc) {
    std::fprintf(stderr,
                 "plaudit-load: --rpc must be leaderboard, explain, summary, decision or "
                 "whoami, not \"%s\"\n",
                 options.rpc_name.c_str());
    return 2;
  }
  options.call.rpc = *rpc;
  auto levels = ParseLevels(options.concurrency);
  if (!levels) {
    std::fprintf(stderr,
                 "plaudit-load: --concurrency must be a comma-separated list of numbers "
                 "from 1 to 4096, not \"%s\"\n",
                 options.concurrency.c_str());
    return 2;
  }
  if (absl::Status checked = StandingsCaller::Check(options.call); !checked.ok()) {
    std::fprintf(stderr, "plaudit-load: %s\n", std::string(checked.message()).c_str());
    return 2;
  }
  std::string error;
  auto agents = AgentIds(options, &error);
  if (!agents) {
    std::fprintf(stderr, "plaudit-load: %s\n", error.c_str());
    return 2;
  }
  if (agents->empty() && (*rpc == StandingsRpc::kExplain || *rpc == StandingsRpc::kSummary)) {
    std::fprintf(stderr,
                 "plaudit-load: --rpc %s needs agents: --agents-file, or --agents N (with "
                 "--agent-prefix)\n",
                 options.rpc_name.c_str());
    return 2;
  }
  if (!options.token_file.empty()) {
    auto token = ReadFile(options.token_file);
    if (!token) {
      std::fprintf(stderr, "plaudit-load: --token-file: cannot read %s\n",
                   options.token_file.c_str());
      return 2;
    }
    options.call.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  const std::optional<std::string> ca_pem = ReadCa(options);
  if (!ca_pem) return 2;

  const int most = *std::max_element(levels->begin(), levels->end());
  const int channels = (most + options.workers_per_channel - 1) / options.workers_per_channel;
  std::vector<std::unique_ptr<StandingsCaller>> callers;
  for (int c = 0; c < channels; ++c) {
    auto channel = MakeChannel(options, *ca_pem, c);
    // Over the JSON API the channel is never used, and never connects.
    if (options.call.web.empty() &&
        !channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::fprintf(stderr, "plaudit-load: cannot connect to %s within 10 s\n",
                   options.server.c_str());
      return 1;
    }
    callers.push_back(std::make_unique<StandingsCaller>(channel, options.call));
  }

  for (int i = 0; i < options.warmup; ++i) {
    const std::string agent = agents->empty() ? "" : (*agents)[i % agents->size()];
    grpc::Status status = callers.front()->Call(agent);
    if (!status.ok()) {
      std::fprintf(stderr, "plaudit-load: the warm-up call failed: %s\n",
                   DescribeStatus(status).c_str());
      return 1;
    }
  }

  std::printf(
      "rpc %s: %s, program %s, period %s, server %s, %s per level, %d worker(s) per "
      "channel, %zu agent(s)\n",
      options.rpc_name.c_str(), DescribeStandingsRpc(*rpc).c_str(),
      options.call.program_id.empty() ? "-" : options.call.program_id.c_str(),
      options.call.period.c_str(), options.server.c_str(),
      options.calls > 0 ? absl::StrCat(options.calls, " calls").c_str()
                        : absl::StrFormat("%g s", options.duration_s).c_str(),
      options.workers_per_channel, agents->size());
  std::printf("%11s %8s %7s %9s %9s %9s %9s %9s\n", "concurrency", "calls", "errors", "calls/s",
              "p50_ms", "p90_ms", "p99_ms", "max_ms");
  std::fflush(stdout);
  bool any_error = false;
  for (int level : *levels) {
    LevelResult result = RunLevel(level, options, callers, *agents);
    const double per_second = result.wall_s > 0 ? result.latency.calls / result.wall_s : 0;
    std::printf("%11d %8lld %7lld %9.1f %9.2f %9.2f %9.2f %9.2f\n", level,
                static_cast<long long>(result.latency.calls), static_cast<long long>(result.errors),
                per_second, result.latency.p50_ms, result.latency.p90_ms, result.latency.p99_ms,
                result.latency.max_ms);
    if (result.errors > 0) {
      any_error = true;
      std::printf("first error at concurrency %d: %s\n", level, result.first_error.c_str());
    }
    std::fflush(stdout);
  }
  return any_error ? 3 : 0;
}

// One export of every event read to its end and dropped: how fast plauditd streams the export
// when the client writes nothing. Prints "drain rows=N batches=B seconds=S".
int DrainEvents(const LoadOptions& options) {
  const std::optional<std::string> ca_pem = ReadCa(options);
  if (!ca_pem) return 2;
  auto exports = v1::ExportService::NewStub(MakeChannel(options, *ca_pem, 0));
  grpc::ClientContext context;
  v1::ExportRequest request;
  request.set_batch_size(10000);
  const auto start = std::chrono::steady_clock::now();
  auto reader = exports->ExportEvents(&context, request);
  v1::ExportEventsBatch batch;
  int64_t rows = 0;
  int64_t batches = 0;
  while (reader->Read(&batch)) {
    rows += batch.event_id_lengths_size();
    ++batches;
  }
  const grpc::Status status = reader->Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!status.ok()) {
    std::fprintf(stderr, "plaudit-load: export failed: %s\n", status.error_message().c_str());
    return 1;
  }
  std::printf("drain rows=%lld batches=%lld seconds=%.3f\n", static_cast<long long>(rows),
              static_cast<long long>(batches), seconds);
  return 0;
}

}  // namespace
}  // namespace plaudit::bench

int main(int argc, char** argv) {
  plaudit::bench::LoadOptions options;
  CLI::App app{
      "plaudit-load: load for the standings RPCs (leaderboard, explain, summary, "
      "decision, whoami) at several concurrency levels"};
  app.add_option("--server", options.server, "host:port of plauditd")->capture_default_str();
  app.add_option("--rpc", options.rpc_name,
                 "leaderboard | explain | summary | decision | wall | whoami")
      ->capture_default_str();
  app.add_option("--program", options.call.program_id, "the program's id");
  app.add_option("--period", options.call.period,
                 "a label of the program's cadence (2026-10), or current")
      ->capture_default_str();
  app.add_option("--agents-file", options.agents_file,
                 "agent ids, one a line, to pick from at random (explain, summary)");
  app.add_option("--agent-prefix", options.agent_prefix, "without --agents-file: ids <prefix><n>")
      ->capture_default_str();
  app.add_option("--agents", options.agents, "without --agents-file: n from 1 to this");
  app.add_option("--agent-digits", options.agent_digits, "n is zero-padded to this many digits")
      ->capture_default_str();
  app.add_option("--concurrency", options.concurrency, "comma-separated worker counts")
      ->capture_default_str();
  auto* duration = app.add_option("--duration", options.duration_s,
                                  "seconds per level in which calls are started")
                       ->capture_default_str();
  app.add_option("--calls", options.calls, "calls per level instead of --duration")
      ->excludes(duration);
  app.add_option("--warmup", options.warmup, "calls made once before measuring")
      ->capture_default_str();
  int deadline_ms = 120000;
  app.add_option("--deadline-ms", deadline_ms, "deadline of each call")->capture_default_str();
  app.add_option("--workers-per-channel", options.workers_per_channel,
                 "workers sharing one channel (one HTTP/2 connection)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--page-size", options.call.page_size,
                 "EvaluateAwards page size (leaderboard, decision), once the request has one");
  app.add_option("--token-file", options.token_file, "a bearer token to send");
  app.add_option("--ca-file", options.ca_file, "speak TLS, trusting this CA");
  app.add_option("--as", options.call.actor, "development mode: the claimed name");
  app.add_option("--web", options.call.web,
                 "the pages' base URL (http://127.0.0.1:8080): call their JSON API over HTTP "
                 "instead of gRPC");
  app.add_option("--seed", options.seed, "seed of the agent picks")->capture_default_str();
  bool drain_events = false;
  app.add_flag("--drain-events", drain_events,
               "instead: export every event once, dropping the batches, and print the time");
  CLI11_PARSE(app, argc, argv);
  if (drain_events) return plaudit::bench::DrainEvents(options);
  options.call.deadline = std::chrono::milliseconds(deadline_ms);
  return plaudit::bench::Run(options);
}

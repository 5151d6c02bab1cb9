// plaudit-bench-data: generates a synthetic contact centre's month (agents in teams, metric
// events spread over the month) straight into a plauditd data directory through the Store, as
// plauditd itself would hold it, so that plauditd started on the directory serves it at once.
// Prints what the Store's inserts cost beside SQLite's raw insert loop of the same rows, and
// SQLite's own GROUP BY over the month's events (the baseline for evaluating the month).
//
//   plaudit-bench-data --data-dir DIR --agents 1000 --events 1700000 --month current
//   plaudit-bench-data --csv-out more.csv --agents 1000 --events 200000 --event-prefix imp
//
// With --csv-out it writes the events as an events CSV for `plaudit metrics import` instead.
// With --read-baseline DB it only reads every event of DB in export order and prints the time
// (the baseline of scripts/bench-export.sh).
// Output lines are described in BENCHMARKS.md ("Standings").
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/sqlite_baselines.h"
#include "bench/synthetic_contact_centre.h"
#include "core/store/secrets_key_file.h"
#include "core/store/store.h"

namespace plaudit::bench {
namespace {

struct DataOptions {
  DatasetSpec spec;
  std::string data_dir;
  std::string csv_out;
  std::string agents_out;
  std::string month = "current";
  std::string metrics = absl::StrJoin(SyntheticMetrics(), ",");
  int batch = 2000;
  int64_t raw_events = -1;
  std::string scratch_dir;
  bool group_by = true;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

double PerSecond(int64_t n, double seconds) { return seconds > 0 ? n / seconds : 0; }

// "current": from the start of this month (UTC) until now; "YYYY-MM": the whole month (UTC).
bool ParseMonth(const std::string& month, DatasetSpec* spec) {
  if (month == "current") {
    const absl::Time now = absl::Now();
    const absl::CivilMonth this_month(absl::ToCivilSecond(now, absl::UTCTimeZone()));
    spec->start = absl::FromCivil(this_month, absl::UTCTimeZone());
    spec->end = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
    return true;
  }
  absl::CivilMonth civil;
  if (!absl::ParseCivilTime(month, &civil)) return false;
  spec->start = absl::FromCivil(civil, absl::UTCTimeZone());
  spec->end = absl::FromCivil(civil + 1, absl::UTCTimeZone());
  return true;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "plaudit-bench-data: %s\n", message.c_str());
  return 1;
}

int WriteCsv(const DataOptions& options) {
  std::ofstream out(options.csv_out, std::ios::binary | std::ios::trunc);
  if (!out) return Fail("--csv-out: cannot write " + options.csv_out);
  out << "event_id,agent_id,metric,value,occurred_at\n";
  SyntheticEventStream stream(options.spec);
  StoredEvent e;
  const auto start = std::chrono::steady_clock::now();
  while (stream.Next(&e)) {
    out << e.event_id << ',' << e.agent_id << ',' << e.metric << ',' << absl::StrCat(e.value) << ','
        << Rfc3339(absl::FromUnixMicros(e.occurred_at_us)) << '\n';
  }
  out.close();
  if (!out) return Fail("--csv-out: cannot write " + options.csv_out);
  std::printf("csv       %lld events in %.3f s to %s\n", static_cast<long long>(stream.produced()),
              SecondsSince(start), options.csv_out.c_str());
  return 0;
}

int WriteStore(const DataOptions& options) {
  const DatasetSpec& spec = options.spec;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return Fail("--data-dir: cannot create " + options.data_dir + ": " + ec.message());
  // plauditd keeps its data directory private; it would tighten it anyway, with a notice.
  ::chmod(options.data_dir.c_str(), 0700);
  const std::string db_path = options.data_dir + "/plaudit.db";
  // A new database, or one that holds no events yet (programs applied first, so that the store
  // keeps their period aggregates as the events are written).
  const bool existed = fs::exists(db_path);
  if (!existed) {
    std::ofstream touch(db_path);
  }
  ::chmod(db_path.c_str(), 0600);
  // Where plauditd looks for the key by default, so that it opens the database as its own.
  auto cipher = LoadOrCreateSecretsKey(options.data_dir + "/secrets.key");
  if (!cipher.ok()) return Fail(std::string(cipher.status().message()));
  auto store = Store::Open(db_path, *std::move(cipher));
  if (!store.ok()) return Fail(std::string(store.status().message()));
  if (existed) {
    auto events = (*store)->CountEvents();
    if (!events.ok()) return Fail(std::string(events.status().message()));
    if (*events != 0) {
      return Fail("--data-dir: " + db_path + " already holds events; generate into a directory " +
                  "without any");
    }
  }

  auto started = std::chrono::steady_clock::now();
  if (absl::Status upserted = (*store)->UpsertAgents(SyntheticAgents(spec)); !upserted.ok()) {
    return Fail(std::string(upserted.message()));
  }
  std::printf("agents    %d in %.3f s (Store::UpsertAgents)\n", spec.agents, SecondsSince(started));
  std::fflush(stdout);

  const int64_t raw_count =
      options.raw_events < 0 ? spec.events : std::min(options.raw_events, spec.events);
  SyntheticEventStream stream(spec);
  std::vector<StoredEvent> batch(options.batch);
  double insert_seconds = 0;
  double seconds_at_raw_count = 0;
  int64_t inserted = 0;
  int64_t not_stored = 0;
  int64_t next_progress = spec.events / 10;
  for (;;) {
    // A batch ends where the raw loop's share ends, so the two can be compared row for row.
    int64_t room = options.batch;
    if (inserted < raw_count) room = std::min<int64_t>(room, raw_count - inserted);
    batch.resize(room);
    size_t n = 0;
    while (n < batch.size() && stream.Next(&batch[n])) ++n;
    if (n == 0) break;
    batch.resize(n);
    started = std::chrono::steady_clock::now();
    auto outcomes = (*store)->InsertEvents(batch);
    insert_seconds += SecondsSince(started);
    if (!outcomes.ok()) return Fail(std::string(outcomes.status().message()));
    for (InsertOutcome outcome : *outcomes) not_stored += outcome != InsertOutcome::kStored;
    inserted += static_cast<int64_t>(n);
    if (inserted == raw_count) seconds_at_raw_count = insert_seconds;
    if (next_progress > 0 && inserted >= next_progress) {
      std::fprintf(stderr, "plaudit-bench-data: %lld of %lld events stored\n",
                   static_cast<long long>(inserted), static_cast<long long>(spec.events));
      next_progress += spec.events / 10;
    }
  }
  store->reset();
  if (not_stored > 0) {
    return Fail(absl::StrCat(not_stored, " generated events were not stored as new ones"));
  }
  std::printf(
      "insert    store     %10lld events %9.3f s %9.0f events/s  Store::InsertEvents, "
      "%d a transaction\n",
      static_cast<long long>(inserted), insert_seconds, PerSecond(inserted, insert_seconds),
      options.batch);
  if (raw_count > 0 && raw_count < inserted) {
    std::printf(
        "insert    store-raw %10lld events %9.3f s %9.0f events/s  the same store, its "
        "first %lld events (the raw loop's rows)\n",
        static_cast<long long>(raw_count), seconds_at_raw_count,
        PerSecond(raw_count, seconds_at_raw_count), static_cast<long long>(raw_count));
  }
  std::fflush(stdout);

  if (raw_count > 0) {
    std::string scratch_root =
        options.scratch_dir.empty() ? fs::temp_directory_path().string() : options.scratch_dir;
    std::string pattern = scratch_root + "/plaudit-raw-insert-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr)
      return Fail("cannot make a directory in " + scratch_root);
    SyntheticEventStream replay(spec);
    auto raw = RawInsertLoop(pattern + "/events.db", replay, raw_count, options.batch);
    fs::remove_all(pattern, ec);
    if (!raw.ok()) return Fail(std::string(raw.status().message()));
    std::printf(
        "insert    raw       %10lld events %9.3f s %9.0f events/s  sqlite3 prepared INSERT, "
        "same table and indexes, %d a transaction, WAL, synchronous=FULL\n",
        static_cast<long long>(raw->rows), raw->seconds, PerSecond(raw->rows, raw->seconds),
        options.batch);
    std::fflush(stdout);
  }

  if (options.group_by) {
    // The month as a monthly program in UTC sees it, even when events stop at "now".
    const absl::CivilMonth month(absl::ToCivilSecond(spec.start, absl::UTCTimeZone()));
    const int64_t from_us = absl::ToUnixMicros(absl::FromCivil(month, absl::UTCTimeZone()));
    const int64_t to_us = absl::ToUnixMicros(absl::FromCivil(month + 1, absl::UTCTimeZone()));
    for (const char* run : {"first", "again"}) {
      auto grouped = GroupByOverWindow(db_path, from_us, to_us);
      if (!grouped.ok()) return Fail(std::string(grouped.status().message()));
      std::printf(
          "group_by  %-9s %10lld rows   %9.3f s  SELECT agent_id, metric, COUNT(*), "
          "SUM(value), MIN(value), MAX(value) FROM events WHERE occurred_at_us in the "
          "month GROUP BY agent_id, metric\n",
          run, static_cast<long long>(grouped->rows), grouped->seconds);
      std::fflush(stdout);
    }
  }
  return 0;
}

int Run(DataOptions options) {
  if (options.data_dir.empty() == options.csv_out.empty()) {
    return Fail("give one of --data-dir and --csv-out");
  }
  if (options.batch <= 0) return Fail("--batch must be above 0");
  if (!ParseMonth(options.month, &options.spec)) {
    return Fail("--month must be YYYY-MM or current, not \"" + options.month + "\"");
  }
  options.spec.metrics = absl::StrSplit(options.metrics, ',', absl::SkipWhitespace());
  if (absl::Status checked = CheckSpec(options.spec); !checked.ok()) {
    return Fail(std::string(checked.message()));
  }
  const DatasetSpec& spec = options.spec;
  std::printf("dataset   %d agents in %d teams, %lld events from %s to %s, metrics %s, seed %llu\n",
              spec.agents, spec.teams, static_cast<long long>(spec.events),
              Rfc3339(spec.start).c_str(), Rfc3339(spec.end).c_str(), options.metrics.c_str(),
              static_cast<unsigned long long>(spec.seed));
  std::fflush(stdout);
  if (!options.agents_out.empty()) {
    std::ofstream out(options.agents_out, std::ios::trunc);
    for (int n = 1; n <= spec.agents; ++n) out << SyntheticAgentId(spec, n) << '\n';
    if (!out) return Fail("--agents-out: cannot write " + options.agents_out);
  }
  return options.csv_out.empty() ? WriteStore(options) : WriteCsv(options);
}

}  // namespace
}  // namespace plaudit::bench

int main(int argc, char** argv) {
  plaudit::bench::DataOptions options;
  plaudit::bench::DatasetSpec& spec = options.spec;
  CLI::App app{
      "plaudit-bench-data: a synthetic contact centre's month, into a plauditd data "
      "directory (or an events CSV), with SQLite's own figures beside the store's"};
  app.add_option("--data-dir", options.data_dir,
                 "a plauditd data directory without events (new, or with programs applied)");
  app.add_option("--csv-out", options.csv_out, "write the events as a CSV instead");
  app.add_option("--agents-out", options.agents_out, "also write the agent ids, one a line");
  app.add_option("--agents", spec.agents, "agents")->capture_default_str();
  app.add_option("--teams", spec.teams, "teams (each works one channel)")->capture_default_str();
  app.add_option("--events", spec.events, "events in the month")->capture_default_str();
  app.add_option("--month", options.month, "YYYY-MM (UTC), or current: this month until now")
      ->capture_default_str();
  app.add_option("--metrics", options.metrics, "comma-separated, of the default ones")
      ->capture_default_str();
  app.add_option("--seed", spec.seed, "everything follows from it")->capture_default_str();
  app.add_option("--agent-prefix", spec.agent_prefix, "agent ids are <prefix><6 digits>")
      ->capture_default_str();
  app.add_option("--event-prefix", spec.event_prefix, "event ids are <prefix>-<9 digits>")
      ->capture_default_str();
  app.add_option("--batch", options.batch, "events per InsertEvents call (plauditd imports 2000)")
      ->capture_default_str();
  app.add_option("--raw-events", options.raw_events,
                 "events of the raw insert baseline (-1: all, 0: none)")
      ->capture_default_str();
  app.add_option("--scratch-dir", options.scratch_dir,
                 "where the raw insert baseline's database goes (default: the temp directory)");
  bool no_group_by = false;
  app.add_flag("--no-group-by", no_group_by, "skip the GROUP BY baseline");
  std::string read_baseline;
  app.add_option("--read-baseline", read_baseline,
                 "only read every event of this database in export order, and print the time");
  CLI11_PARSE(app, argc, argv);
  if (!read_baseline.empty()) {
    auto read = plaudit::bench::ReadEventsInOrder(read_baseline);
    if (!read.ok()) {
      std::cerr << "plaudit-bench-data: " << read.status().message() << "\n";
      return 1;
    }
    std::printf("baseline read_in_order rows=%lld seconds=%.3f rows_per_s=%.0f\n",
                static_cast<long long>(read->rows), read->seconds,
                read->seconds > 0 ? static_cast<double>(read->rows) / read->seconds : 0.0);
    return 0;
  }
  options.group_by = !no_group_by;
  return plaudit::bench::Run(std::move(options));
}

// plaudit-bench-pg-ingest: what storing events costs on PostgreSQL, beside the baseline of the
// same rows COPYed in one statement into the same schema (the events table PostgresStore creates,
// with its indexes), measured in the same run on the same server. The events are a synthetic
// contact centre's month (bench/synthetic_contact_centre.h). The store inserts them in batches as
// ingest hands them over, with one monthly rollup scheme registered (as plauditd has one per
// program), so the period aggregates are kept up to date in the same transactions.
//
//   plaudit-bench-pg-ingest --dsn postgresql://... --events 200000 --agents 1000 --batch 2000
//
// Each run works in two schemas of its own (bench_copy_<pid>, bench_store_<pid>), dropped at the
// end. Prints one line per measurement; BENCHMARKS.md ("PostgreSQL") describes them.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "bench/synthetic_contact_centre.h"
#include "core/store/postgres/pg_connection.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/state_cipher.h"

namespace plaudit::bench {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "plaudit-bench-pg-ingest: %s\n", message.c_str());
  return 1;
}

std::string WithSchema(const std::string& dsn, const std::string& schema) {
  return absl::StrCat(dsn, dsn.find('?') == std::string::npos ? "?" : "&",
                      "options=-csearch_path%3D", schema);
}

// COPY's text format: tab-separated, with backslash, tab and newline escaped.
void AppendCopyField(std::string& out, const std::string& field) {
  for (char c : field) {
    if (c == '\\' || c == '\t' || c == '\n' || c == '\r') out.push_back('\\');
    out.push_back(c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : c);
  }
}

int Run(int argc, char** argv) {
  CLI::App app{"What storing events costs on PostgreSQL, beside a plain COPY of the same rows"};
  std::string dsn;
  DatasetSpec spec;
  spec.events = 200000;
  int batch = 2000;
  app.add_option("--dsn", dsn, "The server (postgresql://...)")->required();
  app.add_option("--events", spec.events, "Events to store")->check(CLI::PositiveNumber);
  app.add_option("--agents", spec.agents, "Agents they are spread over")
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "Events per InsertEvents call")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  spec.teams = std::max(1, spec.agents / 25);
  spec.start = absl::FromCivil(absl::CivilMonth(2026, 10), absl::UTCTimeZone());
  spec.end = absl::FromCivil(absl::CivilMonth(2026, 11), absl::UTCTimeZone());
  spec.metrics = SyntheticMetrics();
  if (absl::Status checked = CheckSpec(spec); !checked.ok()) return Fail(checked.ToString());

  std::vector<StoredEvent> events;
  events.reserve(spec.events);
  SyntheticEventStream stream(spec);
  for (StoredEvent e; stream.Next(&e);) events.push_back(e);

  auto admin = PgConnection::Connect(dsn);
  if (!admin.ok()) return Fail(admin.status().ToString());
  const std::string copy_schema = absl::StrCat("bench_copy_", getpid());
  const std::string store_schema = absl::StrCat("bench_store_", getpid());
  for (const std::string& schema : {copy_schema, store_schema}) {
    auto created = (*admin)->Exec(absl::StrCat("CREATE SCHEMA ", schema));
    if (!created.ok()) return Fail(created.status().ToString());
  }
  auto drop_schemas = [&] {
    for (const std::string& schema : {copy_schema, store_schema}) {
      (void)(*admin)->Exec(absl::StrCat("DROP SCHEMA ", schema, " CASCADE"));
    }
  };
  std::printf("events %zu, agents %d, batch %d\n", events.size(), spec.agents, batch);

  // The baseline: the same rows, one COPY, into the events table the store creates.
  {
    auto schema =
        PostgresStore::Open({WithSchema(dsn, copy_schema), 1}, StateCipher::WithRandomKey());
    if (!schema.ok()) {
      drop_schemas();
      return Fail(schema.status().ToString());
    }
  }
  std::string data;
  data.reserve(events.size() * 64);
  for (const StoredEvent& e : events) {
    AppendCopyField(data, e.event_id);
    data.push_back('\t');
    AppendCopyField(data, e.agent_id);
    data.push_back('\t');
    AppendCopyField(data, e.metric);
    data.push_back('\t');
    data += *PgParam(e.value).text();
    data.push_back('\t');
    absl::StrAppend(&data, e.occurred_at_us);
    data.push_back('\n');
  }
  auto copier = PgConnection::Connect(WithSchema(dsn, copy_schema));
  if (!copier.ok()) {
    drop_schemas();
    return Fail(copier.status().ToString());
  }
  const auto copy_start = std::chrono::steady_clock::now();
  auto copied = (*copier)->CopyIn(
      "COPY events (event_id, agent_id, metric, value, occurred_at_us) FROM STDIN", data);
  const double copy_seconds = SecondsSince(copy_start);
  if (!copied.ok()) {
    drop_schemas();
    return Fail(copied.status().ToString());
  }
  std::printf("copy    %lld rows in %.3f s (%.0f rows/s)\n", static_cast<long long>(*copied),
              copy_seconds, *copied / copy_seconds);

  // The store: batches through InsertEvents, with a monthly scheme kept up to date.
  auto store =
      PostgresStore::Open({WithSchema(dsn, store_schema), 4}, StateCipher::WithRandomKey());
  if (!store.ok()) {
    drop_schemas();
    return Fail(store.status().ToString());
  }
  if (absl::Status registered = (*store)->EnsureRollup("UTC", "monthly", {{"csat", 4.0}});
      !registered.ok()) {
    drop_schemas();
    return Fail(registered.ToString());
  }
  const auto store_start = std::chrono::steady_clock::now();
  int64_t stored = 0;
  for (size_t at = 0; at < events.size(); at += batch) {
    std::vector<StoredEvent> chunk(events.begin() + at,
                                   events.begin() + std::min(events.size(), at + batch));
    auto outcomes = (*store)->InsertEvents(chunk, std::nullopt);
    if (!outcomes.ok()) {
      drop_schemas();
      return Fail(outcomes.status().ToString());
    }
    for (InsertOutcome o : *outcomes) stored += o == InsertOutcome::kStored ? 1 : 0;
  }
  const double store_seconds = SecondsSince(store_start);
  std::printf("store   %lld rows in %.3f s (%.0f rows/s, %.2f x the copy's rate)\n",
              static_cast<long long>(stored), store_seconds, stored / store_seconds,
              copy_seconds / store_seconds);

  // The same batches again: every event a duplicate, nothing written.
  const auto again_start = std::chrono::steady_clock::now();
  int64_t duplicates = 0;
  for (size_t at = 0; at < events.size(); at += batch) {
    std::vector<StoredEvent> chunk(events.begin() + at,
                                   events.begin() + std::min(events.size(), at + batch));
    auto outcomes = (*store)->InsertEvents(chunk, std::nullopt);
    if (!outcomes.ok()) {
      drop_schemas();
      return Fail(outcomes.status().ToString());
    }
    for (InsertOutcome o : *outcomes) duplicates += o == InsertOutcome::kDuplicate ? 1 : 0;
  }
  const double again_seconds = SecondsSince(again_start);
  std::printf("again   %lld duplicates in %.3f s (%.0f rows/s)\n",
              static_cast<long long>(duplicates), again_seconds, duplicates / again_seconds);
  store->reset();
  drop_schemas();
  if (stored != static_cast<int64_t>(events.size()) || *copied != stored || duplicates != stored) {
    return Fail(absl::StrCat("expected ", events.size(), " rows each time; copied ", *copied,
                             ", stored ", stored, ", duplicates ", duplicates));
  }
  return 0;
}

}  // namespace
}  // namespace plaudit::bench

int main(int argc, char** argv) { return plaudit::bench::Run(argc, argv); }

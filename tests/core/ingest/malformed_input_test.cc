// Random and hostile input never crashes ingest or the program parser, and nothing is dropped
// silently: every row is counted as imported, duplicate or rejected.
#include <random>

#include "core/ingest/ingest.h"
#include "core/program/program_spec.h"
#include "gtest/gtest.h"
#include "tests/testing/test_store.h"

namespace plaudit {
namespace {

std::string RandomText(std::mt19937& rng, size_t max_len) {
  static const std::string kAlphabet = "abcz019-_.:,\"' \t\n{}[]#&*!|>%@`\\\xc3\xa9\xff\x01";
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string out;
  size_t n = len(rng);
  for (size_t i = 0; i < n; ++i) out.push_back(kAlphabet[pick(rng)]);
  return out;
}

TEST(MalformedInput, RandomRowsAreAllAccountedFor) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = testing::OpenTestStore(dir);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertAgents({testing::TestAgent("a1")}).ok());
  EventIngestor ingestor(store.get());
  auto columns = ParseEventHeader({"event_id", "agent_id", "metric", "value", "occurred_at"});
  ASSERT_TRUE(columns.ok());

  std::mt19937 rng(20261122);
  const std::vector<std::string> metrics = {"csat", "nps", "aht_seconds", "bogus"};
  const std::vector<std::string> values = {"4", "-1", "1e308", "1e400", "nan", "0x10", "", "3.5"};
  const std::vector<std::string> times = {"2026-10-05T14:03:00+02:00", "2026-10-05T14:03:00",
                                          "2026-02-30T00:00:00Z", "", "Z"};
  std::vector<CsvLine> rows;
  for (int i = 0; i < 2000; ++i) {
    CsvLine row;
    row.line = i + 2;
    std::uniform_int_distribution<int> width(0, 7);
    int n = i % 3 == 0 ? width(rng) : 5;
    for (int f = 0; f < n; ++f) {
      switch (f) {
        case 0:
          row.fields.push_back(i % 5 == 0 ? RandomText(rng, 20) : "e" + std::to_string(i % 700));
          break;
        case 1:
          row.fields.push_back(i % 7 == 0 ? RandomText(rng, 5) : "a1");
          break;
        case 2:
          row.fields.push_back(metrics[rng() % metrics.size()]);
          break;
        case 3:
          row.fields.push_back(i % 11 == 0 ? RandomText(rng, 8) : values[rng() % values.size()]);
          break;
        default:
          row.fields.push_back(i % 13 == 0 ? RandomText(rng, 30) : times[rng() % times.size()]);
      }
    }
    rows.push_back(std::move(row));
  }
  auto summary = ingestor.IngestCsv(*columns, rows);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->imported + summary->duplicates + summary->rejected,
            static_cast<int64_t>(rows.size()));
  EXPECT_EQ(summary->rejected, static_cast<int64_t>(summary->errors.size()));
  EXPECT_EQ(*store->CountEvents(), summary->imported);
  for (const RowError& e : summary->errors) EXPECT_FALSE(e.reason.empty());
}

TEST(MalformedInput, RandomYamlIsRejectedWithAMessageNeverACrash) {
  std::mt19937 rng(7);
  const std::set<std::string> rewards = {"certificate"};
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string yaml = RandomText(rng, 120);
    auto spec = ParseProgramYaml(yaml, rewards);
    if (spec.ok()) {
      ++parsed;
    } else {
      EXPECT_FALSE(spec.status().message().empty());
      EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
    }
  }
  EXPECT_EQ(parsed, 0);
}

TEST(MalformedInput, MutatedValidProgramsNeverCrashTheParser) {
  const std::string valid = R"(id: p
name: P
time_zone: Europe/Stockholm
scorecard:
  metrics:
    - {metric: csat, aggregation: mean, weight: 1, smoothing: {prior_mean: 4, prior_weight: 2}}
  gates:
    - {metric: complaints, max: 2}
award:
  rule: top_n
  n: 1
  rewards:
    - type: certificate
)";
  ASSERT_TRUE(ParseProgramYaml(valid, {"certificate"}).ok());
  std::mt19937 rng(11);
  for (int i = 0; i < 3000; ++i) {
    std::string yaml = valid;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % yaml.size();
      switch (rng() % 3) {
        case 0:
          yaml.erase(at, 1 + rng() % 6);
          break;
        case 1:
          yaml.insert(at, RandomText(rng, 4));
          break;
        default:
          yaml[at] = "{}[]:-,'\"\n 9"[rng() % 13];
      }
    }
    auto spec = ParseProgramYaml(yaml, {"certificate"});
    if (!spec.ok()) {
      EXPECT_FALSE(spec.status().message().empty());
    }
  }
}

}  // namespace
}  // namespace plaudit

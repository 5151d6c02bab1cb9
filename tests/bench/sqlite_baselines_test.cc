#include "bench/sqlite_baselines.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace plaudit::bench {
namespace {

class SqliteBaselines : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sqlite-baselines-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    spec_.agents = 5;
    spec_.teams = 2;
    spec_.events = 3000;
    spec_.start = absl::FromCivil(absl::CivilMonth(2026, 10), absl::UTCTimeZone());
    spec_.end = absl::FromCivil(absl::CivilMonth(2026, 11), absl::UTCTimeZone());
    spec_.metrics = SyntheticMetrics();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  DatasetSpec spec_;
};

TEST_F(SqliteBaselines, TheRawLoopInsertsTheFirstCountRowsInBatches) {
  SyntheticEventStream stream(spec_);
  auto inserted = RawInsertLoop(dir_ + "/events.db", stream, 2500, 1000);
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_EQ(inserted->rows, 2500);
  EXPECT_EQ(stream.produced(), 2500);
}

TEST_F(SqliteBaselines, GroupByReturnsOneRowPerAgentAndMetricInTheWindow) {
  SyntheticEventStream stream(spec_);
  ASSERT_TRUE(RawInsertLoop(dir_ + "/events.db", stream, spec_.events, 2000).ok());
  std::set<std::pair<std::string, std::string>> groups;
  SyntheticEventStream replay(spec_);
  StoredEvent e;
  while (replay.Next(&e)) groups.emplace(e.agent_id, e.metric);
  auto grouped = GroupByOverWindow(dir_ + "/events.db", absl::ToUnixMicros(spec_.start),
                                   absl::ToUnixMicros(spec_.end));
  ASSERT_TRUE(grouped.ok()) << grouped.status();
  EXPECT_EQ(grouped->rows, static_cast<int64_t>(groups.size()));
  // A window before every event has no groups.
  auto empty = GroupByOverWindow(dir_ + "/events.db", 0, 1);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->rows, 0);
}

TEST_F(SqliteBaselines, TheRawLoopRefusesAnExistingDatabase) {
  SyntheticEventStream stream(spec_);
  ASSERT_TRUE(RawInsertLoop(dir_ + "/events.db", stream, 10, 10).ok());
  SyntheticEventStream again(spec_);
  EXPECT_FALSE(RawInsertLoop(dir_ + "/events.db", again, 10, 10).ok());
}

TEST_F(SqliteBaselines, ReadsEveryEventInExportOrder) {
  SyntheticEventStream stream(spec_);
  ASSERT_TRUE(RawInsertLoop(dir_ + "/events.db", stream, 1200, 500).ok());
  auto read = ReadEventsInOrder(dir_ + "/events.db");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->rows, 1200);
  EXPECT_GT(read->bytes, 1200 * 3);
}

}  // namespace
}  // namespace plaudit::bench

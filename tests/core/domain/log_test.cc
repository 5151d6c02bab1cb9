#include "core/domain/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/match.h"

namespace plaudit {
namespace {

// What one Log() call writes to stderr, in `format`.
std::string Logged(LogFormat format, std::string_view message) {
  SetLogFormat(format);
  ::testing::internal::CaptureStderr();
  LogWarning("ingest", message);
  std::string line = ::testing::internal::GetCapturedStderr();
  SetLogFormat(LogFormat::kText);
  return line;
}

TEST(LogTest, JsonLinesCarryTimeLevelComponentMessageAndTheRequest) {
  SetLogRequest("req-7");
  SetLogSubject("mgr-anna");
  const std::string line = Logged(LogFormat::kJson, "line 3: \"value\" is not a number");
  ClearLogRequest();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per call";
  const nlohmann::json object = nlohmann::json::parse(line);
  EXPECT_EQ(object["level"], "warning");
  EXPECT_EQ(object["component"], "ingest");
  EXPECT_EQ(object["msg"], "line 3: \"value\" is not a number");
  EXPECT_EQ(object["request_id"], "req-7");
  EXPECT_EQ(object["subject"], "mgr-anna");
  const std::string time = object["time"];
  EXPECT_EQ(time.size(), 24u) << time;  // 2026-10-05T14:03:00.123Z
  EXPECT_EQ(time.back(), 'Z');
}

TEST(LogTest, LinesOutsideACallNameNoRequest) {
  SetLogRequest("req-8");
  ClearLogRequest();
  const nlohmann::json object = nlohmann::json::parse(Logged(LogFormat::kJson, "started"));
  EXPECT_FALSE(object.contains("request_id"));
  EXPECT_FALSE(object.contains("subject"));
}

TEST(LogTest, TextThatIsNotUtf8StillMakesAJsonLine) {
  const std::string line = Logged(LogFormat::kJson, "agent \xff\xfe unknown");
  const nlohmann::json object = nlohmann::json::parse(line);
  EXPECT_TRUE(absl::StrContains(object["msg"].get<std::string>(), "unknown"));
}

TEST(LogTest, TextLinesQuoteTheMessageAndTheRequest) {
  SetLogRequest("r \"1\"");
  const std::string line = Logged(LogFormat::kText, "two\nlines");
  ClearLogRequest();
  EXPECT_TRUE(absl::StrContains(line, " level=warning component=ingest msg=\"two\\nlines\""))
      << line;
  EXPECT_TRUE(absl::StrContains(line, " request_id=\"r \\\"1\\\"\"")) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

}  // namespace
}  // namespace plaudit

#include "core/csv/csv_reader.h"

#include <sstream>

#include "gtest/gtest.h"

namespace plaudit {
namespace {

std::vector<CsvRecord> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRecord> out;
  CsvRecord record;
  while (reader.Next(&record)) out.push_back(record);
  return out;
}

TEST(CsvReader, SplitsFieldsAndNumbersLines) {
  auto records = ReadAll("a,b,c\r\n1,2,3\n\n4,,6\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[2].line, 4);
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"4", "", "6"}));
}

TEST(CsvReader, QuotedFieldsKeepCommasQuotesAndNewlines) {
  auto records = ReadAll("\"Smith, Ann\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,row,here\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields,
            (std::vector<std::string>{"Smith, Ann", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(records[1].line, 3);
}

TEST(CsvReader, SkipsByteOrderMark) {
  auto records = ReadAll("\xEF\xBB\xBFid,name\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields[0], "id");
}

TEST(CsvReader, ReportsUnterminatedQuote) {
  auto records = ReadAll("a,\"open\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error, "unterminated quoted field");
}

TEST(CsvEscape, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvEscape("plain"), "plain");
  EXPECT_EQ(CsvEscape("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvEscape("say \"x\""), "\"say \"\"x\"\"\"");
}

}  // namespace
}  // namespace plaudit

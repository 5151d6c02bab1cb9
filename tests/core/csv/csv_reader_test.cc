#include "core/csv/csv_reader.h"

#include <sstream>

#include "gtest/gtest.h"

namespace plaudit {
namespace {

std::vector<CsvRecord> ReadAll(const std::string& text, CsvEncoding encoding = CsvEncoding::kUtf8) {
  std::istringstream in(text);
  CsvReader reader(in, encoding);
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

TEST(CsvReader, QuotedFieldsKeepCommasAndQuotes) {
  auto records = ReadAll("\"Smith, Ann\",\"say \"\"hi\"\"\",x\nnext,row,here\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"Smith, Ann", "say \"hi\"", "x"}));
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReader, SkipsByteOrderMark) {
  auto records = ReadAll("\xEF\xBB\xBFid,name\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields[0], "id");
}

TEST(CsvReader, AnUnterminatedQuoteIsAnErrorOfItsLineAloneAndLaterRowsSurvive) {
  // The stray quote on line 2 would, read across lines, swallow line 3 and close on line 4.
  auto records = ReadAll(
      "id,name\n"
      "e1,\"open\n"
      "e2,fine\n"
      "e3,\"quoted\"\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].error,
            "unterminated quoted field (the quote at column 4 is not closed on this line; a field "
            "cannot span lines)");
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"e1", "open"}));
  EXPECT_EQ(records[2].line, 3);
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"e2", "fine"}));
  EXPECT_EQ(records[3].fields, (std::vector<std::string>{"e3", "quoted"}));
}

TEST(CsvReader, InvalidUtf8IsAnErrorNamingTheByteAndColumn) {
  // A Latin-1 e-acute in a UTF-8 file: column 10, counting the two-byte o-umlaut as one.
  auto records = ReadAll("id,name\na1,J\xC3\xB6 Caf\xE9\na2,Ann\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].error,
            "not valid UTF-8 (byte 0xE9 at column 10; if the file is Latin-1 or Windows-1252, "
            "give --encoding)");
  EXPECT_TRUE(records[1].fields.empty());
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"a2", "Ann"}));
}

TEST(CsvReader, OverlongAndSurrogateSequencesAreNotUtf8) {
  EXPECT_FALSE(ReadAll("a,\xC0\xAF\n")[0].error.empty());
  EXPECT_FALSE(ReadAll("a,\xED\xA0\x80\n")[0].error.empty());
  EXPECT_TRUE(ReadAll("a,\xE2\x82\xAC\n")[0].error.empty());
}

TEST(CsvReader, DecodesLatin1AndWindows1252ToUtf8) {
  auto latin1 = ReadAll("a1,Caf\xE9\n", CsvEncoding::kLatin1);
  ASSERT_EQ(latin1.size(), 1u);
  EXPECT_EQ(latin1[0].fields[1], "Caf\xC3\xA9");
  // 0x80 is the euro sign in Windows-1252 (a control character in Latin-1).
  auto windows = ReadAll("a1,\x80 5\n", CsvEncoding::kWindows1252);
  EXPECT_EQ(windows[0].fields[1], "\xE2\x82\xAC 5");
  // 0x81 has no character in Windows-1252.
  auto undefined = ReadAll("a1,x\x81\n", CsvEncoding::kWindows1252);
  EXPECT_EQ(undefined[0].error, "byte 0x81 at column 5 is not a character in windows-1252");
}

TEST(CsvEncoding, ParsesTheNamesSpreadsheetsUse) {
  EXPECT_EQ(ParseCsvEncoding("UTF-8"), CsvEncoding::kUtf8);
  EXPECT_EQ(ParseCsvEncoding("latin1"), CsvEncoding::kLatin1);
  EXPECT_EQ(ParseCsvEncoding("ISO-8859-1"), CsvEncoding::kLatin1);
  EXPECT_EQ(ParseCsvEncoding("cp1252"), CsvEncoding::kWindows1252);
  EXPECT_EQ(ParseCsvEncoding("ebcdic"), std::nullopt);
}

TEST(CsvEscape, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvEscape("plain"), "plain");
  EXPECT_EQ(CsvEscape("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvEscape("say \"x\""), "\"say \"\"x\"\"\"");
}

}  // namespace
}  // namespace plaudit

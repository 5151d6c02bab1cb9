#include "clients/plaudit/output.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace plaudit::cli {
namespace {

Table AgentLike() {
  Table table;
  table.columns = {{"id", ColumnType::kText},
                   {"attempts", ColumnType::kInteger},
                   {"score", ColumnType::kDecimal},
                   {"name", ColumnType::kText}};
  table.rows.push_back({std::string("a-1"), int64_t{3}, 0.5, std::string("Ann")});
  table.rows.push_back({std::string("a-1000"), int64_t{12}, 12.25, std::string("Bob")});
  return table;
}

TEST(TableOutput, PadsColumnsAndRightAlignsNumbers) {
  EXPECT_EQ(RenderTable(AgentLike()),
            "id      attempts  score  name\n"
            "a-1            3    0.5  Ann\n"
            "a-1000        12  12.25  Bob\n");
}

TEST(TableOutput, EmptyTableIsTheHeaderLine) {
  Table table;
  table.columns = {{"id", ColumnType::kText}, {"team", ColumnType::kText}};
  EXPECT_EQ(RenderTable(table), "id  team\n");
}

TEST(TableOutput, CountsCodePointsNotBytesWhenAligning) {
  Table table;
  table.columns = {{"name", ColumnType::kText}, {"team", ColumnType::kText}};
  table.rows.push_back({std::string("Jos\xC3\xA9"), std::string("x")});
  table.rows.push_back({std::string("Al"), std::string("y")});
  EXPECT_EQ(RenderTable(table),
            "name  team\n"
            "Jos\xC3\xA9  x\n"
            "Al    y\n");
}

TEST(TableOutput, EscapesControlCharactersSoARowStaysOnOneLine) {
  Table table;
  table.columns = {{"note", ColumnType::kText}, {"n", ColumnType::kInteger}};
  table.rows.push_back({std::string("a\nb\tc\x01"), int64_t{1}});
  EXPECT_EQ(RenderTable(table),
            "note         n\n"
            "a\\nb\\tc\\x01  1\n");
}

TEST(TableOutput, AbsentCellsAreBlankAndDecimalsAreCompact) {
  Table table;
  table.columns = {{"min", ColumnType::kDecimal}, {"max", ColumnType::kDecimal}};
  table.rows.push_back({std::monostate(), 1.0 / 3.0});
  table.rows.push_back({-0.0, 300.0});
  EXPECT_EQ(RenderTable(table),
            "min       max\n"
            "     0.333333\n"
            "  0       300\n");
}

TEST(CsvOutput, WritesHeaderAndQuotesOnlyWhereNeeded) {
  Table table;
  table.columns = {{"id", ColumnType::kText},
                   {"note", ColumnType::kText},
                   {"n", ColumnType::kInteger},
                   {"ok", ColumnType::kBoolean}};
  table.rows.push_back({std::string("a,1"), std::string("say \"hi\""), int64_t{-4}, true});
  table.rows.push_back({std::string("line\nbreak"), std::string("plain"), std::monostate(), false});
  EXPECT_EQ(RenderCsv(table),
            "id,note,n,ok\n"
            "\"a,1\",\"say \"\"hi\"\"\",-4,true\n"
            "\"line\nbreak\",plain,,false\n");
}

TEST(CsvOutput, DecimalsReadBackExactly) {
  Table table;
  table.columns = {{"v", ColumnType::kDecimal}};
  table.rows.push_back({0.1});
  table.rows.push_back({1.0 / 3.0});
  table.rows.push_back({1e20});
  EXPECT_EQ(RenderCsv(table), "v\n0.1\n0.3333333333333333\n1e+20\n");
}

TEST(CsvOutput, KeepsUnicodeAsIs) {
  Table table;
  table.columns = {{"name", ColumnType::kText}};
  table.rows.push_back({std::string("Zo\xC3\xAB \xE2\x9C\x93")});
  EXPECT_EQ(RenderCsv(table), "name\nZo\xC3\xAB \xE2\x9C\x93\n");
}

TEST(JsonOutput, OneObjectPerRowWithTypedValues) {
  EXPECT_EQ(RenderJson(AgentLike()),
            "[\n"
            "  {\"id\": \"a-1\", \"attempts\": 3, \"score\": 0.5, \"name\": \"Ann\"},\n"
            "  {\"id\": \"a-1000\", \"attempts\": 12, \"score\": 12.25, \"name\": \"Bob\"}\n"
            "]\n");
}

TEST(JsonOutput, EmptyTableIsAnEmptyArray) {
  Table table;
  table.columns = {{"id", ColumnType::kText}};
  EXPECT_EQ(RenderJson(table), "[]\n");
}

TEST(JsonOutput, BooleansAbsentValuesAndNonFiniteNumbers) {
  Table table;
  table.columns = {
      {"ok", ColumnType::kBoolean}, {"min", ColumnType::kDecimal}, {"bad", ColumnType::kDecimal}};
  table.rows.push_back({false, std::monostate(), std::numeric_limits<double>::quiet_NaN()});
  EXPECT_EQ(RenderJson(table), "[\n  {\"ok\": false, \"min\": null, \"bad\": null}\n]\n");
}

TEST(JsonQuote, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(JsonQuote(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(JsonQuote(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(JsonQuote("a,b"), "\"a,b\"");
}

TEST(JsonQuote, PassesValidUtf8Through) {
  EXPECT_EQ(JsonQuote("Jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8F\x86"),
            "\"Jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8F\x86\"");
}

TEST(JsonQuote, ReplacesInvalidUtf8) {
  // A lone continuation byte, a truncated sequence, an overlong slash, an encoded surrogate.
  EXPECT_EQ(JsonQuote("a\x80z"), "\"a\\ufffdz\"");
  EXPECT_EQ(JsonQuote("a\xE2\x82"), "\"a\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonQuote("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
}

TEST(Render, PicksTheRendererForTheFormat) {
  Table table;
  table.columns = {{"id", ColumnType::kText}};
  table.rows.push_back({std::string("x")});
  EXPECT_EQ(Render(table, OutputFormat::kTable), "id\nx\n");
  EXPECT_EQ(Render(table, OutputFormat::kCsv), "id\nx\n");
  EXPECT_EQ(Render(table, OutputFormat::kJson), "[\n  {\"id\": \"x\"}\n]\n");
}

TEST(ParseOutputFormat, KnowsTheThreeNames) {
  EXPECT_EQ(ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(ParseOutputFormat("csv"), OutputFormat::kCsv);
  EXPECT_EQ(ParseOutputFormat("yaml"), std::nullopt);
}

TEST(CompactDecimal, DropsTrailingZeros) {
  EXPECT_EQ(CompactDecimal(312.5, 3), "312.5");
  EXPECT_EQ(CompactDecimal(4.0, 3), "4");
  EXPECT_EQ(CompactDecimal(2.0 / 3.0, 3), "0.667");
  EXPECT_EQ(CompactDecimal(-0.0001, 3), "0");
}

}  // namespace
}  // namespace plaudit::cli

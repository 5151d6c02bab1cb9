#include "clients/plaudit/plugin_query.h"

#include <gtest/gtest.h>

#include "clients/plaudit/output.h"

namespace plaudit::cli {
namespace {

v1::QueryPluginResponse Answer(const std::vector<std::string>& columns,
                               const std::vector<std::vector<std::string>>& rows) {
  v1::QueryPluginResponse response;
  for (const std::string& column : columns) response.add_columns(column);
  for (const auto& cells : rows) {
    auto* row = response.add_rows();
    for (const std::string& cell : cells) row->add_cells(cell);
  }
  return response;
}

TEST(QueryJson, RowsAreObjectsWithNumbersAsNumbers) {
  v1::QueryPluginResponse balances = Answer(
      {"agent", "hours", "days", "code"}, {{"a001", "8", "1.5", "007"}, {"a002", "16", "2", "12"}});
  EXPECT_EQ(QueryJson(balances, AnswerShape::kRows),
            "[\n"
            "  {\"agent\": \"a001\", \"hours\": 8, \"days\": 1.5, \"code\": \"007\"},\n"
            "  {\"agent\": \"a002\", \"hours\": 16, \"days\": 2, \"code\": \"12\"}\n"
            "]\n");
}

TEST(QueryJson, EmptyCellsOfANumberColumnAreNull) {
  v1::QueryPluginResponse answer = Answer({"spot", "hours"}, {{"P1", ""}, {"P2", "-4"}});
  EXPECT_EQ(QueryJson(answer, AnswerShape::kRows),
            "[\n  {\"spot\": \"P1\", \"hours\": null},\n  {\"spot\": \"P2\", \"hours\": -4}\n]\n");
}

TEST(QueryJson, DatesAndCodesStayText) {
  Table table = QueryTable(Answer({"day", "version", "big"},
                                  {{"2026-11-02", "1.2.3", "1e3"}, {"2026-11-03", "2", "4"}}));
  ASSERT_EQ(table.columns.size(), 3u);
  for (const Column& column : table.columns) EXPECT_EQ(column.type, ColumnType::kText);
}

TEST(QueryJson, ASingleResourceIsOneObjectWithItsText) {
  v1::QueryPluginResponse key = Answer({"kid", "alg"}, {{"k1", "EdDSA"}});
  key.set_text("-----BEGIN PUBLIC KEY-----\n");
  EXPECT_EQ(QueryJson(key, AnswerShape::kOne),
            "{\"kid\": \"k1\", \"alg\": \"EdDSA\", \"text\": \"-----BEGIN PUBLIC KEY-----\\n\"}\n");
  EXPECT_EQ(QueryJson(Answer({"kid"}, {}), AnswerShape::kOne), "null\n");
}

TEST(QueryTable, CsvKeepsThePluginsText) {
  // Typing must not change how a number reads in CSV: "1.50" would read back as 1.5.
  Table table = QueryTable(Answer({"hours"}, {{"8"}, {"1.5"}}));
  EXPECT_EQ(RenderCsv(table), "hours\n8\n1.5\n");
  EXPECT_EQ(RenderTable(table), "hours\n    8\n  1.5\n");
}

}  // namespace
}  // namespace plaudit::cli

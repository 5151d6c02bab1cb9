// Renders a Table as aligned text, CSV or JSON: the three shapes of `-o table|csv|json`.
//
// - Table: a header line of column names, then one line per row; columns are padded to the widest
//   cell (counted in UTF-8 code points), numeric columns right-aligned, two spaces between columns.
//   Control characters are shown escaped (\n, \t, \x01) so a row always stays on one line.
// - CSV: the header, then rows; fields quoted where RFC 4180 needs it. Decimals are printed in the
//   shortest form that reads back to the same double.
// - JSON: an array with one object per row, keys in column order; integers and decimals as JSON
//   numbers (non-finite decimals as null), booleans as true/false, absent cells as null.
//   RenderJsonObject prints the first row alone as one object (null without rows), for commands
//   about a single resource.
//
// Every function here is pure and thread-safe.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_OUTPUT_H_
#define PLAUDIT_CLIENTS_PLAUDIT_OUTPUT_H_

#include <optional>
#include <string>
#include <string_view>

#include "clients/plaudit/table.h"

namespace plaudit::cli {

enum class OutputFormat { kTable, kJson, kCsv };

// Parses "table", "json" or "csv".
std::optional<OutputFormat> ParseOutputFormat(std::string_view name);

std::string RenderTable(const Table& table);
std::string RenderCsv(const Table& table);
std::string RenderJson(const Table& table);
std::string RenderJsonObject(const Table& table);
std::string Render(const Table& table, OutputFormat format);

// A JSON string literal, quotes included. Invalid UTF-8 becomes U+FFFD.
std::string JsonQuote(std::string_view text);

// The shortest decimal text that parses back to `value` ("0.1", "1e+20", "nan").
std::string ShortestDecimal(double value);

// At most `decimals` digits after the point, trailing zeros dropped ("312.5", "4", "0.333").
std::string CompactDecimal(double value, int decimals);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_OUTPUT_H_

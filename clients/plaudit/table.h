// The row model every list command fills and every output format renders: named, typed columns
// and rows of cells. A cell keeps its value in its own type, so JSON can tell 8 from "8" and a
// table can right-align numbers. Plain data; not synchronised.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_TABLE_H_
#define PLAUDIT_CLIENTS_PLAUDIT_TABLE_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace plaudit::cli {

// What a column holds. Numeric columns are right-aligned in tables.
enum class ColumnType { kText, kInteger, kDecimal, kBoolean };

struct Column {
  std::string name;
  ColumnType type = ColumnType::kText;
};

// An absent value (std::monostate) renders blank in tables and CSV and as null in JSON.
using Cell = std::variant<std::monostate, std::string, int64_t, double, bool>;

struct Table {
  std::vector<Column> columns;
  // Each row has one cell per column.
  std::vector<std::vector<Cell>> rows;
};

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_TABLE_H_

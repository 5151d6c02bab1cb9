#include "clients/plaudit/output.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "core/csv/csv_reader.h"

namespace plaudit::cli {
namespace {

constexpr std::string_view kColumnGap = "  ";
// Enough for a table to show money and handle times without 17-digit noise.
constexpr int kTableDecimals = 6;

bool IsNumeric(ColumnType type) {
  return type == ColumnType::kInteger || type == ColumnType::kDecimal;
}

// Length in bytes of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length;
  uint32_t code_point;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
  if ((length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000) ||
      (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
    return 0;
  }
  return length;
}

std::string HexByte(unsigned char c) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "%02x", c);
  return buffer;
}

// A cell as one line of text: control characters become visible escapes.
std::string VisibleText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\x" + HexByte(c);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

// Display width, counting code points rather than bytes so accented names line up.
size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (char ch : text) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++width;
  }
  return width;
}

// A cell in the text form shared by tables and CSV.
std::string PlainText(const Cell& cell, bool for_table) {
  return std::visit(
      [&](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return value;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(value);
        } else if constexpr (std::is_same_v<T, double>) {
          return for_table ? CompactDecimal(value, kTableDecimals) : ShortestDecimal(value);
        } else {
          return value ? "true" : "false";
        }
      },
      cell);
}

std::string JsonValue(const Cell& cell) {
  return std::visit(
      [](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return JsonQuote(value);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(value);
        } else if constexpr (std::is_same_v<T, double>) {
          return std::isfinite(value) ? ShortestDecimal(value) : "null";
        } else {
          return value ? "true" : "false";
        }
      },
      cell);
}

}  // namespace

std::optional<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return std::nullopt;
}

std::string ShortestDecimal(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) return "nan";
  return std::string(buffer, end);
}

std::string CompactDecimal(double value, int decimals) {
  if (!std::isfinite(value)) return ShortestDecimal(value);
  char buffer[400];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  std::string text = buffer;
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00" + HexByte(c);
        } else if (c >= 0x80) {
          size_t length = Utf8SequenceLength(text, i);
          if (length == 0) {
            out += "\\ufffd";
          } else {
            out.append(text.substr(i, length));
            i += length;
            continue;
          }
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

std::string RenderTable(const Table& table) {
  const size_t column_count = table.columns.size();
  std::vector<std::vector<std::string>> lines;
  lines.reserve(table.rows.size() + 1);
  std::vector<std::string> header;
  for (const Column& column : table.columns) header.push_back(VisibleText(column.name));
  lines.push_back(std::move(header));
  for (const auto& row : table.rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < column_count; ++c) {
      line.push_back(c < row.size() ? VisibleText(PlainText(row[c], true)) : "");
    }
    lines.push_back(std::move(line));
  }

  std::vector<size_t> widths(column_count, 0);
  for (const auto& line : lines) {
    for (size_t c = 0; c < column_count; ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(line[c]));
    }
  }

  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (size_t c = 0; c < column_count; ++c) {
      if (c > 0) text += kColumnGap;
      std::string padding(widths[c] - DisplayWidth(line[c]), ' ');
      if (IsNumeric(table.columns[c].type)) {
        text += padding + line[c];
      } else {
        text += line[c] + padding;
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text;
    out.push_back('\n');
  }
  return out;
}

std::string RenderCsv(const Table& table) {
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c > 0) out.push_back(',');
    out += plaudit::CsvEscape(table.columns[c].name);
  }
  out.push_back('\n');
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c > 0) out.push_back(',');
      if (c < row.size()) out += plaudit::CsvEscape(PlainText(row[c], false));
    }
    out.push_back('\n');
  }
  return out;
}

namespace {

// One row as a JSON object on one line, keys in column order.
std::string JsonObject(const Table& table, const std::vector<Cell>& row) {
  std::string out = "{";
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c > 0) out += ", ";
    out += JsonQuote(table.columns[c].name);
    out += ": ";
    out += c < row.size() ? JsonValue(row[c]) : "null";
  }
  return out + "}";
}

}  // namespace

std::string RenderJson(const Table& table) {
  if (table.rows.empty()) return "[]\n";
  std::string out = "[\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    out += "  " + JsonObject(table, table.rows[r]);
    out += r + 1 < table.rows.size() ? ",\n" : "\n";
  }
  out += "]\n";
  return out;
}

std::string RenderJsonObject(const Table& table) {
  if (table.rows.empty()) return "null\n";
  return JsonObject(table, table.rows.front()) + "\n";
}

std::string Render(const Table& table, OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson:
      return RenderJson(table);
    case OutputFormat::kCsv:
      return RenderCsv(table);
    case OutputFormat::kTable:
      break;
  }
  return RenderTable(table);
}

}  // namespace plaudit::cli

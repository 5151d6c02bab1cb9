#include "core/csv/csv_reader.h"

namespace plaudit {

bool CsvReader::Next(CsvRecord* record) {
  record->fields.clear();
  record->error.clear();
  std::string text;
  while (true) {
    if (!std::getline(in_, text)) return false;
    ++line_;
    if (!started_) {
      started_ = true;
      if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    }
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (!text.empty()) break;
  }
  record->line = line_;

  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;
  size_t i = 0;
  while (true) {
    if (i >= text.size()) {
      if (!in_quotes) break;
      // A quoted field continues on the next line.
      std::string more;
      if (!std::getline(in_, more)) {
        record->error = "unterminated quoted field";
        break;
      }
      ++line_;
      if (!more.empty() && more.back() == '\r') more.pop_back();
      field.push_back('\n');
      text = std::move(more);
      i = 0;
      continue;
    }
    char c = text[i++];
    if (in_quotes) {
      if (c == '"') {
        if (i < text.size() && text[i] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == ',') {
      record->fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '"' && field.empty() && !was_quoted) {
      in_quotes = true;
      was_quoted = true;
    } else {
      field.push_back(c);
    }
  }
  record->fields.push_back(std::move(field));
  return true;
}

std::string CsvEscape(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace plaudit

// A streaming reader of RFC 4180 CSV: comma-separated fields, optional double quotes with ""
// escapes, quoted fields may span lines, CRLF or LF line ends, a UTF-8 BOM is skipped.
// Not thread-safe; one reader per stream.
#ifndef PLAUDIT_CORE_CSV_CSV_READER_H_
#define PLAUDIT_CORE_CSV_CSV_READER_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace plaudit {

struct CsvRecord {
  // 1-based line on which the record starts.
  int64_t line = 0;
  std::vector<std::string> fields;
  // Set when the record is malformed (an unterminated quote); fields then hold what was read.
  std::string error;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // Reads the next record; false at end of input. Blank lines are skipped.
  bool Next(CsvRecord* record);

 private:
  std::istream& in_;
  int64_t line_ = 0;
  bool started_ = false;
};

// Quotes a field for CSV output when it needs it.
std::string CsvEscape(const std::string& field);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_CSV_CSV_READER_H_

// A streaming reader of the CSV files Plaudit imports (agents, events): comma-separated fields,
// optional double quotes with "" escapes, CRLF or LF line ends, a UTF-8 byte order mark skipped.
//
// One record per line. RFC 4180 lets a quoted field run over line breaks, but no field Plaudit
// imports may hold one (ids, names and teams refuse control characters), and honouring it lets
// one stray quote swallow every valid row up to the next quote in the file. So a quote left open
// at the end of its line is an error of that line alone, and the next line is read afresh.
//
// Text is decoded from the file's encoding (UTF-8 by default, or Latin-1 / Windows-1252, what
// spreadsheet programs write) with iconv, and every record's fields are valid UTF-8. A line that
// is not valid in its encoding is an error record naming the byte and its column; the lines
// around it are read as usual.
//
// Not thread-safe; one reader per stream.
#ifndef PLAUDIT_CORE_CSV_CSV_READER_H_
#define PLAUDIT_CORE_CSV_CSV_READER_H_

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plaudit {

enum class CsvEncoding { kUtf8, kLatin1, kWindows1252 };

// "utf-8" (or "utf8"), "latin1" (or "iso-8859-1"), "windows-1252" (or "cp1252"), any case;
// nullopt for anything else.
std::optional<CsvEncoding> ParseCsvEncoding(std::string_view name);
// The encoding's name as ParseCsvEncoding() reads it: "utf-8", "latin1", "windows-1252".
std::string_view CsvEncodingName(CsvEncoding encoding);

struct CsvRecord {
  // 1-based line of the record.
  int64_t line = 0;
  std::vector<std::string> fields;
  // Set when the line is malformed: a quote left open (`fields` then hold what was read, the
  // open field running to the end of the line), or bytes not valid in the encoding (no fields).
  std::string error;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in, CsvEncoding encoding = CsvEncoding::kUtf8);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record; false at end of input. Blank lines are skipped.
  bool Next(CsvRecord* record);

 private:
  // Decodes `line` to UTF-8 in place; false with `error` set when it is not valid.
  bool Decode(std::string& line, std::string* error);

  std::istream& in_;
  const CsvEncoding encoding_;
  // iconv_t, opened once per reader.
  void* converter_;
  std::string decoded_;
  int64_t line_ = 0;
  bool started_ = false;
};

// Quotes a field for CSV output when it needs it.
std::string CsvEscape(const std::string& field);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_CSV_CSV_READER_H_

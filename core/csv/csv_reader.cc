#include "core/csv/csv_reader.h"

#include <iconv.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/ascii.h"

namespace plaudit {
namespace {

const char* IconvName(CsvEncoding encoding) {
  switch (encoding) {
    case CsvEncoding::kUtf8:
      return "UTF-8";
    case CsvEncoding::kLatin1:
      return "ISO-8859-1";
    case CsvEncoding::kWindows1252:
      return "WINDOWS-1252";
  }
  return "UTF-8";
}

// The 1-based column of byte `offset` of a line whose bytes before it are valid UTF-8: one
// column per character, not per byte.
int64_t ColumnOf(const std::string& line, size_t offset) {
  int64_t column = 1;
  for (size_t i = 0; i < offset && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

}  // namespace

std::optional<CsvEncoding> ParseCsvEncoding(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "utf-8" || lower == "utf8") return CsvEncoding::kUtf8;
  if (lower == "latin1" || lower == "latin-1" || lower == "iso-8859-1") {
    return CsvEncoding::kLatin1;
  }
  if (lower == "windows-1252" || lower == "cp1252") return CsvEncoding::kWindows1252;
  return std::nullopt;
}

std::string_view CsvEncodingName(CsvEncoding encoding) {
  switch (encoding) {
    case CsvEncoding::kUtf8:
      return "utf-8";
    case CsvEncoding::kLatin1:
      return "latin1";
    case CsvEncoding::kWindows1252:
      return "windows-1252";
  }
  return "utf-8";
}

CsvReader::CsvReader(std::istream& in, CsvEncoding encoding)
    : in_(in), encoding_(encoding), converter_(nullptr) {
  iconv_t cd = iconv_open("UTF-8", IconvName(encoding));
  // glibc knows all three; without a converter every line is refused rather than let through.
  if (cd != reinterpret_cast<iconv_t>(-1)) converter_ = cd;
}

CsvReader::~CsvReader() {
  if (converter_ != nullptr) iconv_close(static_cast<iconv_t>(converter_));
}

bool CsvReader::Decode(std::string& line, std::string* error) {
  if (converter_ == nullptr) {
    *error = "cannot decode " + std::string(CsvEncodingName(encoding_)) + " on this system";
    return false;
  }
  auto cd = static_cast<iconv_t>(converter_);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  // Latin-1 and Windows-1252 take at most 3 UTF-8 bytes per input byte.
  decoded_.resize(line.size() * 3 + 4);
  char* in = line.data();
  size_t in_left = line.size();
  char* out = decoded_.data();
  size_t out_left = decoded_.size();
  if (iconv(cd, &in, &in_left, &out, &out_left) == static_cast<size_t>(-1)) {
    const size_t offset = line.size() - in_left;
    char byte[8];
    std::snprintf(byte, sizeof(byte), "0x%02X", static_cast<unsigned char>(line[offset]));
    // Columns are counted in the decoded text before the bad byte.
    const std::string before(decoded_.data(), out - decoded_.data());
    const int64_t column = ColumnOf(before, before.size());
    *error = encoding_ == CsvEncoding::kUtf8
                 ? "not valid UTF-8 (byte " + std::string(byte) + " at column " +
                       std::to_string(column) +
                       "; if the file is Latin-1 or Windows-1252, give --encoding)"
                 : "byte " + std::string(byte) + " at column " + std::to_string(column) +
                       " is not a character in " + std::string(CsvEncodingName(encoding_));
    return false;
  }
  decoded_.resize(decoded_.size() - out_left);
  line.swap(decoded_);
  return true;
}

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
  if (!Decode(text, &record->error)) return true;

  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;
  size_t quote_column = 0;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i++];
    if (in_quotes) {
      if (c != '"') {
        field.push_back(c);
      } else if (i < text.size() && text[i] == '"') {
        field.push_back('"');
        ++i;
      } else {
        in_quotes = false;
      }
    } else if (c == ',') {
      record->fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '"' && field.empty() && !was_quoted) {
      in_quotes = true;
      was_quoted = true;
      quote_column = static_cast<size_t>(ColumnOf(text, i - 1));
    } else {
      field.push_back(c);
    }
  }
  record->fields.push_back(std::move(field));
  if (in_quotes) {
    record->error = "unterminated quoted field (the quote at column " +
                    std::to_string(quote_column) +
                    " is not closed on this line; a field cannot span lines)";
  }
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

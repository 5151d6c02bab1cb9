// Small text helpers shared by fulfilment plugins that keep records in their host state store:
// records of tab-separated fields (escaped, so any text survives), lists of records one per
// line, and calendar days as "YYYY-MM-DD" in a configured time zone. (The retry of a
// compare-and-set commit that lost a race is the SDK's: plaudit/state_transaction.h.) Header-only:
// each plugin is its own shared object. Every function is thread-safe.
#ifndef PLAUDIT_FULFILMENT_COMMON_STATE_TEXT_H_
#define PLAUDIT_FULFILMENT_COMMON_STATE_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "plaudit/trim.h"

namespace plaudit::fulfilment {

// "a, b,,c" split at `separator` into trimmed pieces; empty pieces are kept (callers name them).
inline std::vector<std::string> SplitTrimmed(std::string_view text, char separator) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    pieces.emplace_back(Trim(text.substr(start, end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return pieces;
}

// One record: fields joined by tabs, with backslash, tab and newline escaped.
inline std::string EncodeRecord(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back('\t');
    for (char c : fields[i]) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out.push_back(c);
      }
    }
  }
  return out;
}

inline std::vector<std::string> DecodeRecord(std::string_view text) {
  std::vector<std::string> fields(1);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\t') {
      fields.emplace_back();
    } else if (c == '\\' && i + 1 < text.size()) {
      const char next = text[++i];
      fields.back().push_back(next == 't' ? '\t' : next == 'n' ? '\n' : next);
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

// Records one per line; an empty text is an empty list.
inline std::string EncodeRecordList(const std::vector<std::vector<std::string>>& records) {
  std::string out;
  for (const auto& record : records) {
    out += EncodeRecord(record);
    out.push_back('\n');
  }
  return out;
}

inline std::vector<std::vector<std::string>> DecodeRecordList(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) records.push_back(DecodeRecord(text.substr(start, end - start)));
    start = end + 1;
  }
  return records;
}

// "2026-11-30" exactly (ten characters, a real date).
inline std::optional<absl::CivilDay> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(std::string(text), &day)) return std::nullopt;
  if (absl::FormatCivilTime(day) != text) return std::nullopt;  // rejects 2026-02-30
  return day;
}

inline std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// A whole number in [min, max], written in plain digits.
inline std::optional<int64_t> ParseBoundedInt(std::string_view text, int64_t min, int64_t max) {
  text = Trim(text);
  if (text.empty() || text.size() > 12) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

// The local day of the instant `unix_micros` in `zone`.
inline absl::CivilDay LocalDay(int64_t unix_micros, absl::TimeZone zone) {
  return absl::ToCivilDay(absl::FromUnixMicros(unix_micros), zone);
}

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_COMMON_STATE_TEXT_H_

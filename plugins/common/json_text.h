// JSON text for plugins and tools that speak a vendor's REST API, and for the certificate plugin's
// signed credentials. The document model is nlohmann-json's, with members kept in insertion order
// (so the same document always serializes to the same bytes); this header adds only the two
// policies the project wants everywhere and that nlohmann leaves to the caller:
//
//  - ParseStrict() refuses what RFC 8259 allows but a signed or vendor document must not contain:
//    a member name given twice (which copy would a verifier read?) and nesting deeper than 64.
//    It never throws: plugins must not let an exception reach the C boundary.
//  - Serialize() writes compact text and never throws either, even for a string that is not valid
//    UTF-8 (its bad bytes become U+FFFD), where nlohmann's dump() would.
//
// The lenient readers (Find, StringMember, IntMember) read a vendor's answer without throwing on
// a member of an unexpected type, unlike nlohmann's value() and at().
//
// Every function is thread-safe; documents are plain values.
#ifndef PLAUDIT_PLUGINS_COMMON_JSON_TEXT_H_
#define PLAUDIT_PLUGINS_COMMON_JSON_TEXT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace plaudit::json {

using Json = nlohmann::ordered_json;

// Parses one JSON document: RFC 8259, no text after it, no duplicate member names, nesting at
// most 64 deep. On failure returns nullopt with *error saying what is wrong and where.
std::optional<Json> ParseStrict(std::string_view text, std::string* error);

// Compact JSON text (no spaces, members in insertion order, non-ASCII UTF-8 as it is).
std::string Serialize(const Json& value);

// The member named `key` of an object; nullptr when absent or when `value` is not an object.
const Json* Find(const Json& value, std::string_view key);

// The member's text when it is a string; a number's shortest JSON text; "" otherwise.
std::string StringMember(const Json& value, std::string_view key);

// The member when it is a whole number that fits int64, or a string holding one.
std::optional<int64_t> IntMember(const Json& value, std::string_view key);

}  // namespace plaudit::json

#endif  // PLAUDIT_PLUGINS_COMMON_JSON_TEXT_H_

// A small JSON document model for plugins and tools that speak a vendor's REST API, and for the
// certificate plugin's signed credentials: parse a body strictly into a Value, read it leniently,
// build a Value and serialize it compactly with object members in insertion order (so the same
// Value always gives the same bytes). Numbers keep their literal text so that amounts ("25.50")
// round-trip exactly; callers convert them as they need.
//
// Values are plain data: safe to read from several threads, not to mutate concurrently.
#ifndef PLAUDIT_PLUGINS_COMMON_JSON_H_
#define PLAUDIT_PLUGINS_COMMON_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plaudit::json {

class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Value() = default;
  static Value Bool(bool value);
  // `literal` must be a JSON number ("25", "-1.5e3"); it is written out as it is.
  static Value Number(std::string literal);
  static Value Number(int64_t value);
  static Value String(std::string value);
  static Value Array();
  static Value Object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool bool_value() const { return bool_; }
  // The string's value, or a number's literal text; empty for other types.
  const std::string& text() const { return text_; }
  // A number that is a whole int64, or a string holding one.
  std::optional<int64_t> AsInt() const;

  const std::vector<Value>& items() const { return items_; }
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }

  // The member named `key` of an object; nullptr when absent or when this is not an object.
  const Value* Find(std::string_view key) const;
  // The member's text when it is a string (or a number's literal); "" otherwise.
  std::string StringMember(std::string_view key) const;

  // Sets a member of an object (replacing one of the same name in its place); returns *this for
  // chaining.
  Value& Set(std::string key, Value value);
  // Appends to an array; returns *this.
  Value& Append(Value value);

  // Compact JSON text: no spaces, object members in insertion order, non-ASCII UTF-8 as it is.
  std::string Serialize() const;

 private:
  void SerializeTo(std::string* out) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

// Parses one JSON document strictly (RFC 8259: no comments or trailing commas, no text after the
// document, no duplicate member names, nesting at most 64 deep). On failure returns nullopt with
// *error naming the byte offset and what was expected there.
std::optional<Value> Parse(std::string_view text, std::string* error);

// `text` as a JSON string literal, quotes included.
std::string Quote(std::string_view text);

}  // namespace plaudit::json

#endif  // PLAUDIT_PLUGINS_COMMON_JSON_H_

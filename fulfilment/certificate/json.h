// A small JSON value for the certificate plugin's credentials: built in code and written compactly
// with object members in insertion order (the bytes that get signed), and parsed strictly when a
// credential comes back for verification (no trailing commas, no duplicate keys, no comments,
// at most 64 levels deep). Numbers are doubles. Values are plain data: not thread-safe to mutate,
// safe to read from several threads.
#ifndef PLAUDIT_FULFILMENT_CERTIFICATE_JSON_H_
#define PLAUDIT_FULFILMENT_CERTIFICATE_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plaudit::fulfilment {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  static Json Bool(bool value);
  static Json Number(double value);
  static Json String(std::string value);
  static Json Array();
  static Json Object();

  // Parses one JSON text; nullopt with *error set (naming the byte offset) when it is not valid.
  static std::optional<Json> Parse(std::string_view text, std::string* error);

  Type type() const { return type_; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_number() const { return type_ == Type::kNumber; }

  bool bool_value() const { return bool_; }
  double number_value() const { return number_; }
  const std::string& string_value() const { return string_; }
  // Array elements, or an object's member values (in order, matching keys()).
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::string>& keys() const { return keys_; }

  // Adds (or replaces) an object member, keeping the first position; returns *this for chaining.
  Json& Set(const std::string& key, Json value);
  // Appends to an array; returns *this for chaining.
  Json& Push(Json value);

  // The member `key` of an object, or nullptr (also when this is not an object).
  const Json* Find(std::string_view key) const;
  // The member's string, or "" when it is absent or not a string.
  std::string StringAt(std::string_view key) const;

  // Compact JSON text: no spaces, members in insertion order, non-ASCII UTF-8 as it is.
  std::string Dump() const;

 private:
  void DumpTo(std::string* out) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<std::string> keys_;  // objects only
  std::vector<Json> items_;        // array elements or object values
};

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_CERTIFICATE_JSON_H_

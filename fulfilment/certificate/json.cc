#include "fulfilment/certificate/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace plaudit::fulfilment {
namespace {

constexpr int kMaxDepth = 64;

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

void QuoteTo(const std::string& text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
          *out += escaped;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<Json> ParseDocument(std::string* error) {
    std::optional<Json> value = ParseValue(0);
    if (value) {
      SkipSpace();
      if (pos_ != text_.size()) Fail("unexpected text after the value");
    }
    if (!error_.empty()) {
      *error = error_ + " at offset " + std::to_string(pos_);
      return std::nullopt;
    }
    return value;
  }

 private:
  std::nullopt_t Fail(const std::string& message) {
    if (error_.empty()) error_ = message;
    return std::nullopt;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<Json> ParseValue(int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    SkipSpace();
    if (pos_ >= text_.size()) return Fail("unexpected end of text");
    const char c = text_[pos_];
    if (c == '{') return ParseObject(depth);
    if (c == '[') return ParseArray(depth);
    if (c == '"') {
      std::optional<std::string> text = ParseString();
      if (!text) return std::nullopt;
      return Json::String(std::move(*text));
    }
    if (Consume("true")) return Json::Bool(true);
    if (Consume("false")) return Json::Bool(false);
    if (Consume("null")) return Json();
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
    return Fail("unexpected character");
  }

  std::optional<Json> ParseObject(int depth) {
    ++pos_;  // '{'
    Json object = Json::Object();
    SkipSpace();
    if (Consume("}")) return object;
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Fail("expected a member name");
      std::optional<std::string> key = ParseString();
      if (!key) return std::nullopt;
      if (object.Find(*key) != nullptr) return Fail("duplicate member \"" + *key + "\"");
      SkipSpace();
      if (!Consume(":")) return Fail("expected ':'");
      std::optional<Json> value = ParseValue(depth + 1);
      if (!value) return std::nullopt;
      object.Set(*key, std::move(*value));
      SkipSpace();
      if (Consume("}")) return object;
      if (!Consume(",")) return Fail("expected ',' or '}'");
    }
  }

  std::optional<Json> ParseArray(int depth) {
    ++pos_;  // '['
    Json array = Json::Array();
    SkipSpace();
    if (Consume("]")) return array;
    while (true) {
      std::optional<Json> value = ParseValue(depth + 1);
      if (!value) return std::nullopt;
      array.Push(std::move(*value));
      SkipSpace();
      if (Consume("]")) return array;
      if (!Consume(",")) return Fail("expected ',' or ']'");
    }
  }

  std::optional<Json> ParseNumber() {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    Consume("-");
    if (Consume("0")) {
      // No leading zeros.
    } else if (!digits()) {
      return Fail("malformed number");
    }
    if (Consume(".") && !digits()) return Fail("malformed number");
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (!Consume("+")) Consume("-");
      if (!digits()) return Fail("malformed number");
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (ec != std::errc() || end != text_.data() + pos_ || !std::isfinite(value)) {
      return Fail("number out of range");
    }
    return Json::Number(value);
  }

  std::optional<uint32_t> ParseHex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        value |= c - 'A' + 10;
      } else {
        return std::nullopt;
      }
    }
    return value;
  }

  std::optional<std::string> ParseString() {
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return Fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Fail("unterminated string");
      const char escape = text_[pos_++];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out.push_back(escape);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          std::optional<uint32_t> unit = ParseHex4();
          if (!unit) return Fail("malformed \\u escape");
          uint32_t code_point = *unit;
          if (code_point >= 0xD800 && code_point <= 0xDBFF) {
            if (!Consume("\\u")) return Fail("unpaired surrogate");
            std::optional<uint32_t> low = ParseHex4();
            if (!low || *low < 0xDC00 || *low > 0xDFFF) return Fail("unpaired surrogate");
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (*low - 0xDC00);
          } else if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
            return Fail("unpaired surrogate");
          }
          AppendUtf8(code_point, &out);
          break;
        }
        default:
          return Fail("unknown escape");
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

Json Json::Bool(bool value) {
  Json json;
  json.type_ = Type::kBool;
  json.bool_ = value;
  return json;
}

Json Json::Number(double value) {
  Json json;
  json.type_ = Type::kNumber;
  json.number_ = value;
  return json;
}

Json Json::String(std::string value) {
  Json json;
  json.type_ = Type::kString;
  json.string_ = std::move(value);
  return json;
}

Json Json::Array() {
  Json json;
  json.type_ = Type::kArray;
  return json;
}

Json Json::Object() {
  Json json;
  json.type_ = Type::kObject;
  return json;
}

std::optional<Json> Json::Parse(std::string_view text, std::string* error) {
  return Parser(text).ParseDocument(error);
}

Json& Json::Set(const std::string& key, Json value) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      items_[i] = std::move(value);
      return *this;
    }
  }
  keys_.push_back(key);
  items_.push_back(std::move(value));
  return *this;
}

Json& Json::Push(Json value) {
  items_.push_back(std::move(value));
  return *this;
}

const Json* Json::Find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

std::string Json::StringAt(std::string_view key) const {
  const Json* member = Find(key);
  return member != nullptr && member->is_string() ? member->string_value() : std::string();
}

std::string Json::Dump() const {
  std::string out;
  DumpTo(&out);
  return out;
}

void Json::DumpTo(std::string* out) const {
  switch (type_) {
    case Type::kNull:
      *out += "null";
      return;
    case Type::kBool:
      *out += bool_ ? "true" : "false";
      return;
    case Type::kNumber: {
      char buffer[32];
      if (number_ == std::floor(number_) && std::fabs(number_) < 9.0e15) {
        std::snprintf(buffer, sizeof(buffer), "%lld", static_cast<long long>(number_));
      } else {
        std::snprintf(buffer, sizeof(buffer), "%.17g", number_);
      }
      *out += buffer;
      return;
    }
    case Type::kString:
      QuoteTo(string_, out);
      return;
    case Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out->push_back(',');
        items_[i].DumpTo(out);
      }
      out->push_back(']');
      return;
    case Type::kObject:
      out->push_back('{');
      for (size_t i = 0; i < keys_.size(); ++i) {
        if (i > 0) out->push_back(',');
        QuoteTo(keys_[i], out);
        out->push_back(':');
        items_[i].DumpTo(out);
      }
      out->push_back('}');
      return;
  }
}

}  // namespace plaudit::fulfilment

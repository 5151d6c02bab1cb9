#include "plugins/common/json_text.h"

#include <charconv>
#include <set>
#include <vector>

namespace plaudit::json {
namespace {

constexpr int kMaxDepth = 64;

// What the parser callback saw that nlohmann itself accepts.
struct StrictnessCheck {
  std::vector<std::set<std::string>> names;  // member names seen, one set per open object
  std::string problem;
};

}  // namespace

std::optional<Json> ParseStrict(std::string_view text, std::string* error) {
  StrictnessCheck check;
  const Json::parser_callback_t callback = [&check](int depth, Json::parse_event_t event,
                                                    Json& parsed) {
    using Event = Json::parse_event_t;
    if (!check.problem.empty()) return true;
    if ((event == Event::object_start || event == Event::array_start) && depth >= kMaxDepth) {
      check.problem = "nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)";
    } else if (event == Event::object_start) {
      check.names.emplace_back();
    } else if (event == Event::object_end) {
      if (!check.names.empty()) check.names.pop_back();
    } else if (event == Event::key && !check.names.empty()) {
      const std::string& name = parsed.get_ref<const std::string&>();
      if (!check.names.back().insert(name).second) {
        check.problem = "duplicate member \"" + name + "\"";
      }
    }
    return true;
  };
  Json value;
  try {
    value = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                        /*ignore_comments=*/false);
  } catch (const Json::parse_error& e) {
    if (error != nullptr) *error = e.what();
    return std::nullopt;
  } catch (const std::exception& e) {
    // Not expected from a parse; still never let it reach the plugin boundary.
    if (error != nullptr) *error = e.what();
    return std::nullopt;
  }
  if (!check.problem.empty()) {
    if (error != nullptr) *error = check.problem;
    return std::nullopt;
  }
  return value;
}

std::string Serialize(const Json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

const Json* Find(const Json& value, std::string_view key) {
  if (!value.is_object()) return nullptr;
  const auto it = value.find(std::string(key));
  return it == value.end() ? nullptr : &*it;
}

std::string StringMember(const Json& value, std::string_view key) {
  const Json* member = Find(value, key);
  if (member == nullptr) return {};
  if (member->is_string()) return member->get_ref<const std::string&>();
  if (member->is_number()) return Serialize(*member);
  return {};
}

std::optional<int64_t> IntMember(const Json& value, std::string_view key) {
  const Json* member = Find(value, key);
  if (member == nullptr) return std::nullopt;
  if (member->is_number_integer()) {
    if (member->is_number_unsigned() &&
        member->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return std::nullopt;
    }
    return member->get<int64_t>();
  }
  if (member->is_string()) {
    const std::string& text = member->get_ref<const std::string&>();
    int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return number;
  }
  return std::nullopt;
}

}  // namespace plaudit::json

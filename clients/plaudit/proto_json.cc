#include "clients/plaudit/proto_json.h"

#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "clients/plaudit/time_text.h"

namespace plaudit::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using nlohmann::ordered_json;

// "Channel" -> "CHANNEL_", "PeerGroupBy" -> "PEER_GROUP_BY_": the prefix AIP puts on values.
std::string ValuePrefix(const std::string& type_name) {
  std::string prefix;
  for (size_t i = 0; i < type_name.size(); ++i) {
    const auto c = static_cast<unsigned char>(type_name[i]);
    if (i > 0 && std::isupper(c) && !std::isupper(static_cast<unsigned char>(type_name[i - 1]))) {
      prefix.push_back('_');
    }
    prefix.push_back(static_cast<char>(std::toupper(c)));
  }
  return prefix + "_";
}

// A whole decimal is written without ".0" ("16", not "16.0"), as the tables' JSON writes it, so
// one value reads the same whichever command printed it.
ordered_json Decimal(double value) {
  if (!std::isfinite(value)) return nullptr;
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    return static_cast<int64_t>(value);
  }
  return value;
}

ordered_json SingleValue(const Message& message, const Reflection& reflection,
                         const FieldDescriptor& field, const absl::TimeZone& zone);
ordered_json RepeatedValue(const Message& message, const Reflection& reflection,
                           const FieldDescriptor& field, int index, const absl::TimeZone& zone);

ordered_json MessageValue(const Message& message, const absl::TimeZone& zone) {
  if (message.GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
    google::protobuf::Timestamp timestamp;
    timestamp.CopyFrom(message);
    return TimeText(timestamp, zone);
  }
  return ProtoToJson(message, zone);
}

ordered_json SingleValue(const Message& message, const Reflection& reflection,
                         const FieldDescriptor& field, const absl::TimeZone& zone) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return reflection.GetInt32(message, &field);
    case FieldDescriptor::CPPTYPE_INT64:
      return reflection.GetInt64(message, &field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return reflection.GetUInt32(message, &field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return reflection.GetUInt64(message, &field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Decimal(reflection.GetDouble(message, &field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Decimal(reflection.GetFloat(message, &field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection.GetBool(message, &field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumValueText(*reflection.GetEnum(message, &field));
    case FieldDescriptor::CPPTYPE_STRING:
      return reflection.GetString(message, &field);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValue(reflection.GetMessage(message, &field), zone);
  }
  return nullptr;
}

ordered_json RepeatedValue(const Message& message, const Reflection& reflection,
                           const FieldDescriptor& field, int index, const absl::TimeZone& zone) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return reflection.GetRepeatedInt32(message, &field, index);
    case FieldDescriptor::CPPTYPE_INT64:
      return reflection.GetRepeatedInt64(message, &field, index);
    case FieldDescriptor::CPPTYPE_UINT32:
      return reflection.GetRepeatedUInt32(message, &field, index);
    case FieldDescriptor::CPPTYPE_UINT64:
      return reflection.GetRepeatedUInt64(message, &field, index);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Decimal(reflection.GetRepeatedDouble(message, &field, index));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Decimal(reflection.GetRepeatedFloat(message, &field, index));
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection.GetRepeatedBool(message, &field, index);
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumValueText(*reflection.GetRepeatedEnum(message, &field, index));
    case FieldDescriptor::CPPTYPE_STRING:
      return reflection.GetRepeatedString(message, &field, index);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValue(reflection.GetRepeatedMessage(message, &field, index), zone);
  }
  return nullptr;
}

// A map field's entries as one object, keys in sorted order so the output is stable.
ordered_json MapValue(const Message& message, const Reflection& reflection,
                      const FieldDescriptor& field, const absl::TimeZone& zone) {
  const FieldDescriptor* key_field = field.message_type()->map_key();
  const FieldDescriptor* value_field = field.message_type()->map_value();
  std::vector<std::pair<std::string, ordered_json>> entries;
  for (int i = 0; i < reflection.FieldSize(message, &field); ++i) {
    const Message& entry = reflection.GetRepeatedMessage(message, &field, i);
    const Reflection& entry_reflection = *entry.GetReflection();
    ordered_json key = SingleValue(entry, entry_reflection, *key_field, zone);
    entries.emplace_back(key.is_string() ? key.get<std::string>() : key.dump(),
                         SingleValue(entry, entry_reflection, *value_field, zone));
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  ordered_json object = ordered_json::object();
  for (auto& [key, value] : entries) object[key] = std::move(value);
  return object;
}

}  // namespace

std::string EnumValueText(const google::protobuf::EnumValueDescriptor& value) {
  if (value.number() == 0 && value.name().ends_with("_UNSPECIFIED")) return "";
  std::string name = value.name();
  const std::string prefix = ValuePrefix(value.type()->name());
  if (name.starts_with(prefix) && name.size() > prefix.size()) name.erase(0, prefix.size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

ordered_json ProtoToJson(const Message& message, const absl::TimeZone& zone) {
  const google::protobuf::Descriptor& descriptor = *message.GetDescriptor();
  const Reflection& reflection = *message.GetReflection();
  ordered_json object = ordered_json::object();
  for (int f = 0; f < descriptor.field_count(); ++f) {
    const FieldDescriptor& field = *descriptor.field(f);
    if (field.is_map()) {
      object[field.name()] = MapValue(message, reflection, field, zone);
    } else if (field.is_repeated()) {
      ordered_json array = ordered_json::array();
      for (int i = 0; i < reflection.FieldSize(message, &field); ++i) {
        array.push_back(RepeatedValue(message, reflection, field, i, zone));
      }
      object[field.name()] = std::move(array);
    } else if (field.has_presence() && !reflection.HasField(message, &field)) {
      object[field.name()] = nullptr;
    } else {
      object[field.name()] = SingleValue(message, reflection, field, zone);
    }
  }
  return object;
}

std::string JsonText(const ordered_json& json) {
  return json.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace plaudit::cli

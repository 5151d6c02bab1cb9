// The JSON form of an API message for `-o json`, in the shape every command shares: an object
// per message with the proto field names, every field present (an unset message or optional
// field as null), integers of any width and decimals as JSON numbers (non-finite decimals as
// null, whole ones without ".0" as the tables write them), enum values in lower snake case without
// their type's prefix as `list` prints them (CHANNEL_PHONE -> "phone", APPROVED -> "approved", an
// _UNSPECIFIED value -> ""), timestamps as RFC 3339 text in the display zone (see time_text.h),
// maps as objects.
//
// Pure functions; thread-safe.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_PROTO_JSON_H_
#define PLAUDIT_CLIENTS_PLAUDIT_PROTO_JSON_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/time/time.h"

namespace plaudit::cli {

nlohmann::ordered_json ProtoToJson(const google::protobuf::Message& message,
                                   const absl::TimeZone& zone);

// An enum value as `plaudit` shows it everywhere: "phone", "over_budget", "" when unspecified.
std::string EnumValueText(const google::protobuf::EnumValueDescriptor& value);

// `json` as indented text with a final newline; invalid UTF-8 in strings becomes U+FFFD.
std::string JsonText(const nlohmann::ordered_json& json);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_PROTO_JSON_H_

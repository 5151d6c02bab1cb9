#include "plugins/contact_records/amazon_connect.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "plugins/common/json_text.h"
#include "plugins/contact_records/record_reading.h"

namespace plaudit::contacts {
namespace {

using json::Json;

bool ReadText(const Json& object, const char* prefix, const char* field, std::string* out,
              std::string* problem) {
  const Json* value = json::Find(object, field);
  if (value == nullptr || !value->is_string() || value->get<std::string>().empty()) {
    *problem = absl::StrCat(prefix, field,
                            value == nullptr || value->is_null()
                                ? ": missing"
                                : absl::StrCat(": ", Shown(*value), " is not a non-empty string"));
    return false;
  }
  *out = value->get<std::string>();
  return true;
}

// A duration in whole seconds, absent or null as 0.
bool ReadSeconds(const Json& agent, const char* field, int64_t* seconds, std::string* problem) {
  const Json* value = json::Find(agent, field);
  *seconds = 0;
  if (value == nullptr || value->is_null()) return true;
  if (value->is_number_unsigned() || (value->is_number_integer() && value->get<int64_t>() >= 0)) {
    *seconds = value->get<int64_t>();
    return true;
  }
  if (value->is_number_float()) {
    const double d = value->get<double>();
    if (d >= 0 && d < 1e9 && std::floor(d) == d) {
      *seconds = static_cast<int64_t>(d);
      return true;
    }
  }
  *problem = absl::StrCat("Agent.", field, ": ", Shown(*value),
                          " is not a whole number of seconds, 0 or more");
  return false;
}

// A survey answer from the contact attributes (strings, as Amazon Connect keeps them): added as
// `metric` when it is a whole number in [low, high]; a problem otherwise.
void ReadScore(const Json& attributes, const std::string& name, const std::string& metric, int low,
               int high, ContactFact& fact, std::vector<std::string>& problems) {
  if (name.empty()) return;
  const Json* value = json::Find(attributes, name);
  if (value == nullptr || value->is_null()) return;
  int64_t score = 0;
  bool whole = false;
  if (value->is_string()) {
    whole = absl::SimpleAtoi(value->get<std::string>(), &score);
  } else if (value->is_number_integer()) {
    whole = true;
    score = value->get<int64_t>();
  }
  if (!whole || score < low || score > high) {
    problems.push_back(absl::StrCat("Attributes.", name, ": ", Shown(*value), " is not a ", metric,
                                    " score from ", low, " to ", high, "; left out"));
    return;
  }
  fact.metrics.emplace_back(metric, static_cast<double>(score));
}

}  // namespace

AmazonConnectResult ReadAmazonConnectRecord(std::string_view json_text,
                                            const AmazonConnectMapping& mapping) {
  auto reject = [](std::string problem) {
    return Rejected<AmazonConnectResult>(std::move(problem));
  };
  std::string problem;
  std::optional<Json> parsed = ParseRecordObject(json_text, "contact record", &problem);
  if (!parsed.has_value()) return reject(std::move(problem));
  const Json& record = *parsed;

  AmazonConnectResult result;
  ContactFact fact;
  fact.source = mapping.source;
  if (!ReadText(record, "", "ContactId", &fact.contact_id, &problem) ||
      !ReadRequiredTime(record, "LastUpdateTimestamp", &fact.version_us, &problem) ||
      !ReadRequiredTime(record, "InitiationTimestamp", &fact.occurred_us, &problem) ||
      !ReadText(record, "", "Channel", &fact.channel, &problem)) {
    return reject(std::move(problem));
  }
  result.contact_id = fact.contact_id;
  result.version_us = fact.version_us;
  if (const Json* queue = json::Find(record, "Queue"); queue != nullptr && queue->is_object()) {
    fact.queue = json::StringMember(*queue, "Name");
  }
  const Json* agent = json::Find(record, "Agent");
  // Never reached an agent (abandoned in the queue, or handled by a flow alone): no fact.
  if (agent == nullptr || agent->is_null()) return result;
  if (!agent->is_object()) {
    return reject(absl::StrCat("Agent: ", Shown(*agent), " is not an object"));
  }
  int64_t interaction = 0;
  int64_t hold = 0;
  int64_t after_work = 0;
  if (!ReadText(*agent, "Agent.", "Username", &fact.participant, &problem) ||
      !ReadSeconds(*agent, "AgentInteractionDuration", &interaction, &problem) ||
      !ReadSeconds(*agent, "CustomerHoldDuration", &hold, &problem) ||
      !ReadSeconds(*agent, "AfterContactWorkDuration", &after_work, &problem)) {
    return reject(std::move(problem));
  }

  if (const std::string* counted = MetricCounting(mapping.channel_metrics, fact.channel)) {
    fact.metrics.emplace_back(*counted, 1);
  }
  if (mapping.handle_time) {
    fact.metrics.emplace_back("aht_seconds", static_cast<double>(interaction + hold + after_work));
  }
  if (const Json* attributes = json::Find(record, "Attributes");
      attributes != nullptr && attributes->is_object()) {
    ReadScore(*attributes, mapping.csat_attribute, "csat", 1, 5, fact, result.problems);
    ReadScore(*attributes, mapping.nps_attribute, "nps", 0, 10, fact, result.problems);
  }
  result.fact = std::move(fact);
  return result;
}

}  // namespace plaudit::contacts

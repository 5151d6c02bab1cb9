#include "plugins/contact_records/zendesk.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "plugins/common/json_text.h"
#include "plugins/contact_records/record_reading.h"

namespace plaudit::contacts {
namespace {

using json::Json;

// A Zendesk id: a whole number (as the API gives it) or its text.
std::optional<std::string> IdText(const Json& value) {
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() > 0)) {
    return std::to_string(value.get<int64_t>());
  }
  if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
  return std::nullopt;
}

}  // namespace

ZendeskResult ReadZendeskTicket(std::string_view json_text, const ZendeskMapping& mapping) {
  auto reject = [](std::string problem) { return Rejected<ZendeskResult>(std::move(problem)); };
  std::string problem;
  std::optional<Json> parsed = ParseRecordObject(json_text, "ticket", &problem);
  if (!parsed.has_value()) return reject(std::move(problem));
  const Json& ticket = *parsed;

  ZendeskResult result;
  ContactFact fact;
  fact.source = mapping.source;
  const Json* id = json::Find(ticket, "id");
  if (id == nullptr || id->is_null()) return reject("id: missing");
  std::optional<std::string> id_text = IdText(*id);
  if (!id_text.has_value()) return reject(absl::StrCat("id: ", Shown(*id), " is not a ticket id"));
  fact.contact_id = *id_text;
  if (!ReadRequiredTime(ticket, "updated_at", &fact.version_us, &problem)) {
    return reject(std::move(problem));
  }
  result.contact_id = fact.contact_id;
  result.version_us = fact.version_us;
  const std::string status = json::StringMember(ticket, "status");
  if (status.empty()) return reject("status: missing");
  const Json* assignee = json::Find(ticket, "assignee_id");
  if (assignee != nullptr && !assignee->is_null()) {
    std::optional<std::string> agent = IdText(*assignee);
    if (!agent.has_value()) {
      return reject(absl::StrCat("assignee_id: ", Shown(*assignee), " is not a user id"));
    }
    fact.participant = *agent;
  }
  // Not solved yet, or nobody's: no fact (a later version may bring one).
  if ((status != "solved" && status != "closed") || fact.participant.empty()) return result;

  fact.occurred_us = fact.version_us;
  int64_t reopens = 0;
  if (const Json* metrics = json::Find(ticket, "metric_set");
      metrics != nullptr && metrics->is_object()) {
    if (const Json* solved = json::Find(*metrics, "solved_at");
        solved != nullptr && !solved->is_null()) {
      if (!solved->is_string() || !ParseRecordTime(solved->get<std::string>(), &fact.occurred_us)) {
        result.problems.push_back(absl::StrCat("metric_set.solved_at: ", Shown(*solved),
                                               " is not a time; updated_at used instead"));
      }
    }
    if (const Json* count = json::Find(*metrics, "reopens");
        count != nullptr && !count->is_null()) {
      if (count->is_number_integer() && count->get<int64_t>() >= 0) {
        reopens = count->get<int64_t>();
      } else {
        result.problems.push_back(
            absl::StrCat("metric_set.reopens: ", Shown(*count), " is not a count; left out"));
      }
    }
  }
  if (const Json* via = json::Find(ticket, "via"); via != nullptr && via->is_object()) {
    fact.channel = json::StringMember(*via, "channel");
  }
  if (const std::string* counted = MetricCounting(mapping.channel_metrics, fact.channel)) {
    fact.metrics.emplace_back(*counted, 1);
  }
  if (const Json* rating = json::Find(ticket, "satisfaction_rating");
      rating != nullptr && rating->is_object()) {
    const std::string score = json::StringMember(*rating, "score");
    if (auto csat = mapping.rating_csat.find(score); csat != mapping.rating_csat.end()) {
      fact.metrics.emplace_back("csat", csat->second);
    }
  }
  if (mapping.reopens && reopens > 0) fact.metrics.emplace_back("repeat_contacts", 1);
  result.fact = std::move(fact);
  return result;
}

}  // namespace plaudit::contacts

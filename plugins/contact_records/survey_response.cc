#include "plugins/contact_records/survey_response.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "plaudit/source_name.h"
#include "plugins/common/json_text.h"
#include "plugins/contact_records/record_reading.h"

namespace plaudit::contacts {
namespace {

using json::Json;

// A member that must be a non-empty string, or a whole number (ids often are); "" when absent.
// False with *problem when it is there but neither.
bool ReadId(const Json& object, const char* field, std::string* out, std::string* problem) {
  out->clear();
  const Json* value = json::Find(object, field);
  if (value == nullptr || value->is_null()) return true;
  if ((value->is_string() && !value->get<std::string>().empty()) || value->is_number_integer()) {
    *out = json::StringMember(object, field);
    return true;
  }
  *problem = absl::StrCat(field, ": ", Shown(*value), " is not a non-empty string or a number");
  return false;
}

// A score: a whole number in [low, high], given as a number or a string holding one. Added to
// the fact as `metric`; a problem naming the value when it is there but not such a number.
void ReadScore(const Json& object, const char* metric, int low, int high, ContactFact& fact,
               std::vector<std::string>& problems) {
  const Json* value = json::Find(object, metric);
  if (value == nullptr || value->is_null()) return;
  const std::optional<int64_t> score = json::IntMember(object, metric);
  if (!score.has_value() || *score < low || *score > high) {
    problems.push_back(absl::StrCat(metric, ": ", Shown(*value), " is not a ", metric,
                                    " score, a whole number from ", low, " to ", high,
                                    "; left out"));
    return;
  }
  fact.metrics.emplace_back(metric, static_cast<double>(*score));
}

}  // namespace

SurveyResult ReadSurveyResponse(std::string_view json_text, const SurveyMapping& mapping) {
  std::string problem;
  std::optional<Json> parsed = ParseRecordObject(json_text, "survey response", &problem);
  if (!parsed.has_value()) return Rejected<SurveyResult>(problem);
  const Json& response = *parsed;

  SurveyResult result;
  if (!ReadId(response, "response_id", &result.contact_id, &problem)) {
    return Rejected<SurveyResult>(problem);
  }
  if (result.contact_id.empty()) return Rejected<SurveyResult>("response_id: missing");
  int64_t submitted_us = 0;
  if (!ReadRequiredTime(response, "submitted_at", &submitted_us, &problem)) {
    return Rejected<SurveyResult>(problem);
  }
  result.version_us = submitted_us;
  if (const Json* updated = json::Find(response, "updated_at");
      updated != nullptr && !updated->is_null()) {
    int64_t updated_us = 0;
    if (!ReadRequiredTime(response, "updated_at", &updated_us, &problem)) {
      return Rejected<SurveyResult>(problem);
    }
    result.version_us = std::max(result.version_us, updated_us);
  }

  ContactFact fact;
  fact.source = mapping.source;
  fact.contact_id = result.contact_id;
  fact.version_us = result.version_us;
  fact.occurred_us = submitted_us;
  fact.channel = json::StringMember(response, "channel");
  fact.queue = json::StringMember(response, "queue");
  std::string agent, contact;
  if (!ReadId(response, "agent", &agent, &problem) ||
      !ReadId(response, "contact_id", &contact, &problem)) {
    return Rejected<SurveyResult>(problem);
  }
  if (!agent.empty()) {
    fact.participant = agent;
  } else if (!contact.empty()) {
    std::string contact_source;
    if (const Json* named = json::Find(response, "contact_source");
        named != nullptr && !named->is_null()) {
      if (!named->is_string() || !IsSourceName(named->get<std::string>())) {
        return Rejected<SurveyResult>(
            absl::StrCat("contact_source: ", Shown(*named),
                         " is not a source name (1-64 letters, digits, _ and -)"));
      }
      contact_source = named->get<std::string>();
    }
    if (contact_source.empty()) contact_source = mapping.contact_source;
    if (contact_source.empty()) {
      return Rejected<SurveyResult>(
          "contact_source: missing, and the source has no survey_contact_source: which platform's "
          "contact is contact_id?");
    }
    fact.participant = absl::StrCat("contact:", contact_source, "/", contact);
  } else {
    return Rejected<SurveyResult>("agent and contact_id: missing; a response must name one");
  }

  ReadScore(response, "csat", 1, 5, fact, result.problems);
  ReadScore(response, "nps", 0, 10, fact, result.problems);
  if (fact.metrics.empty()) {
    return Rejected<SurveyResult>(result.problems.empty()
                                      ? "csat and nps: missing; a response must give a score"
                                      : result.problems.front());
  }
  result.fact = std::move(fact);
  return result;
}

}  // namespace plaudit::contacts

#include "plugins/contact_records/genesys_cloud.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "plugins/common/json_text.h"
#include "plugins/contact_records/record_reading.h"

namespace plaudit::contacts {
namespace {

using json::Json;

// An array member, or an empty one when absent or null; nullptr when it is something else.
const Json* ArrayOrNone(const Json& object, const char* field) {
  static const Json kNone = Json::array();
  const Json* value = json::Find(object, field);
  if (value == nullptr || value->is_null()) return &kNone;
  return value->is_array() ? value : nullptr;
}

// What one agent did in the conversation, gathered over their turns.
struct AgentTurns {
  std::vector<std::string> media;  // in the order first seen
  std::string queue;
  // Unset until a tHandle is read: a handle time never reported is not one of 0 seconds.
  std::optional<double> handle_ms;
  bool followup = false;
  std::optional<int64_t> promoter_score;
};

class ConversationReader {
 public:
  ConversationReader(const GenesysMapping& mapping, GenesysResult& result)
      : mapping_(mapping), result_(result) {}

  // The latest time the record mentions; a value that is not a time is a problem.
  void NoteTime(const Json& object, const char* field, const std::string& where) {
    const Json* value = json::Find(object, field);
    if (value == nullptr || value->is_null()) return;
    int64_t us = 0;
    if (!value->is_string() || !ParseRecordTime(value->get<std::string>(), &us)) {
      result_.problems.push_back(absl::StrCat(where, field, ": ", Shown(*value),
                                              " is not a time like 2026-10-05T10:00:00Z; ignored"));
      return;
    }
    latest_us_ = std::max(latest_us_, us);
  }

  void ReadParticipant(const Json& participant, const std::string& where) {
    if (json::StringMember(participant, "purpose") != "agent") return;
    const std::string user = json::StringMember(participant, "userId");
    if (user.empty()) {
      result_.problems.push_back(absl::StrCat(where, "userId: missing for an agent; left out"));
      return;
    }
    AgentTurns& turns = Turns(user);
    const Json* sessions = ArrayOrNone(participant, "sessions");
    if (sessions == nullptr) {
      result_.problems.push_back(absl::StrCat(where, "sessions: not an array; left out"));
      return;
    }
    for (size_t s = 0; s < sessions->size(); ++s) {
      const Json& session = (*sessions)[s];
      const std::string at = absl::StrCat(where, "sessions[", s, "].");
      const std::string media = json::StringMember(session, "mediaType");
      if (!media.empty() &&
          std::find(turns.media.begin(), turns.media.end(), media) == turns.media.end()) {
        turns.media.push_back(media);
      }
      const Json* metrics = ArrayOrNone(session, "metrics");
      for (size_t m = 0; metrics != nullptr && m < metrics->size(); ++m) {
        const Json& metric = (*metrics)[m];
        const std::string here = absl::StrCat(at, "metrics[", m, "].");
        NoteTime(metric, "emitDate", here);
        if (json::StringMember(metric, "name") != "tHandle") continue;
        const Json* value = json::Find(metric, "value");
        if (value == nullptr || !value->is_number() || value->get<double>() < 0) {
          result_.problems.push_back(
              absl::StrCat(here, "value: ", value == nullptr ? "missing" : Shown(*value),
                           " is not a tHandle in milliseconds, 0 or more; left out"));
          continue;
        }
        turns.handle_ms = turns.handle_ms.value_or(0) + value->get<double>();
      }
      const Json* segments = ArrayOrNone(session, "segments");
      for (size_t g = 0; segments != nullptr && g < segments->size(); ++g) {
        const Json& segment = (*segments)[g];
        NoteTime(segment, "segmentEnd", absl::StrCat(at, "segments[", g, "]."));
        const std::string queue = json::StringMember(segment, "queueId");
        if (turns.queue.empty()) turns.queue = queue;
        if (mapping_.followup_wrapup_codes.contains(json::StringMember(segment, "wrapUpCode"))) {
          turns.followup = true;
        }
      }
    }
  }

  void ReadSurvey(const Json& survey, const std::string& where) {
    NoteTime(survey, "surveyCompletedDate", where);
    const Json* score = json::Find(survey, "surveyPromoterScore");
    if (score == nullptr || score->is_null()) return;
    std::string user = json::StringMember(survey, "userId");
    if (user.empty()) user = json::StringMember(survey, "agentId");
    const auto taking = index_.find(user);
    if (taking == index_.end()) {
      result_.problems.push_back(
          absl::StrCat(where, "userId: \"", user, "\" took no part in the conversation; left out"));
      return;
    }
    if (!score->is_number_integer() || score->get<int64_t>() < 0 || score->get<int64_t>() > 10) {
      result_.problems.push_back(absl::StrCat(where, "surveyPromoterScore: ", Shown(*score),
                                              " is not a promoter score from 0 to 10; left out"));
      return;
    }
    turns_[taking->second].second.promoter_score = score->get<int64_t>();
  }

  // One fact per agent, in the order they joined.
  void Finish(const std::string& conversation, int64_t started_us) {
    result_.contact_id = conversation;
    result_.version_us = std::max(latest_us_, started_us);
    for (auto& [user, turns] : turns_) {
      ContactFact fact;
      fact.source = mapping_.source;
      fact.contact_id = conversation;
      fact.participant = user;
      fact.version_us = std::max(latest_us_, started_us);
      fact.occurred_us = started_us;
      fact.channel = turns.media.empty() ? std::string() : turns.media.front();
      fact.queue = turns.queue;
      std::vector<std::string> counted;
      for (const std::string& media : turns.media) {
        const std::string* metric = MetricCounting(mapping_.media_metrics, media);
        if (metric == nullptr) continue;
        if (std::find(counted.begin(), counted.end(), *metric) != counted.end()) continue;
        counted.push_back(*metric);
        fact.metrics.emplace_back(*metric, 1);
      }
      if (mapping_.handle_time && turns.handle_ms.has_value()) {
        fact.metrics.emplace_back("aht_seconds", *turns.handle_ms / 1000);
      }
      if (turns.followup) fact.metrics.emplace_back("followups_flagged", 1);
      if (turns.promoter_score.has_value()) {
        fact.metrics.emplace_back("nps", static_cast<double>(*turns.promoter_score));
      }
      result_.facts.push_back(std::move(fact));
    }
  }

 private:
  AgentTurns& Turns(const std::string& user) {
    auto [it, added] = index_.emplace(user, turns_.size());
    if (added) turns_.emplace_back(user, AgentTurns());
    return turns_[it->second].second;
  }

  const GenesysMapping& mapping_;
  GenesysResult& result_;
  int64_t latest_us_ = 0;
  std::vector<std::pair<std::string, AgentTurns>> turns_;
  std::map<std::string, size_t> index_;
};

}  // namespace

GenesysResult ReadGenesysConversation(std::string_view json_text, const GenesysMapping& mapping) {
  auto reject = [](std::string problem) { return Rejected<GenesysResult>(std::move(problem)); };
  std::string problem;
  std::optional<Json> parsed = ParseRecordObject(json_text, "conversation", &problem);
  if (!parsed.has_value()) return reject(std::move(problem));
  const Json& record = *parsed;
  const std::string conversation = json::StringMember(record, "conversationId");
  if (conversation.empty()) return reject("conversationId: missing");
  int64_t started_us = 0;
  if (!ReadRequiredTime(record, "conversationStart", &started_us, &problem)) {
    return reject(std::move(problem));
  }
  const Json* participants = ArrayOrNone(record, "participants");
  const Json* surveys = ArrayOrNone(record, "surveys");
  if (participants == nullptr) return reject("participants: not an array");
  if (surveys == nullptr) return reject("surveys: not an array");

  GenesysResult result;
  ConversationReader reader(mapping, result);
  reader.NoteTime(record, "conversationEnd", "");
  for (size_t p = 0; p < participants->size(); ++p) {
    const Json& participant = (*participants)[p];
    if (participant.is_object()) {
      reader.ReadParticipant(participant, absl::StrCat("participants[", p, "]."));
    }
  }
  for (size_t s = 0; s < surveys->size(); ++s) {
    const Json& survey = (*surveys)[s];
    if (survey.is_object()) reader.ReadSurvey(survey, absl::StrCat("surveys[", s, "]."));
  }
  reader.Finish(conversation, started_us);
  return result;
}

}  // namespace plaudit::contacts

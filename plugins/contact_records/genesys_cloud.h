// Genesys Cloud conversation details (the analytics API's conversation detail records, as its
// conversation details query and jobs return them) as contact facts.
//
// A conversation has participants of several purposes; each agent participant (purpose "agent",
// with a userId) took part in it, and a transfer adds another. Every agent who took part gets a
// fact of their own, keyed by the conversationId and their userId; an agent who took part twice
// (transferred back) gets one fact for both turns.
//
// Genesys Cloud revises a conversation for hours (wrap-up, after-call work, a survey days later)
// and its records carry no revision number, so a fact's version is the latest time the record
// mentions: conversationEnd, a segment's segmentEnd, a metric's emitDate, a survey's
// surveyCompletedDate. A record with more in it is newer.
//
// What is read:
//   conversationId, conversationStart         the contact id and when it happened (required)
//   participants[].purpose, .userId           agent participants (purpose "agent") and who they are
//   participants[].sessions[].mediaType       voice, callback, chat, message, email, ...
//   participants[].sessions[].metrics[]       {name, value, emitDate}: tHandle (milliseconds) is
//                                             the handle time (talk + hold + after-call work);
//                                             without one, the fact has no handle time
//   participants[].sessions[].segments[]      {segmentEnd, queueId, wrapUpCode}
//   surveys[]                                 {userId or agentId, surveyPromoterScore,
//                                             surveyCompletedDate}: a promoter score for its agent
// Everything else is ignored.
//
// What a fact stands for (GenesysMapping, defaults in brackets): one contact per media type the
// agent handled [voice and callback: calls_handled; chat and message: chats_handled; email:
// emails_handled], the handle time as aht_seconds [on], a follow-up flagged when a segment's
// wrap-up code is one of `followup_wrapup_codes` [none], and each finished survey's promoter score
// as nps.
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_GENESYS_CLOUD_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_GENESYS_CLOUD_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/contact_records/contact_fact.h"

namespace plaudit::contacts {

struct GenesysMapping {
  std::string source = "genesys_cloud";
  // Media type -> the metric one contact of it counts in; a type not listed counts in none.
  std::map<std::string, std::string> media_metrics = {{"voice", "calls_handled"},
                                                      {"callback", "calls_handled"},
                                                      {"chat", "chats_handled"},
                                                      {"message", "chats_handled"},
                                                      {"email", "emails_handled"}};
  // aht_seconds from tHandle.
  bool handle_time = true;
  // Wrap-up code ids that mean a follow-up is due (followups_flagged).
  std::set<std::string> followup_wrapup_codes;
};

// What one conversation came to: a fact per agent who took part (none for a conversation no
// agent joined), and the problems of values left out, each naming the field and the value. A
// record that cannot be read (not JSON, or conversationId or conversationStart bad) is rejected
// with one problem.
struct GenesysResult {
  // The conversation and its version, whenever it can be read (with facts or without).
  std::string contact_id;
  int64_t version_us = 0;
  std::vector<ContactFact> facts;
  std::vector<std::string> problems;
  bool rejected = false;
};

GenesysResult ReadGenesysConversation(std::string_view json_text, const GenesysMapping& mapping);

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_GENESYS_CLOUD_H_

// Survey responses (what a survey tool posts to a webhook for each answered survey) as contact
// facts. A response is its own contact, keyed by its response id and versioned by when it was
// last changed, so a response delivered twice counts once and an edited one replaces its scores.
//
// A response rates an agent, named directly (their identity on a platform, or their agent id), or
// through the contact it is about: {"contact_id": "...", "contact_source": "connect"} stands for
// whoever took that contact of that source (the participant "contact:<source>/<contact id>",
// resolved by plauditd; see docs/sources.md). A survey can come days after its contact, or before
// the contact's own record: it then waits until the contact is stored.
//
// What is read:
//   response_id                  the contact id (a string, or a whole number) (required)
//   submitted_at                 when it was answered: the period it counts in (required)
//   updated_at                   when it was last changed (the version; default submitted_at)
//   agent                        the agent as a platform names them, or their agent id
//   contact_id, contact_source   the contact it is about (contact_source defaults to the source's
//                                `survey_contact_source` setting); used when there is no agent
//   csat                         a whole number 1-5
//   nps                          a whole number 0-10
//   channel, queue               shown with the fact
// Everything else is ignored. A response without response_id, submitted_at, someone it rates
// (agent, or contact_id with a contact source), or any score it can read is rejected; a score out
// of range is left out with a problem.
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_SURVEY_RESPONSE_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_SURVEY_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/contact_records/contact_fact.h"

namespace plaudit::contacts {

struct SurveyMapping {
  std::string source = "surveys";
  // The source whose contacts a response's contact_id names when it gives no contact_source;
  // empty: a response must name its agent or its contact's source.
  std::string contact_source;
};

struct SurveyResult {
  std::string contact_id;
  int64_t version_us = 0;
  std::optional<ContactFact> fact;
  std::vector<std::string> problems;
  bool rejected = false;
};

SurveyResult ReadSurveyResponse(std::string_view json_text, const SurveyMapping& mapping);

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_SURVEY_RESPONSE_H_

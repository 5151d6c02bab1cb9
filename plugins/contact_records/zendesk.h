// Zendesk tickets (as the incremental ticket export returns them, with `include=metric_sets`) as
// contact facts.
//
// A ticket counts for the agent it is assigned to once it is solved (status solved or closed):
// one fact keyed by the ticket id and its assignee_id, versioned by updated_at. A ticket is
// updated again when its requester rates it (often days later) or it reopens, and each update is
// a newer version; a ticket reassigned after it was solved belongs to its new assignee alone.
//
// What is read:
//   id, assignee_id, status, updated_at     required (assignee_id may be null: no fact)
//   via.channel                              email, web, chat, voice, api, ...
//   satisfaction_rating.score                good or bad (offered and unoffered: no rating)
//   metric_set.solved_at                     when it happened (else updated_at)
//   metric_set.reopens                       how often the requester had to come back
// Everything else is ignored.
//
// What a fact stands for (ZendeskMapping, defaults in brackets): one contact of its channel
// [email and web: emails_handled; chat: chats_handled; voice: calls_handled], the rating as csat
// [good: 5, bad: 1], and a repeat contact when it was ever reopened [on].
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_ZENDESK_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_ZENDESK_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/contact_records/contact_fact.h"

namespace plaudit::contacts {

struct ZendeskMapping {
  std::string source = "zendesk";
  // via.channel -> the metric one solved ticket of it counts in; a channel not listed counts in
  // none.
  std::map<std::string, std::string> channel_metrics = {{"email", "emails_handled"},
                                                        {"web", "emails_handled"},
                                                        {"chat", "chats_handled"},
                                                        {"voice", "calls_handled"}};
  // Satisfaction scores as csat (1 to 5); a score not listed gives none.
  std::map<std::string, double> rating_csat = {{"good", 5}, {"bad", 1}};
  // repeat_contacts 1 for a ticket reopened at least once.
  bool reopens = true;
};

// What one ticket came to: a fact once it is solved and assigned, and the problems of values left
// out. A ticket that cannot be read (not JSON, or a required field bad) is rejected with one
// problem.
struct ZendeskResult {
  // The ticket and its version, whenever it can be read (with a fact or without).
  std::string contact_id;
  int64_t version_us = 0;
  std::optional<ContactFact> fact;
  std::vector<std::string> problems;
  bool rejected = false;
};

ZendeskResult ReadZendeskTicket(std::string_view json_text, const ZendeskMapping& mapping);

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_ZENDESK_H_

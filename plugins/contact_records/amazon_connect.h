// Amazon Connect contact records (the contact record data model Amazon Connect streams through
// Kinesis and Kafka connectors) as contact facts.
//
// A record is one leg of a contact: a transfer ends one record and starts another, with its own
// ContactId (InitialContactId and PreviousContactId link them), so each record has at most one
// agent. Amazon Connect delivers records at least once and updates them (a record is sent again
// when after-contact work ends or attributes change): keep, per ContactId, the copy with the latest
// LastUpdateTimestamp, which is the fact's version.
//
// What is read:
//   ContactId                        the fact's contact id (required)
//   LastUpdateTimestamp              its version (required)
//   InitiationTimestamp              when it happened (required)
//   Channel                          VOICE, CHAT, TASK or EMAIL (required)
//   Queue.Name                       the queue, when there is one
//   Agent                            null or absent: the contact never reached an agent, and there
//                                    is no fact
//   Agent.Username                   the participant (required with an agent)
//   Agent.AgentInteractionDuration, Agent.CustomerHoldDuration, Agent.AfterContactWorkDuration
//                                    whole seconds, absent as 0; their sum is the handle time
//   Attributes                       the contact attributes, strings; the mapping names which hold
//                                    a survey's scores
// Everything else is ignored, so records of later format versions are read too.
//
// What a fact stands for (AmazonConnectMapping, defaults in brackets): one contact of its channel
// [VOICE: calls_handled, CHAT: chats_handled, EMAIL: emails_handled; TASK: nothing], its handle
// time as aht_seconds [on], and the survey scores found in the attributes [csat from "csat",
// 1 to 5; nps from "nps", 0 to 10].
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_AMAZON_CONNECT_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_AMAZON_CONNECT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/contact_records/contact_fact.h"

namespace plaudit::contacts {

struct AmazonConnectMapping {
  // The source name facts carry.
  std::string source = "amazon_connect";
  // Channel -> the metric one contact of it counts in; a channel not listed counts in none.
  std::map<std::string, std::string> channel_metrics = {
      {"VOICE", "calls_handled"}, {"CHAT", "chats_handled"}, {"EMAIL", "emails_handled"}};
  // aht_seconds = interaction + hold + after-contact work, in seconds.
  bool handle_time = true;
  // Contact attributes holding survey answers; "" reads none.
  std::string csat_attribute = "csat";
  std::string nps_attribute = "nps";
};

// What one record came to: a fact, or none when no agent took the contact; and the problems of
// values left out of it (a survey score out of range), each naming the field and the value. A
// record whose required fields are missing or malformed has no fact and one problem: the caller
// sets it aside with that reason.
struct AmazonConnectResult {
  // The record's contact and version, whenever it can be read (with a fact or without).
  std::string contact_id;
  int64_t version_us = 0;
  std::optional<ContactFact> fact;
  std::vector<std::string> problems;
  // True when the record cannot be read at all (not JSON, or a required field is bad).
  bool rejected = false;
};

AmazonConnectResult ReadAmazonConnectRecord(std::string_view json_text,
                                            const AmazonConnectMapping& mapping);

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_AMAZON_CONNECT_H_

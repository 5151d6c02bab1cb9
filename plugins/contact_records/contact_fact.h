// A contact as a platform last reported it, for one agent who took part: the unit metric sources
// key, version and derive metric events from. A platform revises its records (a survey arrives,
// after-contact work ends, a transfer adds a leg), so a source keeps, per key (source, contact id,
// participant), the fact with the latest version, and the events derived from it replace those
// of any older version. The facts one record gives are all of its contact's at that version: a
// newer version replaces the whole set, so an agent no longer in it (a ticket reassigned) loses
// theirs.
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_CONTACT_FACT_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_CONTACT_FACT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace plaudit::contacts {

struct ContactFact {
  // Which platform (and source) it came from, e.g. "amazon_connect".
  std::string source;
  // The platform's id of the contact (or conversation).
  std::string contact_id;
  // The agent's identity on the platform (a user name or id), matched to an agent id later.
  std::string participant;
  // The platform's last-updated time: a fact replaces one of the same key only when newer.
  int64_t version_us = 0;
  // When the contact happened, which decides the period its events count in.
  int64_t occurred_us = 0;
  // As the platform names them (VOICE, CHAT, ...; the queue's name), for reports and mappings.
  std::string channel;
  std::string queue;
  // The metric events the fact stands for, by catalogue metric name, in a fixed order.
  std::vector<std::pair<std::string, double>> metrics;
};

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_CONTACT_FACT_H_

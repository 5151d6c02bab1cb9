// A platform's record format and its mapping, as a metric-source plugin's settings name them, and
// one record read as a contact version for the host's "ingest.facts". Shared by the plugins that
// take platform records (contact_dir from files, kafka_source from Kafka topics, contact_http
// from HTTPS posts).
//
// Settings (each optional but `format`):
//   format            amazon_connect, genesys_cloud, zendesk or survey (survey responses)
//   source            the source's name (letters, digits, _ and -; default: the format, and
//                     "surveys" for survey)
//   channel_metrics   "VOICE=calls_handled,CHAT=chats_handled": what one contact of a channel
//                     (Genesys: media type; Zendesk: via.channel) counts as; replaces the defaults
//   handle_time       true (default) or false: aht_seconds from the platform's handle time
//   csat_attribute, nps_attribute   Amazon Connect: the attributes holding survey scores
//   followup_wrapup_codes   Genesys: wrap-up code ids that flag a follow-up, comma-separated
//   rating_csat             Zendesk: satisfaction score -> csat, "good=5,bad=1"
//   reopens                 Zendesk: true (default) or false: a reopened ticket counts a repeat
//                           contact
//   survey_contact_source   survey: the source whose contact a response's contact_id names when
//                           it names no contact_source
//
// Thread-safe once configured: Read() is const.
#ifndef PLAUDIT_PLUGINS_CONTACT_RECORDS_CONTACT_FORMAT_H_
#define PLAUDIT_PLUGINS_CONTACT_RECORDS_CONTACT_FORMAT_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/map.h"
#include "plaudit/plugin/v1/plugin.pb.h"
#include "plugins/contact_records/amazon_connect.h"
#include "plugins/contact_records/genesys_cloud.h"
#include "plugins/contact_records/survey_response.h"
#include "plugins/contact_records/zendesk.h"

namespace plaudit::contacts {

// One record read: a contact version (with no facts when no agent took part), or why it cannot be
// read at all; and the values left out of it, each naming the field and value.
struct ReadContact {
  std::optional<plugin::v1::ContactVersion> contact;
  std::string rejected;
  std::vector<std::string> problems;
};

class ContactFormat {
 public:
  // The setting keys Configure() reads.
  static const std::set<std::string>& SettingKeys();

  // Reads the settings it knows from `settings` (others are the caller's); "" when they are
  // good, else the first problem ("config format must be ...").
  std::string Configure(const google::protobuf::Map<std::string, std::string>& settings);

  const std::string& format() const { return format_; }
  const std::string& source() const { return source_; }

  ReadContact Read(std::string_view record) const;

 private:
  std::string format_;
  std::string source_;
  AmazonConnectMapping connect_;
  GenesysMapping genesys_;
  ZendeskMapping zendesk_;
  SurveyMapping survey_;
};

}  // namespace plaudit::contacts

#endif  // PLAUDIT_PLUGINS_CONTACT_RECORDS_CONTACT_FORMAT_H_

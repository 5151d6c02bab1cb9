#include "plugins/contact_records/contact_format.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <system_error>
#include <utility>

#include "plaudit/source_name.h"
#include "plaudit/trim.h"

namespace plaudit::contacts {
namespace {

namespace pb = ::plaudit::plugin::v1;

// The comma-separated entries of `text`, trimmed, empty ones left out.
std::vector<std::string> Entries(const std::string& text) {
  std::vector<std::string> entries;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string entry(Trim(std::string_view(text).substr(start, comma - start)));
    if (!entry.empty()) entries.push_back(std::move(entry));
    start = comma + 1;
  }
  return entries;
}

// "A=x,B=y" as a map; false with *error naming the bad entry.
bool ParsePairs(const std::string& key, const std::string& text,
                std::map<std::string, std::string>* out, std::string* error) {
  out->clear();
  for (const std::string& entry : Entries(text)) {
    const size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == entry.size()) {
      *error = "config " + key + ": \"" + entry + "\" is not NAME=VALUE";
      return false;
    }
    (*out)[std::string(Trim(std::string_view(entry).substr(0, equals)))] =
        std::string(Trim(std::string_view(entry).substr(equals + 1)));
  }
  return true;
}

bool ParseBool(const std::string& key, const std::string& text, bool* out, std::string* error) {
  if (text == "true" || text == "false") {
    *out = text == "true";
    return true;
  }
  *error = "config " + key + " must be true or false; got \"" + text + "\"";
  return false;
}

void AddFact(const ContactFact& fact, pb::ContactVersion* contact) {
  pb::ContactFact* out = contact->add_facts();
  out->set_participant(fact.participant);
  out->set_occurred_us(fact.occurred_us);
  out->set_channel(fact.channel);
  out->set_queue(fact.queue);
  for (const auto& [name, value] : fact.metrics) {
    pb::ContactFact::Metric* metric = out->add_metrics();
    metric->set_name(name);
    metric->set_value(value);
  }
}

template <typename Result>
ReadContact FromResult(const Result& result) {
  ReadContact read;
  if (result.rejected) {
    read.rejected = result.problems.empty() ? "cannot be read" : result.problems.front();
    return read;
  }
  read.problems = result.problems;
  pb::ContactVersion contact;
  contact.set_contact_id(result.contact_id);
  contact.set_version_us(result.version_us);
  if constexpr (requires { result.facts; }) {
    for (const ContactFact& fact : result.facts) AddFact(fact, &contact);
  } else {
    if (result.fact.has_value()) AddFact(*result.fact, &contact);
  }
  read.contact = std::move(contact);
  return read;
}

}  // namespace

const std::set<std::string>& ContactFormat::SettingKeys() {
  static const std::set<std::string> keys = {"format",
                                             "source",
                                             "channel_metrics",
                                             "handle_time",
                                             "csat_attribute",
                                             "nps_attribute",
                                             "followup_wrapup_codes",
                                             "rating_csat",
                                             "reopens",
                                             "survey_contact_source"};
  return keys;
}

std::string ContactFormat::Configure(
    const google::protobuf::Map<std::string, std::string>& settings) {
  const auto setting = [&](const char* key) -> std::optional<std::string> {
    auto it = settings.find(key);
    if (it == settings.end()) return std::nullopt;
    return it->second;
  };
  format_ = setting("format").value_or("");
  if (format_ != "amazon_connect" && format_ != "genesys_cloud" && format_ != "zendesk" &&
      format_ != "survey") {
    return "config format must be amazon_connect, genesys_cloud, zendesk or survey; got \"" +
           format_ + "\"";
  }
  source_ = setting("source").value_or(format_ == "survey" ? "surveys" : format_);
  if (!IsSourceName(source_)) {
    return "config source must be 1-64 letters, digits, _ and -; got \"" + source_ + "\"";
  }
  connect_.source = genesys_.source = zendesk_.source = survey_.source = source_;
  if (auto text = setting("survey_contact_source")) {
    if (!text->empty() && !IsSourceName(*text)) {
      return "config survey_contact_source must be 1-64 letters, digits, _ and -; got \"" + *text +
             "\"";
    }
    survey_.contact_source = *text;
  }
  std::string error;
  if (auto text = setting("channel_metrics")) {
    std::map<std::string, std::string> metrics;
    if (!ParsePairs("channel_metrics", *text, &metrics, &error)) return error;
    connect_.channel_metrics = genesys_.media_metrics = zendesk_.channel_metrics = metrics;
  }
  if (auto text = setting("handle_time")) {
    bool on = true;
    if (!ParseBool("handle_time", *text, &on, &error)) return error;
    connect_.handle_time = genesys_.handle_time = on;
  }
  if (auto text = setting("csat_attribute")) connect_.csat_attribute = *text;
  if (auto text = setting("nps_attribute")) connect_.nps_attribute = *text;
  if (auto text = setting("followup_wrapup_codes")) {
    const std::vector<std::string> codes = Entries(*text);
    genesys_.followup_wrapup_codes = std::set<std::string>(codes.begin(), codes.end());
  }
  if (auto text = setting("rating_csat")) {
    std::map<std::string, std::string> pairs;
    if (!ParsePairs("rating_csat", *text, &pairs, &error)) return error;
    zendesk_.rating_csat.clear();
    for (const auto& [rating, csat] : pairs) {
      double value = 0;
      const auto [end, ec] = std::from_chars(csat.data(), csat.data() + csat.size(), value);
      if (ec != std::errc() || end != csat.data() + csat.size() || value < 1 || value > 5) {
        return "config rating_csat: \"" + csat + "\" for " + rating +
               " is not a csat score from 1 to 5";
      }
      zendesk_.rating_csat[rating] = value;
    }
  }
  if (auto text = setting("reopens")) {
    if (!ParseBool("reopens", *text, &zendesk_.reopens, &error)) return error;
  }
  return {};
}

ReadContact ContactFormat::Read(std::string_view record) const {
  if (format_ == "amazon_connect") return FromResult(ReadAmazonConnectRecord(record, connect_));
  if (format_ == "genesys_cloud") return FromResult(ReadGenesysConversation(record, genesys_));
  if (format_ == "survey") return FromResult(ReadSurveyResponse(record, survey_));
  return FromResult(ReadZendeskTicket(record, zendesk_));
}

}  // namespace plaudit::contacts

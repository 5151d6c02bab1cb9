// The "zendesk_poller" metric-source plugin: reads a Zendesk account's tickets through the
// cursor-based incremental ticket export and hands them to the host as contact facts
// ("ingest.facts"; the tickets are read by plugins/contact_records/zendesk.h).
//
//   GET /api/v2/incremental/tickets/cursor.json?start_time=<unix seconds>&include=metric_sets
//   GET /api/v2/incremental/tickets/cursor.json?cursor=<after_cursor>&include=metric_sets
//     -> {"tickets": [...], "metric_sets": [...], "after_cursor": "...", "end_of_stream": bool}
//
// The export lists every ticket changed since the cursor, so a ticket rated or reopened days
// later comes again as a newer version. Each ticket's metric set (sideloaded, matched by
// ticket_id) is put back into the ticket as `metric_set`, where the reader looks for it.
//
// Config keys: those of the zendesk record format and its mapping (source, channel_metrics,
// rating_csat, reopens: see plugins/contact_records/contact_format.h; `format` may be left out),
// those of PollerSettings (poll_interval_ms [60000], request_interval_ms [6000: the export
// allows 10 requests a minute], requests_per_poll, timeout_ms, ca_file, start_time [30 days
// before the first poll]), and
//   api_url or subdomain   https://<subdomain>.zendesk.com, or the whole base URL
//   email, api_token       an API token, sent as basic auth "<email>/token:<api_token>"
//   oauth_token            or an OAuth access token, sent as a bearer token
//                          (either token also as NAME_file or NAME_env: secret_setting.h)
//   cursor_file            where the position is kept (default contacts/<source>/cursor; relative
//                          to the data dir)
//
// After the host has stored a page, its after_cursor is written to the cursor file; a restart
// resumes from there. A crash between the two reads that page again, and the versions already
// stored change nothing. A round reads pages until end_of_stream, then waits poll_interval_ms.
// A 429 waits for its Retry-After; a failure backs off (poller_common.h) and is reported as the
// source's last problem. The API token never appears in a log line, an error or the status.
//
// Thread-safety: polls are serialised; a poll that finds another one running returns at once.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "plaudit/plugin_sdk.h"
#include "plugins/api_pollers/poller_common.h"
#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"
#include "plugins/common/secret_setting.h"
#include "plugins/contact_records/contact_format.h"

namespace plaudit::pollers {
namespace {

using ::plaudit::plugins::ReadSecretSetting;
using ::plaudit::plugins::Secret;

namespace pb = ::plaudit::plugin::v1;
namespace fs = std::filesystem;

constexpr char kPluginName[] = "zendesk_poller";
constexpr char kVersion[] = "1.0.0";
constexpr char kExportPath[] = "/api/v2/incremental/tickets/cursor.json";
constexpr int64_t kMicrosPerSecond = 1000 * 1000;

class ZendeskPoller : public ApiPoller {
 public:
  ZendeskPoller() : ApiPoller(kPluginName, kVersion) {}

  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    const Settings& config = request.config();
    static const std::set<std::string> kOwnKeys = {
        "api_url",         "subdomain",     "email",       "api_token",
        "api_token_file",  "api_token_env", "oauth_token", "oauth_token_file",
        "oauth_token_env", "cursor_file"};
    for (const auto& [key, value] : config) {
      if (!kOwnKeys.contains(key) && !CommonSettingKeys().contains(key) &&
          !contacts::ContactFormat::SettingKeys().contains(key)) {
        return "unknown config key \"" + key +
               "\" (known: api_url, subdomain, email, api_token, oauth_token (each also _file or "
               "_env), "
               "source, "
               "cursor_file, start_time, poll_interval_ms, request_interval_ms, "
               "requests_per_poll, timeout_ms, ca_file, channel_metrics, rating_csat, reopens)";
      }
    }
    if (std::string problem = ConfigureFormat(config, "zendesk", &format_); !problem.empty()) {
      return problem;
    }
    settings_.poll_interval_ms = 60000;
    settings_.request_interval_ms = 6000;
    if (std::string problem = settings_.Parse(config); !problem.empty()) return problem;

    const auto api_url = Setting(config, "api_url");
    const auto subdomain = Setting(config, "subdomain");
    if (api_url.has_value() == subdomain.has_value()) {
      return "config needs one of api_url (https://example.zendesk.com) and subdomain";
    }
    if (subdomain.has_value()) {
      if (subdomain->empty() || subdomain->find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789-") != std::string::npos) {
        return "config subdomain must be letters, digits and -; got \"" + *subdomain + "\"";
      }
      api_url_ = "https://" + *subdomain + ".zendesk.com";
    } else {
      if (std::string problem = CheckBaseUrl("api_url", *api_url); !problem.empty()) {
        return problem;
      }
      api_url_ = *api_url;
    }

    const std::string email = Setting(config, "email").value_or("");
    Secret token, oauth;
    if (std::string problem =
            ReadSecretSetting(config, "api_token", request.data_dir(), "", &token);
        !problem.empty()) {
      return problem;
    }
    if (std::string problem =
            ReadSecretSetting(config, "oauth_token", request.data_dir(), "", &oauth);
        !problem.empty()) {
      return problem;
    }
    const std::string api_token = token.value;
    const std::string oauth_token = oauth.value;
    if (!oauth_token.empty() && (!email.empty() || !api_token.empty())) {
      return "config takes either email and api_token or oauth_token, not both";
    }
    if (!oauth_token.empty()) {
      authorization_ = "Bearer " + oauth_token;
      scrubber_.Add(oauth_token);
    } else if (!email.empty() && !api_token.empty()) {
      authorization_ = BasicAuthorization(email + "/token", api_token);
      scrubber_.Add(api_token);
      scrubber_.Add(absl::Base64Escape(email + "/token:" + api_token));
    } else {
      return "config needs email and api_token (an API token) or oauth_token";
    }

    return FinishInit(request, info);
  }

 private:
  // "" when the cursor file is read (or there is none yet), else why not.
  std::string LoadCursor() override {
    std::string error;
    std::optional<json::Json> state = cursor_file_.Load(&error);
    if (!error.empty()) return error;
    if (state.has_value()) after_cursor_ = json::StringMember(*state, "after_cursor");
    return {};
  }

  // Fetches and stores one page. True when another page is waiting; *error when the poll failed.
  bool Step(int64_t now_us, std::string* error) override {
    http::Request request;
    const int64_t start_us = settings_.start_us.value_or(now_us - settings_.default_start_days *
                                                                      86400 * kMicrosPerSecond);
    const std::string query = after_cursor_.empty()
                                  ? absl::StrCat("start_time=", start_us / kMicrosPerSecond)
                                  : absl::StrCat("cursor=", http::PercentEncode(after_cursor_));
    request.url = JoinUrl(api_url_, kExportPath) + "?" + query + "&include=metric_sets";
    request.headers = {{"Authorization", authorization_}, {"Accept", "application/json"}};
    request.timeout_ms = settings_.timeout_ms;
    request.ca_file = settings_.ca_file;
    pacing_.Sent(now_us);
    ApiAnswer answer = Exchange(*http_, request, std::string("GET ") + kExportPath);
    if (answer.kind != ApiAnswer::Kind::kOk) {
      *error = NotOk(answer, now_us, "",
                     "Zendesk refused the credentials: check email and api_token (or "
                     "oauth_token)");
      return false;
    }

    const json::Json* tickets = json::Find(answer.body, "tickets");
    if (tickets == nullptr || !tickets->is_array()) {
      pacing_.Failed(now_us);
      *error = Fail(std::string("GET ") + kExportPath + ": the answer has no tickets array");
      return false;
    }
    std::map<std::string, const json::Json*> metric_sets;
    if (const json::Json* sets = json::Find(answer.body, "metric_sets");
        sets != nullptr && sets->is_array()) {
      for (const json::Json& set : *sets) {
        const std::string ticket_id = json::StringMember(set, "ticket_id");
        if (!ticket_id.empty()) metric_sets[ticket_id] = &set;
      }
    }
    std::vector<ContactPages::Record> records;
    records.reserve(tickets->size());
    std::string newest_update;
    for (const json::Json& ticket : *tickets) {
      json::Json whole = ticket;
      const std::string id = json::StringMember(ticket, "id");
      if (auto set = metric_sets.find(id); set != metric_sets.end() && whole.is_object() &&
                                           json::Find(whole, "metric_set") == nullptr) {
        whole["metric_set"] = *set->second;
      }
      const std::string updated = json::StringMember(ticket, "updated_at");
      if (updated > newest_update) newest_update = updated;  // RFC 3339 UTC sorts as text
      records.push_back({json::Serialize(whole),
                         id.empty() ? absl::StrCat("ticket #", records.size() + 1, " of a page")
                                    : "ticket " + id});
    }
    std::string next_cursor = after_cursor_;
    if (const json::Json* after = json::Find(answer.body, "after_cursor");
        after != nullptr && after->is_string() && !after->get<std::string>().empty()) {
      next_cursor = after->get<std::string>();
    }
    const json::Json* end = json::Find(answer.body, "end_of_stream");
    const bool end_of_stream = end == nullptr || !end->is_boolean() || end->get<bool>();
    const std::string lag =
        end_of_stream
            ? "caught up"
            : "more pages waiting" + (newest_update.empty()
                                          ? std::string()
                                          : " (read up to tickets updated " + newest_update + ")");
    if (std::string host_error = pages_.Send(records, "cursor " + next_cursor, lag);
        !host_error.empty()) {
      // Not stored: the same page is asked for again, after a back-off.
      pacing_.Failed(now_us);
      *error = scrubber_.Scrub(std::string(kPluginName) + ": " + host_error);
      host().Warning(*error);
      return false;
    }
    pacing_.Succeeded();
    after_cursor_ = next_cursor;
    json::Json state = json::Json::object();
    state["after_cursor"] = after_cursor_;
    std::string save_error;
    if (!cursor_file_.Save(state, &save_error)) {
      // The page is stored; a restart before the next save reads it again, harmlessly.
      *error = Fail("cannot keep the cursor: " + save_error);
      return false;
    }
    if (end_of_stream) {
      pacing_.WaitUntil(now_us + settings_.poll_interval_ms * 1000);
      return false;
    }
    return true;
  }

  std::string api_url_;
  std::string authorization_;  // a secret

  // Used under the poll lock:
  std::string after_cursor_;
};

}  // namespace
}  // namespace plaudit::pollers

PLAUDIT_PLUGIN(plaudit::pollers::ZendeskPoller)

// The "genesys_poller" metric-source plugin: reads a Genesys Cloud organisation's conversations
// through the analytics conversation detail jobs and hands them to the host as contact facts
// ("ingest.facts"; the conversations are read by plugins/contact_records/genesys_cloud.h, which
// gives every agent of a transfer a fact of their own).
//
//   POST {login_url}/oauth/token      client credentials -> {"access_token", "expires_in"}
//   GET  .../details/jobs/availability                -> {"dataAvailabilityDate"}
//   POST .../details/jobs  {"interval": "<start>/<end>"} -> {"jobId"}
//   GET  .../details/jobs/{jobId}                     -> {"state": QUEUED|PENDING|FULFILLED|...}
//   GET  .../details/jobs/{jobId}/results?cursor=...  -> {"conversations", "cursor" (not on the
//                                                         last page)}
//   (... is {api_url}/api/v2/analytics/conversations; API calls carry the token as a bearer.)
//
// It reads in windows. A job covers every conversation whose lifetime overlaps its interval; a
// window ends at the data availability date (or now, when that is later), and starts `lookback`
// before the end of the window before it, because a conversation keeps changing for hours
// (wrap-up, after-call work, a survey): re-reading the trailing hours fetches those revisions.
// The host keeps each conversation's newest version, so re-reading one unchanged counts once.
// The first window starts at start_time.
//
// Config keys: those of the genesys_cloud record format and its mapping (source,
// channel_metrics, handle_time, followup_wrapup_codes: see
// plugins/contact_records/contact_format.h; `format` may be left out), those of PollerSettings
// (poll_interval_ms [300000: between windows], request_interval_ms [0], requests_per_poll,
// timeout_ms, ca_file, start_time [30 days before the first poll]), and
//   client_id, client_secret   the OAuth client (client-credentials grant; required); the
//                              secret also as client_secret_file or client_secret_env
//                              (plugins/common/secret_setting.h)
//   environment                the region's domain [mypurecloud.com]: api.<environment> and
//                              login.<environment>
//   api_url, login_url         base URLs instead of the environment's
//   lookback_hours             how far back each window reaches before the last one's end [6]
//   job_check_interval_ms      the least time between two checks of a running job [2000]
//   page_size                  conversations per results page (the API's default when unset)
//   cursor_file                where the position is kept (default contacts/<source>/cursor;
//                              relative to the data dir)
//
// The position (the last window done, and the running job with its results cursor) is written
// to the cursor file after each page the host has stored; a restart resumes the job where it
// was. A crash between the two reads that page again, and it counts once. When a job expired or
// failed, a new one is submitted from the same start (to the present end). A 429 waits for its
// Retry-After; a failure backs off (poller_common.h) and is the source's last problem; a 401
// fetches a new token once. Neither the client secret nor a token appears in a log line, an error
// or the status.
//
// Thread-safety: polls are serialised; a poll that finds another one running returns at once.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
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

constexpr char kPluginName[] = "genesys_poller";
constexpr char kVersion[] = "1.0.0";
// Why an API call answered 401 or 403, for the source's last problem.
constexpr char kRefusedCredentials[] =
    "Genesys Cloud refused the credentials: check client_id, client_secret and the OAuth "
    "client's roles";
constexpr char kJobsPath[] = "/api/v2/analytics/conversations/details/jobs";
constexpr int64_t kMicrosPerSecond = 1000 * 1000;
constexpr int64_t kMicrosPerHour = int64_t{3600} * kMicrosPerSecond;

// A job the plugin submitted and has not read to its end.
struct Job {
  std::string id;
  int64_t from_us = 0;
  int64_t to_us = 0;
  bool fulfilled = false;
  // The results cursor of the next page; "" for the first.
  std::string cursor;
  int64_t pages = 0;
};

class GenesysPoller : public ApiPoller {
 public:
  GenesysPoller() : ApiPoller(kPluginName, kVersion) {}

  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    const Settings& config = request.config();
    static const std::set<std::string> kOwnKeys = {
        "client_id",         "client_secret",  "environment",
        "api_url",           "login_url",      "client_secret_file",
        "client_secret_env", "lookback_hours", "job_check_interval_ms",
        "page_size",         "cursor_file"};
    for (const auto& [key, value] : config) {
      if (!kOwnKeys.contains(key) && !CommonSettingKeys().contains(key) &&
          !contacts::ContactFormat::SettingKeys().contains(key)) {
        return "unknown config key \"" + key +
               "\" (known: client_id, client_secret (or client_secret_file, client_secret_env), "
               "environment, api_url, login_url, source, "
               "start_time, lookback_hours, poll_interval_ms, job_check_interval_ms, page_size, "
               "request_interval_ms, requests_per_poll, timeout_ms, ca_file, cursor_file, "
               "channel_metrics, handle_time, followup_wrapup_codes)";
      }
    }
    if (std::string problem = ConfigureFormat(config, "genesys_cloud", &format_);
        !problem.empty()) {
      return problem;
    }
    settings_.poll_interval_ms = 300000;
    if (std::string problem = settings_.Parse(config); !problem.empty()) return problem;
    int64_t lookback_hours = 6;
    if (auto text = Setting(config, "lookback_hours")) {
      if (std::string problem =
              ParseWholeNumber("lookback_hours", *text, 0, 24 * 14, &lookback_hours);
          !problem.empty()) {
        return problem;
      }
    }
    lookback_us_ = lookback_hours * kMicrosPerHour;
    if (auto text = Setting(config, "job_check_interval_ms")) {
      if (std::string problem = ParseWholeNumber("job_check_interval_ms", *text, 0, 600 * 1000,
                                                 &job_check_interval_ms_);
          !problem.empty()) {
        return problem;
      }
    }
    if (auto text = Setting(config, "page_size")) {
      if (std::string problem = ParseWholeNumber("page_size", *text, 1, 1000, &page_size_);
          !problem.empty()) {
        return problem;
      }
    }

    const std::string environment = Setting(config, "environment").value_or("mypurecloud.com");
    if (environment.empty() || environment.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos) {
      return "config environment must be a domain such as mypurecloud.com or mypurecloud.ie; "
             "got \"" +
             environment + "\"";
    }
    api_url_ = Setting(config, "api_url").value_or("https://api." + environment);
    login_url_ = Setting(config, "login_url").value_or("https://login." + environment);
    if (std::string problem = CheckBaseUrl("api_url", api_url_); !problem.empty()) return problem;
    if (std::string problem = CheckBaseUrl("login_url", login_url_); !problem.empty()) {
      return problem;
    }
    const std::string client_id = Setting(config, "client_id").value_or("");
    Secret secret;
    if (std::string problem =
            ReadSecretSetting(config, "client_secret", request.data_dir(), "", &secret);
        !problem.empty()) {
      return problem;
    }
    const std::string client_secret = secret.value;
    if (client_id.empty() || client_secret.empty()) {
      return "config needs client_id and client_secret, client_secret_file or client_secret_env "
             "(an OAuth client with the client credentials grant)";
    }
    scrubber_.Add(client_secret);
    scrubber_.Add(absl::Base64Escape(client_id + ":" + client_secret));
    token_ = ClientCredentialsToken(JoinUrl(login_url_, "/oauth/token"), client_id, client_secret);

    return FinishInit(request, info);
  }

 private:
  std::string LoadCursor() override {
    std::string error;
    std::optional<json::Json> state = cursor_file_.Load(&error);
    if (!error.empty()) return error;
    if (!state.has_value()) return {};
    if (auto done = ParseInstant(json::StringMember(*state, "done_until"))) done_until_us_ = *done;
    if (const json::Json* job = json::Find(*state, "job"); job != nullptr && job->is_object()) {
      Job resumed;
      resumed.id = json::StringMember(*job, "id");
      auto from = ParseInstant(json::StringMember(*job, "from"));
      auto to = ParseInstant(json::StringMember(*job, "to"));
      const json::Json* fulfilled = json::Find(*job, "fulfilled");
      resumed.fulfilled = fulfilled != nullptr && fulfilled->is_boolean() && fulfilled->get<bool>();
      resumed.cursor = json::StringMember(*job, "cursor");
      resumed.pages = json::IntMember(*job, "pages").value_or(0);
      if (resumed.id.empty() || !from.has_value() || !to.has_value()) {
        return cursor_file_.path().string() +
               ": its job is incomplete; move the file away to start again from start_time";
      }
      resumed.from_us = *from;
      resumed.to_us = *to;
      job_ = std::move(resumed);
    }
    return {};
  }

  // "" once the position is in the cursor file, else why not.
  std::string SaveCursor() {
    json::Json state = json::Json::object();
    if (done_until_us_ > 0) state["done_until"] = FormatInstant(done_until_us_);
    if (job_.has_value()) {
      json::Json job = json::Json::object();
      job["id"] = job_->id;
      job["from"] = FormatInstant(job_->from_us);
      job["to"] = FormatInstant(job_->to_us);
      job["fulfilled"] = job_->fulfilled;
      job["cursor"] = job_->cursor;
      job["pages"] = job_->pages;
      state["job"] = std::move(job);
    }
    std::string error;
    if (!cursor_file_.Save(state, &error)) return "cannot keep the cursor: " + error;
    return {};
  }

  // Fetches a token. True when there is one; else *error (or a rate limit's wait).
  bool EnsureToken(int64_t now_us, std::string* error) {
    if (token_.Valid(now_us)) return true;
    pacing_.Sent(now_us);
    ApiAnswer answer = token_.Fetch(*http_, now_us, settings_.timeout_ms, settings_.ca_file);
    if (answer.kind == ApiAnswer::Kind::kOk) {
      scrubber_.AddToken(token_.token());
      return true;
    }
    *error = NotOk(answer, now_us,
                   answer.kind == ApiAnswer::Kind::kUnauthorized
                       ? "the login service refused the OAuth client: check client_id and "
                         "client_secret"
                       : "",
                   kRefusedCredentials);
    return false;
  }

  // One API call with the token; a 401 fetches a new token and tries once more.
  ApiAnswer Api(const std::string& method, const std::string& path, const std::string& body,
                int64_t now_us) {
    ApiAnswer answer;
    for (int attempt = 0; attempt < 2; ++attempt) {
      http::Request request;
      request.method = method;
      request.url = JoinUrl(api_url_, path);
      request.headers = {{"Authorization", "Bearer " + token_.token()},
                         {"Accept", "application/json"}};
      if (!body.empty()) {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = body;
      }
      request.timeout_ms = settings_.timeout_ms;
      request.ca_file = settings_.ca_file;
      pacing_.Sent(now_us);
      const std::string shown_path = path.substr(0, path.find('?'));
      answer = Exchange(*http_, request, method + " " + shown_path);
      if (answer.kind != ApiAnswer::Kind::kUnauthorized || attempt > 0) break;
      token_.Forget();
      ApiAnswer fresh = token_.Fetch(*http_, now_us, settings_.timeout_ms, settings_.ca_file);
      if (fresh.kind != ApiAnswer::Kind::kOk) return fresh;
      scrubber_.AddToken(token_.token());
    }
    return answer;
  }

  // One step of the work. True when another may follow in this poll; *error when it failed.
  bool Step(int64_t now_us, std::string* error) override {
    if (!EnsureToken(now_us, error)) return false;
    if (!job_.has_value()) return SubmitJob(now_us, error);
    if (!job_->fulfilled) return CheckJob(now_us, error);
    return ReadResults(now_us, error);
  }

  bool SubmitJob(int64_t now_us, std::string* error) {
    ApiAnswer availability = Api("GET", std::string(kJobsPath) + "/availability", "", now_us);
    int64_t to_us = now_us;
    if (availability.kind == ApiAnswer::Kind::kOk) {
      if (auto date = ParseInstant(json::StringMember(availability.body, "dataAvailabilityDate"))) {
        to_us = std::min(to_us, *date);
      }
    } else if (availability.kind != ApiAnswer::Kind::kRefused) {
      *error = NotOk(availability, now_us, "", kRefusedCredentials);
      return false;
    }
    const int64_t start_us =
        settings_.start_us.value_or(now_us - settings_.default_start_days * 24 * kMicrosPerHour);
    const int64_t from_us =
        done_until_us_ > 0 ? std::max(start_us, done_until_us_ - lookback_us_) : start_us;
    if (to_us <= from_us || (done_until_us_ > 0 && to_us <= done_until_us_)) {
      // Nothing newer is available yet.
      pacing_.WaitUntil(now_us + settings_.poll_interval_ms * 1000);
      return false;
    }
    json::Json query = json::Json::object();
    query["interval"] = FormatInstant(from_us) + "/" + FormatInstant(to_us);
    query["order"] = "asc";
    query["orderBy"] = "conversationStart";
    ApiAnswer submitted = Api("POST", kJobsPath, json::Serialize(query), now_us);
    if (submitted.kind != ApiAnswer::Kind::kOk) {
      *error = NotOk(submitted, now_us, "", kRefusedCredentials);
      return false;
    }
    const std::string job_id = json::StringMember(submitted.body, "jobId");
    if (job_id.empty()) {
      pacing_.Failed(now_us);
      *error = Fail(std::string("POST ") + kJobsPath + ": the answer has no jobId");
      return false;
    }
    job_ = Job{job_id, from_us, to_us, false, "", 0};
    pacing_.Succeeded();
    if (std::string save = SaveCursor(); !save.empty()) *error = Fail(save);
    // A job takes a moment: look at it after the check interval.
    pacing_.WaitUntil(now_us + job_check_interval_ms_ * 1000);
    return job_check_interval_ms_ == 0;
  }

  // Drops the job after `problem`: the next submits a new one from the same start.
  bool DropJob(int64_t now_us, const std::string& problem, std::string* error) {
    job_.reset();
    pacing_.Failed(now_us);
    *error = Fail(problem + "; submitting a new job from the same start in " +
                  FormatDuration(pacing_.not_before_us() - now_us));
    if (std::string save = SaveCursor(); !save.empty()) *error = Fail(save);
    return false;
  }

  bool CheckJob(int64_t now_us, std::string* error) {
    const std::string path = std::string(kJobsPath) + "/" + http::PercentEncode(job_->id);
    ApiAnswer answer = Api("GET", path, "", now_us);
    if (answer.kind == ApiAnswer::Kind::kRefused && answer.status == 404) {
      return DropJob(now_us, "job " + job_->id + " is gone (HTTP 404)", error);
    }
    if (answer.kind != ApiAnswer::Kind::kOk) {
      *error = NotOk(answer, now_us, "", kRefusedCredentials);
      return false;
    }
    pacing_.Succeeded();
    const std::string state = json::StringMember(answer.body, "state");
    if (state == "FULFILLED") {
      job_->fulfilled = true;
      if (std::string save = SaveCursor(); !save.empty()) *error = Fail(save);
      return true;
    }
    if (state == "QUEUED" || state == "PENDING" || state == "RUNNING") {
      pacing_.WaitUntil(now_us + job_check_interval_ms_ * 1000);
      return false;
    }
    const std::string message = json::StringMember(answer.body, "errorMessage");
    return DropJob(now_us,
                   "job " + job_->id + " ended " + (state.empty() ? "without a state" : state) +
                       (message.empty() ? "" : ": " + message),
                   error);
  }

  bool ReadResults(int64_t now_us, std::string* error) {
    std::string path = std::string(kJobsPath) + "/" + http::PercentEncode(job_->id) + "/results";
    std::string query;
    if (!job_->cursor.empty()) query = "cursor=" + http::PercentEncode(job_->cursor);
    if (page_size_ > 0) absl::StrAppend(&query, query.empty() ? "" : "&", "pageSize=", page_size_);
    if (!query.empty()) path += "?" + query;
    ApiAnswer answer = Api("GET", path, "", now_us);
    if (answer.kind == ApiAnswer::Kind::kRefused && answer.status == 404) {
      return DropJob(now_us, "the results of job " + job_->id + " are gone (HTTP 404)", error);
    }
    if (answer.kind != ApiAnswer::Kind::kOk) {
      *error = NotOk(answer, now_us, "", kRefusedCredentials);
      return false;
    }
    const json::Json* conversations = json::Find(answer.body, "conversations");
    std::vector<ContactPages::Record> records;
    if (conversations != nullptr && conversations->is_array()) {
      records.reserve(conversations->size());
      for (const json::Json& conversation : *conversations) {
        const std::string id = json::StringMember(conversation, "conversationId");
        records.push_back({json::Serialize(conversation),
                           id.empty()
                               ? absl::StrCat("conversation #", records.size() + 1, " of job ",
                                              job_->id, " page ", job_->pages + 1)
                               : "conversation " + id});
      }
    } else if (conversations != nullptr && !conversations->is_null()) {
      pacing_.Failed(now_us);
      *error = Fail(std::string("GET ") + kJobsPath + "/.../results: conversations is not a list");
      return false;
    }
    std::string next_cursor;
    if (const json::Json* cursor = json::Find(answer.body, "cursor");
        cursor != nullptr && cursor->is_string()) {
      next_cursor = cursor->get<std::string>();
    }
    const std::string window = FormatInstant(job_->from_us) + "/" + FormatInstant(job_->to_us);
    const std::string position = next_cursor.empty()
                                     ? "window " + window + " done"
                                     : absl::StrCat("window ", window, " page ", job_->pages + 1);
    const std::string lag = next_cursor.empty()
                                ? "caught up to " + FormatInstant(job_->to_us) + " (" +
                                      FormatDuration(now_us - job_->to_us) + " ago)"
                                : "more pages of the window waiting";
    if (std::string host_error = pages_.Send(records, position, lag); !host_error.empty()) {
      pacing_.Failed(now_us);
      *error = scrubber_.Scrub(std::string(kPluginName) + ": " + host_error);
      host().Warning(*error);
      return false;
    }
    pacing_.Succeeded();
    ++job_->pages;
    job_->cursor = next_cursor;
    bool more = true;
    if (next_cursor.empty()) {
      done_until_us_ = job_->to_us;
      job_.reset();
      pacing_.WaitUntil(now_us + settings_.poll_interval_ms * 1000);
      more = false;
    }
    if (std::string save = SaveCursor(); !save.empty()) {
      *error = Fail(save);
      return false;
    }
    return more;
  }

  std::string api_url_;
  std::string login_url_;
  int64_t lookback_us_ = 0;
  int64_t job_check_interval_ms_ = 2000;
  int64_t page_size_ = 0;  // 0: the API's default

  // Used under the poll lock:
  ClientCredentialsToken token_;
  int64_t done_until_us_ = 0;  // 0: no window done yet
  std::optional<Job> job_;
};

}  // namespace
}  // namespace plaudit::pollers

PLAUDIT_PLUGIN(plaudit::pollers::GenesysPoller)

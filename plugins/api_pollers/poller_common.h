// What the platform API pollers (genesys_poller, zendesk_poller) share: the settings every poller
// reads, the pacing of requests (a rate limit's Retry-After, a back-off after failures, the least
// time between two rounds), a vendor's answer sorted into what to do about it, an OAuth
// client-credentials token, the durable cursor file, the secrets scrubbed out of every text a
// poller shows, and a page of records handed to the host as contact versions.
//
// A poller never sleeps: plauditd polls its metric sources one after another on one thread, so a
// poll that may not send a request yet (a rate limit, a back-off, a job still running) returns at
// once and the next poll looks again. All times are the host's clock (Host::NowMicros), so tests
// move time instead of waiting.
//
// Thread-compatible: each plugin holds these under its poll lock.
#ifndef PLAUDIT_PLUGINS_API_POLLERS_POLLER_COMMON_H_
#define PLAUDIT_PLUGINS_API_POLLERS_POLLER_COMMON_H_

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/map.h"
#include "plaudit/plugin_sdk.h"
#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"
#include "plugins/contact_records/contact_format.h"

namespace plaudit::pollers {

namespace pb = ::plaudit::plugin::v1;

using Settings = google::protobuf::Map<std::string, std::string>;

// The setting keys PollerSettings::Parse reads.
const std::set<std::string>& CommonSettingKeys();

// Settings every poller reads (defaults are the plugin's).
struct PollerSettings {
  // The least time between two rounds (a round reads until the API has nothing newer).
  int64_t poll_interval_ms = 60000;
  // The least time between two requests, within a round too (a platform's rate limit).
  int64_t request_interval_ms = 0;
  // Requests one poll may send at most, so that one source does not hold up the others.
  int64_t requests_per_poll = 10;
  // For one request, connecting included.
  int64_t timeout_ms = 30000;
  // PEM bundle to verify the platform against instead of the system's CA store.
  std::string ca_file;
  // Where reading starts when there is no cursor yet, in microseconds since the epoch; unset:
  // `default_start_days` before the first poll.
  std::optional<int64_t> start_us;
  int64_t default_start_days = 30;

  // Reads the keys of CommonSettingKeys() present in `settings`: "" or the first problem.
  std::string Parse(const Settings& settings);
};

// A setting's value, when present.
std::optional<std::string> Setting(const Settings& settings, const std::string& key);

// A whole number from `min` to `max` in a setting: "" or the problem naming the key.
std::string ParseWholeNumber(const std::string& key, const std::string& text, int64_t min,
                             int64_t max, int64_t* value);

// An instant as RFC 3339 text ("2026-10-05T10:00:00Z", fractions and offsets allowed).
std::optional<int64_t> ParseInstant(std::string_view text);
// RFC 3339 in UTC, whole seconds unless there is a fraction ("2026-10-05T10:00:00Z").
std::string FormatInstant(int64_t unix_micros);
// "3 h 5 min", "42 s": a duration for a person.
std::string FormatDuration(int64_t micros);

// Texts with the secrets replaced by "***", for everything a poller logs or reports.
class SecretScrubber {
 public:
  // Adds a secret for good (ignored when empty or known). Add the forms it travels in too (a
  // basic-auth credential built from it).
  void Add(const std::string& secret);
  // Adds an access token fetched with the secrets. Tokens are replaced every hour or so for the
  // life of the process: only the last kTokensKept are kept, the older long out of use.
  void AddToken(const std::string& token);
  std::string Scrub(std::string text) const;

  static constexpr size_t kTokensKept = 3;

 private:
  std::vector<std::string> secrets_;
  std::deque<std::string> tokens_;
  // Both, longest first (a secret containing another is replaced whole): made when one is added,
  // not at every Scrub().
  std::vector<std::string> by_length_;
  void Order();
};

// When the next request may go. A rate limit waits as the platform asks (Retry-After; a minute
// when it does not say); a failure (an error status, a timeout, no connection) waits 1 s, then
// 2 s, 4 s, ... up to 5 min, until a request succeeds.
class RequestPacing {
 public:
  explicit RequestPacing(int64_t request_interval_us = 0)
      : request_interval_us_(request_interval_us) {}

  bool Ready(int64_t now_us) const { return now_us >= not_before_us_; }
  int64_t not_before_us() const { return not_before_us_; }
  // A request went at `now_us` (the least time between two requests starts).
  void Sent(int64_t now_us);
  // The platform refused for its rate limit.
  void RateLimited(int64_t now_us, std::optional<int64_t> retry_after_ms);
  // The request failed in a way worth trying again later.
  void Failed(int64_t now_us);
  // The request succeeded: the failure back-off starts again from 1 s.
  void Succeeded() { failures_ = 0; }
  // Waits until at least `until_us` (the next round).
  void WaitUntil(int64_t until_us);

 private:
  int64_t request_interval_us_;
  int64_t not_before_us_ = 0;
  int failures_ = 0;
};

// A platform's answer, sorted by what the poller does next.
struct ApiAnswer {
  enum class Kind {
    kOk,            // 2xx with a JSON object body: `body`
    kRateLimited,   // 429: wait `retry_after_ms`
    kUnauthorized,  // 401: the token expired or the credentials are wrong
    kRetryable,     // 5xx, a timeout, no connection, a body that is not JSON: try again later
    kRefused,       // another 4xx: the request itself is wrong (a bad cursor, a bad setting)
  };
  Kind kind = Kind::kRetryable;
  int status = 0;
  json::Json body;
  std::optional<int64_t> retry_after_ms;
  // "GET /api/v2/...: HTTP 500: <the platform's message>"; not scrubbed yet.
  std::string problem;
};

// Sends `request` and sorts the answer; `what` names it in problems ("GET /oauth/token").
ApiAnswer Exchange(http::HttpClient& http, const http::Request& request, const std::string& what);

// "Basic <base64(user:password)>".
std::string BasicAuthorization(const std::string& user, const std::string& password);

// An OAuth 2 access token from the client-credentials grant (RFC 6749 section 4.4): POST
// `token_url` with the client's id and secret as basic auth and grant_type=client_credentials,
// answered with {"access_token", "expires_in"}. Kept until a minute before it expires, or until
// the API refuses it.
class ClientCredentialsToken {
 public:
  ClientCredentialsToken() = default;
  ClientCredentialsToken(std::string token_url, std::string client_id, std::string client_secret)
      : token_url_(std::move(token_url)),
        client_id_(std::move(client_id)),
        client_secret_(std::move(client_secret)) {}

  bool Valid(int64_t now_us) const { return !token_.empty() && now_us < renew_at_us_; }
  const std::string& token() const { return token_; }
  void Forget() { token_.clear(); }
  // Asks for a new token. kOk when one came (then Valid()), else the answer as it was; a login
  // service refusing the client (400 or 401 invalid_client) comes back as kUnauthorized.
  ApiAnswer Fetch(http::HttpClient& http, int64_t now_us, int64_t timeout_ms,
                  const std::string& ca_file);

 private:
  std::string token_url_;
  std::string client_id_;
  std::string client_secret_;
  std::string token_;
  int64_t renew_at_us_ = 0;
};

// A source's position, durable: one JSON object in a file, replaced whole (written to a
// temporary file, synced, renamed), so that a crash leaves the old position or the new one.
class CursorFile {
 public:
  CursorFile() = default;
  explicit CursorFile(std::filesystem::path path) : path_(std::move(path)) {}

  const std::filesystem::path& path() const { return path_; }
  // The stored object; nullopt with *error empty when there is none yet, with *error set when it
  // cannot be read.
  std::optional<json::Json> Load(std::string* error) const;
  bool Save(const json::Json& state, std::string* error) const;

 private:
  std::filesystem::path path_;
};

// Hands pages of a platform's records to the host ("ingest.facts") as contact versions, with
// the source's position, lag and counts for `plaudit sources status`. Records are read with the
// source's ContactFormat; one that cannot be read counts as rejected, its reason the last
// problem.
class ContactPages {
 public:
  ContactPages(sdk::Host* host, const contacts::ContactFormat* format,
               const SecretScrubber* scrubber)
      : host_(host), format_(format), scrubber_(scrubber) {}

  struct Record {
    // The record's JSON text, as the format's reader takes it.
    std::string text;
    // Where it came from, for problems ("ticket 101").
    std::string origin;
  };

  // Sends one page's records (in batches of at most 500 contacts; the position goes with the
  // last) and reports `position` and `lag`. "" once the host has stored all of them, else why
  // not (then send the page again later: versions already stored change nothing).
  std::string Send(const std::vector<Record>& records, const std::string& position,
                   const std::string& lag);

  // Reports a problem that stored nothing (a refused request, a rate limit), so that it shows in
  // `plaudit sources status`; best effort.
  void ReportProblem(const std::string& problem, const std::string& lag = "");

 private:
  sdk::Host* host_;
  const contacts::ContactFormat* format_;
  const SecretScrubber* scrubber_;
};

// Configures `format` from the plugin's settings with its format fixed to `format_name`: a
// `format` setting, when given, must name it. "" or the problem.
std::string ConfigureFormat(const Settings& settings, const std::string& format_name,
                            contacts::ContactFormat* format);

// Joins a base URL ("https://api.example.com/", no path) and a path ("/api/v2/...").
std::string JoinUrl(const std::string& base, const std::string& path);

// "" when `url` is an http:// or https:// URL without a path, query or credentials, else the
// problem naming `key`.
std::string CheckBaseUrl(const std::string& key, const std::string& url);

// What each poller is: a metric-source plugin whose poll takes steps (a request each, and what
// follows from its answer) while its pacing allows, at most requests_per_poll of them, and keeps
// its position in a cursor file. A plugin reads its own settings in Init and ends it with
// FinishInit; it says how to load its cursor and how to take one step.
//
// Thread-safety: polls are serialised; a poll that finds another one running returns at once.
// The members below are used under that lock only (and in Init, before any poll).
class ApiPoller : public sdk::Plugin {
 public:
  ApiPoller(const char* name, const char* version) : name_(name), version_(version) {}

  pb::PollResponse Poll(const pb::PollRequest& request) final;

 protected:
  // The end of Init: the cursor file (`cursor_file`, relative to the data dir; default
  // contacts/<source>/cursor), the pacing of requests, and the plugin's description naming its
  // source. "" or why the plugin cannot start.
  std::string FinishInit(const pb::InitRequest& request, pb::PluginInfo* info);

  // Reads the cursor file into the plugin's position: "" when read (or there is none yet).
  virtual std::string LoadCursor() = 0;
  // One request, and what its answer leads to. True when another step may follow at once;
  // *error set when the poll failed (already reported through Fail).
  virtual bool Step(int64_t now_us, std::string* error) = 0;

  // Reports `problem` as the source's last problem and logs it; returns it scrubbed, with the
  // plugin's name, for PollResponse.error.
  std::string Fail(const std::string& problem);

  // Acts on an answer that is not kOk: waits as a rate limit asks (no failure: returns ""), or
  // backs off and reports the problem with `advice` (by default `unauthorized_advice` for a
  // refused credential). Returns the poll's error.
  std::string NotOk(const ApiAnswer& answer, int64_t now_us, const std::string& advice,
                    const std::string& unauthorized_advice);

  contacts::ContactFormat format_;
  PollerSettings settings_;
  SecretScrubber scrubber_;
  CursorFile cursor_file_;
  std::unique_ptr<http::HttpClient> http_ = std::make_unique<http::CurlHttpClient>();
  ContactPages pages_{nullptr, &format_, &scrubber_};
  RequestPacing pacing_;

 private:
  const char* const name_;
  const char* const version_;
  std::mutex poll_mu_;
  bool loaded_ = false;  // guarded by poll_mu_
};

}  // namespace plaudit::pollers

#endif  // PLAUDIT_PLUGINS_API_POLLERS_POLLER_COMMON_H_

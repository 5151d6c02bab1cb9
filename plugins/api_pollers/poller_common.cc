#include "plugins/api_pollers/poller_common.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "plugins/common/inbox_files.h"

namespace plaudit::pollers {
namespace {

namespace pb = ::plaudit::plugin::v1;

constexpr int64_t kMicrosPerMs = 1000;
constexpr int64_t kMicrosPerSecond = 1000 * 1000;
constexpr int64_t kDefaultRateLimitWaitMs = 60 * 1000;
constexpr int64_t kLongestBackOffUs = 5 * 60 * kMicrosPerSecond;
// A token is renewed this long before it expires.
constexpr int64_t kTokenMarginUs = 60 * kMicrosPerSecond;
constexpr int kContactsPerBatch = 500;
// How much of a platform's error message a problem quotes.
constexpr size_t kQuotedBodyLimit = 200;

// The platform's own words from an error body: its code ("error" or "code": "invalid_client",
// "bad.credentials") and message ("message", "description" or "error_description"), else the
// start of the body.
std::string PlatformMessage(const std::string& body) {
  std::string error;
  std::optional<json::Json> parsed = json::ParseStrict(body, &error);
  std::string code, message;
  if (parsed.has_value() && parsed->is_object()) {
    for (const char* key : {"error", "code"}) {
      const json::Json* member = json::Find(*parsed, key);
      if (member != nullptr && member->is_string() && code.empty()) {
        code = member->get<std::string>();
      } else if (member != nullptr && member->is_object() && message.empty()) {
        message = json::StringMember(*member, "message");  // {"error": {"message": ...}}
        if (message.empty()) message = json::StringMember(*member, "title");
      }
    }
    for (const char* key : {"message", "description", "error_description"}) {
      if (message.empty()) message = json::StringMember(*parsed, key);
    }
  }
  std::string text = code.empty() ? message : message.empty() ? code : code + ": " + message;
  if (text.empty()) text = body;
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > kQuotedBodyLimit) text = text.substr(0, kQuotedBodyLimit) + "...";
  return text;
}

}  // namespace

const std::set<std::string>& CommonSettingKeys() {
  static const std::set<std::string> keys = {"poll_interval_ms",  "request_interval_ms",
                                             "requests_per_poll", "timeout_ms",
                                             "ca_file",           "start_time"};
  return keys;
}

std::optional<std::string> Setting(const Settings& settings, const std::string& key) {
  auto it = settings.find(key);
  if (it == settings.end()) return std::nullopt;
  return it->second;
}

std::string ParseWholeNumber(const std::string& key, const std::string& text, int64_t min,
                             int64_t max, int64_t* value) {
  int64_t parsed = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
  if (text.empty() || ec != std::errc() || ptr != end || parsed < min || parsed > max) {
    return absl::StrCat("config ", key, " must be a whole number from ", min, " to ", max,
                        "; got \"", text, "\"");
  }
  *value = parsed;
  return {};
}

std::string PollerSettings::Parse(const Settings& settings) {
  constexpr int64_t kDayMs = int64_t{24} * 3600 * 1000;
  struct Number {
    const char* key;
    int64_t min;
    int64_t max;
    int64_t* value;
  };
  for (const Number& number : {Number{"poll_interval_ms", 0, kDayMs, &poll_interval_ms},
                               Number{"request_interval_ms", 0, 3600 * 1000, &request_interval_ms},
                               Number{"requests_per_poll", 1, 1000, &requests_per_poll},
                               Number{"timeout_ms", 100, 600 * 1000, &timeout_ms}}) {
    if (auto text = Setting(settings, number.key)) {
      if (std::string problem =
              ParseWholeNumber(number.key, *text, number.min, number.max, number.value);
          !problem.empty()) {
        return problem;
      }
    }
  }
  if (auto text = Setting(settings, "ca_file")) ca_file = *text;
  if (auto text = Setting(settings, "start_time")) {
    start_us = ParseInstant(*text);
    if (!start_us.has_value()) {
      return "config start_time must be an RFC 3339 time (2026-10-01T00:00:00Z); got \"" + *text +
             "\"";
    }
  }
  return {};
}

std::optional<int64_t> ParseInstant(std::string_view text) {
  absl::Time time;
  std::string error;
  if (text.empty() ||
      !absl::ParseTime(absl::RFC3339_full, absl::string_view(text.data(), text.size()), &time,
                       &error)) {
    return std::nullopt;
  }
  return absl::ToUnixMicros(time);
}

std::string FormatInstant(int64_t unix_micros) {
  const char* format =
      unix_micros % kMicrosPerSecond == 0 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%E3SZ";
  return absl::FormatTime(format, absl::FromUnixMicros(unix_micros), absl::UTCTimeZone());
}

std::string FormatDuration(int64_t micros) {
  if (micros < 0) micros = 0;
  const int64_t seconds = micros / kMicrosPerSecond;
  if (seconds < 60) return absl::StrCat(seconds, " s");
  const int64_t minutes = seconds / 60;
  if (minutes < 60) return absl::StrCat(minutes, " min");
  const int64_t hours = minutes / 60;
  if (hours < 48) return absl::StrCat(hours, " h ", minutes % 60, " min");
  return absl::StrCat(hours / 24, " days");
}

void SecretScrubber::Add(const std::string& secret) {
  if (secret.empty() || std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) {
    return;
  }
  secrets_.push_back(secret);
  Order();
}

void SecretScrubber::AddToken(const std::string& token) {
  if (token.empty() || std::find(tokens_.begin(), tokens_.end(), token) != tokens_.end()) return;
  tokens_.push_back(token);
  if (tokens_.size() > kTokensKept) tokens_.pop_front();
  Order();
}

void SecretScrubber::Order() {
  by_length_.assign(secrets_.begin(), secrets_.end());
  by_length_.insert(by_length_.end(), tokens_.begin(), tokens_.end());
  std::stable_sort(by_length_.begin(), by_length_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretScrubber::Scrub(std::string text) const {
  for (const std::string& secret : by_length_) {
    text = absl::StrReplaceAll(text, {{secret, "***"}});
  }
  return text;
}

void RequestPacing::Sent(int64_t now_us) {
  not_before_us_ = std::max(not_before_us_, now_us + request_interval_us_);
}

void RequestPacing::RateLimited(int64_t now_us, std::optional<int64_t> retry_after_ms) {
  const int64_t wait_ms = retry_after_ms.value_or(kDefaultRateLimitWaitMs);
  not_before_us_ = std::max(not_before_us_, now_us + wait_ms * kMicrosPerMs);
}

void RequestPacing::Failed(int64_t now_us) {
  int64_t wait_us = kMicrosPerSecond;
  for (int i = 0; i < failures_ && wait_us < kLongestBackOffUs; ++i) wait_us *= 2;
  wait_us = std::min(wait_us, kLongestBackOffUs);
  ++failures_;
  not_before_us_ = std::max(not_before_us_, now_us + wait_us);
}

void RequestPacing::WaitUntil(int64_t until_us) {
  not_before_us_ = std::max(not_before_us_, until_us);
}

ApiAnswer Exchange(http::HttpClient& http, const http::Request& request, const std::string& what) {
  ApiAnswer answer;
  http::Response response = http.Send(request);
  if (response.failure != http::Failure::kNone) {
    answer.kind = ApiAnswer::Kind::kRetryable;
    answer.problem =
        absl::StrCat(what, ": ",
                     response.failure == http::Failure::kTimedOut ? "no answer within the timeout: "
                     : response.failure == http::Failure::kNotSent ? "could not connect: "
                                                                   : "no answer: ",
                     response.error);
    return answer;
  }
  answer.status = response.status;
  answer.retry_after_ms = response.retry_after_ms;
  const std::string status_text = absl::StrCat(what, ": HTTP ", response.status);
  if (response.status == 429) {
    answer.kind = ApiAnswer::Kind::kRateLimited;
    answer.problem = absl::StrCat(status_text, " (rate limited)");
    return answer;
  }
  if (response.status == 401) {
    answer.kind = ApiAnswer::Kind::kUnauthorized;
    answer.problem = absl::StrCat(status_text, ": ", PlatformMessage(response.body));
    return answer;
  }
  if (response.status >= 500 || response.status < 200 ||
      (response.status >= 300 && response.status < 400)) {
    answer.kind = ApiAnswer::Kind::kRetryable;
    answer.problem = absl::StrCat(status_text, ": ", PlatformMessage(response.body));
    return answer;
  }
  if (response.status >= 400) {
    answer.kind = ApiAnswer::Kind::kRefused;
    answer.problem = absl::StrCat(status_text, ": ", PlatformMessage(response.body));
    return answer;
  }
  std::string error;
  std::optional<json::Json> body = json::ParseStrict(response.body, &error);
  if (!body.has_value() || !body->is_object()) {
    answer.kind = ApiAnswer::Kind::kRetryable;
    answer.problem = absl::StrCat(status_text, ": the answer is not a JSON object",
                                  error.empty() ? "" : ": ", error);
    return answer;
  }
  answer.kind = ApiAnswer::Kind::kOk;
  answer.body = *std::move(body);
  return answer;
}

std::string BasicAuthorization(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

ApiAnswer ClientCredentialsToken::Fetch(http::HttpClient& http, int64_t now_us, int64_t timeout_ms,
                                        const std::string& ca_file) {
  http::Request request;
  request.method = "POST";
  request.url = token_url_;
  request.headers = {{"Authorization", BasicAuthorization(client_id_, client_secret_)},
                     {"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials";
  request.timeout_ms = timeout_ms;
  request.ca_file = ca_file;
  ApiAnswer answer = Exchange(http, request, "POST /oauth/token");
  if (answer.kind == ApiAnswer::Kind::kRefused && answer.status == 400) {
    // RFC 6749 answers a client it does not know with 400 invalid_client when no basic auth
    // challenge is made: the credentials are wrong, as with 401.
    answer.kind = ApiAnswer::Kind::kUnauthorized;
  }
  if (answer.kind != ApiAnswer::Kind::kOk) return answer;
  const std::string token = json::StringMember(answer.body, "access_token");
  if (token.empty()) {
    answer.kind = ApiAnswer::Kind::kRetryable;
    answer.problem = "POST /oauth/token: the answer has no access_token";
    return answer;
  }
  const int64_t expires_in_s = json::IntMember(answer.body, "expires_in").value_or(3600);
  token_ = token;
  renew_at_us_ = now_us + std::max<int64_t>(0, expires_in_s * kMicrosPerSecond - kTokenMarginUs);
  answer.body = json::Json::object();  // the token stays here alone
  return answer;
}

std::optional<json::Json> CursorFile::Load(std::string* error) const {
  error->clear();
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    if (ec) *error = "cannot look for " + path_.string() + ": " + ec.message();
    return std::nullopt;
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path_.string();
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string parse_error;
  std::optional<json::Json> state = json::ParseStrict(text.str(), &parse_error);
  if (!state.has_value() || !state->is_object()) {
    *error = path_.string() + " is not a JSON object" +
             (parse_error.empty() ? "" : ": " + parse_error) +
             "; move it away to start again from start_time";
    return std::nullopt;
  }
  return state;
}

bool CursorFile::Save(const json::Json& state, std::string* error) const {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) {
    *error = "cannot create " + path_.parent_path().string() + ": " + ec.message();
    return false;
  }
  return inbox::WriteWhole(path_, json::Serialize(state) + "\n", error);
}

std::string ContactPages::Send(const std::vector<Record>& records, const std::string& position,
                               const std::string& lag) {
  pb::IngestFactsRequest batch;
  int64_t taken = 0, rejected = 0;
  std::string last_problem;
  const auto send = [&](bool last) -> std::string {
    batch.set_source(format_->source());
    if (last) batch.set_position(scrubber_->Scrub(position));
    batch.set_lag(scrubber_->Scrub(lag));
    batch.set_taken(taken);
    batch.set_rejected(rejected);
    batch.set_last_problem(scrubber_->Scrub(last_problem));
    pb::IngestFactsResponse response;
    std::string error;
    if (!host_->IngestFacts(batch, &response, &error) || !response.error().empty()) {
      return "the host could not store the contacts: " + (error.empty() ? response.error() : error);
    }
    for (const auto& problem : response.problems()) {
      host_->Warning(
          scrubber_->Scrub(format_->source() + ": " + problem.origin() + ": " + problem.reason()));
    }
    batch.Clear();
    taken = rejected = 0;
    last_problem.clear();
    return {};
  };
  for (const Record& record : records) {
    ++taken;
    contacts::ReadContact read = format_->Read(record.text);
    for (const std::string& problem : read.problems) {
      host_->Warning(scrubber_->Scrub(format_->source() + ": " + record.origin + ": " + problem));
    }
    if (!read.contact.has_value()) {
      ++rejected;
      last_problem = record.origin + ": " + read.rejected;
      host_->Warning(scrubber_->Scrub(format_->source() + ": " + last_problem));
      continue;
    }
    read.contact->set_origin(record.origin);
    *batch.add_contacts() = std::move(*read.contact);
    if (batch.contacts_size() >= kContactsPerBatch) {
      if (std::string error = send(false); !error.empty()) return error;
    }
  }
  return send(true);
}

void ContactPages::ReportProblem(const std::string& problem, const std::string& lag) {
  pb::IngestFactsRequest report;
  report.set_source(format_->source());
  report.set_lag(scrubber_->Scrub(lag));
  report.set_last_problem(scrubber_->Scrub(problem));
  pb::IngestFactsResponse response;
  std::string error;
  host_->IngestFacts(report, &response, &error);
}

std::string ConfigureFormat(const Settings& settings, const std::string& format_name,
                            contacts::ContactFormat* format) {
  Settings with_format = settings;
  if (auto given = Setting(settings, "format"); given.has_value() && *given != format_name) {
    return "config format: this plugin reads " + format_name + " records; got \"" + *given + "\"";
  }
  with_format["format"] = format_name;
  return format->Configure(with_format);
}

std::string JoinUrl(const std::string& base, const std::string& path) {
  std::string joined = base;
  while (!joined.empty() && joined.back() == '/') joined.pop_back();
  return joined + path;
}

std::string CheckBaseUrl(const std::string& key, const std::string& url) {
  const bool scheme = absl::StartsWith(url, "https://") || absl::StartsWith(url, "http://");
  const std::string rest =
      url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  std::string host = rest;
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (host.find('@') != std::string::npos) {
    // Not quoted: what is before the @ may be a password.
    return "config " + key + " must not hold credentials; give them in their own settings";
  }
  if (!scheme || host.empty() || host.find_first_of("/?# ") != std::string::npos) {
    return "config " + key +
           " must be a base URL such as https://api.example.com (no path or query); got \"" + url +
           "\"";
  }
  return {};
}

pb::PollResponse ApiPoller::Poll(const pb::PollRequest&) {
  pb::PollResponse resp;
  std::unique_lock<std::mutex> lock(poll_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return resp;
  if (!loaded_) {
    if (std::string error = LoadCursor(); !error.empty()) {
      resp.set_error(Fail(error));
      return resp;
    }
    loaded_ = true;
  }
  for (int64_t i = 0; i < settings_.requests_per_poll; ++i) {
    const int64_t now_us = host().NowMicros();
    if (!pacing_.Ready(now_us)) break;
    std::string error;
    const bool more = Step(now_us, &error);
    if (!error.empty()) resp.set_error(error);
    if (!more) break;
  }
  return resp;
}

std::string ApiPoller::FinishInit(const pb::InitRequest& request, pb::PluginInfo* info) {
  if (request.data_dir().empty()) return "no data dir to keep the cursor in";
  std::error_code ec;
  const std::filesystem::path data_dir = std::filesystem::absolute(request.data_dir(), ec);
  if (ec) return "cannot resolve data dir " + request.data_dir() + ": " + ec.message();
  std::filesystem::path cursor_path =
      std::filesystem::path("contacts") / format_.source() / "cursor";
  if (auto text = Setting(request.config(), "cursor_file")) {
    if (text->empty()) return "config cursor_file is empty";
    cursor_path = *text;
  }
  cursor_file_ = CursorFile((data_dir / cursor_path).lexically_normal());
  pacing_ = RequestPacing(settings_.request_interval_ms * 1000);
  pages_ = ContactPages(&host(), &format_, &scrubber_);

  info->set_name(name_);
  info->set_kind(pb::PLUGIN_KIND_METRIC_SOURCE);
  info->set_version(version_);
  info->add_sources(format_.source());
  return {};
}

std::string ApiPoller::Fail(const std::string& problem) {
  const std::string text = scrubber_.Scrub(std::string(name_) + ": " + problem);
  host().Warning(text);
  pages_.ReportProblem(problem);
  return text;
}

std::string ApiPoller::NotOk(const ApiAnswer& answer, int64_t now_us, const std::string& advice,
                             const std::string& unauthorized_advice) {
  if (answer.kind == ApiAnswer::Kind::kRateLimited) {
    pacing_.RateLimited(now_us, answer.retry_after_ms);
    pages_.ReportProblem(answer.problem + "; waiting " +
                         FormatDuration(pacing_.not_before_us() - now_us));
    return {};
  }
  pacing_.Failed(now_us);
  std::string why = advice;
  if (why.empty() && answer.kind == ApiAnswer::Kind::kUnauthorized) why = unauthorized_advice;
  return Fail(answer.problem + (why.empty() ? "" : "; " + why) + "; trying again in " +
              FormatDuration(pacing_.not_before_us() - now_us));
}

}  // namespace plaudit::pollers

#include "tools/platform_fake/platform_fake.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "plugins/common/json_text.h"

namespace plaudit::sandbox {
namespace {

using json::Json;

constexpr char kJobsPath[] = "/api/v2/analytics/conversations/details/jobs";
constexpr char kTicketsPath[] = "/api/v2/incremental/tickets/cursor.json";
constexpr int64_t kMicrosPerSecond = 1000 * 1000;

HttpReply JsonReply(int status, const Json& body) {
  HttpReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "application/json"}};
  reply.body = json::Serialize(body);
  return reply;
}

// An error in Genesys Cloud's shape: {"message", "code", "status"}.
HttpReply GenesysError(int status, const std::string& code, const std::string& message) {
  Json body = Json::object();
  body["message"] = message;
  body["code"] = code;
  body["status"] = status;
  return JsonReply(status, body);
}

// An error in Zendesk's shape: {"error", "description"}.
HttpReply ZendeskError(int status, const std::string& error, const std::string& description) {
  Json body = Json::object();
  body["error"] = error;
  body["description"] = description;
  return JsonReply(status, body);
}

std::optional<int64_t> Instant(const std::string& text) {
  absl::Time time;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return std::nullopt;
  }
  return absl::ToUnixMicros(time);
}

std::string InstantText(int64_t unix_micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMicros(unix_micros),
                          absl::UTCTimeZone());
}

std::optional<int64_t> WholeNumber(std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// Opaque cursors: base64 of "<a>:<b>".
std::string EncodeCursor(const std::string& a, int64_t b) {
  return absl::WebSafeBase64Escape(absl::StrCat(a, ":", b));
}
bool DecodeCursor(const std::string& cursor, std::string* a, int64_t* b) {
  std::string plain;
  if (!absl::WebSafeBase64Unescape(cursor, &plain)) return false;
  const size_t colon = plain.rfind(':');
  if (colon == std::string::npos) return false;
  auto number = WholeNumber(std::string_view(plain).substr(colon + 1));
  if (!number.has_value()) return false;
  *a = plain.substr(0, colon);
  *b = *number;
  return true;
}

bool ForEachLine(const std::string& path,
                 const std::function<bool(const std::string&, std::string*)>& put,
                 std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string problem;
    if (!put(line, &problem)) {
      *error = path + " line " + std::to_string(number) + ": " + problem;
      return false;
    }
  }
  return true;
}

}  // namespace

PlatformFake::PlatformFake(PlatformFakeOptions options) : options_(std::move(options)) {}

int64_t PlatformFake::Now() const {
  if (options_.now_us) return options_.now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool PlatformFake::PutConversation(std::string_view json_text, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  return PutConversationLocked(json_text, error);
}

bool PlatformFake::PutConversationLocked(std::string_view json_text, std::string* error) {
  std::optional<Json> record = json::ParseStrict(json_text, error);
  if (!record.has_value() || !record->is_object()) {
    if (error->empty()) *error = "not a JSON object";
    return false;
  }
  const std::string id = json::StringMember(*record, "conversationId");
  if (id.empty()) {
    *error = "a conversation needs a conversationId";
    return false;
  }
  std::optional<int64_t> start = Instant(json::StringMember(*record, "conversationStart"));
  if (!start.has_value()) {
    *error = "conversation " + id + " needs a conversationStart (RFC 3339)";
    return false;
  }
  Conversation conversation{json::Serialize(*record), *start, -1};
  if (auto end = Instant(json::StringMember(*record, "conversationEnd"))) {
    conversation.end_us = *end;
  }
  conversations_[id] = std::move(conversation);
  return true;
}

bool PlatformFake::PutTicket(std::string_view json_text, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  return PutTicketLocked(json_text, error);
}

bool PlatformFake::PutTicketLocked(std::string_view json_text, std::string* error) {
  std::optional<Json> record = json::ParseStrict(json_text, error);
  if (!record.has_value() || !record->is_object()) {
    if (error->empty()) *error = "not a JSON object";
    return false;
  }
  std::optional<int64_t> id = json::IntMember(*record, "id");
  if (!id.has_value() || *id < 0) {
    *error = "a ticket needs a whole-number id";
    return false;
  }
  std::optional<int64_t> updated = Instant(json::StringMember(*record, "updated_at"));
  if (!updated.has_value()) {
    *error = "ticket " + std::to_string(*id) + " needs an updated_at (RFC 3339)";
    return false;
  }
  Ticket ticket;
  ticket.id = *id;
  ticket.updated_us = *updated;
  if (const Json* set = json::Find(*record, "metric_set"); set != nullptr && set->is_object()) {
    Json sideloaded = *set;
    if (json::Find(sideloaded, "ticket_id") == nullptr) sideloaded["ticket_id"] = *id;
    ticket.metric_set = json::Serialize(sideloaded);
    record->erase("metric_set");
  }
  ticket.text = json::Serialize(*record);
  tickets_[*id] = std::move(ticket);
  return true;
}

bool PlatformFake::LoadConversations(const std::string& path, std::string* error) {
  return ForEachLine(
      path, [this](const std::string& line, std::string* e) { return PutConversation(line, e); },
      error);
}

bool PlatformFake::LoadTickets(const std::string& path, std::string* error) {
  return ForEachLine(
      path, [this](const std::string& line, std::string* e) { return PutTicket(line, e); }, error);
}

void PlatformFake::AddFault(const FakeFault& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fault.count > 0) faults_.push_back(fault);
}

bool PlatformFake::ParseFault(const std::string& body, FakeFault* fault, std::string* error) {
  std::optional<Json> parsed = json::ParseStrict(body, error);
  if (!parsed.has_value() || !parsed->is_object()) {
    if (error->empty()) *error = "a fault is a JSON object";
    return false;
  }
  fault->status = static_cast<int>(json::IntMember(*parsed, "status").value_or(500));
  fault->count = static_cast<int>(json::IntMember(*parsed, "count").value_or(1));
  fault->retry_after = json::StringMember(*parsed, "retry_after");
  fault->path = json::StringMember(*parsed, "path");
  if (fault->status < 100 || fault->status > 599 || fault->count < 1) {
    *error = "a fault needs a status from 100 to 599 and a count of at least 1";
    return false;
  }
  return true;
}

void PlatformFake::ExpireTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.clear();
}

void PlatformFake::ExpireJobs() {
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.clear();
}

std::vector<FakeRequest> PlatformFake::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

HttpReply PlatformFake::Handle(const HttpRequest& request) {
  if (absl::StartsWith(request.path, "/_fake/")) return Control(request);
  const int64_t now_us = Now();
  HttpReply reply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!faults_.empty() && absl::StartsWith(request.path, faults_.front().path)) {
      FakeFault& fault = faults_.front();
      reply = fault.status == 429
                  ? GenesysError(429, "too.many.requests",
                                 "Rate limit exceeded the maximum. Retry the "
                                 "request in [" +
                                     fault.retry_after + "] seconds")
                  : GenesysError(fault.status, "fake.fault", "a fault the test asked for");
      if (!fault.retry_after.empty()) reply.headers.emplace_back("Retry-After", fault.retry_after);
      if (--fault.count == 0) faults_.pop_front();
      requests_.push_back({request.method, request.path, request.target, reply.status, now_us});
      return reply;
    }
  }
  reply = Route(request, now_us);
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back({request.method, request.path, request.target, reply.status, now_us});
  return reply;
}

HttpReply PlatformFake::Control(const HttpRequest& request) {
  std::string error;
  if (request.method == "GET" && request.path == "/_fake/requests") {
    HttpReply reply;
    reply.headers = {{"Content-Type", "application/json"}};
    reply.body = RequestsJson(Requests());
    return reply;
  }
  if (request.method != "POST") return ZendeskError(405, "MethodNotAllowed", "use POST");
  if (request.path == "/_fake/faults") {
    FakeFault fault;
    if (!ParseFault(request.body, &fault, &error)) return ZendeskError(400, "BadFault", error);
    AddFault(fault);
    return JsonReply(200, Json::object());
  }
  if (request.path == "/_fake/expire_tokens") {
    ExpireTokens();
    return JsonReply(200, Json::object());
  }
  if (request.path == "/_fake/expire_jobs") {
    ExpireJobs();
    return JsonReply(200, Json::object());
  }
  const bool conversations = request.path == "/_fake/genesys/conversations";
  const bool tickets = request.path == "/_fake/zendesk/tickets";
  if (!conversations && !tickets) return ZendeskError(404, "NotFound", "no such control path");
  std::lock_guard<std::mutex> lock(mu_);
  int64_t count = 0;
  for (absl::string_view piece : absl::StrSplit(request.body, '\n', absl::SkipWhitespace())) {
    const std::string_view line(piece.data(), piece.size());
    const bool ok =
        conversations ? PutConversationLocked(line, &error) : PutTicketLocked(line, &error);
    if (!ok) return ZendeskError(400, "BadRecord", absl::StrCat("record ", count + 1, ": ", error));
    ++count;
  }
  Json body = Json::object();
  body["stored"] = count;
  return JsonReply(200, body);
}

HttpReply PlatformFake::Route(const HttpRequest& request, int64_t now_us) {
  if (request.path == "/oauth/token") return Token(request, now_us);
  if (absl::StartsWith(request.path, kJobsPath)) return Genesys(request, now_us);
  if (request.path == kTicketsPath) return Zendesk(request);
  return ZendeskError(404, "InvalidEndpoint", "no such path: " + request.path);
}

HttpReply PlatformFake::Token(const HttpRequest& request, int64_t now_us) {
  if (request.method != "POST") return GenesysError(405, "method.not.allowed", "use POST");
  const std::string expected = "Basic " + absl::Base64Escape(options_.genesys_client_id + ":" +
                                                             options_.genesys_client_secret);
  if (request.Header("authorization").value_or("") != expected) {
    Json body = Json::object();
    body["error"] = "invalid_client";
    body["description"] = "client not found or secret wrong";
    return JsonReply(401, body);
  }
  if (request.body != "grant_type=client_credentials") {
    Json body = Json::object();
    body["error"] = "unsupported_grant_type";
    body["description"] = "expected grant_type=client_credentials";
    return JsonReply(400, body);
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string token = absl::StrCat("fake-token-", next_id_++);
  tokens_[token] = now_us + options_.genesys_token_lifetime_s * kMicrosPerSecond;
  Json body = Json::object();
  body["access_token"] = token;
  body["token_type"] = "bearer";
  body["expires_in"] = options_.genesys_token_lifetime_s;
  return JsonReply(200, body);
}

bool PlatformFake::GenesysAuthorized(const HttpRequest& request, int64_t now_us) const {
  const std::string header = request.Header("authorization").value_or("");
  if (!absl::StartsWith(header, "Bearer ")) return false;
  auto it = tokens_.find(header.substr(7));
  return it != tokens_.end() && now_us < it->second;
}

HttpReply PlatformFake::Genesys(const HttpRequest& request, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!GenesysAuthorized(request, now_us)) {
    return GenesysError(401, "bad.credentials", "Invalid login credentials.");
  }
  const std::string rest = request.path.substr(std::string(kJobsPath).size());
  const std::string available = InstantText(now_us - options_.availability_lag_ms * 1000);
  if (rest.empty() || rest == "/") {
    if (request.method != "POST") return GenesysError(405, "method.not.allowed", "use POST");
    std::string error;
    std::optional<Json> query = json::ParseStrict(request.body, &error);
    const std::string interval = query.has_value() ? json::StringMember(*query, "interval") : "";
    std::vector<std::string> ends = absl::StrSplit(interval, '/');
    std::optional<int64_t> from, to;
    if (ends.size() == 2) {
      from = Instant(ends[0]);
      to = Instant(ends[1]);
    }
    if (!from.has_value() || !to.has_value() || *to <= *from) {
      return GenesysError(
          400, "bad.request",
          "interval must be <start>/<end> in ISO-8601, start before end; got \"" + interval + "\"");
    }
    std::vector<std::pair<std::pair<int64_t, std::string>, std::string>> matched;
    for (const auto& [id, conversation] : conversations_) {
      const bool overlaps =
          conversation.start_us < *to && (conversation.end_us < 0 || conversation.end_us >= *from);
      if (overlaps) matched.push_back({{conversation.start_us, id}, conversation.text});
    }
    std::sort(matched.begin(), matched.end());
    Job job;
    for (auto& [key, text] : matched) job.conversations.push_back(std::move(text));
    const std::string job_id = absl::StrCat("job-", next_id_++);
    jobs_[job_id] = std::move(job);
    Json body = Json::object();
    body["jobId"] = job_id;
    return JsonReply(202, body);
  }
  if (rest == "/availability") {
    Json body = Json::object();
    body["dataAvailabilityDate"] = available;
    return JsonReply(200, body);
  }
  std::vector<std::string> parts = absl::StrSplit(rest.substr(1), '/');
  auto job = jobs_.find(parts[0]);
  if (job == jobs_.end()) return GenesysError(404, "not.found", "no job " + parts[0]);
  if (parts.size() == 1 && request.method == "GET") {
    const int checks = job->second.checks++;
    Json body = Json::object();
    body["state"] = checks >= options_.job_checks_before_fulfilled ? "FULFILLED"
                    : checks == 0                                  ? "QUEUED"
                                                                   : "PENDING";
    body["submissionDate"] = available;
    return JsonReply(200, body);
  }
  if (parts.size() == 2 && parts[1] == "results" && request.method == "GET") {
    if (job->second.checks <= options_.job_checks_before_fulfilled) {
      return GenesysError(400, "bad.request", "the job is not fulfilled yet");
    }
    int64_t offset = 0;
    if (auto cursor = request.query.find("cursor"); cursor != request.query.end()) {
      std::string cursor_job;
      if (!DecodeCursor(cursor->second, &cursor_job, &offset) || cursor_job != parts[0] ||
          offset < 0) {
        return GenesysError(400, "bad.request", "the cursor is not one of this job's");
      }
    }
    int64_t page_size = options_.page_size;
    if (auto size = request.query.find("pageSize"); size != request.query.end()) {
      page_size = WholeNumber(size->second).value_or(page_size);
    }
    const auto& all = job->second.conversations;
    Json body = Json::object();
    body["conversations"] = Json::array();
    const int64_t end = std::min<int64_t>(all.size(), offset + std::max<int64_t>(page_size, 1));
    for (int64_t i = offset; i < end; ++i) {
      std::string error;
      body["conversations"].push_back(*json::ParseStrict(all[i], &error));
    }
    if (end < static_cast<int64_t>(all.size())) body["cursor"] = EncodeCursor(parts[0], end);
    body["dataAvailabilityDate"] = available;
    return JsonReply(200, body);
  }
  return GenesysError(404, "not.found", "no such path: " + request.path);
}

bool PlatformFake::ZendeskAuthorized(const HttpRequest& request) const {
  const std::string header = request.Header("authorization").value_or("");
  if (!options_.zendesk_oauth_token.empty() && header == "Bearer " + options_.zendesk_oauth_token) {
    return true;
  }
  return header == "Basic " + absl::Base64Escape(options_.zendesk_email +
                                                 "/token:" + options_.zendesk_api_token);
}

HttpReply PlatformFake::Zendesk(const HttpRequest& request) {
  if (request.method != "GET") return ZendeskError(405, "MethodNotAllowed", "use GET");
  if (!ZendeskAuthorized(request)) return ZendeskError(401, "Couldn't authenticate you", "");
  // The position: after (updated_us, id).
  std::pair<int64_t, int64_t> after;
  if (auto cursor = request.query.find("cursor"); cursor != request.query.end()) {
    std::string updated;
    int64_t id = 0;
    std::optional<int64_t> updated_us;
    if (DecodeCursor(cursor->second, &updated, &id)) updated_us = WholeNumber(updated);
    if (!updated_us.has_value()) {
      return ZendeskError(422, "InvalidCursor", "the cursor is not one this export gave");
    }
    after = {*updated_us, id};
  } else if (auto start = request.query.find("start_time"); start != request.query.end()) {
    std::optional<int64_t> seconds = WholeNumber(start->second);
    if (!seconds.has_value() || *seconds < 0) {
      return ZendeskError(422, "InvalidValue", "start_time must be a Unix time in seconds");
    }
    after = {*seconds * kMicrosPerSecond, -1};
  } else {
    return ZendeskError(422, "InvalidValue", "start_time or cursor is required");
  }
  const bool include_sets = absl::StrContains(
      request.query.count("include") > 0 ? request.query.at("include") : "", "metric_sets");

  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Ticket*> changed;
  for (const auto& [id, ticket] : tickets_) {
    if (std::make_pair(ticket.updated_us, ticket.id) > after) changed.push_back(&ticket);
  }
  std::sort(changed.begin(), changed.end(), [](const Ticket* a, const Ticket* b) {
    return std::make_pair(a->updated_us, a->id) < std::make_pair(b->updated_us, b->id);
  });
  const size_t count = std::min<size_t>(changed.size(), std::max(options_.page_size, 1));
  Json body = Json::object();
  body["tickets"] = Json::array();
  if (include_sets) body["metric_sets"] = Json::array();
  std::pair<int64_t, int64_t> last = after;
  for (size_t i = 0; i < count; ++i) {
    std::string error;
    body["tickets"].push_back(*json::ParseStrict(changed[i]->text, &error));
    if (include_sets && !changed[i]->metric_set.empty()) {
      body["metric_sets"].push_back(*json::ParseStrict(changed[i]->metric_set, &error));
    }
    last = {changed[i]->updated_us, changed[i]->id};
  }
  const std::string after_cursor = EncodeCursor(std::to_string(last.first), last.second);
  const std::string host = request.Header("host").value_or("127.0.0.1");
  body["after_url"] = "http://" + host + kTicketsPath + "?cursor=" + after_cursor;
  body["after_cursor"] = after_cursor;
  body["before_url"] = nullptr;
  body["before_cursor"] = nullptr;
  body["end_of_stream"] = count == changed.size();
  return JsonReply(200, body);
}

std::string RequestsJson(const std::vector<FakeRequest>& requests) {
  Json body = Json::object();
  body["requests"] = Json::array();
  for (const FakeRequest& request : requests) {
    Json entry = Json::object();
    entry["method"] = request.method;
    entry["path"] = request.path;
    entry["target"] = request.target;
    entry["status"] = request.status;
    entry["at_us"] = request.at_us;
    body["requests"].push_back(std::move(entry));
  }
  return json::Serialize(body);
}

}  // namespace plaudit::sandbox

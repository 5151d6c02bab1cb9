#include "tools/webhook_sink/webhook_sink.h"

#include <optional>

#include "plugins/common/json_text.h"

namespace plaudit::sandbox {
namespace {

HttpReply JsonReply(int status, const std::string& body) {
  HttpReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "application/json"}};
  reply.body = body;
  return reply;
}

HttpReply ErrorReply(int status, const std::string& message) {
  return JsonReply(status, json::Serialize({{"error", message}}));
}

}  // namespace

std::string ReceivedPost::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

HttpReply WebhookSink::Handle(const HttpRequest& request) {
  if (request.path == "/_received") {
    if (request.method != "GET") return ErrorReply(405, "use GET /_received");
    return JsonReply(200, ReceivedJson(Received()));
  }
  if (request.path == "/_faults") {
    if (request.method != "POST") return ErrorReply(405, "use POST /_faults");
    WebhookFault fault;
    std::string error;
    if (!ParseFault(request.body, &fault, &error)) return ErrorReply(400, error);
    AddFault(fault);
    return JsonReply(200, "{\"queued\":true}");
  }
  if (request.path == "/_reset") {
    if (request.method != "POST") return ErrorReply(405, "use POST /_reset");
    Reset();
    return JsonReply(200, "{\"reset\":true}");
  }
  if (request.method != "POST") return ErrorReply(405, "webhooks take POST");

  ReceivedPost post{request.method, request.path, request.headers, request.body, 200};
  HttpReply reply;
  reply.headers = {{"Content-Type", "text/plain"}};
  reply.body = "ok";
  std::lock_guard<std::mutex> lock(mu_);
  if (!faults_.empty()) {
    WebhookFault& fault = faults_.front();
    if (fault.hang_ms > 0) {
      reply.delivery = HttpReply::Delivery::kHangThenClose;
      reply.delay_ms = fault.hang_ms;
      post.status = 0;
    } else {
      reply.status = fault.status;
      reply.body = fault.status == 429 ? "rate_limited" : "fault " + std::to_string(fault.status);
      if (!fault.retry_after.empty()) reply.headers.emplace_back("Retry-After", fault.retry_after);
      post.status = fault.status;
    }
    if (--fault.count <= 0) faults_.pop_front();
  }
  received_.push_back(std::move(post));
  return reply;
}

void WebhookSink::AddFault(const WebhookFault& fault) {
  if (fault.count <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(fault);
}

bool WebhookSink::ParseFault(const std::string& body, WebhookFault* fault, std::string* error) {
  std::string parse_error;
  const std::optional<json::Json> value = json::ParseStrict(body, &parse_error);
  if (!value || !value->is_object()) {
    *error = "expected a JSON object {status, count, retry_after, hang_ms}";
    return false;
  }
  *fault = WebhookFault();
  for (const auto& [name, member] : value->items()) {
    const std::optional<int64_t> number = json::IntMember(*value, name);
    if (name == "status") {
      if (!number || *number < 100 || *number > 599) {
        *error = "status must be an HTTP status from 100 to 599";
        return false;
      }
      fault->status = static_cast<int>(*number);
    } else if (name == "count") {
      if (!number || *number < 1 || *number > 1000000) {
        *error = "count must be a whole number from 1";
        return false;
      }
      fault->count = static_cast<int>(*number);
    } else if (name == "retry_after") {
      fault->retry_after = json::StringMember(*value, name);
    } else if (name == "hang_ms") {
      if (!number || *number < 0 || *number > 600000) {
        *error = "hang_ms must be a whole number from 0 to 600000";
        return false;
      }
      fault->hang_ms = *number;
    } else {
      *error = "unknown fault field \"" + name + "\" (known: status, count, retry_after, hang_ms)";
      return false;
    }
  }
  return true;
}

std::vector<ReceivedPost> WebhookSink::Received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

std::vector<ReceivedPost> WebhookSink::Delivered() const {
  std::vector<ReceivedPost> delivered;
  for (ReceivedPost& post : Received()) {
    if (post.delivered()) delivered.push_back(std::move(post));
  }
  return delivered;
}

void WebhookSink::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  received_.clear();
  faults_.clear();
}

std::string ReceivedJson(const std::vector<ReceivedPost>& posts) {
  json::Json list = json::Json::array();
  for (const ReceivedPost& post : posts) {
    json::Json headers = json::Json::object();
    for (const auto& [name, value] : post.headers) headers[name] = value;
    json::Json entry = json::Json::object();
    entry["method"] = post.method;
    entry["path"] = post.path;
    entry["headers"] = std::move(headers);
    entry["body"] = post.body;
    entry["status"] = post.status;
    list.push_back(std::move(entry));
  }
  return json::Serialize({{"received", std::move(list)}});
}

}  // namespace plaudit::sandbox

// A chat service's incoming webhook, played on loopback for tests and demos: it accepts a POST
// on any path, remembers what came (method, path, headers, body) and answers 200 "ok", the way
// Slack-style webhooks do. A test reads back what was posted and scripts failures.
//
//   POST <any path>   recorded; answered 200 "ok" unless a fault applies
//   GET  /_received   {"received": [{"method", "path", "headers": {..}, "body", "status"}]}
//   POST /_faults     {"status": 500, "count": 1, "retry_after": "3", "hang_ms": 0} answers the
//                     next `count` posts with `status` (and a Retry-After header when given);
//                     with hang_ms > 0 the post is recorded and the connection held that long,
//                     then closed unanswered. Faults queue up and are used in order.
//   POST /_reset      forgets posts and faults
//
// Every post is recorded with the status it was answered with (0: left unanswered), so a test
// can tell delivered posts from refused ones. Thread-safe: Handle() may run on many threads.
#ifndef PLAUDIT_TOOLS_WEBHOOK_SINK_WEBHOOK_SINK_H_
#define PLAUDIT_TOOLS_WEBHOOK_SINK_WEBHOOK_SINK_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tools/vendor_sandbox/http_server.h"

namespace plaudit::sandbox {

struct ReceivedPost {
  std::string method;
  std::string path;
  // Names in lower case, in the order received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // What the sink answered: 200, a fault's status, or 0 when it hung up without answering.
  int status = 0;

  // The first header named `name` (lower case); "" when absent.
  std::string Header(const std::string& name) const;
  bool delivered() const { return status >= 200 && status < 300; }
};

struct WebhookFault {
  int status = 500;
  int count = 1;
  // Sent as the Retry-After header when not empty (delta-seconds or an HTTP date).
  std::string retry_after;
  // > 0: hold the connection this long, then close it without an answer.
  int64_t hang_ms = 0;
};

class WebhookSink {
 public:
  HttpReply Handle(const HttpRequest& request);

  // Queues a fault (what POST /_faults does).
  void AddFault(const WebhookFault& fault);
  // Reads a fault from the JSON body of POST /_faults; false with *error when malformed.
  static bool ParseFault(const std::string& body, WebhookFault* fault, std::string* error);

  std::vector<ReceivedPost> Received() const;
  // The posts answered with a 2xx.
  std::vector<ReceivedPost> Delivered() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::vector<ReceivedPost> received_;  // guarded by mu_
  std::deque<WebhookFault> faults_;     // guarded by mu_
};

// The received posts as the JSON body of GET /_received.
std::string ReceivedJson(const std::vector<ReceivedPost>& posts);

}  // namespace plaudit::sandbox

#endif  // PLAUDIT_TOOLS_WEBHOOK_SINK_WEBHOOK_SINK_H_

// Delivers the sandbox's order status-change notifications to plauditd, as a vendor's webhook
// would: each body goes through FulfilmentService.DeliverCallback with its signature,
// "t=<unix seconds>,v1=<lowercase hex HMAC-SHA256 of "<t>.<body>" under the callback secret>",
// signed anew at every try. For tests, the last delivery can be sent again byte for byte (a
// replay) or signed as of some seconds ago (a stale callback).
//
// Send() only queues the body; one background thread delivers the queue in order. A delivery that
// meets UNAVAILABLE (plauditd is down or restarting) or DEADLINE_EXCEEDED is tried again a few
// times with a growing pause, then given up: plauditd's reconciliation finds the order's status
// by itself. Any other refusal is logged to stderr and not retried. When the queue is full the
// oldest body is dropped, like a vendor that gives up on a slow receiver.
//
// Thread-safe. The destructor stops the thread; bodies still queued are not delivered.
#ifndef PLAUDIT_TOOLS_VENDOR_SANDBOX_CALLBACK_SENDER_H_
#define PLAUDIT_TOOLS_VENDOR_SANDBOX_CALLBACK_SENDER_H_

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "plaudit/v1/fulfilments.grpc.pb.h"

namespace plaudit::sandbox {

struct CallbackOptions {
  // plauditd's gRPC address, HOST:PORT.
  std::string target;
  // The plugin the notifications are for.
  std::string plugin = "gift_card";
  // The plugin's callback_secret in plauditd's settings.
  std::string secret;
  // Tries per body while plauditd is unavailable; the pause doubles from `retry_pause_ms`.
  int attempts = 5;
  int64_t retry_pause_ms = 200;
  // How long one delivery may take.
  int64_t deadline_ms = 5000;
  // Bodies waiting at most; past it the oldest is dropped.
  size_t queue_limit = 1000;
};

// Lowercase hex HMAC-SHA256 of `body` under `secret`.
std::string HmacSha256Hex(const std::string& secret, const std::string& body);

// The signature of `body` signed at `unix_seconds`: "t=<unix_seconds>,v1=<HmacSha256Hex of
// "<unix_seconds>.<body>">".
std::string SignCallback(const std::string& secret, int64_t unix_seconds, const std::string& body);

class CallbackSender {
 public:
  explicit CallbackSender(CallbackOptions options);
  ~CallbackSender();

  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  // Queues a notification body for delivery.
  void Send(std::string body);
  // Queues the last body delivered again with the very signature it was delivered with; false
  // when none was delivered yet.
  bool ReplayLast();
  // Queues the last body delivered again, signed as of `age_seconds` ago; false when none was.
  bool ResendLastSignedAgo(int64_t age_seconds);

 private:
  struct Delivery {
    std::string body;
    // Empty: signed at each try with the time of the try.
    std::string signature;
  };

  void Run();
  // One body, with its retries; false when it was given up or refused.
  bool Deliver(const Delivery& delivery);
  void Queue(Delivery delivery);

  const CallbackOptions options_;
  std::unique_ptr<plaudit::v1::FulfilmentService::Stub> stub_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Delivery> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  // The last delivery plauditd answered, as sent.
  std::optional<Delivery> last_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace plaudit::sandbox

#endif  // PLAUDIT_TOOLS_VENDOR_SANDBOX_CALLBACK_SENDER_H_

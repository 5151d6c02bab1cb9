// Delivers the sandbox's order status-change notifications to plauditd, as a vendor's webhook
// would: each body goes through FulfilmentService.DeliverCallback with its signature, the
// lowercase hex HMAC-SHA256 of the body under the shared callback secret.
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

class CallbackSender {
 public:
  explicit CallbackSender(CallbackOptions options);
  ~CallbackSender();

  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  // Queues a notification body for delivery.
  void Send(std::string body);

 private:
  void Run();
  // One body, with its retries; false when it was given up or refused.
  bool Deliver(const std::string& body);

  const CallbackOptions options_;
  std::unique_ptr<plaudit::v1::FulfilmentService::Stub> stub_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::thread thread_;
};

}  // namespace plaudit::sandbox

#endif  // PLAUDIT_TOOLS_VENDOR_SANDBOX_CALLBACK_SENDER_H_

#include "tools/vendor_sandbox/callback_sender.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <utility>

namespace plaudit::sandbox {

std::string HmacSha256Hex(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

std::string SignCallback(const std::string& secret, int64_t unix_seconds, const std::string& body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, t + "." + body);
}

namespace {

int64_t UnixSecondsNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A channel that reconnects within a second of plauditd coming back, however long it was down
// (gRPC's default backoff grows to two minutes).
std::shared_ptr<grpc::Channel> Connect(const std::string& target) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
}

}  // namespace

CallbackSender::CallbackSender(CallbackOptions options)
    : options_(std::move(options)),
      stub_(plaudit::v1::FulfilmentService::NewStub(Connect(options_.target))),
      thread_([this] { Run(); }) {}

CallbackSender::~CallbackSender() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CallbackSender::Send(std::string body) { Queue(Delivery{std::move(body), {}}); }

bool CallbackSender::ReplayLast() {
  std::optional<Delivery> last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last = last_;
  }
  if (!last) return false;
  Queue(*std::move(last));
  return true;
}

bool CallbackSender::ResendLastSignedAgo(int64_t age_seconds) {
  std::optional<Delivery> last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last = last_;
  }
  if (!last) return false;
  last->signature = SignCallback(options_.secret, UnixSecondsNow() - age_seconds, last->body);
  Queue(*std::move(last));
  return true;
}

void CallbackSender::Queue(Delivery delivery) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= options_.queue_limit) {
      queue_.pop_front();
      std::cerr << "vendor_sandbox: callback queue full; the oldest notification was dropped\n";
    }
    queue_.push_back(std::move(delivery));
  }
  wake_.notify_all();
}

void CallbackSender::Run() {
  while (true) {
    Delivery delivery;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      delivery = std::move(queue_.front());
      queue_.pop_front();
    }
    Deliver(delivery);
  }
}

bool CallbackSender::Deliver(const Delivery& delivery) {
  int64_t pause_ms = options_.retry_pause_ms;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    // A vendor's retry is a new delivery with a new timestamp, unless this one is a replay.
    const std::string signature =
        delivery.signature.empty() ? SignCallback(options_.secret, UnixSecondsNow(), delivery.body)
                                   : delivery.signature;
    plaudit::v1::DeliverCallbackRequest request;
    request.set_plugin(options_.plugin);
    request.set_body(delivery.body);
    request.set_signature(signature);
    (*request.mutable_headers())["content-type"] = "application/json";
    (*request.mutable_headers())["x-sandbox-attempt"] = std::to_string(attempt);
    plaudit::v1::DeliverCallbackResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(options_.deadline_ms));
    const grpc::Status status = stub_->DeliverCallback(&context, request, &response);
    if (status.ok() || status.error_code() != grpc::StatusCode::UNAVAILABLE) {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = Delivery{delivery.body, signature};
    }
    if (status.ok()) return true;
    const bool transient = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (!transient) {
      std::cerr << "vendor_sandbox: callback refused (" << status.error_code()
                << "): " << status.error_message() << "\n";
      return false;
    }
    if (attempt == options_.attempts) break;
    std::unique_lock<std::mutex> lock(mu_);
    if (wake_.wait_for(lock, std::chrono::milliseconds(pause_ms), [this] { return stopping_; })) {
      return false;
    }
    pause_ms *= 2;
  }
  std::cerr << "vendor_sandbox: callback given up after " << options_.attempts
            << " tries: plauditd unavailable\n";
  return false;
}

}  // namespace plaudit::sandbox

// A gift-card vendor's REST API, played in memory for tests and demos: a catalogue of brands, an
// account balance per currency, and orders placed once per external reference. It answers
// HttpRequests from HttpServer; see docs/vendor-sandbox.md for the endpoints.
//
// Orders of an asynchronous brand (or of every brand with `all_async`) start "processing" and
// complete after `processing_ms` (or when told through /v1/_orders/status). Every status an order
// takes is recorded as a status-change event, readable at /v1/_events, in the body format the
// gift_card plugin's Callback() reads, and handed to `on_event` when one is set (the binary
// delivers it to plauditd as a signed callback). A completed order's card is redeemed when told
// through /v1/_orders/redeem (a recipient spending it): the order then carries its redeemed_at,
// and an order.redeemed event is recorded. Faults added through /v1/_faults (or AddFault)
// make requests slow, fail, get rate-limited, or take effect without an answer.
//
// Thread-safe: Handle() may be called from many threads at once.
#ifndef PLAUDIT_TOOLS_VENDOR_SANDBOX_VENDOR_SANDBOX_H_
#define PLAUDIT_TOOLS_VENDOR_SANDBOX_VENDOR_SANDBOX_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "plugins/common/json_text.h"
#include "tools/vendor_sandbox/http_server.h"

namespace plaudit::sandbox {

struct SandboxOptions {
  // Requests to /v1/ (except the /v1/_ controls) must carry "Authorization: Bearer <api_key>".
  std::string api_key = "sandbox-key";
  // Starting balance per currency, in minor units.
  std::map<std::string, int64_t> balances = {{"USD", 100000}, {"EUR", 50000}, {"GBP", 50000}};
  // How long an asynchronous order stays processing; negative: until told.
  int64_t processing_ms = 1000;
  // Every brand completes asynchronously, not only those the catalogue marks so.
  bool all_async = false;
  // Where orders and balances are kept across restarts; empty keeps them in memory only.
  std::string state_file;
  // Seeds redemption codes and fault ratios, so a run can be repeated.
  uint64_t seed = 1;
  // Called with the body of every status-change event that is recorded (not those a drop_events
  // fault drops), while the sandbox's lock is held: it must only queue the body.
  std::function<void(const std::string& body)> on_event;
};

class VendorSandbox {
 public:
  explicit VendorSandbox(SandboxOptions options);

  // Reads the state file, when one is configured and exists. False with *error when it is
  // unreadable or malformed.
  bool LoadState(std::string* error);

  HttpReply Handle(const HttpRequest& request);

  // Completes the processing orders that are due. Handle() does so too; call this periodically
  // when status changes must happen (and be reported) without requests arriving.
  void Tick();

  // Adds a fault rule (the body of POST /v1/_faults); false with *error when it is malformed.
  bool AddFault(const json::Json& spec, std::string* error);

 private:
  struct Brand {
    std::string id;
    std::string name;
    std::vector<std::string> currencies;
    // Fixed face values in minor units; empty means any amount in [min, max].
    std::vector<int64_t> denominations;
    int64_t min = 0;
    int64_t max = 0;
    bool async = false;
  };

  struct Order {
    std::string id;
    std::string external_reference;
    std::string brand_id;
    int64_t amount = 0;
    std::string currency;
    std::string recipient_name;
    std::string recipient_email;
    std::string status;
    std::string failure_reason;
    std::string code;
    std::string url;
    std::string created_at;
    // When the recipient redeemed the card (RFC 3339); empty until then.
    std::string redeemed_at;
    // Unix milliseconds at which a processing order completes; 0: not scheduled.
    int64_t complete_at_ms = 0;
  };

  struct Fault {
    std::string type;
    std::string method;
    std::string path;
    // Requests (or events) it still applies to; negative: no limit.
    int64_t remaining = 1;
    double ratio = 0;
    int status = 503;
    int64_t retry_after_s = 1;
    int64_t latency_ms = 0;
    int64_t hang_ms = 5000;
    std::string order_status;
  };

  HttpReply HandleLocked(const HttpRequest& request);
  HttpReply Catalog() const;
  HttpReply Balance() const;
  HttpReply PlaceOrder(const HttpRequest& request);
  HttpReply FindOrder(const HttpRequest& request) const;
  HttpReply Control(const HttpRequest& request);

  // Whether `fault` fires for this request, counting it down when it does.
  bool Fires(Fault* fault);
  // The first fault of one of `types` that fires for the request, removed when spent; copied
  // out. Type "" when none fires.
  Fault TakeFault(const HttpRequest& request, const std::vector<std::string>& types);
  // Every fault of `type` that fires for the request, each at most once (so that a rule firing
  // always, ratio 1 without a count, adds its effect once), spent ones removed.
  std::vector<Fault> TakeEveryFault(const HttpRequest& request, const std::string& type);

  // Moves due processing orders to completed.
  void Advance();
  void SetStatus(Order* order, const std::string& status);
  // Records the order as it now stands as an event of `kind`.
  void RecordEvent(const Order& order, const char* kind = "order.status_changed");
  json::Json OrderJson(const Order& order) const;
  json::Json FaultJson(const Fault& fault) const;
  std::string NewCode();
  void SaveState();

  const SandboxOptions options_;
  const std::vector<Brand> catalog_;

  mutable std::mutex mu_;
  std::map<std::string, int64_t> balances_;     // guarded by mu_
  std::vector<Order> orders_;                   // guarded by mu_
  std::map<std::string, size_t> by_reference_;  // guarded by mu_
  std::vector<Fault> faults_;                   // guarded by mu_
  std::vector<json::Json> events_;              // guarded by mu_
  int64_t next_event_ = 1;                      // guarded by mu_
  int64_t dropped_events_ = 0;                  // guarded by mu_
  std::mt19937_64 rng_;                         // guarded by mu_
};

}  // namespace plaudit::sandbox

#endif  // PLAUDIT_TOOLS_VENDOR_SANDBOX_VENDOR_SANDBOX_H_

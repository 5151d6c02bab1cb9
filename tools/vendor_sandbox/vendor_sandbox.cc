#include "tools/vendor_sandbox/vendor_sandbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "plugins/common/json_text.h"
#include "plugins/common/money.h"

namespace plaudit::sandbox {
namespace {

using json::Json;
using json::StringMember;
using money::FormatMinorUnits;

constexpr size_t kMaxReferenceChars = 200;
constexpr char kFaultTypes[][24] = {
    "latency",          "error",       "rate_limit",  "drop_connection", "record_then_close",
    "record_then_hang", "drop_events", "order_status"};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
}

HttpReply JsonReply(int status, const Json& body) {
  HttpReply reply;
  reply.status = status;
  reply.body = json::Serialize(body);
  return reply;
}

HttpReply Error(int status, const std::string& code, const std::string& message) {
  return JsonReply(status, {{"error", {{"code", code}, {"message", message}}}});
}

// An amount from a JSON number or numeric string; nullopt when it is neither.
std::optional<int64_t> ReadAmount(const Json* value) {
  if (value == nullptr) return std::nullopt;
  return money::AmountFromJson(*value);
}

// The string a member holds; nullptr when it is absent or not a string.
const std::string* StringAt(const Json& object, std::string_view key) {
  const Json* member = json::Find(object, key);
  return member != nullptr && member->is_string() ? &member->get_ref<const std::string&>()
                                                  : nullptr;
}

bool IsFinal(const std::string& status) { return status == "failed" || status == "cancelled"; }

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::vector<std::string> FaultTypeNames() {
  return std::vector<std::string>(std::begin(kFaultTypes), std::end(kFaultTypes));
}

}  // namespace

VendorSandbox::VendorSandbox(SandboxOptions options)
    : options_(std::move(options)),
      catalog_({
          {"bookshop", "Paper Lantern Books", {"USD", "EUR", "GBP"}, {1000, 2500, 5000, 10000}},
          {"coffee", "Corner Coffee", {"USD", "EUR"}, {}, 500, 20000},
          {"cinema", "Starlight Cinema", {"USD"}, {1500, 3000}, 0, 0, /*async=*/true},
      }),
      balances_(options_.balances),
      rng_(options_.seed) {}

HttpReply VendorSandbox::Handle(const HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  return HandleLocked(request);
}

void VendorSandbox::Tick() {
  std::lock_guard<std::mutex> lock(mu_);
  Advance();
}

HttpReply VendorSandbox::HandleLocked(const HttpRequest& request) {
  Advance();
  if (request.path.rfind("/v1/_", 0) == 0) return Control(request);

  int64_t latency_ms = 0;
  for (const Fault& slow : TakeEveryFault(request, "latency")) latency_ms += slow.latency_ms;
  const Fault before = TakeFault(request, {"error", "rate_limit", "drop_connection"});
  HttpReply reply;
  if (before.type == "error") {
    reply =
        Error(before.status, "injected", "injected fault: HTTP " + std::to_string(before.status));
  } else if (before.type == "rate_limit") {
    reply = Error(429, "rate_limited", "too many requests; retry later");
    reply.headers.emplace_back("Retry-After", std::to_string(before.retry_after_s));
  } else if (before.type == "drop_connection") {
    reply.delivery = HttpReply::Delivery::kClose;
  } else {
    const std::string expected = "Bearer " + options_.api_key;
    const std::optional<std::string> auth = request.Header("authorization");
    if (!auth || *auth != expected) {
      reply = Error(401, "unauthorized", "missing or wrong API key (Authorization: Bearer ...)");
      reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    } else if (request.path == "/v1/catalog") {
      reply = request.method == "GET" ? Catalog() : Error(405, "method_not_allowed", "use GET");
    } else if (request.path == "/v1/balance") {
      reply = request.method == "GET" ? Balance() : Error(405, "method_not_allowed", "use GET");
    } else if (request.path == "/v1/orders" && request.method == "POST") {
      reply = PlaceOrder(request);
    } else if ((request.path == "/v1/orders" || request.path.rfind("/v1/orders/", 0) == 0) &&
               request.method == "GET") {
      reply = FindOrder(request);
    } else if (request.path == "/v1/orders") {
      reply = Error(405, "method_not_allowed", "use GET or POST");
    } else {
      reply = Error(404, "not_found", "no such endpoint: " + request.method + " " + request.path);
    }
    const Fault after = TakeFault(request, {"record_then_close", "record_then_hang"});
    if (after.type == "record_then_close") {
      reply.delivery = HttpReply::Delivery::kClose;
    } else if (after.type == "record_then_hang") {
      reply.delivery = HttpReply::Delivery::kHangThenClose;
      latency_ms += after.hang_ms;
    }
  }
  reply.delay_ms = latency_ms;
  return reply;
}

HttpReply VendorSandbox::Catalog() const {
  Json brands = Json::array();
  for (const Brand& brand : catalog_) {
    Json item = Json::object();
    item["id"] = brand.id;
    item["name"] = brand.name;
    item["currencies"] = brand.currencies;
    if (brand.denominations.empty()) {
      item["min_amount"] = money::AmountToJson(brand.min);
      item["max_amount"] = money::AmountToJson(brand.max);
    } else {
      Json denominations = Json::array();
      for (int64_t value : brand.denominations) denominations.push_back(money::AmountToJson(value));
      item["denominations"] = std::move(denominations);
    }
    item["delivery"] = brand.async || options_.all_async ? "async" : "instant";
    brands.push_back(std::move(item));
  }
  return JsonReply(200, {{"brands", std::move(brands)}});
}

HttpReply VendorSandbox::Balance() const {
  Json balances = Json::array();
  for (const auto& [currency, available] : balances_) {
    balances.push_back({{"currency", currency}, {"available", money::AmountToJson(available)}});
  }
  return JsonReply(200, {{"balances", std::move(balances)}});
}

HttpReply VendorSandbox::PlaceOrder(const HttpRequest& request) {
  std::string parse_error;
  const std::optional<Json> body = json::ParseStrict(request.body, &parse_error);
  if (!body) return Error(400, "invalid_json", "body is not JSON: " + parse_error);
  if (!body->is_object()) return Error(400, "invalid_json", "body must be a JSON object");

  const std::string* reference = StringAt(*body, "external_reference");
  if (reference == nullptr || reference->empty()) {
    return Error(400, "invalid_request", "external_reference is required (a non-empty string)");
  }
  if (reference->size() > kMaxReferenceChars) {
    return Error(400, "invalid_request", "external_reference is longer than 200 characters");
  }
  if (auto it = by_reference_.find(*reference); it != by_reference_.end()) {
    HttpReply replay = JsonReply(200, OrderJson(orders_[it->second]));
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }

  const std::string* brand_id = json::Find(*body, "brand_id") != nullptr
                                    ? StringAt(*body, "brand_id")
                                    : StringAt(*body, "product_id");
  if (brand_id == nullptr || brand_id->empty()) {
    return Error(400, "invalid_request", "brand_id is required (a string)");
  }
  const std::string* currency = StringAt(*body, "currency");
  if (currency == nullptr || currency->empty()) {
    return Error(400, "invalid_request", "currency is required (a string such as \"USD\")");
  }
  const std::optional<int64_t> amount = ReadAmount(json::Find(*body, "amount"));
  if (!amount || *amount <= 0) {
    return Error(400, "invalid_request",
                 "amount is required: a positive number with at most two decimals");
  }
  const Json* recipient = json::Find(*body, "recipient");
  if (recipient == nullptr || !recipient->is_object()) {
    return Error(400, "invalid_request", "recipient is required (an object with name, email)");
  }
  const std::string* name = StringAt(*recipient, "name");
  if (name == nullptr || name->empty()) {
    return Error(400, "invalid_request", "recipient.name is required (a string)");
  }
  const Json* email_value = json::Find(*recipient, "email");
  const std::string* email = StringAt(*recipient, "email");
  if (email_value != nullptr && !email_value->is_null() &&
      (email == nullptr || (!email->empty() && email->find('@') == std::string::npos))) {
    return Error(400, "invalid_request", "recipient.email is not an email address");
  }

  const auto brand = std::find_if(catalog_.begin(), catalog_.end(),
                                  [&](const Brand& b) { return b.id == *brand_id; });
  if (brand == catalog_.end()) {
    return Error(422, "unknown_brand", "no brand \"" + *brand_id + "\" in the catalogue");
  }
  if (std::find(brand->currencies.begin(), brand->currencies.end(), *currency) ==
      brand->currencies.end()) {
    return Error(
        422, "unsupported_currency",
        brand->id + " is not sold in " + *currency + " (offered: " + Join(brand->currencies) + ")");
  }
  if (brand->denominations.empty()) {
    if (*amount < brand->min || *amount > brand->max) {
      return Error(422, "invalid_amount",
                   brand->id + " takes amounts from " + FormatMinorUnits(brand->min) + " to " +
                       FormatMinorUnits(brand->max) + "; got " + FormatMinorUnits(*amount));
    }
  } else if (std::find(brand->denominations.begin(), brand->denominations.end(), *amount) ==
             brand->denominations.end()) {
    std::vector<std::string> offered;
    for (int64_t value : brand->denominations) offered.push_back(FormatMinorUnits(value));
    return Error(422, "invalid_amount",
                 brand->id + " has no " + FormatMinorUnits(*amount) +
                     " card (offered: " + Join(offered) + ")");
  }
  const int64_t available = balances_.count(*currency) ? balances_[*currency] : 0;
  if (available < *amount) {
    return Error(402, "insufficient_funds",
                 "account balance " + *currency + " " + FormatMinorUnits(available) +
                     " does not cover " + FormatMinorUnits(*amount));
  }

  Order order;
  char id[32];
  std::snprintf(id, sizeof(id), "ord_%06zu", orders_.size() + 1);
  order.id = id;
  order.external_reference = *reference;
  order.brand_id = brand->id;
  order.amount = *amount;
  order.currency = *currency;
  order.recipient_name = *name;
  if (email != nullptr) order.recipient_email = *email;
  order.created_at = Rfc3339Now();
  balances_[order.currency] -= order.amount;

  std::string status = brand->async || options_.all_async ? "processing" : "completed";
  HttpRequest creation;
  creation.method = "POST";
  creation.path = "/v1/orders";
  const Fault forced = TakeFault(creation, {"order_status"});
  if (!forced.type.empty()) status = forced.order_status;
  if (status == "processing" && options_.processing_ms >= 0 && forced.type.empty()) {
    order.complete_at_ms = NowMs() + options_.processing_ms;
  }
  orders_.push_back(order);
  by_reference_[order.external_reference] = orders_.size() - 1;
  SetStatus(&orders_.back(), status);

  HttpReply reply = JsonReply(201, OrderJson(orders_.back()));
  reply.headers.emplace_back("Location", "/v1/orders/" + order.id);
  return reply;
}

HttpReply VendorSandbox::FindOrder(const HttpRequest& request) const {
  if (request.path != "/v1/orders") {
    const std::string id = request.path.substr(std::string("/v1/orders/").size());
    for (const Order& order : orders_) {
      if (order.id == id) return JsonReply(200, OrderJson(order));
    }
    return Error(404, "not_found", "no order " + id);
  }
  const auto reference = request.query.find("external_reference");
  if (reference == request.query.end() || reference->second.empty()) {
    return Error(400, "invalid_request", "give ?external_reference=...");
  }
  const auto it = by_reference_.find(reference->second);
  if (it == by_reference_.end()) {
    return Error(404, "not_found", "no order with external_reference " + reference->second);
  }
  return JsonReply(200, OrderJson(orders_[it->second]));
}

HttpReply VendorSandbox::Control(const HttpRequest& request) {
  if (request.path == "/v1/_faults") {
    if (request.method == "GET") {
      Json faults = Json::array();
      for (const Fault& fault : faults_) faults.push_back(FaultJson(fault));
      return JsonReply(200, {{"faults", std::move(faults)}});
    }
    if (request.method == "DELETE") {
      faults_.clear();
      return JsonReply(200, {{"faults", Json::array()}});
    }
    if (request.method != "POST") return Error(405, "method_not_allowed", "use GET, POST, DELETE");
    std::string error;
    const std::optional<Json> body = json::ParseStrict(request.body, &error);
    if (!body) return Error(400, "invalid_json", "body is not JSON: " + error);
    std::vector<Json> specs;
    if (const Json* list = json::Find(*body, "faults"); list != nullptr && list->is_array()) {
      specs.assign(list->begin(), list->end());
    } else {
      specs.push_back(*body);
    }
    const std::vector<Fault> before = faults_;
    for (const Json& spec : specs) {
      if (!AddFault(spec, &error)) {
        faults_ = before;
        return Error(400, "invalid_fault", error);
      }
    }
    Json faults = Json::array();
    for (const Fault& fault : faults_) faults.push_back(FaultJson(fault));
    return JsonReply(201, {{"faults", std::move(faults)}});
  }
  if (request.path == "/v1/_orders" && request.method == "GET") {
    Json orders = Json::array();
    for (const Order& order : orders_) orders.push_back(OrderJson(order));
    return JsonReply(200, {{"orders", std::move(orders)}});
  }
  if (request.path == "/v1/_orders/status" && request.method == "POST") {
    std::string error;
    const std::optional<Json> body = json::ParseStrict(request.body, &error);
    if (!body || !body->is_object()) {
      return Error(400, "invalid_json", "body must be a JSON object: " + error);
    }
    const std::string status = StringMember(*body, "status");
    if (status.empty()) return Error(400, "invalid_request", "status is required");
    const std::string id = StringMember(*body, "id");
    const std::string reference = StringMember(*body, "external_reference");
    for (Order& order : orders_) {
      if ((!id.empty() && order.id == id) ||
          (!reference.empty() && order.external_reference == reference)) {
        order.failure_reason = StringMember(*body, "failure_reason");
        order.complete_at_ms = 0;
        SetStatus(&order, status);
        return JsonReply(200, OrderJson(order));
      }
    }
    return Error(404, "not_found", "no order with that id or external_reference");
  }
  if (request.path == "/v1/_orders/redeem" && request.method == "POST") {
    std::string error;
    const std::optional<Json> body = json::ParseStrict(request.body, &error);
    if (!body || !body->is_object()) {
      return Error(400, "invalid_json", "body must be a JSON object: " + error);
    }
    const std::string id = StringMember(*body, "id");
    const std::string reference = StringMember(*body, "external_reference");
    for (Order& order : orders_) {
      if ((id.empty() || order.id != id) &&
          (reference.empty() || order.external_reference != reference)) {
        continue;
      }
      if (order.status != "completed") {
        return Error(409, "not_redeemable",
                     "order " + order.id + " is " + order.status + ", not completed");
      }
      if (order.redeemed_at.empty()) {
        const std::string at = StringMember(*body, "redeemed_at");
        order.redeemed_at = at.empty() ? Rfc3339Now() : at;
        RecordEvent(order, "order.redeemed");
        SaveState();
      }
      return JsonReply(200, OrderJson(order));
    }
    return Error(404, "not_found", "no order with that id or external_reference");
  }
  if (request.path == "/v1/_events" && request.method == "GET") {
    int64_t after = 0;
    if (auto it = request.query.find("after"); it != request.query.end()) {
      after = std::atoll(it->second.c_str());
    }
    Json events = Json::array();
    for (const Json& event : events_) {
      if (json::IntMember(event, "sequence").value_or(0) > after) events.push_back(event);
    }
    return JsonReply(200, {{"events", std::move(events)}, {"dropped", dropped_events_}});
  }
  if (request.path == "/v1/_balance" && request.method == "POST") {
    std::string error;
    const std::optional<Json> body = json::ParseStrict(request.body, &error);
    if (!body || !body->is_object()) {
      return Error(400, "invalid_json", "body must be a JSON object: " + error);
    }
    const std::string currency = StringMember(*body, "currency");
    const std::optional<int64_t> amount = ReadAmount(json::Find(*body, "available"));
    if (currency.empty() || !amount) {
      return Error(400, "invalid_request", "give currency and available (a decimal amount)");
    }
    balances_[currency] = *amount;
    SaveState();
    return Balance();
  }
  return Error(404, "not_found", "no such control: " + request.method + " " + request.path);
}

bool VendorSandbox::AddFault(const Json& spec, std::string* error) {
  if (!spec.is_object()) {
    *error = "a fault must be a JSON object";
    return false;
  }
  Fault fault;
  bool has_count = false;
  for (const auto& [name, value] : spec.items()) {
    auto integer = [&, &name = name](int64_t low, int64_t high, int64_t* out) {
      const std::optional<int64_t> number = json::IntMember(spec, name);
      if (!number || *number < low || *number > high) {
        *error = name + " must be a whole number from " + std::to_string(low) + " to " +
                 std::to_string(high);
        return false;
      }
      *out = *number;
      return true;
    };
    if (name == "type") {
      fault.type = StringMember(spec, name);
    } else if (name == "method") {
      fault.method = StringMember(spec, name);
    } else if (name == "path") {
      fault.path = StringMember(spec, name);
    } else if (name == "count") {
      if (!integer(1, 1000000, &fault.remaining)) return false;
      has_count = true;
    } else if (name == "ratio") {
      fault.ratio = value.is_number() ? value.get<double>() : -1;
      if (!(fault.ratio > 0 && fault.ratio <= 1)) {
        *error = "ratio must be a number above 0 and at most 1";
        return false;
      }
    } else if (name == "status") {
      int64_t status = 0;
      if (!integer(400, 599, &status)) return false;
      fault.status = static_cast<int>(status);
    } else if (name == "retry_after_s") {
      if (!integer(0, 86400, &fault.retry_after_s)) return false;
    } else if (name == "latency_ms") {
      if (!integer(1, 600000, &fault.latency_ms)) return false;
    } else if (name == "hang_ms") {
      if (!integer(1, 600000, &fault.hang_ms)) return false;
    } else if (name == "order_status") {
      fault.order_status = StringMember(spec, name);
    } else {
      *error = "unknown fault field \"" + name +
               "\" (known: type, method, path, count, ratio, status, retry_after_s, latency_ms, "
               "hang_ms, order_status)";
      return false;
    }
  }
  const std::vector<std::string> types = FaultTypeNames();
  if (std::find(types.begin(), types.end(), fault.type) == types.end()) {
    *error = "fault type \"" + fault.type + "\" is not one of: " + Join(types);
    return false;
  }
  if (fault.type == "latency" && fault.latency_ms == 0) {
    *error = "a latency fault needs latency_ms";
    return false;
  }
  if (fault.type == "order_status" && fault.order_status.empty()) {
    *error = "an order_status fault needs order_status (a status word, e.g. \"on_hold\")";
    return false;
  }
  if (fault.ratio > 0 && !has_count) fault.remaining = -1;
  faults_.push_back(fault);
  return true;
}

bool VendorSandbox::Fires(Fault* fault) {
  if (fault->remaining == 0) return false;
  if (fault->ratio > 0) {
    std::uniform_real_distribution<double> draw(0.0, 1.0);
    if (draw(rng_) >= fault->ratio) return false;
  }
  if (fault->remaining > 0) --fault->remaining;
  return true;
}

VendorSandbox::Fault VendorSandbox::TakeFault(const HttpRequest& request,
                                              const std::vector<std::string>& types) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (std::find(types.begin(), types.end(), it->type) == types.end()) continue;
    if (!it->method.empty() && it->method != request.method) continue;
    if (!it->path.empty() && it->path != request.path) continue;
    if (!Fires(&*it)) continue;
    Fault fired = *it;
    if (it->remaining == 0) faults_.erase(it);
    return fired;
  }
  return Fault();
}

std::vector<VendorSandbox::Fault> VendorSandbox::TakeEveryFault(const HttpRequest& request,
                                                                const std::string& type) {
  std::vector<Fault> fired;
  for (auto it = faults_.begin(); it != faults_.end();) {
    if (it->type != type || (!it->method.empty() && it->method != request.method) ||
        (!it->path.empty() && it->path != request.path) || !Fires(&*it)) {
      ++it;
      continue;
    }
    fired.push_back(*it);
    it = it->remaining == 0 ? faults_.erase(it) : it + 1;
  }
  return fired;
}

void VendorSandbox::Advance() {
  const int64_t now = NowMs();
  for (Order& order : orders_) {
    if (order.status == "processing" && order.complete_at_ms > 0 && now >= order.complete_at_ms) {
      order.complete_at_ms = 0;
      SetStatus(&order, "completed");
    }
  }
}

void VendorSandbox::SetStatus(Order* order, const std::string& status) {
  const bool refund = IsFinal(status) && !IsFinal(order->status);
  order->status = status;
  if (refund) balances_[order->currency] += order->amount;
  if (status == "completed" && order->code.empty()) {
    order->code = NewCode();
    std::uniform_int_distribution<uint64_t> token;
    char url[80];
    std::snprintf(url, sizeof(url), "https://sandbox.invalid/redeem/%016llx",
                  static_cast<unsigned long long>(token(rng_)));
    order->url = url;
  }
  RecordEvent(*order);
  SaveState();
}

void VendorSandbox::RecordEvent(const Order& order, const char* kind) {
  HttpRequest event_request;
  if (!TakeFault(event_request, {"drop_events"}).type.empty()) {
    ++dropped_events_;
    return;
  }
  Json event = Json::object();
  event["event"] = kind;
  event["sequence"] = next_event_++;
  event["order_id"] = order.id;
  event["external_reference"] = order.external_reference;
  event["status"] = order.status;
  event["brand_id"] = order.brand_id;
  event["amount"] = money::AmountToJson(order.amount);
  event["currency"] = order.currency;
  event["occurred_at"] = Rfc3339Now();
  if (!order.failure_reason.empty()) event["failure_reason"] = order.failure_reason;
  if (!order.redeemed_at.empty()) event["redeemed_at"] = order.redeemed_at;
  if (options_.on_event) options_.on_event(json::Serialize(event));
  events_.push_back(std::move(event));
}

Json VendorSandbox::OrderJson(const Order& order) const {
  Json recipient = Json::object();
  recipient["name"] = order.recipient_name;
  if (!order.recipient_email.empty()) recipient["email"] = order.recipient_email;
  Json out = Json::object();
  out["id"] = order.id;
  out["external_reference"] = order.external_reference;
  out["brand_id"] = order.brand_id;
  out["amount"] = money::AmountToJson(order.amount);
  out["currency"] = order.currency;
  out["recipient"] = std::move(recipient);
  out["status"] = order.status;
  out["created_at"] = order.created_at;
  if (!order.failure_reason.empty()) out["failure_reason"] = order.failure_reason;
  if (order.status == "completed" && !order.code.empty()) {
    out["redemption"] = {{"code", order.code}, {"url", order.url}};
    if (!order.redeemed_at.empty()) out["redemption"]["redeemed_at"] = order.redeemed_at;
  }
  return out;
}

Json VendorSandbox::FaultJson(const Fault& fault) const {
  Json out = Json::object();
  out["type"] = fault.type;
  if (!fault.method.empty()) out["method"] = fault.method;
  if (!fault.path.empty()) out["path"] = fault.path;
  out["remaining"] = fault.remaining;
  if (fault.ratio > 0) out["ratio"] = fault.ratio;
  if (fault.type == "error") out["status"] = fault.status;
  if (fault.type == "rate_limit") out["retry_after_s"] = fault.retry_after_s;
  if (fault.type == "latency") out["latency_ms"] = fault.latency_ms;
  if (fault.type == "record_then_hang") out["hang_ms"] = fault.hang_ms;
  if (fault.type == "order_status") out["order_status"] = fault.order_status;
  return out;
}

std::string VendorSandbox::NewCode() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string code;
  for (int group = 0; group < 3; ++group) {
    if (group > 0) code.push_back('-');
    for (int i = 0; i < 4; ++i) code.push_back(kAlphabet[pick(rng_)]);
  }
  return code;
}

void VendorSandbox::SaveState() {
  if (options_.state_file.empty()) return;
  Json balances = Json::object();
  for (const auto& [currency, available] : balances_) {
    balances[currency] = FormatMinorUnits(available);
  }
  Json orders = Json::array();
  for (const Order& order : orders_) {
    Json saved = OrderJson(order);
    saved["complete_at_ms"] = order.complete_at_ms;
    saved["code"] = order.code;
    saved["url"] = order.url;
    orders.push_back(std::move(saved));
  }
  Json state = Json::object();
  state["balances"] = std::move(balances);
  state["orders"] = std::move(orders);
  state["next_event"] = next_event_;
  const std::string text = json::Serialize(state);
  // Written whole to a temporary file, synced, then renamed over the old one.
  const std::string temp = options_.state_file + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = written == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (ok) std::rename(temp.c_str(), options_.state_file.c_str());
}

bool VendorSandbox::LoadState(std::string* error) {
  if (options_.state_file.empty()) return true;
  std::ifstream in(options_.state_file, std::ios::binary);
  if (!in) return true;  // a first start
  std::stringstream text;
  text << in.rdbuf();
  std::string parse_error;
  const std::optional<Json> state = json::ParseStrict(text.str(), &parse_error);
  if (!state || !state->is_object()) {
    *error = options_.state_file + ": not a sandbox state file: " + parse_error;
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (const Json* balances = json::Find(*state, "balances"); balances != nullptr) {
    for (const auto& [currency, value] : balances->items()) {
      if (const auto amount = ReadAmount(&value)) balances_[currency] = *amount;
    }
  }
  if (const Json* orders = json::Find(*state, "orders"); orders != nullptr && orders->is_array()) {
    for (const Json& saved : *orders) {
      Order order;
      order.id = StringMember(saved, "id");
      order.external_reference = StringMember(saved, "external_reference");
      order.brand_id = StringMember(saved, "brand_id");
      order.amount = ReadAmount(json::Find(saved, "amount")).value_or(0);
      order.currency = StringMember(saved, "currency");
      if (const Json* recipient = json::Find(saved, "recipient"); recipient != nullptr) {
        order.recipient_name = StringMember(*recipient, "name");
        order.recipient_email = StringMember(*recipient, "email");
      }
      order.status = StringMember(saved, "status");
      order.failure_reason = StringMember(saved, "failure_reason");
      order.code = StringMember(saved, "code");
      order.url = StringMember(saved, "url");
      order.created_at = StringMember(saved, "created_at");
      if (const Json* redemption = json::Find(saved, "redemption"); redemption != nullptr) {
        order.redeemed_at = StringMember(*redemption, "redeemed_at");
      }
      order.complete_at_ms = json::IntMember(saved, "complete_at_ms").value_or(0);
      if (order.id.empty() || order.external_reference.empty()) {
        *error = options_.state_file + ": an order lacks its id or external_reference";
        return false;
      }
      by_reference_[order.external_reference] = orders_.size();
      orders_.push_back(std::move(order));
    }
  }
  if (json::Find(*state, "next_event") != nullptr) {
    next_event_ = json::IntMember(*state, "next_event").value_or(1);
  }
  return true;
}

}  // namespace plaudit::sandbox

#include "tools/vendor_sandbox/vendor_sandbox.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <utility>

#include "plugins/common/money.h"

namespace plaudit::sandbox {
namespace {

using json::Value;
using money::FormatMinorUnits;
using money::ParseMinorUnits;

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
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

HttpReply JsonReply(int status, const Value& body) {
  HttpReply reply;
  reply.status = status;
  reply.body = body.Serialize();
  return reply;
}

HttpReply Error(int status, const std::string& code, const std::string& message) {
  Value error = Value::Object();
  error.Set("code", Value::String(code)).Set("message", Value::String(message));
  return JsonReply(status, Value::Object().Set("error", std::move(error)));
}

// An amount as a JSON number with two decimals ("25.00").
Value Amount(int64_t minor_units) { return Value::Number(FormatMinorUnits(minor_units)); }

// An amount from a JSON number or numeric string; nullopt when it is neither.
std::optional<int64_t> ReadAmount(const Value* value) {
  if (value == nullptr || !(value->is_number() || value->is_string())) return std::nullopt;
  return ParseMinorUnits(value->text());
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
  while (true) {
    const Fault slow = TakeFault(request, {"latency"});
    if (slow.type.empty()) break;
    latency_ms += slow.latency_ms;
  }
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
  Value brands = Value::Array();
  for (const Brand& brand : catalog_) {
    Value currencies = Value::Array();
    for (const std::string& currency : brand.currencies) currencies.Append(Value::String(currency));
    Value item = Value::Object();
    item.Set("id", Value::String(brand.id))
        .Set("name", Value::String(brand.name))
        .Set("currencies", std::move(currencies));
    if (brand.denominations.empty()) {
      item.Set("min_amount", Amount(brand.min)).Set("max_amount", Amount(brand.max));
    } else {
      Value denominations = Value::Array();
      for (int64_t value : brand.denominations) denominations.Append(Amount(value));
      item.Set("denominations", std::move(denominations));
    }
    item.Set("delivery", Value::String(brand.async || options_.all_async ? "async" : "instant"));
    brands.Append(std::move(item));
  }
  return JsonReply(200, Value::Object().Set("brands", std::move(brands)));
}

HttpReply VendorSandbox::Balance() const {
  Value balances = Value::Array();
  for (const auto& [currency, available] : balances_) {
    balances.Append(Value::Object()
                        .Set("currency", Value::String(currency))
                        .Set("available", Amount(available)));
  }
  return JsonReply(200, Value::Object().Set("balances", std::move(balances)));
}

HttpReply VendorSandbox::PlaceOrder(const HttpRequest& request) {
  std::string parse_error;
  const std::optional<Value> body = json::Parse(request.body, &parse_error);
  if (!body) return Error(400, "invalid_json", "body is not JSON: " + parse_error);
  if (!body->is_object()) return Error(400, "invalid_json", "body must be a JSON object");

  const Value* reference = body->Find("external_reference");
  if (reference == nullptr || !reference->is_string() || reference->text().empty()) {
    return Error(400, "invalid_request", "external_reference is required (a non-empty string)");
  }
  if (reference->text().size() > kMaxReferenceChars) {
    return Error(400, "invalid_request", "external_reference is longer than 200 characters");
  }
  if (auto it = by_reference_.find(reference->text()); it != by_reference_.end()) {
    HttpReply replay = JsonReply(200, OrderJson(orders_[it->second]));
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }

  const Value* brand_id = body->Find("brand_id");
  if (brand_id == nullptr) brand_id = body->Find("product_id");
  if (brand_id == nullptr || !brand_id->is_string() || brand_id->text().empty()) {
    return Error(400, "invalid_request", "brand_id is required (a string)");
  }
  const Value* currency = body->Find("currency");
  if (currency == nullptr || !currency->is_string() || currency->text().empty()) {
    return Error(400, "invalid_request", "currency is required (a string such as \"USD\")");
  }
  const Value* amount_value = body->Find("amount");
  const std::optional<int64_t> amount = ReadAmount(amount_value);
  if (!amount || *amount <= 0) {
    return Error(400, "invalid_request",
                 "amount is required: a positive number with at most two decimals");
  }
  const Value* recipient = body->Find("recipient");
  if (recipient == nullptr || !recipient->is_object()) {
    return Error(400, "invalid_request", "recipient is required (an object with name, email)");
  }
  const Value* name = recipient->Find("name");
  if (name == nullptr || !name->is_string() || name->text().empty()) {
    return Error(400, "invalid_request", "recipient.name is required (a string)");
  }
  const Value* email = recipient->Find("email");
  if (email != nullptr && !email->is_null() &&
      (!email->is_string() ||
       (!email->text().empty() && email->text().find('@') == std::string::npos))) {
    return Error(400, "invalid_request", "recipient.email is not an email address");
  }

  const auto brand = std::find_if(catalog_.begin(), catalog_.end(),
                                  [&](const Brand& b) { return b.id == brand_id->text(); });
  if (brand == catalog_.end()) {
    return Error(422, "unknown_brand", "no brand \"" + brand_id->text() + "\" in the catalogue");
  }
  if (std::find(brand->currencies.begin(), brand->currencies.end(), currency->text()) ==
      brand->currencies.end()) {
    return Error(422, "unsupported_currency",
                 brand->id + " is not sold in " + currency->text() +
                     " (offered: " + Join(brand->currencies) + ")");
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
  const int64_t available = balances_.count(currency->text()) ? balances_[currency->text()] : 0;
  if (available < *amount) {
    return Error(402, "insufficient_funds",
                 "account balance " + currency->text() + " " + FormatMinorUnits(available) +
                     " does not cover " + FormatMinorUnits(*amount));
  }

  Order order;
  char id[32];
  std::snprintf(id, sizeof(id), "ord_%06zu", orders_.size() + 1);
  order.id = id;
  order.external_reference = reference->text();
  order.brand_id = brand->id;
  order.amount = *amount;
  order.currency = currency->text();
  order.recipient_name = name->text();
  if (email != nullptr && email->is_string()) order.recipient_email = email->text();
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
      Value faults = Value::Array();
      for (const Fault& fault : faults_) faults.Append(FaultJson(fault));
      return JsonReply(200, Value::Object().Set("faults", std::move(faults)));
    }
    if (request.method == "DELETE") {
      faults_.clear();
      return JsonReply(200, Value::Object().Set("faults", Value::Array()));
    }
    if (request.method != "POST") return Error(405, "method_not_allowed", "use GET, POST, DELETE");
    std::string error;
    const std::optional<Value> body = json::Parse(request.body, &error);
    if (!body) return Error(400, "invalid_json", "body is not JSON: " + error);
    std::vector<Value> specs;
    if (const Value* list = body->Find("faults"); list != nullptr && list->is_array()) {
      specs = list->items();
    } else {
      specs.push_back(*body);
    }
    const std::vector<Fault> before = faults_;
    for (const Value& spec : specs) {
      if (!AddFault(spec, &error)) {
        faults_ = before;
        return Error(400, "invalid_fault", error);
      }
    }
    Value faults = Value::Array();
    for (const Fault& fault : faults_) faults.Append(FaultJson(fault));
    return JsonReply(201, Value::Object().Set("faults", std::move(faults)));
  }
  if (request.path == "/v1/_orders" && request.method == "GET") {
    Value orders = Value::Array();
    for (const Order& order : orders_) orders.Append(OrderJson(order));
    return JsonReply(200, Value::Object().Set("orders", std::move(orders)));
  }
  if (request.path == "/v1/_orders/status" && request.method == "POST") {
    std::string error;
    const std::optional<Value> body = json::Parse(request.body, &error);
    if (!body || !body->is_object()) {
      return Error(400, "invalid_json", "body must be a JSON object: " + error);
    }
    const std::string status = body->StringMember("status");
    if (status.empty()) return Error(400, "invalid_request", "status is required");
    const std::string id = body->StringMember("id");
    const std::string reference = body->StringMember("external_reference");
    for (Order& order : orders_) {
      if ((!id.empty() && order.id == id) ||
          (!reference.empty() && order.external_reference == reference)) {
        order.failure_reason = body->StringMember("failure_reason");
        order.complete_at_ms = 0;
        SetStatus(&order, status);
        return JsonReply(200, OrderJson(order));
      }
    }
    return Error(404, "not_found", "no order with that id or external_reference");
  }
  if (request.path == "/v1/_events" && request.method == "GET") {
    int64_t after = 0;
    if (auto it = request.query.find("after"); it != request.query.end()) {
      after = std::atoll(it->second.c_str());
    }
    Value events = Value::Array();
    for (const Value& event : events_) {
      if (event.Find("sequence")->AsInt().value_or(0) > after) events.Append(event);
    }
    return JsonReply(200, Value::Object()
                              .Set("events", std::move(events))
                              .Set("dropped", Value::Number(dropped_events_)));
  }
  if (request.path == "/v1/_balance" && request.method == "POST") {
    std::string error;
    const std::optional<Value> body = json::Parse(request.body, &error);
    if (!body || !body->is_object()) {
      return Error(400, "invalid_json", "body must be a JSON object: " + error);
    }
    const std::string currency = body->StringMember("currency");
    const std::optional<int64_t> amount = ReadAmount(body->Find("available"));
    if (currency.empty() || !amount) {
      return Error(400, "invalid_request", "give currency and available (a decimal amount)");
    }
    balances_[currency] = *amount;
    SaveState();
    return Balance();
  }
  return Error(404, "not_found", "no such control: " + request.method + " " + request.path);
}

bool VendorSandbox::AddFault(const Value& spec, std::string* error) {
  if (!spec.is_object()) {
    *error = "a fault must be a JSON object";
    return false;
  }
  Fault fault;
  bool has_count = false;
  for (const auto& [name, value] : spec.members()) {
    auto integer = [&, &name = name, &value = value](int64_t low, int64_t high, int64_t* out) {
      const std::optional<int64_t> number = value.AsInt();
      if (!number || *number < low || *number > high) {
        *error = name + " must be a whole number from " + std::to_string(low) + " to " +
                 std::to_string(high);
        return false;
      }
      *out = *number;
      return true;
    };
    if (name == "type") {
      fault.type = value.text();
    } else if (name == "method") {
      fault.method = value.text();
    } else if (name == "path") {
      fault.path = value.text();
    } else if (name == "count") {
      if (!integer(1, 1000000, &fault.remaining)) return false;
      has_count = true;
    } else if (name == "ratio") {
      char* end = nullptr;
      fault.ratio = value.is_number() ? std::strtod(value.text().c_str(), &end) : -1;
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
      fault.order_status = value.text();
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

void VendorSandbox::RecordEvent(const Order& order) {
  HttpRequest event_request;
  if (!TakeFault(event_request, {"drop_events"}).type.empty()) {
    ++dropped_events_;
    return;
  }
  Value event = Value::Object();
  event.Set("event", Value::String("order.status_changed"))
      .Set("sequence", Value::Number(next_event_++))
      .Set("order_id", Value::String(order.id))
      .Set("external_reference", Value::String(order.external_reference))
      .Set("status", Value::String(order.status))
      .Set("brand_id", Value::String(order.brand_id))
      .Set("amount", Amount(order.amount))
      .Set("currency", Value::String(order.currency))
      .Set("occurred_at", Value::String(Rfc3339Now()));
  if (!order.failure_reason.empty()) {
    event.Set("failure_reason", Value::String(order.failure_reason));
  }
  if (options_.on_event) options_.on_event(event.Serialize());
  events_.push_back(std::move(event));
}

Value VendorSandbox::OrderJson(const Order& order) const {
  Value recipient = Value::Object();
  recipient.Set("name", Value::String(order.recipient_name));
  if (!order.recipient_email.empty()) {
    recipient.Set("email", Value::String(order.recipient_email));
  }
  Value out = Value::Object();
  out.Set("id", Value::String(order.id))
      .Set("external_reference", Value::String(order.external_reference))
      .Set("brand_id", Value::String(order.brand_id))
      .Set("amount", Amount(order.amount))
      .Set("currency", Value::String(order.currency))
      .Set("recipient", std::move(recipient))
      .Set("status", Value::String(order.status))
      .Set("created_at", Value::String(order.created_at));
  if (!order.failure_reason.empty()) {
    out.Set("failure_reason", Value::String(order.failure_reason));
  }
  if (order.status == "completed" && !order.code.empty()) {
    out.Set("redemption", Value::Object()
                              .Set("code", Value::String(order.code))
                              .Set("url", Value::String(order.url)));
  }
  return out;
}

Value VendorSandbox::FaultJson(const Fault& fault) const {
  Value out = Value::Object();
  out.Set("type", Value::String(fault.type));
  if (!fault.method.empty()) out.Set("method", Value::String(fault.method));
  if (!fault.path.empty()) out.Set("path", Value::String(fault.path));
  out.Set("remaining", Value::Number(fault.remaining));
  if (fault.ratio > 0) out.Set("ratio", Value::Number(std::to_string(fault.ratio)));
  if (fault.type == "error") out.Set("status", Value::Number(fault.status));
  if (fault.type == "rate_limit") out.Set("retry_after_s", Value::Number(fault.retry_after_s));
  if (fault.type == "latency") out.Set("latency_ms", Value::Number(fault.latency_ms));
  if (fault.type == "record_then_hang") out.Set("hang_ms", Value::Number(fault.hang_ms));
  if (fault.type == "order_status") out.Set("order_status", Value::String(fault.order_status));
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
  Value balances = Value::Object();
  for (const auto& [currency, available] : balances_) {
    balances.Set(currency, Value::String(FormatMinorUnits(available)));
  }
  Value orders = Value::Array();
  for (const Order& order : orders_) {
    Value saved = OrderJson(order);
    saved.Set("complete_at_ms", Value::Number(order.complete_at_ms));
    saved.Set("code", Value::String(order.code)).Set("url", Value::String(order.url));
    orders.Append(std::move(saved));
  }
  const std::string text = Value::Object()
                               .Set("balances", std::move(balances))
                               .Set("orders", std::move(orders))
                               .Set("next_event", Value::Number(next_event_))
                               .Serialize();
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
  const std::optional<Value> state = json::Parse(text.str(), &parse_error);
  if (!state || !state->is_object()) {
    *error = options_.state_file + ": not a sandbox state file: " + parse_error;
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (const Value* balances = state->Find("balances"); balances != nullptr) {
    for (const auto& [currency, value] : balances->members()) {
      if (const auto amount = ReadAmount(&value)) balances_[currency] = *amount;
    }
  }
  if (const Value* orders = state->Find("orders"); orders != nullptr) {
    for (const Value& saved : orders->items()) {
      Order order;
      order.id = saved.StringMember("id");
      order.external_reference = saved.StringMember("external_reference");
      order.brand_id = saved.StringMember("brand_id");
      order.amount = ReadAmount(saved.Find("amount")).value_or(0);
      order.currency = saved.StringMember("currency");
      if (const Value* recipient = saved.Find("recipient"); recipient != nullptr) {
        order.recipient_name = recipient->StringMember("name");
        order.recipient_email = recipient->StringMember("email");
      }
      order.status = saved.StringMember("status");
      order.failure_reason = saved.StringMember("failure_reason");
      order.code = saved.StringMember("code");
      order.url = saved.StringMember("url");
      order.created_at = saved.StringMember("created_at");
      if (const Value* at = saved.Find("complete_at_ms"); at != nullptr) {
        order.complete_at_ms = at->AsInt().value_or(0);
      }
      if (order.id.empty() || order.external_reference.empty()) {
        *error = options_.state_file + ": an order lacks its id or external_reference";
        return false;
      }
      by_reference_[order.external_reference] = orders_.size();
      orders_.push_back(std::move(order));
    }
  }
  if (const Value* next = state->Find("next_event"); next != nullptr) {
    next_event_ = next->AsInt().value_or(1);
  }
  return true;
}

}  // namespace plaudit::sandbox

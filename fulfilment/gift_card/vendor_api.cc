#include "fulfilment/gift_card/vendor_api.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "plugins/common/json_text.h"
#include "plugins/common/money.h"

namespace plaudit::fulfilment::gift_card {
namespace {

using json::Json;
using json::StringMember;

constexpr size_t kMaxMessageChars = 300;
constexpr int64_t kDefaultRetryAfterMs = 1000;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<int64_t> ReadAmount(const Json* value) {
  if (value == nullptr) return std::nullopt;
  return money::AmountFromJson(*value);
}

// The vendor's own words about a failed call: error.message, message or error, else a body that
// is not JSON (an HTML error page). A JSON body without a message is not copied: it may carry an
// order, redemption code included, and the message ends up in the reward's history.
std::string VendorMessage(const std::string& body) {
  std::string ignored;
  const std::optional<Json> parsed = json::ParseStrict(body, &ignored);
  std::string message;
  if (parsed && parsed->is_object()) {
    if (const Json* error = json::Find(*parsed, "error"); error != nullptr && error->is_object()) {
      message = StringMember(*error, "message");
    }
    if (message.empty()) message = StringMember(*parsed, "message");
    if (message.empty()) message = StringMember(*parsed, "error");
  }
  if (message.empty()) {
    message = parsed ? "no message (a JSON answer of " + std::to_string(body.size()) +
                           " bytes, not shown: it may hold secrets)"
                     : body;
  }
  if (message.size() > kMaxMessageChars) message = message.substr(0, kMaxMessageChars) + "...";
  return message;
}

bool ReadOrder(const Json& value, Order* order) {
  if (!value.is_object()) return false;
  order->id = StringMember(value, "id");
  order->external_reference = StringMember(value, "external_reference");
  order->status = StringMember(value, "status");
  order->failure_reason = StringMember(value, "failure_reason");
  if (const Json* redemption = json::Find(value, "redemption");
      redemption != nullptr && redemption->is_object()) {
    order->code = StringMember(*redemption, "code");
    order->url = StringMember(*redemption, "url");
    order->redeemed_at = StringMember(*redemption, "redeemed_at");
  }
  return !order->id.empty() && !order->status.empty();
}

CallResult Malformed(const std::string& what) {
  CallResult result;
  result.kind = CallResult::Kind::kMalformed;
  result.status = 200;
  result.message = "vendor answered with an unreadable " + what;
  return result;
}

}  // namespace

std::string DescribeAmounts(const Brand& brand) {
  if (brand.denominations.empty()) {
    return money::FormatMinorUnits(brand.min_amount) + " to " +
           money::FormatMinorUnits(brand.max_amount);
  }
  std::string out;
  for (int64_t value : brand.denominations) {
    out += (out.empty() ? "" : ", ") + money::FormatMinorUnits(value);
  }
  return out;
}

std::string CheckCard(const Brand& brand, const std::string& currency, int64_t amount) {
  if (std::find(brand.currencies.begin(), brand.currencies.end(), currency) ==
      brand.currencies.end()) {
    std::string offered;
    for (const std::string& c : brand.currencies) offered += (offered.empty() ? "" : ", ") + c;
    return "brand " + brand.id + " is not sold in " + currency + " (offered: " + offered + ")";
  }
  const bool fits = brand.denominations.empty()
                        ? amount >= brand.min_amount && amount <= brand.max_amount
                        : std::find(brand.denominations.begin(), brand.denominations.end(),
                                    amount) != brand.denominations.end();
  if (!fits) {
    return "brand " + brand.id + " has no " + money::FormatMinorUnits(amount) + " " + currency +
           " card (offered: " + DescribeAmounts(brand) + ")";
  }
  return {};
}

OrderState ClassifyStatus(std::string_view status) {
  const std::string word = Lower(status);
  for (const char* completed :
       {"completed", "complete", "delivered", "fulfilled", "success", "succeeded", "redeemable"}) {
    if (word == completed) return OrderState::kCompleted;
  }
  for (const char* processing :
       {"processing", "pending", "queued", "submitted", "in_progress", "created", "accepted"}) {
    if (word == processing) return OrderState::kProcessing;
  }
  for (const char* failed : {"failed", "failure", "cancelled", "canceled", "rejected", "declined",
                             "expired", "refunded", "voided"}) {
    if (word == failed) return OrderState::kFailed;
  }
  return OrderState::kUnrecognised;
}

VendorApi::VendorApi(http::HttpClient* client, Options options)
    : client_(client), options_(std::move(options)) {}

http::Response VendorApi::Send(const std::string& method, const std::string& path,
                               const std::string& body) const {
  http::Request request;
  request.method = method;
  request.url = options_.base_url + path;
  request.headers = {{"Authorization", "Bearer " + options_.api_key},
                     {"Accept", "application/json"},
                     {"User-Agent", "plaudit-gift-card/1.0"}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  request.timeout_ms = options_.timeout_ms;
  request.connect_timeout_ms = std::min<int64_t>(options_.timeout_ms, 5000);
  request.ca_file = options_.ca_file;
  return client_->Send(request);
}

std::string VendorApi::Redact(std::string text) const {
  if (options_.api_key.empty()) return text;
  for (size_t at = text.find(options_.api_key); at != std::string::npos;
       at = text.find(options_.api_key, at)) {
    text.replace(at, options_.api_key.size(), "[redacted]");
  }
  return text;
}

CallResult VendorApi::Classify(const http::Response& response) const {
  CallResult result;
  result.status = response.status;
  switch (response.failure) {
    case http::Failure::kNone:
      break;
    case http::Failure::kNotSent:
      result.kind = CallResult::Kind::kUnavailable;
      result.message = "could not reach the vendor: " + Redact(response.error);
      return result;
    case http::Failure::kNoAnswer:
    case http::Failure::kTimedOut:
      result.kind = CallResult::Kind::kNoAnswer;
      result.message = "no answer from the vendor: " + Redact(response.error);
      return result;
  }
  if (response.status >= 200 && response.status < 300) return result;
  result.message = Redact(VendorMessage(response.body));
  if (response.status == 404) {
    result.kind = CallResult::Kind::kNotFound;
  } else if (response.status == 429) {
    result.kind = CallResult::Kind::kRateLimited;
    result.retry_after_ms = kDefaultRetryAfterMs;
    if (response.retry_after_ms) result.retry_after_ms = *response.retry_after_ms;
  } else if (response.status == 401 || response.status == 403) {
    result.kind = CallResult::Kind::kUnauthorized;
  } else if (response.status == 402) {
    result.kind = CallResult::Kind::kInsufficientFunds;
  } else if (response.status >= 400 && response.status < 500) {
    result.kind = CallResult::Kind::kRefused;
  } else {
    // 5xx, and anything else unexpected (1xx, 3xx: no redirects are followed).
    result.kind = CallResult::Kind::kUnavailable;
  }
  return result;
}

CallResult VendorApi::GetCatalog(std::vector<Brand>* brands) const {
  const http::Response response = Send("GET", "/v1/catalog", "");
  CallResult result = Classify(response);
  if (!result.ok()) return result;
  std::string error;
  const std::optional<Json> body = json::ParseStrict(response.body, &error);
  const Json* list = body ? json::Find(*body, "brands") : nullptr;
  if (list == nullptr || !list->is_array()) return Malformed("catalogue");
  brands->clear();
  for (const Json& item : *list) {
    Brand brand;
    brand.id = StringMember(item, "id");
    brand.name = StringMember(item, "name");
    if (brand.id.empty()) continue;
    if (const Json* currencies = json::Find(item, "currencies");
        currencies && currencies->is_array()) {
      for (const Json& currency : *currencies) {
        if (currency.is_string()) brand.currencies.push_back(currency.get<std::string>());
      }
    }
    if (const Json* values = json::Find(item, "denominations"); values && values->is_array()) {
      for (const Json& value : *values) {
        if (const auto amount = ReadAmount(&value)) brand.denominations.push_back(*amount);
      }
    } else {
      brand.min_amount = ReadAmount(json::Find(item, "min_amount")).value_or(0);
      brand.max_amount = ReadAmount(json::Find(item, "max_amount")).value_or(0);
    }
    brands->push_back(std::move(brand));
  }
  return result;
}

CallResult VendorApi::GetBalance(std::map<std::string, int64_t>* balances) const {
  const http::Response response = Send("GET", "/v1/balance", "");
  CallResult result = Classify(response);
  if (!result.ok()) return result;
  std::string error;
  const std::optional<Json> body = json::ParseStrict(response.body, &error);
  const Json* list = body ? json::Find(*body, "balances") : nullptr;
  if (list == nullptr || !list->is_array()) return Malformed("balance");
  balances->clear();
  for (const Json& item : *list) {
    const std::optional<int64_t> available = ReadAmount(json::Find(item, "available"));
    const std::string currency = StringMember(item, "currency");
    if (!currency.empty() && available) (*balances)[currency] = *available;
  }
  return result;
}

CallResult VendorApi::PlaceOrder(const OrderRequest& request, Order* order) const {
  Json recipient = Json::object();
  recipient["name"] = request.recipient_name;
  if (!request.recipient_email.empty()) recipient["email"] = request.recipient_email;
  Json order_body = Json::object();
  order_body["external_reference"] = request.external_reference;
  order_body["brand_id"] = request.brand_id;
  order_body["amount"] = money::AmountToJson(request.amount);
  order_body["currency"] = request.currency;
  order_body["recipient"] = std::move(recipient);
  const std::string body = json::Serialize(order_body);
  const http::Response response = Send("POST", "/v1/orders", body);
  CallResult result = Classify(response);
  if (!result.ok()) return result;
  std::string error;
  const std::optional<Json> parsed = json::ParseStrict(response.body, &error);
  if (!parsed || !ReadOrder(*parsed, order)) return Malformed("order");
  return result;
}

CallResult VendorApi::FindOrder(const std::string& external_reference, Order* order) const {
  const http::Response response =
      Send("GET", "/v1/orders?external_reference=" + http::PercentEncode(external_reference), "");
  CallResult result = Classify(response);
  if (!result.ok()) return result;
  std::string error;
  const std::optional<Json> parsed = json::ParseStrict(response.body, &error);
  if (!parsed || !ReadOrder(*parsed, order)) return Malformed("order");
  return result;
}

}  // namespace plaudit::fulfilment::gift_card

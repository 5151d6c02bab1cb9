// The "gift_card" fulfilment plugin: orders an e-gift card from a gift-card vendor's REST API
// (see vendor_api.h), with the reward's idempotency key as the order's external reference, so the
// vendor places at most one order per reward however often it is asked.
//
// Reward params:
//   brand     the catalogue's brand id (or product_id)
//   amount    face value, e.g. "25" or "25.00"; must be one of the brand's denominations or in its
//             range
//   currency  e.g. "USD"; one the brand is sold in
// Settings: see settings.h.
//
// Outcomes: a completed order is fulfilled; processing is pending (the vendor's callback or a
// lookup finishes it); a failed or cancelled order is permanent; a status word the plugin does not
// know is logged as a warning and read as pending. 429 is retryable after the vendor's
// Retry-After; 5xx and unreachable vendors are retryable; a request that got no answer is unknown
// (look it up before trying again); any other 4xx is permanent with the vendor's message. A
// completed order's redeemed_at (a callback's or a lookup's) is passed on as the reward's
// redemption, which plauditd records once. Two
// exceptions, because the order was certainly not placed and a person can fix them: an account
// balance too low for the card (checked before ordering, and the vendor's 402) and a refused API
// key (401/403) are retryable, the first after kInsufficientFundsRetryMs. The balance is checked
// against the figure last read less the cards ordered since (balance_estimate.h), read again
// when it is older than balance_ttl_s, too low for the card, or after a 402: one vendor call per
// order instead of two.
//
// Secrets: the redemption code and link belong to the recipient. They are kept in the plugin's
// host state only, returned by the "code" query to the recipient alone, and never logged or put
// in an artifact. The API key goes into the Authorization header and nowhere else.
//
// State keys:
//   recipient/<idempotency_key>   the agent id; written before the first order is sent, so its
//                                 presence also means "an order may exist: look before placing"
//   redemption/<idempotency_key>  {"order_id", "code", "url"} once the order completed
//
// Queries: catalog (brand, name, currencies, denominations), balance (currency, available),
// code {idempotency_key} (the recipient's code and link; only for the recipient, as --as).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "fulfilment/gift_card/balance_estimate.h"
#include "fulfilment/gift_card/settings.h"
#include "fulfilment/gift_card/vendor_api.h"
#include "plaudit/plugin_sdk.h"
#include "plaudit/state_transaction.h"
#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"
#include "plugins/common/money.h"

namespace plaudit::fulfilment::gift_card {
namespace {

namespace pb = ::plaudit::plugin::v1;
using ::plaudit::sdk::kFailedPrecondition;
using ::plaudit::sdk::kInvalidArgument;
using ::plaudit::sdk::kNotFound;
using ::plaudit::sdk::kPermissionDenied;
using ::plaudit::sdk::kUnavailable;
using ::plaudit::sdk::QueryError;

using ::plaudit::sdk::Outcome;
using Kind = CallResult::Kind;

constexpr char kPluginName[] = "gift_card";
constexpr char kVersion[] = "1.0.0";
// How long to wait before trying again when the account cannot pay for a card: long enough for
// someone to top it up, short enough that rewards do not wait a day.
constexpr int64_t kInsufficientFundsRetryMs = int64_t{15} * 60 * 1000;

// google.rpc codes used in query answers.

std::string RecipientKey(const std::string& key) { return "recipient/" + key; }
std::string RedemptionKey(const std::string& key) { return "redemption/" + key; }

std::string Artifact(const std::string& order_id) {
  return "gift_card order " + order_id + " (code held for the recipient)";
}

pb::FulfilResponse Retryable(std::string error, int64_t retry_after_ms = 0) {
  pb::FulfilResponse resp = Outcome(pb::FULFIL_OUTCOME_RETRYABLE, std::move(error));
  resp.set_retry_after_ms(retry_after_ms);
  return resp;
}

struct Card {
  std::string brand;
  int64_t amount = 0;
  std::string currency;
};

// Reads the reward params; "" or a reason naming the param.
std::string ReadCard(const pb::FulfilRequest& request, Card* card) {
  for (const auto& [name, value] : request.params()) {
    if (name != "brand" && name != "product_id" && name != "amount" && name != "currency") {
      return "unknown param \"" + name + "\" (known: brand, amount, currency)";
    }
  }
  auto param = [&](const char* name) -> std::string {
    auto it = request.params().find(name);
    return it == request.params().end() ? std::string() : it->second;
  };
  card->brand = param("brand");
  if (card->brand.empty()) card->brand = param("product_id");
  if (card->brand.empty()) return "param \"brand\" is required (a brand id from the catalogue)";
  const std::string amount = param("amount");
  const std::optional<int64_t> minor = money::ParseMinorUnits(amount);
  if (!minor || *minor <= 0) {
    return "param \"amount\" must be a positive amount with at most two decimals; got \"" + amount +
           "\"";
  }
  card->amount = *minor;
  card->currency = param("currency");
  if (card->currency.size() != 3) {
    return "param \"currency\" must be a three-letter code such as USD; got \"" + card->currency +
           "\"";
  }
  for (char& c : card->currency) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return "param \"currency\" must be three letters";
  }
  return {};
}

class GiftCardPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("gift_card");
    const std::map<std::string, std::string> config(request.config().begin(),
                                                    request.config().end());
    Settings settings;
    if (std::string error = ReadSettings(config, request.data_dir(), &settings); !error.empty()) {
      return error;
    }
    std::lock_guard<std::mutex> lock(mu_);
    settings_ = settings;
    vendor_ = std::make_shared<const VendorApi>(
        &http_, VendorApi::Options{settings.base_url, settings.api_key, settings.timeout_ms,
                                   settings.ca_file});
    catalog_.reset();
    balance_ = std::make_shared<BalanceEstimate>(settings.balance_ttl_s * 1000000);
    return {};
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    const std::string& key = request.idempotency_key();
    if (key.empty()) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    if (request.agent().id().empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "agent id is empty");
    }
    const std::shared_ptr<const VendorApi> vendor = Vendor();
    if (vendor == nullptr) return Retryable("gift_card is not initialised");
    Card card;
    if (std::string error = ReadCard(request, &card); !error.empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, error);
    }

    const sdk::StateRead done = host().ReadState(RedemptionKey(key));
    if (!done.ok) return Retryable("state store: " + done.error);
    if (done.value) return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, StoredArtifact(*done.value));

    // An earlier attempt may have placed the order without hearing back: look before placing.
    const sdk::StateRead recipient = host().ReadState(RecipientKey(key));
    if (!recipient.ok) return Retryable("state store: " + recipient.error);
    if (recipient.value) {
      Order order;
      const CallResult found = vendor->FindOrder(key, &order);
      if (found.ok()) return FromOrder(key, order);
      if (found.kind != Kind::kNotFound) return FromLookupFailure(found);
    }

    std::vector<Brand> catalog;
    if (CallResult result = Catalog(*vendor, &catalog); !result.ok()) {
      return FromFailure(result, "catalogue");
    }
    const Brand* brand = nullptr;
    for (const Brand& candidate : catalog) {
      if (candidate.id == card.brand) brand = &candidate;
    }
    if (brand == nullptr) {
      std::string known;
      for (const Brand& b : catalog) known += (known.empty() ? "" : ", ") + b.id;
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "unknown gift-card brand \"" + card.brand +
                                                       "\" (the catalogue has: " + known + ")");
    }
    if (std::string error = CheckCard(*brand, card.currency, card.amount); !error.empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, error);
    }

    if (!recipient.value) {
      const sdk::StateRead stored =
          sdk::InsertOrRead(host(), RecipientKey(key), request.agent().id());
      if (!stored.ok) return Retryable("state store: " + stored.error);
    }

    const std::shared_ptr<BalanceEstimate> balance = Balance();
    if (!balance->TryTake(card.currency, card.amount, host().NowMicros())) {
      // The figure is stale, or too low for this card: only a fresh reading may refuse it.
      const int64_t read_at = host().NowMicros();
      std::map<std::string, int64_t> balances;
      if (CallResult result = vendor->GetBalance(&balances); !result.ok()) {
        return FromFailure(result, "balance");
      }
      balance->Read(balances, read_at);
      const int64_t available = balances.count(card.currency) ? balances[card.currency] : 0;
      if (available < card.amount) {
        return Retryable("vendor account balance " + card.currency + " " +
                             money::FormatMinorUnits(available) + " does not cover a " +
                             money::FormatMinorUnits(card.amount) + " card; top up the account",
                         kInsufficientFundsRetryMs);
      }
      balance->Take(card.currency, card.amount);
    }

    OrderRequest order_request;
    order_request.external_reference = key;
    order_request.brand_id = brand->id;
    order_request.amount = card.amount;
    order_request.currency = card.currency;
    order_request.recipient_name = request.agent().display_name().empty()
                                       ? request.agent().id()
                                       : request.agent().display_name();
    order_request.recipient_email = request.agent().email();
    Order order;
    const CallResult placed = vendor->PlaceOrder(order_request, &order);
    if (placed.kind == Kind::kInsufficientFunds) balance->Distrust(card.currency);
    if (placed.ok() || placed.kind == Kind::kNoAnswer || placed.kind == Kind::kMalformed) {
      balance->Placed(card.currency, card.amount);
    } else {
      balance->NotPlaced(card.currency, card.amount);
    }
    if (!placed.ok()) return FromFailure(placed, "order");
    host().Info("gift_card: placed vendor order " + order.id + " for key " + key + ", status " +
                order.status);
    return FromOrder(key, order);
  }

  pb::FulfilResponse Lookup(const pb::FulfilRequest& request) override {
    const std::string& key = request.idempotency_key();
    if (key.empty()) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    const std::shared_ptr<const VendorApi> vendor = Vendor();
    if (vendor == nullptr) return Retryable("gift_card is not initialised");
    const sdk::StateRead done = host().ReadState(RedemptionKey(key));
    if (!done.ok) return Retryable("state store: " + done.error);
    if (done.value) return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, StoredArtifact(*done.value));
    Order order;
    const CallResult found = vendor->FindOrder(key, &order);
    if (found.ok()) return FromOrder(key, order);
    if (found.kind == Kind::kNotFound) {
      return Outcome(pb::FULFIL_OUTCOME_NOT_FOUND, "the vendor has no order " + key);
    }
    return FromLookupFailure(found);
  }

  pb::CallbackResponse Callback(const pb::CallbackRequest& request) override {
    pb::CallbackResponse resp;
    std::string error;
    const std::optional<json::Json> body = json::ParseStrict(request.body(), &error);
    if (!body) {
      resp.set_error("callback body is not JSON: " + error);
      return resp;
    }
    std::vector<json::Json> notifications;
    if (body->is_array()) {
      notifications.assign(body->begin(), body->end());
    } else if (const json::Json* events = json::Find(*body, "events");
               events && events->is_array()) {
      notifications.assign(events->begin(), events->end());
    } else {
      notifications.push_back(*body);
    }
    if (notifications.empty()) {
      resp.set_error("callback body holds no status notification");
      return resp;
    }
    for (size_t i = 0; i < notifications.size(); ++i) {
      const json::Json& note = notifications[i];
      const std::string reference = json::StringMember(note, "external_reference");
      const std::string status = json::StringMember(note, "status");
      if (!note.is_object() || reference.empty() || status.empty()) {
        resp.clear_updates();
        resp.set_error("callback notification " + std::to_string(i + 1) +
                       " lacks external_reference or status");
        return resp;
      }
      Order order;
      order.id = json::StringMember(note, "order_id");
      order.external_reference = reference;
      order.status = status;
      order.failure_reason = json::StringMember(note, "failure_reason");
      order.redeemed_at = json::StringMember(note, "redeemed_at");
      pb::StatusUpdate* update = resp.add_updates();
      update->set_idempotency_key(reference);
      *update->mutable_result() = MapStatus(reference, order);
    }
    return resp;
  }

  pb::QueryResponse Query(const pb::QueryRequest& request) override {
    const std::shared_ptr<const VendorApi> vendor = Vendor();
    if (vendor == nullptr) return QueryError(kFailedPrecondition, "gift_card is not initialised");
    if (request.method() == "catalog") return CatalogQuery(*vendor);
    if (request.method() == "balance") return BalanceQuery(*vendor);
    if (request.method() == "code") return CodeQuery(*vendor, request);
    return QueryError(kNotFound, "unknown query \"" + request.method() +
                                     "\" (gift_card answers catalog, balance, code)");
  }

 private:
  std::shared_ptr<const VendorApi> Vendor() {
    std::lock_guard<std::mutex> lock(mu_);
    return vendor_;
  }

  std::shared_ptr<BalanceEstimate> Balance() {
    std::lock_guard<std::mutex> lock(mu_);
    return balance_;
  }

  // The catalogue, from the cache while it is fresh. A stale cache is used when the vendor
  // cannot be asked: the vendor checks every order again anyway.
  CallResult Catalog(const VendorApi& vendor, std::vector<Brand>* brands) {
    const int64_t now = host().NowMicros();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (catalog_ && now >= catalog_fetched_micros_ &&
          now - catalog_fetched_micros_ < settings_.catalog_ttl_s * 1000000) {
        *brands = *catalog_;
        return CallResult();
      }
    }
    std::vector<Brand> fresh;
    CallResult result = vendor.GetCatalog(&fresh);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (result.ok()) {
        catalog_ = fresh;
        catalog_fetched_micros_ = now;
        *brands = std::move(fresh);
        return result;
      }
      if (!catalog_) return result;
      *brands = *catalog_;
    }
    host().Warning("gift_card: could not refresh the catalogue (" + result.message +
                   "); using the cached one");
    return CallResult();
  }

  std::string StoredArtifact(const std::string& stored) {
    std::string error;
    const std::optional<json::Json> value = json::ParseStrict(stored, &error);
    return Artifact(value ? json::StringMember(*value, "order_id") : std::string("?"));
  }

  // The outcome an order's status means, without side effects.
  // Passes on when the order's card was redeemed, when the vendor says so in a form we read.
  void NoteRedemption(const std::string& key, const Order& order, pb::FulfilResponse* response) {
    if (order.redeemed_at.empty()) return;
    absl::Time at;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, order.redeemed_at, &at, &error)) {
      host().Warning("gift_card: vendor order " + order.id + " for key " + key +
                     " has an unreadable redeemed_at \"" + order.redeemed_at + "\"; ignored");
      return;
    }
    google::protobuf::Timestamp* out = response->mutable_redeemed_at();
    out->set_seconds(absl::ToUnixSeconds(at));
    out->set_nanos(
        static_cast<int32_t>((at - absl::FromUnixSeconds(out->seconds())) / absl::Nanoseconds(1)));
  }

  pb::FulfilResponse MapStatus(const std::string& key, const Order& order) {
    switch (ClassifyStatus(order.status)) {
      case OrderState::kCompleted: {
        pb::FulfilResponse fulfilled =
            Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, Artifact(order.id));
        NoteRedemption(key, order, &fulfilled);
        return fulfilled;
      }
      case OrderState::kProcessing:
        return Outcome(pb::FULFIL_OUTCOME_PENDING,
                       "vendor order " + order.id + " is " + order.status);
      case OrderState::kFailed:
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                       "vendor order " + order.id + " " + order.status +
                           (order.failure_reason.empty() ? "" : ": " + order.failure_reason));
      case OrderState::kUnrecognised:
        break;
    }
    host().Warning("gift_card: vendor order " + order.id + " for key " + key +
                   " has unknown status \"" + order.status + "\"; treating it as pending");
    return Outcome(pb::FULFIL_OUTCOME_PENDING,
                   "vendor order " + order.id + " has unknown status \"" + order.status + "\"");
  }

  // MapStatus, keeping a completed order's code for the recipient first.
  pb::FulfilResponse FromOrder(const std::string& key, const Order& order) {
    if (ClassifyStatus(order.status) == OrderState::kCompleted && !order.code.empty()) {
      std::string error;
      if (!KeepRedemption(key, order, &error)) {
        return Retryable("vendor order " + order.id +
                         " completed but its code could not be stored: " + error);
      }
    }
    return MapStatus(key, order);
  }

  bool KeepRedemption(const std::string& key, const Order& order, std::string* error) {
    json::Json redemption = json::Json::object();
    redemption["order_id"] = order.id;
    redemption["code"] = order.code;
    redemption["url"] = order.url;
    const std::string value = json::Serialize(redemption);
    // A callback may have kept the same redemption first; either copy will do.
    const sdk::StateRead stored = sdk::InsertOrRead(host(), RedemptionKey(key), value);
    if (!stored.ok) *error = stored.error;
    return stored.ok;
  }

  pb::FulfilResponse FromFailure(const CallResult& result, const std::string& what) {
    const std::string error = "vendor " + what + ": " + result.message;
    switch (result.kind) {
      case Kind::kOk:
        break;
      case Kind::kRateLimited:
        return Retryable(error + " (rate limited)", result.retry_after_ms);
      case Kind::kUnauthorized:
        return Retryable("vendor refused the API key (HTTP " + std::to_string(result.status) +
                         "); check api_key_file or api_key_env");
      case Kind::kInsufficientFunds:
        return Retryable(error + "; top up the account", kInsufficientFundsRetryMs);
      case Kind::kUnavailable:
        return Retryable(error);
      case Kind::kNoAnswer:
      case Kind::kMalformed:
        // Only an order may have taken effect unheard; a catalogue or balance read did nothing.
        if (what == "order") {
          return Outcome(pb::FULFIL_OUTCOME_UNKNOWN, error);
        }
        return Retryable(error);
      case Kind::kNotFound:
      case Kind::kRefused:
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "vendor refused the " + what + " (HTTP " +
                                                         std::to_string(result.status) +
                                                         "): " + result.message);
    }
    return Retryable(error);
  }

  // A failed lookup says nothing about the order: unknown when unanswered, else ask again later.
  pb::FulfilResponse FromLookupFailure(const CallResult& result) {
    if (result.kind == Kind::kNoAnswer || result.kind == Kind::kMalformed) {
      return Outcome(pb::FULFIL_OUTCOME_UNKNOWN, "vendor order lookup: " + result.message);
    }
    return Retryable("vendor order lookup: " + result.message, result.retry_after_ms);
  }

  pb::QueryResponse CatalogQuery(const VendorApi& vendor) {
    std::vector<Brand> brands;
    if (CallResult result = Catalog(vendor, &brands); !result.ok()) {
      return QueryError(kUnavailable, "vendor catalogue: " + result.message);
    }
    pb::QueryResponse resp;
    for (const char* column : {"brand", "name", "currencies", "denominations"}) {
      resp.add_columns(column);
    }
    for (const Brand& brand : brands) {
      std::string currencies;
      for (const std::string& c : brand.currencies) {
        currencies += (currencies.empty() ? "" : ", ") + c;
      }
      auto* row = resp.add_rows();
      row->add_cells(brand.id);
      row->add_cells(brand.name);
      row->add_cells(currencies);
      row->add_cells(DescribeAmounts(brand));
    }
    return resp;
  }

  pb::QueryResponse BalanceQuery(const VendorApi& vendor) {
    const int64_t read_at = host().NowMicros();
    std::map<std::string, int64_t> balances;
    if (CallResult result = vendor.GetBalance(&balances); !result.ok()) {
      return QueryError(kUnavailable, "vendor balance: " + result.message);
    }
    if (const std::shared_ptr<BalanceEstimate> balance = Balance())
      balance->Read(balances, read_at);
    pb::QueryResponse resp;
    resp.add_columns("currency");
    resp.add_columns("available");
    for (const auto& [currency, available] : balances) {
      auto* row = resp.add_rows();
      row->add_cells(currency);
      row->add_cells(money::FormatMinorUnits(available));
    }
    return resp;
  }

  pb::QueryResponse CodeQuery(const VendorApi& vendor, const pb::QueryRequest& request) {
    auto arg = request.args().find("idempotency_key");
    if (arg == request.args().end() || arg->second.empty()) {
      return QueryError(kInvalidArgument, "give idempotency_key (the reward's key)");
    }
    const std::string& key = arg->second;
    const sdk::StateRead recipient = host().ReadState(RecipientKey(key));
    if (!recipient.ok) return QueryError(0, "state store: " + recipient.error);
    if (!recipient.value) return QueryError(kNotFound, "no gift card was ordered under " + key);
    if (request.actor().empty() || request.actor() != *recipient.value) {
      return QueryError(kPermissionDenied, "only the reward's recipient may read its code");
    }
    sdk::StateRead stored = host().ReadState(RedemptionKey(key));
    if (!stored.ok) return QueryError(0, "state store: " + stored.error);
    if (!stored.value) {
      // Completed by a callback or not yet fetched: ask the vendor for it.
      Order order;
      const CallResult found = vendor.FindOrder(key, &order);
      if (found.kind == Kind::kNotFound) {
        return QueryError(kNotFound, "the vendor has no order " + key);
      }
      if (!found.ok()) return QueryError(kUnavailable, "vendor order lookup: " + found.message);
      if (ClassifyStatus(order.status) != OrderState::kCompleted || order.code.empty()) {
        return QueryError(
            kFailedPrecondition,
            "the gift card is not delivered yet (vendor status " + order.status + ")");
      }
      std::string error;
      if (!KeepRedemption(key, order, &error)) return QueryError(0, "state store: " + error);
      stored = host().ReadState(RedemptionKey(key));
      if (!stored.ok || !stored.value) return QueryError(0, "state store: " + stored.error);
    }
    std::string error;
    const std::optional<json::Json> redemption = json::ParseStrict(*stored.value, &error);
    if (!redemption) return QueryError(0, "stored redemption is unreadable");
    pb::QueryResponse resp;
    for (const char* column : {"idempotency_key", "order", "code", "url"}) resp.add_columns(column);
    auto* row = resp.add_rows();
    row->add_cells(key);
    row->add_cells(json::StringMember(*redemption, "order_id"));
    row->add_cells(json::StringMember(*redemption, "code"));
    row->add_cells(json::StringMember(*redemption, "url"));
    return resp;
  }

  http::CurlHttpClient http_;
  std::mutex mu_;
  Settings settings_;                          // guarded by mu_
  std::shared_ptr<const VendorApi> vendor_;    // guarded by mu_
  std::optional<std::vector<Brand>> catalog_;  // guarded by mu_
  std::shared_ptr<BalanceEstimate> balance_;   // guarded by mu_
  int64_t catalog_fetched_micros_ = 0;         // guarded by mu_
};

}  // namespace
}  // namespace plaudit::fulfilment::gift_card

PLAUDIT_PLUGIN(plaudit::fulfilment::gift_card::GiftCardPlugin)

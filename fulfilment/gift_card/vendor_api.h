// The gift-card vendor's REST API as the plugin sees it: the brand catalogue, the account
// balance, placing an order under an external reference, and finding an order by that
// reference. Every call answers a CallResult that says what the exchange came to, so that the
// plugin can decide between fulfilled, pending, retry, give up, or "cannot tell".
//
//   GET  /v1/catalog                         {"brands": [{"id", "name", "currencies",
//                                             "denominations" | "min_amount","max_amount"}]}
//   GET  /v1/balance                         {"balances": [{"currency", "available"}]}
//   POST /v1/orders                          {"external_reference", "brand_id", "amount",
//                                             "currency", "recipient": {"name", "email"}}
//   GET  /v1/orders?external_reference=REF   an order: {"id", "external_reference", "status",
//                                             "failure_reason", "redemption": {"code", "url",
//                                             "redeemed_at"}}
//
// "redeemed_at" (RFC 3339), in an order's redemption and in a status-change notification, is
// when the recipient redeemed the card; absent until then, or when the vendor does not say.
//
// The API key travels in the Authorization header only; vendor messages are scrubbed of it.
// Thread-safe when the HttpClient is.
#ifndef PLAUDIT_FULFILMENT_GIFT_CARD_VENDOR_API_H_
#define PLAUDIT_FULFILMENT_GIFT_CARD_VENDOR_API_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/common/http_client.h"

namespace plaudit::fulfilment::gift_card {

struct Brand {
  std::string id;
  std::string name;
  std::vector<std::string> currencies;
  // Fixed face values in minor units; empty: any amount from min_amount to max_amount.
  std::vector<int64_t> denominations;
  int64_t min_amount = 0;
  int64_t max_amount = 0;
};

// "" when `brand` sells a card of `amount` (minor units) in `currency`; otherwise why not.
std::string CheckCard(const Brand& brand, const std::string& currency, int64_t amount);
// "10.00, 25.00" or "5.00 to 200.00".
std::string DescribeAmounts(const Brand& brand);

struct OrderRequest {
  std::string external_reference;
  std::string brand_id;
  int64_t amount = 0;
  std::string currency;
  std::string recipient_name;
  std::string recipient_email;
};

struct Order {
  std::string id;
  std::string external_reference;
  std::string status;
  std::string failure_reason;
  // The redemption code and link: secrets of the recipient.
  std::string code;
  std::string url;
  // When the recipient redeemed it, as the vendor wrote it (RFC 3339); empty when not reported.
  std::string redeemed_at;
};

struct CallResult {
  enum class Kind {
    kOk,
    kNotFound,           // 404
    kRateLimited,        // 429; retry_after_ms says when
    kUnauthorized,       // 401, 403: the key is wrong or lacks a permission
    kInsufficientFunds,  // 402
    kRefused,            // any other 4xx: the vendor will not do this
    kUnavailable,        // 5xx, or the request never left
    kNoAnswer,           // sent, but no answer: it may have taken effect
    kMalformed,          // 2xx with a body we cannot read
  };
  Kind kind = Kind::kOk;
  int status = 0;
  // The vendor's message or the transport's error, for people.
  std::string message;
  int64_t retry_after_ms = 0;

  bool ok() const { return kind == Kind::kOk; }
};

enum class OrderState { kCompleted, kProcessing, kFailed, kUnrecognised };

// How a vendor status word reads, leniently and in any case: completed, delivered, fulfilled,
// success → completed; processing, pending, queued, submitted, in_progress, created → processing;
// failed, cancelled, canceled, rejected, declined, expired, refunded → failed; anything else is
// unrecognised (the caller logs it and waits).
OrderState ClassifyStatus(std::string_view status);

class VendorApi {
 public:
  struct Options {
    std::string base_url;
    std::string api_key;
    int64_t timeout_ms = 10000;
    std::string ca_file;
  };

  VendorApi(http::HttpClient* client, Options options);

  CallResult GetCatalog(std::vector<Brand>* brands) const;
  // Available balance per currency, in minor units.
  CallResult GetBalance(std::map<std::string, int64_t>* balances) const;
  CallResult PlaceOrder(const OrderRequest& request, Order* order) const;
  CallResult FindOrder(const std::string& external_reference, Order* order) const;

 private:
  http::Response Send(const std::string& method, const std::string& path,
                      const std::string& body) const;
  // Classifies a non-2xx or failed exchange, or a 2xx (kOk).
  CallResult Classify(const http::Response& response) const;
  std::string Redact(std::string text) const;

  http::HttpClient* const client_;
  const Options options_;
};

}  // namespace plaudit::fulfilment::gift_card

#endif  // PLAUDIT_FULFILMENT_GIFT_CARD_VENDOR_API_H_

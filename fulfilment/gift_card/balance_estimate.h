// The vendor account's balance per currency as the gift_card plugin last read it, less the cards
// ordered since: an order is checked against this figure instead of asking the vendor for the
// balance before every order. The figure is read again when it is older than its time to live,
// when it no longer covers the card at hand, and after the vendor refused an order for want of
// balance. It never decides alone that the account cannot pay: only a fresh reading refuses a
// card, as before. An order it lets through that the real balance cannot cover (someone else spent
// from the account meanwhile) is refused by the vendor, which checks every order itself.
//
// Reading again, the cards ordered but not yet answered are taken off the new reading too: the
// vendor may not have charged them yet. Counted twice when it had, they make the figure low, never
// high, which costs at most an early reading.
//
// Thread-safe.
#ifndef PLAUDIT_FULFILMENT_GIFT_CARD_BALANCE_ESTIMATE_H_
#define PLAUDIT_FULFILMENT_GIFT_CARD_BALANCE_ESTIMATE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace plaudit::fulfilment::gift_card {

class BalanceEstimate {
 public:
  // A reading is trusted for `ttl_micros`; 0 trusts none, so every order reads the balance.
  explicit BalanceEstimate(int64_t ttl_micros) : ttl_micros_(ttl_micros) {}

  // Takes `amount` (minor units) of `currency` off the figure for an order about to be placed
  // and returns true, when a reading younger than the time to live covers it. False, taking
  // nothing, when the balance must be read first (then Read(), and Take() if it covers the card).
  bool TryTake(const std::string& currency, int64_t amount, int64_t now_micros);
  // A fresh reading of every currency, taken at `now_micros`.
  void Read(const std::map<std::string, int64_t>& balances, int64_t now_micros);
  // Takes `amount` off the figure whatever it says (after a fresh reading covered the card).
  void Take(const std::string& currency, int64_t amount);

  // The order taken for was answered: placed (the vendor charged it) or possibly placed.
  void Placed(const std::string& currency, int64_t amount);
  // The order taken for was certainly not placed: the amount is the account's again.
  void NotPlaced(const std::string& currency, int64_t amount);
  // The vendor refused an order for want of balance: the figure is wrong; read it before the
  // next order.
  void Distrust(const std::string& currency);

 private:
  struct Figure {
    int64_t available = 0;
    // Taken for orders not answered yet.
    int64_t in_flight = 0;
    int64_t read_at_micros = 0;
    bool trusted = false;
  };

  const int64_t ttl_micros_;
  std::mutex mu_;
  std::map<std::string, Figure> figures_;  // guarded by mu_
};

}  // namespace plaudit::fulfilment::gift_card

#endif  // PLAUDIT_FULFILMENT_GIFT_CARD_BALANCE_ESTIMATE_H_

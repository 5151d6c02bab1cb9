#include "fulfilment/gift_card/balance_estimate.h"

namespace plaudit::fulfilment::gift_card {

bool BalanceEstimate::TryTake(const std::string& currency, int64_t amount, int64_t now_micros) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = figures_.find(currency);
  if (it == figures_.end()) return false;
  Figure& figure = it->second;
  const bool fresh = figure.trusted && now_micros >= figure.read_at_micros &&
                     now_micros - figure.read_at_micros < ttl_micros_;
  if (!fresh || figure.available < amount) return false;
  figure.available -= amount;
  figure.in_flight += amount;
  return true;
}

void BalanceEstimate::Read(const std::map<std::string, int64_t>& balances, int64_t now_micros) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [currency, figure] : figures_) {
    if (!balances.contains(currency)) {
      figure.available = -figure.in_flight;
      figure.read_at_micros = now_micros;
      figure.trusted = true;
    }
  }
  for (const auto& [currency, available] : balances) {
    Figure& figure = figures_[currency];
    figure.available = available - figure.in_flight;
    figure.read_at_micros = now_micros;
    figure.trusted = true;
  }
}

void BalanceEstimate::Take(const std::string& currency, int64_t amount) {
  std::lock_guard<std::mutex> lock(mu_);
  Figure& figure = figures_[currency];
  figure.available -= amount;
  figure.in_flight += amount;
}

void BalanceEstimate::Placed(const std::string& currency, int64_t amount) {
  std::lock_guard<std::mutex> lock(mu_);
  figures_[currency].in_flight -= amount;
}

void BalanceEstimate::NotPlaced(const std::string& currency, int64_t amount) {
  std::lock_guard<std::mutex> lock(mu_);
  Figure& figure = figures_[currency];
  figure.in_flight -= amount;
  figure.available += amount;
}

void BalanceEstimate::Distrust(const std::string& currency) {
  std::lock_guard<std::mutex> lock(mu_);
  figures_[currency].trusted = false;
}

}  // namespace plaudit::fulfilment::gift_card

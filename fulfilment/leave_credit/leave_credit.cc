// The "leave_credit" fulfilment plugin: credits paid leave hours to an agent's leave balance,
// which it keeps in its host state store.
//
// Reward params:
//   hours  required; a positive finite number of at most 400. Kept to 1/10000 of an hour.
// Config keys: none.
//
// State keys:
//   balance/<agent_id>       the agent's balance in hours as decimal text ("16", "7.5")
//   grant/<idempotency_key>  written together with the credit; holds the artifact text, and its
//                            presence means that key has been credited
//
// Each credit is one commit that requires the grant marker to be absent (a key is credited at
// most once, however often it is repeated) and the balance to still hold the value that was read
// (two keys crediting the same agent at once never lose a credit). A commit that loses a race is
// retried a few times with a jittered pause; after that the host retries the fulfilment.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "plaudit/plugin_sdk.h"

namespace plaudit::fulfilment {
namespace {

namespace pb = ::plaudit::plugin::v1;

constexpr char kPluginName[] = "leave_credit";
constexpr char kVersion[] = "1.0.0";

constexpr double kMaxHours = 400;
// Balances are kept as whole units of 1/10000 hour so that sums are exact.
constexpr int64_t kUnitsPerHour = 10000;
constexpr int kFractionDigits = 4;
constexpr int kMaxCommitAttempts = 16;

using ::plaudit::sdk::Outcome;

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// "16", "7.5", "0.0001", "-2.25": units as hours, without trailing zeros.
std::string FormatUnits(int64_t units) {
  const bool negative = units < 0;
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(units) : static_cast<uint64_t>(units);
  std::string text = (negative ? "-" : "") + std::to_string(magnitude / kUnitsPerHour);
  std::string fraction = std::to_string(magnitude % kUnitsPerHour);
  fraction.insert(0, kFractionDigits - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

// The inverse of FormatUnits; false when `text` is not a balance this plugin wrote.
bool ParseUnits(std::string_view text, int64_t* units) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 14) return false;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > kFractionDigits)) {
    return false;
  }
  int64_t value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  int64_t fraction_units = 0;
  for (size_t i = 0; i < kFractionDigits; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return false;
    fraction_units = fraction_units * 10 + (c - '0');
  }
  value = value * kUnitsPerHour + fraction_units;
  *units = negative ? -value : value;
  return true;
}

// Reads the "hours" param into units. Returns "" or a reason naming the param and its value.
std::string ParseHours(const pb::FulfilRequest& request, int64_t* units) {
  const auto it = request.params().find("hours");
  if (it == request.params().end()) {
    return "param \"hours\" is required (a positive number of hours, at most 400)";
  }
  const std::string_view text = Trim(it->second);
  const std::string invalid =
      "param \"hours\" must be a positive number of hours, at most 400; "
      "got \"" +
      it->second + "\"";
  double hours = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), hours);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(hours) || hours <= 0 || hours > kMaxHours) {
    return invalid;
  }
  *units = std::llround(hours * kUnitsPerHour);
  if (*units <= 0) {
    return "param \"hours\" is below the smallest credit of 0.0001 hours; got \"" + it->second +
           "\"";
  }
  return {};
}

std::string DescribeCredit(int64_t units, int64_t balance_units) {
  return FormatUnits(units) + (units == kUnitsPerHour ? " hour" : " hours") +
         " credited, balance " + FormatUnits(balance_units);
}

using sdk::StateRead;

// Full-jitter pause before retrying a commit that lost a race.
void PauseBeforeRetry(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t cap_micros = int64_t{100} << std::min(attempt, 6);
  std::uniform_int_distribution<int64_t> jitter(0, cap_micros);
  std::this_thread::sleep_for(std::chrono::microseconds(jitter(rng)));
}

class LeaveCreditPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("leave_credit");
    if (!request.config().empty()) {
      return "unknown config key \"" + request.config().begin()->first +
             "\" (leave_credit takes none)";
    }
    return {};
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    const std::string& agent_id = request.agent().id();
    if (agent_id.empty()) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "agent id is empty");
    if (request.idempotency_key().empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    }
    int64_t units = 0;
    if (std::string error = ParseHours(request, &units); !error.empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, error);
    }

    const std::string grant_key = "grant/" + request.idempotency_key();
    const std::string balance_key = "balance/" + agent_id;
    for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
      if (attempt > 0) PauseBeforeRetry(attempt);
      const StateRead grant = host().ReadState(grant_key);
      if (!grant.ok) return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + grant.error);
      if (grant.value) return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, *grant.value);

      const StateRead balance = host().ReadState(balance_key);
      if (!balance.ok) {
        return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + balance.error);
      }
      int64_t current = 0;
      if (balance.value && !ParseUnits(*balance.value, &current)) {
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "stored leave balance of agent " + agent_id +
                                                         " is not a number: \"" + *balance.value +
                                                         "\"");
      }
      int64_t updated = 0;
      if (__builtin_add_overflow(current, units, &updated)) {
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                       "leave balance of agent " + agent_id + " would overflow");
      }

      const std::string artifact = DescribeCredit(units, updated);
      std::vector<std::string> absent = {grant_key};
      std::vector<std::pair<std::string, std::string>> expected;
      if (balance.value) {
        expected.emplace_back(balance_key, *balance.value);
      } else {
        absent.push_back(balance_key);
      }
      std::string error;
      if (host().StateCommit({{balance_key, FormatUnits(updated)}, {grant_key, artifact}}, absent,
                             expected, &error)) {
        host().Info("leave_credit: " + artifact + " for agent " + agent_id + " (key " +
                    request.idempotency_key() + ")");
        return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, artifact);
      }

      // Why did the commit fail? This key was credited concurrently (done), the balance moved
      // under us (try again), or neither: the store itself refused.
      const StateRead grant_now = host().ReadState(grant_key);
      if (grant_now.ok && grant_now.value) {
        return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, *grant_now.value);
      }
      const StateRead balance_now = host().ReadState(balance_key);
      if (!grant_now.ok || !balance_now.ok || balance_now.value == balance.value) {
        return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                       "state store refused the credit: " + (error.empty() ? "no reason" : error));
      }
    }
    return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                   "leave balance of agent " + agent_id + " kept changing; gave up after " +
                       std::to_string(kMaxCommitAttempts) + " attempts");
  }
};

}  // namespace
}  // namespace plaudit::fulfilment

PLAUDIT_PLUGIN(plaudit::fulfilment::LeaveCreditPlugin)

// The "leave_credit" fulfilment plugin: credits paid leave hours to an agent's leave balance,
// which it keeps in its host state store. Each grant expires a number of days after it was made;
// an agent's available hours are those of unexpired grants.
//
// Reward params:
//   hours               required; a positive finite number of at most 400. Kept to 1/10000 hour.
//   expires_after_days  optional; overrides the setting for this grant.
// Config keys:
//   expires_after_days  days from the grant to its expiry (default 365; 1 to 3650). A grant made
//                       on 2026-11-22 with 365 days expires on 2027-11-22: it counts through
//                       2027-11-21 and no longer on 2027-11-22.
//   time_zone           IANA zone of "today" for grant and expiry dates (default UTC).
//
// Queries:
//   balances [agent ID]: agent, hours available, next expiry, grants (unexpired ones).
//
// State keys:
//   balance/<agent_id>       every hour ever credited to the agent, as decimal text ("16", "7.5")
//   grant/<idempotency_key>  written together with the credit; holds the artifact text, and its
//                            presence means that key has been credited
//   grants/<agent_id>        the agent's grants, one record per line: key, hours, granted, expires
//   agents                   every agent credited since grants expire: id and display name
//
// Hours credited before grants had expiry dates are in balance/ but in no grants/ record; they
// never expire and always count as available. An agent credited only before then is listed by
// the balances query when asked for by id, and in the full list after its next credit.
//
// Each credit is one commit that requires the grant marker to be absent (a key is credited at
// most once, however often it is repeated) and the balance, grant list and agent list to still
// hold the values that were read (two keys crediting the same agent at once never lose a
// credit). A commit that loses a race is retried a few times with a jittered pause; after that
// the host retries the fulfilment.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fulfilment/common/state_text.h"
#include "plaudit/plugin_sdk.h"

namespace plaudit::fulfilment {
namespace {

namespace pb = ::plaudit::plugin::v1;

constexpr char kPluginName[] = "leave_credit";
constexpr char kVersion[] = "1.1.0";

constexpr double kMaxHours = 400;
// Balances are kept as whole units of 1/10000 hour so that sums are exact.
constexpr int64_t kUnitsPerHour = 10000;
constexpr int kFractionDigits = 4;
constexpr int kMaxCommitAttempts = 16;

using ::plaudit::sdk::Outcome;
using ::plaudit::sdk::StateRead;
using Record = std::vector<std::string>;

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
  const std::string_view text = TrimText(it->second);
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

std::string DescribeHours(int64_t units) {
  return FormatUnits(units) + (units == kUnitsPerHour ? " hour" : " hours");
}

// "8 hours credited (expires 2027-11-22), balance 16": the balance counts unexpired hours.
std::string DescribeCredit(int64_t units, absl::CivilDay expires, int64_t available_units) {
  return DescribeHours(units) + " credited (expires " + FormatDay(expires) + "), balance " +
         FormatUnits(available_units);
}

// One grant in grants/<agent_id>.
struct Grant {
  std::string key;
  int64_t units = 0;
  absl::CivilDay granted;
  absl::CivilDay expires;  // the first day it no longer counts
};

Record GrantRecord(const Grant& grant) {
  return {grant.key, FormatUnits(grant.units), FormatDay(grant.granted), FormatDay(grant.expires)};
}

// The grants stored for an agent; false when the text is not one this plugin wrote.
bool ParseGrants(const std::string& text, std::vector<Grant>* grants) {
  for (const Record& record : DecodeRecordList(text)) {
    Grant grant;
    if (record.size() != 4 || !ParseUnits(record[1], &grant.units)) return false;
    const auto granted = ParseDay(record[2]);
    const auto expires = ParseDay(record[3]);
    if (!granted || !expires) return false;
    grant.key = record[0];
    grant.granted = *granted;
    grant.expires = *expires;
    grants->push_back(std::move(grant));
  }
  return true;
}

// An agent's hours on `today`: the total ever credited, less listed grants that have expired.
// Hours in the total but in no listed grant (credited before grants expired) always count.
struct AgentBalance {
  int64_t available_units = 0;
  int active_grants = 0;
  std::optional<absl::CivilDay> next_expiry;
};

AgentBalance BalanceOn(absl::CivilDay today, int64_t total_units,
                       const std::vector<Grant>& grants) {
  AgentBalance balance;
  balance.available_units = total_units;
  for (const Grant& grant : grants) {
    if (grant.expires <= today) {
      balance.available_units -= grant.units;
      continue;
    }
    ++balance.active_grants;
    if (!balance.next_expiry || grant.expires < *balance.next_expiry) {
      balance.next_expiry = grant.expires;
    }
  }
  return balance;
}

constexpr int kDefaultExpiresAfterDays = 365;
constexpr int kMaxExpiresAfterDays = 3650;
constexpr char kAgentsKey[] = "agents";
constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;

class LeaveCreditPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("leave_credit");
    const auto& config = request.config();
    for (const auto& [key, value] : config) {
      if (key != "expires_after_days" && key != "time_zone") {
        return "unknown config key \"" + key + "\" (known: expires_after_days, time_zone)";
      }
    }
    expires_after_days_ = kDefaultExpiresAfterDays;
    if (auto it = config.find("expires_after_days"); it != config.end()) {
      const auto days = ParseBoundedInt(it->second, 1, kMaxExpiresAfterDays);
      if (!days) {
        return "config expires_after_days must be a whole number from 1 to 3650; got \"" +
               it->second + "\"";
      }
      expires_after_days_ = static_cast<int>(*days);
    }
    zone_ = absl::UTCTimeZone();
    if (auto it = config.find("time_zone"); it != config.end()) {
      if (!absl::LoadTimeZone(std::string(TrimText(it->second)), &zone_)) {
        return "config time_zone: unknown time zone \"" + it->second + "\"";
      }
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
    int expires_after_days = expires_after_days_;
    if (auto it = request.params().find("expires_after_days"); it != request.params().end()) {
      const auto days = ParseBoundedInt(it->second, 1, kMaxExpiresAfterDays);
      if (!days) {
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                       "param \"expires_after_days\" must be a whole number from 1 to 3650; got "
                       "\"" +
                           it->second + "\"");
      }
      expires_after_days = static_cast<int>(*days);
    }

    const std::string grant_key = "grant/" + request.idempotency_key();
    const std::string balance_key = "balance/" + agent_id;
    const std::string grants_key = "grants/" + agent_id;
    for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
      if (attempt > 0) PauseBeforeRetry(attempt);
      const StateRead grant = host().ReadState(grant_key);
      if (!grant.ok) return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + grant.error);
      if (grant.value) return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, *grant.value);

      const StateRead balance = host().ReadState(balance_key);
      const StateRead listed = host().ReadState(grants_key);
      const StateRead agents = host().ReadState(kAgentsKey);
      for (const StateRead* read : {&balance, &listed, &agents}) {
        if (!read->ok) return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + read->error);
      }
      int64_t current = 0;
      if (balance.value && !ParseUnits(*balance.value, &current)) {
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "stored leave balance of agent " + agent_id +
                                                         " is not a number: \"" + *balance.value +
                                                         "\"");
      }
      std::vector<Grant> grants;
      if (listed.value && !ParseGrants(*listed.value, &grants)) {
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                       "stored leave grants of agent " + agent_id + " are unreadable");
      }
      int64_t updated = 0;
      if (__builtin_add_overflow(current, units, &updated)) {
        return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                       "leave balance of agent " + agent_id + " would overflow");
      }
      const absl::CivilDay today = LocalDay(host().NowMicros(), zone_);
      const Grant granted{request.idempotency_key(), units, today, today + expires_after_days};
      grants.push_back(granted);
      const AgentBalance available = BalanceOn(today, updated, grants);
      std::vector<Record> grant_records;
      for (const Grant& g : grants) grant_records.push_back(GrantRecord(g));

      const std::string artifact =
          DescribeCredit(units, granted.expires, available.available_units);
      std::vector<std::pair<std::string, std::string>> puts = {
          {balance_key, FormatUnits(updated)},
          {grants_key, EncodeRecordList(grant_records)},
          {grant_key, artifact}};
      std::vector<std::string> absent = {grant_key};
      std::vector<std::pair<std::string, std::string>> expected;
      auto condition_on = [&](const std::string& key, const StateRead& read) {
        if (read.value) {
          expected.emplace_back(key, *read.value);
        } else {
          absent.push_back(key);
        }
      };
      condition_on(balance_key, balance);
      condition_on(grants_key, listed);
      std::vector<Record> agent_records =
          agents.value ? DecodeRecordList(*agents.value) : std::vector<Record>();
      const bool known = std::any_of(agent_records.begin(), agent_records.end(),
                                     [&](const Record& r) { return r[0] == agent_id; });
      if (!known) {
        agent_records.push_back({agent_id, request.agent().display_name()});
        puts.emplace_back(kAgentsKey, EncodeRecordList(agent_records));
        condition_on(kAgentsKey, agents);
      }
      std::string error;
      if (host().StateCommit(puts, absent, expected, &error)) {
        host().Info("leave_credit: " + artifact + " for agent " + agent_id + " (key " +
                    request.idempotency_key() + ")");
        return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, artifact);
      }

      // Why did the commit fail? This key was credited concurrently (done), the agent's state
      // moved under us (try again), or neither: the store itself refused.
      const StateRead grant_now = host().ReadState(grant_key);
      if (grant_now.ok && grant_now.value) {
        return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, *grant_now.value);
      }
      const StateRead balance_now = host().ReadState(balance_key);
      const StateRead listed_now = host().ReadState(grants_key);
      const StateRead agents_now = host().ReadState(kAgentsKey);
      const bool unchanged = balance_now.value == balance.value &&
                             listed_now.value == listed.value && agents_now.value == agents.value;
      if (!grant_now.ok || !balance_now.ok || !listed_now.ok || !agents_now.ok || unchanged) {
        return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                       "state store refused the credit: " + (error.empty() ? "no reason" : error));
      }
    }
    return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                   "leave balance of agent " + agent_id + " kept changing; gave up after " +
                       std::to_string(kMaxCommitAttempts) + " attempts");
  }

  pb::QueryResponse Query(const pb::QueryRequest& request) override {
    if (request.method() == "balances") return Balances(request);
    return QueryError(kNotFound, "unknown query \"" + request.method() + "\" (known: balances)");
  }

 private:
  static pb::QueryResponse QueryError(int code, std::string error) {
    pb::QueryResponse response;
    response.set_code(code);
    response.set_error(std::move(error));
    return response;
  }

  pb::QueryResponse Balances(const pb::QueryRequest& request) {
    std::string only_agent;
    for (const auto& [key, value] : request.args()) {
      if (key != "agent") {
        return QueryError(kInvalidArgument, "unknown arg \"" + key + "\" (known: agent)");
      }
      only_agent = std::string(TrimText(value));
    }
    const StateRead agents = host().ReadState(kAgentsKey);
    if (!agents.ok) return QueryError(0, "state store: " + agents.error);
    std::vector<Record> agent_records =
        agents.value ? DecodeRecordList(*agents.value) : std::vector<Record>();
    if (!only_agent.empty()) {
      std::erase_if(agent_records, [&](const Record& r) { return r[0] != only_agent; });
      if (agent_records.empty()) agent_records.push_back({only_agent, ""});
    }
    const absl::CivilDay today = LocalDay(host().NowMicros(), zone_);
    pb::QueryResponse response;
    for (const char* column : {"agent", "hours_available", "next_expiry", "grants"}) {
      response.add_columns(column);
    }
    for (const Record& agent : agent_records) {
      const StateRead balance = host().ReadState("balance/" + agent[0]);
      const StateRead listed = host().ReadState("grants/" + agent[0]);
      if (!balance.ok) return QueryError(0, "state store: " + balance.error);
      if (!listed.ok) return QueryError(0, "state store: " + listed.error);
      if (!balance.value) {
        if (!only_agent.empty()) {
          return QueryError(kNotFound, "no leave was ever credited to agent " + only_agent);
        }
        continue;
      }
      int64_t total = 0;
      std::vector<Grant> grants;
      if (!ParseUnits(*balance.value, &total) ||
          (listed.value && !ParseGrants(*listed.value, &grants))) {
        return QueryError(0, "stored leave of agent " + agent[0] + " is unreadable");
      }
      const AgentBalance available = BalanceOn(today, total, grants);
      const std::string name = agent.size() > 1 ? agent[1] : "";
      auto* row = response.add_rows();
      row->add_cells(name.empty() ? agent[0] : name + " (" + agent[0] + ")");
      row->add_cells(FormatUnits(available.available_units));
      row->add_cells(available.next_expiry ? FormatDay(*available.next_expiry) : "");
      row->add_cells(std::to_string(available.active_grants));
    }
    return response;
  }

  int expires_after_days_ = kDefaultExpiresAfterDays;
  absl::TimeZone zone_ = absl::UTCTimeZone();
};

}  // namespace
}  // namespace plaudit::fulfilment

PLAUDIT_PLUGIN(plaudit::fulfilment::LeaveCreditPlugin)

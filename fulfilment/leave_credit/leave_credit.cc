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
//   hris_url            optional; an HR system's endpoint (http:// or https://) that is told of
//                       every grant: POST {"agent_id", "hours", "expires", "award_id",
//                       "granted_at"} with the header Idempotency-Key: <idempotency key>
//   hris_token_file     a file holding the HRIS bearer token (relative: below the data dir), or
//   hris_token_env      the environment variable holding it (default
//                       PLAUDIT_LEAVE_CREDIT_HRIS_TOKEN, used when set); without a token no
//                       Authorization header is sent. The token never appears in an error or log.
//   hris_timeout_ms     limit of one HRIS call, connecting included (default 10000)
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
//   hris/<idempotency_key>   with hris_url: the grant as first told to the HRIS (body, hours,
//                            granted, expires), written before the first post
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
//
// With hris_url, the HRIS is told first and the local credit follows only once it accepted (2xx):
// 429 is retryable after its Retry-After, 5xx and transport failures are retryable, any other
// status is permanent with the HRIS's answer; nothing is credited locally in those cases. The
// grant is pinned under hris/<key> before the first post, so every retry sends the same body
// under the same Idempotency-Key (the HRIS deduplicates) and credits the same dates. A key that
// was already credited locally is answered from the grant marker without posting again.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fulfilment/common/state_text.h"
#include "plaudit/plugin_sdk.h"
#include "plaudit/state_transaction.h"
#include "plaudit/trim.h"
#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"

namespace plaudit::fulfilment {
namespace {

namespace pb = ::plaudit::plugin::v1;
using ::plaudit::sdk::kInvalidArgument;
using ::plaudit::sdk::kNotFound;
using ::plaudit::sdk::QueryError;

constexpr char kPluginName[] = "leave_credit";
constexpr char kVersion[] = "1.2.0";

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

// Units as a JSON number of hours: 8 for whole hours, else the shortest decimal (7.5, 0.0001),
// which reads back as the same units.
json::Json HoursJson(int64_t units) {
  if (units % kUnitsPerHour == 0) return json::Json(units / kUnitsPerHour);
  return json::Json(static_cast<double>(units) / kUnitsPerHour);
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
constexpr char kDefaultHrisTokenEnv[] = "PLAUDIT_LEAVE_CREDIT_HRIS_TOKEN";
constexpr int64_t kDefaultRetryAfterMs = 1000;
constexpr size_t kMaxQuotedChars = 300;

// Where grants are reported, when an HRIS is configured.
struct HrisSettings {
  std::string url;
  // Empty: no Authorization header.
  std::string token;
  int64_t timeout_ms = 10000;
};

// Reads the hris_* config keys; "" or why they are refused. *hris stays null without hris_url.
std::string ReadHrisSettings(const google::protobuf::Map<std::string, std::string>& config,
                             const std::string& data_dir,
                             std::shared_ptr<const HrisSettings>* hris) {
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = config.find(key);
    return it == config.end() ? nullptr : &it->second;
  };
  const std::string* url = get("hris_url");
  const std::string* token_file = get("hris_token_file");
  const std::string* token_env = get("hris_token_env");
  const std::string* timeout = get("hris_timeout_ms");
  hris->reset();
  if (url == nullptr) {
    if (token_file != nullptr || token_env != nullptr || timeout != nullptr) {
      return "config hris_token_file, hris_token_env and hris_timeout_ms need hris_url";
    }
    return {};
  }
  auto settings = std::make_shared<HrisSettings>();
  settings->url = std::string(Trim(*url));
  if (settings->url.rfind("https://", 0) != 0 && settings->url.rfind("http://", 0) != 0) {
    return "config hris_url must start with https:// (or http://); got \"" + *url + "\"";
  }
  if (timeout != nullptr) {
    const auto ms = ParseBoundedInt(*timeout, 1, 600000);
    if (!ms) {
      return "config hris_timeout_ms must be a whole number from 1 to 600000; got \"" + *timeout +
             "\"";
    }
    settings->timeout_ms = *ms;
  }
  if (token_file != nullptr && token_env != nullptr) {
    return "config gives both hris_token_file and hris_token_env; give one";
  }
  if (token_file != nullptr) {
    std::filesystem::path path(*token_file);
    if (path.is_relative() && !data_dir.empty()) path = std::filesystem::path(data_dir) / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "config hris_token_file: cannot read " + path.string();
    std::stringstream text;
    text << in.rdbuf();
    settings->token = std::string(Trim(text.str()));
    if (settings->token.empty()) return "config hris_token_file: " + path.string() + " is empty";
  } else {
    const std::string name = token_env != nullptr ? *token_env : kDefaultHrisTokenEnv;
    if (name.empty()) return "config hris_token_env is empty";
    const char* value = std::getenv(name.c_str());
    settings->token = value == nullptr ? "" : std::string(Trim(value));
    if (settings->token.empty() && token_env != nullptr) {
      return "no HRIS token: environment variable " + name + " is not set";
    }
  }
  if (settings->token.find_first_of("\r\n") != std::string::npos) {
    return "the HRIS token spans several lines; expected one line";
  }
  *hris = std::move(settings);
  return {};
}

std::string RedactToken(const HrisSettings& hris, std::string text) {
  if (hris.token.empty()) return text;
  for (size_t at = text.find(hris.token); at != std::string::npos; at = text.find(hris.token, at)) {
    text.replace(at, hris.token.size(), "[redacted]");
  }
  if (text.size() > kMaxQuotedChars) text = text.substr(0, kMaxQuotedChars) + "...";
  return text;
}

class LeaveCreditPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("leave_credit");
    const auto& config = request.config();
    for (const auto& [key, value] : config) {
      if (key != "expires_after_days" && key != "time_zone" && key != "hris_url" &&
          key != "hris_token_file" && key != "hris_token_env" && key != "hris_timeout_ms") {
        return "unknown config key \"" + key +
               "\" (known: expires_after_days, time_zone, hris_url, hris_token_file, "
               "hris_token_env, hris_timeout_ms)";
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
      if (!absl::LoadTimeZone(std::string(Trim(it->second)), &zone_)) {
        return "config time_zone: unknown time zone \"" + it->second + "\"";
      }
    }
    return ReadHrisSettings(config, request.data_dir(), &hris_);
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

    const absl::CivilDay today = LocalDay(host().NowMicros(), zone_);
    Grant planned{request.idempotency_key(), units, today, today + expires_after_days};
    if (hris_ != nullptr) {
      if (std::optional<pb::FulfilResponse> failed = TellHris(*hris_, request, &planned)) {
        return *failed;
      }
    }
    return Credit(request, planned, today);
  }

  pb::QueryResponse Query(const pb::QueryRequest& request) override {
    if (request.method() == "balances") return Balances(request);
    return QueryError(kNotFound, "unknown query \"" + request.method() + "\" (known: balances)");
  }

 private:
  // Credits `planned` to the agent once per key (see the top of this file).
  pb::FulfilResponse Credit(const pb::FulfilRequest& request, const Grant& planned,
                            absl::CivilDay today) {
    const std::string& agent_id = request.agent().id();
    const int64_t units = planned.units;
    const std::string grant_key = "grant/" + request.idempotency_key();
    const std::string balance_key = "balance/" + agent_id;
    const std::string grants_key = "grants/" + agent_id;
    // A conflict is this key credited concurrently (answered next round) or the agent's state
    // moving under us.
    std::optional<pb::FulfilResponse> settled = sdk::RetryStateTransaction(
        host(), kMaxCommitAttempts,
        [&](sdk::StateTransaction& tx) -> std::optional<pb::FulfilResponse> {
          const StateRead grant = tx.Read(grant_key);
          if (!grant.ok)
            return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + grant.error);
          if (grant.value) return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, *grant.value);

          const StateRead balance = tx.Read(balance_key);
          const StateRead listed = tx.Read(grants_key);
          // Read without a condition: the list only matters when this agent is not on it yet.
          const StateRead agents = host().ReadState(kAgentsKey);
          for (const StateRead* read : {&balance, &listed, &agents}) {
            if (!read->ok) {
              return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + read->error);
            }
          }
          int64_t current = 0;
          if (balance.value && !ParseUnits(*balance.value, &current)) {
            return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "stored leave balance of agent " +
                                                             agent_id + " is not a number: \"" +
                                                             *balance.value + "\"");
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
          grants.push_back(planned);
          const AgentBalance available = BalanceOn(today, updated, grants);
          std::vector<Record> grant_records;
          for (const Grant& g : grants) grant_records.push_back(GrantRecord(g));

          const std::string artifact =
              DescribeCredit(units, planned.expires, available.available_units);
          tx.Put(balance_key, FormatUnits(updated));
          tx.Put(grants_key, EncodeRecordList(grant_records));
          tx.Put(grant_key, artifact);
          std::vector<Record> agent_records =
              agents.value ? DecodeRecordList(*agents.value) : std::vector<Record>();
          const bool known = std::any_of(agent_records.begin(), agent_records.end(),
                                         [&](const Record& r) { return r[0] == agent_id; });
          if (!known) {
            agent_records.push_back({agent_id, request.agent().display_name()});
            tx.Put(kAgentsKey, EncodeRecordList(agent_records));
            tx.Expect(kAgentsKey, agents.value);
          }
          std::string error;
          switch (tx.Commit(&error)) {
            case sdk::CommitResult::kCommitted:
              host().Info("leave_credit: " + artifact + " for agent " + agent_id + " (key " +
                          request.idempotency_key() + ")");
              return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, artifact);
            case sdk::CommitResult::kConflict:
              return std::nullopt;
            case sdk::CommitResult::kRefused:
              break;
          }
          return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store refused the credit: " + error);
        });
    if (settled) return *settled;
    return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                   "leave balance of agent " + agent_id + " kept changing; gave up after " +
                       std::to_string(kMaxCommitAttempts) + " attempts");
  }

  // Tells the HRIS of the grant; nullopt once it accepted, else the outcome to answer. A key
  // already credited locally is not posted again. *grant becomes the grant pinned under
  // hris/<key> by the first attempt, so that every attempt sends and credits the same.
  std::optional<pb::FulfilResponse> TellHris(const HrisSettings& hris,
                                             const pb::FulfilRequest& request, Grant* grant) {
    const std::string& key = request.idempotency_key();
    const StateRead credited = host().ReadState("grant/" + key);
    if (!credited.ok)
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + credited.error);
    if (credited.value) return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, *credited.value);

    const std::string pin_key = "hris/" + key;
    StateRead pinned = host().ReadState(pin_key);
    if (!pinned.ok) return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + pinned.error);
    if (!pinned.value) {
      json::Json message = json::Json::object();
      message["agent_id"] = request.agent().id();
      message["hours"] = HoursJson(grant->units);
      message["expires"] = FormatDay(grant->expires);
      message["award_id"] = request.award_id();
      message["granted_at"] = absl::FormatTime(
          "%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(host().NowMicros()), absl::UTCTimeZone());
      const std::string body = json::Serialize(message);
      const std::string record = EncodeRecord(
          {body, FormatUnits(grant->units), FormatDay(grant->granted), FormatDay(grant->expires)});
      // A concurrent attempt may pin its own first; then that one is sent.
      pinned = sdk::InsertOrRead(host(), pin_key, record);
      if (!pinned.ok) {
        return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "cannot pin the HRIS record: " + pinned.error);
      }
    }
    const Record fields = DecodeRecord(*pinned.value);
    const auto granted = fields.size() == 4 ? ParseDay(fields[2]) : std::nullopt;
    const auto expires = fields.size() == 4 ? ParseDay(fields[3]) : std::nullopt;
    if (!granted || !expires || !ParseUnits(fields[1], &grant->units)) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                     "stored HRIS record of " + key + " is unreadable");
    }
    grant->granted = *granted;
    grant->expires = *expires;

    http::Request post;
    post.method = "POST";
    post.url = hris.url;
    post.headers = {{"Content-Type", "application/json"},
                    {"Accept", "application/json"},
                    {"Idempotency-Key", key},
                    {"User-Agent", "plaudit-leave-credit/1.2"}};
    if (!hris.token.empty()) post.headers.emplace_back("Authorization", "Bearer " + hris.token);
    post.body = fields[0];
    post.timeout_ms = hris.timeout_ms;
    post.connect_timeout_ms = std::min<int64_t>(hris.timeout_ms, 5000);
    const http::Response response = http_.Send(post);
    if (response.failure != http::Failure::kNone) {
      // The Idempotency-Key makes a repeat safe even if this one arrived.
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                     "HRIS: " + RedactToken(hris, response.error) + "; nothing credited yet");
    }
    const std::string status = "HTTP " + std::to_string(response.status);
    if (response.status >= 200 && response.status < 300) {
      host().Info("leave_credit: HRIS accepted the grant of key " + key + " (" + status + ")");
      return std::nullopt;
    }
    if (response.status == 429) {
      const std::optional<int64_t> wait = response.retry_after_ms;
      pb::FulfilResponse resp =
          Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                  "HRIS is rate limiting (" + status + "); nothing credited yet");
      resp.set_retry_after_ms(wait.value_or(kDefaultRetryAfterMs));
      return resp;
    }
    const std::string answer = RedactToken(hris, response.body);
    if (response.status >= 500) {
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                     "HRIS failed (" + status + "): " + answer + "; nothing credited yet");
    }
    return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                   "HRIS refused the leave grant (" + status + "): " + answer);
  }

  pb::QueryResponse Balances(const pb::QueryRequest& request) {
    std::string only_agent;
    for (const auto& [key, value] : request.args()) {
      if (key != "agent") {
        return QueryError(kInvalidArgument, "unknown arg \"" + key + "\" (known: agent)");
      }
      only_agent = std::string(Trim(value));
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
  // Null without hris_url.
  std::shared_ptr<const HrisSettings> hris_;
  http::CurlHttpClient http_;
};

}  // namespace
}  // namespace plaudit::fulfilment

PLAUDIT_PLUGIN(plaudit::fulfilment::LeaveCreditPlugin)

// The "announce" fulfilment plugin: congratulates the winner in a team chat channel by posting
// Slack-style JSON {"text": "..."} to the channel's incoming-webhook URL.
//
// Reward params:
//   message   optional; a further line after the announcement (placeholders are expanded too)
// Settings: see settings.h.
//
// An agent who opted out of public praise is not announced: the reward is fulfilled with the
// artifact "not announced: <agent id> opted out of public praise" and nothing is posted.
//
// Outcomes: 2xx is fulfilled; 429 is retryable after the Retry-After; 5xx and an unreachable
// webhook are retryable; any other status is permanent with the service's answer; a post that
// went out without an answer (timeout, dropped connection) is unknown.
//
// Delivery is at most once. Chat webhooks take no idempotency key, so a repeated post is a
// repeated message in the channel. The plugin records "sending" under the key before it posts
// and "sent" or "not sent" after it hears back; it never posts while a "sending" record stands.
// A post that was never answered is therefore not repeated: once it can no longer be in flight
// (timeout_ms plus kInFlightGraceMs after it started) both Fulfil and Lookup report it fulfilled
// with an artifact saying the announcement is unconfirmed, and log a warning. A missed
// congratulation is the lesser harm: a duplicate one is noise in a team channel that nobody
// can take back, and a wrongly failed reward would be retried or escalated for a message that
// most likely arrived.
//
// State keys:
//   post/<idempotency_key>   one record: "sending" + start (unix micros), "sent" + artifact,
//                            or "not_sent" + reason (safe to post again)
//
// The webhook URL is a credential: it is sent nowhere but to the chat service, and scrubbed from
// every error text.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fulfilment/announce/settings.h"
#include "fulfilment/common/state_text.h"
#include "plaudit/plugin_sdk.h"
#include "plaudit/state_transaction.h"
#include "plaudit/trim.h"
#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"

namespace plaudit::fulfilment::announce {
namespace {

namespace pb = ::plaudit::plugin::v1;

using ::plaudit::sdk::Outcome;
using ::plaudit::sdk::StateRead;

constexpr char kPluginName[] = "announce";
constexpr char kVersion[] = "1.0.0";
// How long after timeout_ms a post without a recorded answer may still be in flight.
constexpr int64_t kInFlightGraceMs = 5000;
constexpr int64_t kDefaultRetryAfterMs = 1000;
constexpr size_t kMaxQuotedChars = 200;

constexpr char kSending[] = "sending";
constexpr char kSent[] = "sent";
constexpr char kNotSent[] = "not_sent";

std::string PostKey(const std::string& key) { return "post/" + key; }

std::string Shorten(std::string text) {
  if (text.size() > kMaxQuotedChars) text = text.substr(0, kMaxQuotedChars) + "...";
  return text;
}

pb::FulfilResponse Retryable(std::string error, int64_t retry_after_ms = 0) {
  pb::FulfilResponse resp = Outcome(pb::FULFIL_OUTCOME_RETRYABLE, std::move(error));
  resp.set_retry_after_ms(retry_after_ms);
  return resp;
}

class AnnouncePlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("announce");
    const std::map<std::string, std::string> config(request.config().begin(),
                                                    request.config().end());
    auto settings = std::make_shared<Settings>();
    if (std::string error = ReadSettings(config, request.data_dir(), settings.get());
        !error.empty()) {
      return error;
    }
    std::lock_guard<std::mutex> lock(mu_);
    settings_ = std::move(settings);
    return {};
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    const std::string& key = request.idempotency_key();
    if (key.empty()) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    const std::string& agent_id = request.agent().id();
    if (agent_id.empty()) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "agent id is empty");
    const std::shared_ptr<const Settings> settings = CurrentSettings();
    if (settings == nullptr) return Retryable("announce is not initialised");
    if (request.agent().no_public_praise()) {
      return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {},
                     "not announced: " + agent_id + " opted out of public praise");
    }
    std::string text;
    if (std::string error = Compose(*settings, request, &text); !error.empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, error);
    }

    // Claim the key: only the attempt that turns the record into "sending" posts.
    sdk::StateTransaction claiming(&host());
    const StateRead before = claiming.Read(PostKey(key));
    if (!before.ok) return Retryable("state store: " + before.error);
    if (before.value) {
      const Record record = DecodeRecord(*before.value);
      if (record[0] != kNotSent) return FromRecord(*settings, key, record);
    }
    const std::string claim = EncodeRecord({kSending, std::to_string(host().NowMicros())});
    claiming.Put(PostKey(key), claim);
    std::string error;
    switch (claiming.Commit(&error)) {
      case sdk::CommitResult::kCommitted:
        break;
      case sdk::CommitResult::kConflict: {
        // Another attempt claimed the key first: answer from its record.
        const StateRead now = host().ReadState(PostKey(key));
        if (now.ok && now.value) {
          const Record record = DecodeRecord(*now.value);
          if (record[0] != kNotSent) return FromRecord(*settings, key, record);
        }
        return Retryable("another attempt was recording the post for " + key);
      }
      case sdk::CommitResult::kRefused:
        return Retryable("state store refused to record the post: " + error);
    }

    const http::Response response = Post(*settings, text);
    return Settle(*settings, request, claim, text, response);
  }

  pb::FulfilResponse Lookup(const pb::FulfilRequest& request) override {
    const std::string& key = request.idempotency_key();
    if (key.empty()) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    const std::shared_ptr<const Settings> settings = CurrentSettings();
    if (settings == nullptr) return Retryable("announce is not initialised");
    const StateRead read = host().ReadState(PostKey(key));
    if (!read.ok) return Retryable("state store: " + read.error);
    if (!read.value) return Outcome(pb::FULFIL_OUTCOME_NOT_FOUND, "nothing was posted for " + key);
    const Record record = DecodeRecord(*read.value);
    if (record[0] == kNotSent) {
      return Outcome(pb::FULFIL_OUTCOME_NOT_FOUND, "the post for " + key + " was not delivered");
    }
    return FromRecord(*settings, key, record);
  }

 private:
  using Record = std::vector<std::string>;

  std::shared_ptr<const Settings> CurrentSettings() {
    std::lock_guard<std::mutex> lock(mu_);
    return settings_;
  }

  static std::string Compose(const Settings& settings, const pb::FulfilRequest& request,
                             std::string* text) {
    const pb::AgentRef& agent = request.agent();
    AnnouncedAward award;
    award.agent = agent.display_name().empty() ? agent.id() : agent.display_name();
    award.program = request.program_name().empty() ? request.program_id() : request.program_name();
    award.period = request.period();
    award.team = agent.team();
    *text = ExpandTemplate(settings.message_template, award);
    for (const auto& [name, value] : request.params()) {
      if (name != "message") return "unknown param \"" + name + "\" (known: message)";
      if (std::string error = CheckTemplate(value); !error.empty()) {
        return "param \"message\": " + error;
      }
      if (!Trim(value).empty()) *text += "\n" + ExpandTemplate(value, award);
    }
    return {};
  }

  http::Response Post(const Settings& settings, const std::string& text) {
    http::Request post;
    post.method = "POST";
    post.url = settings.webhook_url;
    post.headers = {{"Content-Type", "application/json"}, {"User-Agent", "plaudit-announce/1.0"}};
    json::Json body = json::Json::object();
    body["text"] = text;
    post.body = json::Serialize(body);
    post.timeout_ms = settings.timeout_ms;
    post.connect_timeout_ms = std::min<int64_t>(settings.timeout_ms, 5000);
    post.ca_file = settings.ca_file;
    return http_.Send(post);
  }

  // Records what the post came to and answers the fulfilment.
  pb::FulfilResponse Settle(const Settings& settings, const pb::FulfilRequest& request,
                            const std::string& claim, const std::string& text,
                            const http::Response& response) {
    const std::string& key = request.idempotency_key();
    if (response.failure == http::Failure::kNoAnswer ||
        response.failure == http::Failure::kTimedOut) {
      // The "sending" record stays: the message may be in the channel, so it is not posted again.
      host().Warning("announce: no answer from the chat webhook for key " + key +
                     "; the announcement may have been delivered and will not be posted again");
      return Outcome(pb::FULFIL_OUTCOME_UNKNOWN,
                     "no answer from the chat webhook: " + Redact(settings, response.error));
    }
    if (response.failure == http::Failure::kNone && response.status >= 200 &&
        response.status < 300) {
      const std::string artifact = "announced: " + Shorten(text);
      std::string error;
      if (!host().StateCommit({{PostKey(key), EncodeRecord({kSent, artifact})}}, {},
                              {{PostKey(key), claim}}, &error)) {
        // The message is in the channel; the "sending" record keeps it from being posted again.
        host().Warning("announce: posted for key " + key + " but could not record it: " + error);
      }
      host().Info("announce: posted award " + request.award_id() + " for agent " +
                  request.agent().id() + " (key " + key + ")");
      return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, artifact);
    }

    pb::FulfilResponse resp;
    if (response.failure == http::Failure::kNotSent) {
      resp = Retryable("chat webhook unreachable: " + Redact(settings, response.error));
    } else if (response.status == 429) {
      const std::optional<int64_t> wait = response.retry_after_ms;
      resp = Retryable("chat webhook is rate limiting (HTTP 429)",
                       wait.value_or(kDefaultRetryAfterMs));
    } else if (response.status >= 500) {
      resp = Retryable("chat webhook failed (HTTP " + std::to_string(response.status) +
                       "): " + Shorten(Redact(settings, response.body)));
    } else {
      resp = Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                     "chat webhook refused the post (HTTP " + std::to_string(response.status) +
                         "): " + Shorten(Redact(settings, response.body)));
    }
    std::string error;
    if (!host().StateCommit({{PostKey(key), EncodeRecord({kNotSent, resp.error()})}}, {},
                            {{PostKey(key), claim}}, &error)) {
      // Still "sending": a retry will find it and not post. Better say so than mislead.
      return Retryable("the post was refused, but recording that failed: " + error);
    }
    return resp;
  }

  // Answers from a "sending" or "sent" record.
  pb::FulfilResponse FromRecord(const Settings& settings, const std::string& key,
                                const Record& record) {
    if (record[0] == kSent && record.size() > 1) {
      return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, record[1]);
    }
    const int64_t started = record.size() > 1 ? std::atoll(record[1].c_str()) : 0;
    const int64_t age_ms = (host().NowMicros() - started) / 1000;
    if (record[0] == kSending && age_ms < settings.timeout_ms + kInFlightGraceMs) {
      return Outcome(pb::FULFIL_OUTCOME_UNKNOWN, "a post for " + key + " is in flight");
    }
    host().Warning("announce: the post for key " + key +
                   " was never confirmed; it is not posted again, to avoid a duplicate");
    return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {},
                   "announcement unconfirmed: the chat webhook never answered; not posted again, "
                   "to avoid a duplicate");
  }

  // `text` without the webhook URL or its path, which may echo back in errors.
  static std::string Redact(const Settings& settings, std::string text) {
    std::vector<std::string> secrets = {settings.webhook_url};
    const size_t scheme = settings.webhook_url.find("://");
    const size_t path =
        scheme == std::string::npos ? scheme : settings.webhook_url.find('/', scheme + 3);
    if (path != std::string::npos && settings.webhook_url.size() - path > 1) {
      secrets.push_back(settings.webhook_url.substr(path));
    }
    for (const std::string& secret : secrets) {
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "[webhook]");
      }
    }
    return text;
  }

  http::CurlHttpClient http_;
  std::mutex mu_;
  std::shared_ptr<const Settings> settings_;  // guarded by mu_
};

}  // namespace
}  // namespace plaudit::fulfilment::announce

PLAUDIT_PLUGIN(plaudit::fulfilment::announce::AnnouncePlugin)

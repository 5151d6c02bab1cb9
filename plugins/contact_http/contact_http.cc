// The "contact_http" metric-source plugin: an HTTPS endpoint that platforms and survey tools post
// records to, each request signed with a shared secret and a timestamp, stored by plauditd before
// it is answered.
//
//   POST /v1/records   platform records in the `format` the plugin is configured with
//                      (amazon_connect, genesys_cloud or zendesk; see contact_records/): one JSON
//                      record, a JSON array of them, or JSON lines
//   POST /v1/surveys   survey responses (contact_records/survey_response.h), in the same shapes
//   GET  /healthz      "ok", unsigned, for a load balancer
//
// Every POST carries `Plaudit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
// (core/api/callback_signature.h; any of several v1 entries may match, for rolling the secret),
// signed within five minutes of plauditd's clock. A replay inside that window changes nothing: the
// contacts it carries are stored versions already.
//
// Answers: 200 with what was stored, rejected and left out; 400 for a body that holds no record;
// 401 for a missing, wrong or stale signature; 413 over max_body_bytes; 422 when no record of the
// body can be read (each named); 503 with Retry-After when plauditd could not store them (nothing
// was lost: send the request again). Readable records are stored even when others in the body are
// not; the answer names each rejected one by its place in the body.
//
// Config keys: `listen` (HOST:PORT, required), `tls_cert_file` and `tls_key_file` (PEM; required
// unless `listen` is a loopback address, where a proxy on the same host may end TLS), the secret
// (`secret`, `secret_file` or `secret_env`: plugins/common/secret_setting.h; by default the
// environment variable PLAUDIT_CONTACT_HTTP_SECRET), `max_body_bytes` (default 10 MiB), a
// record format and its mapping (contact_records/contact_format.h; optional: without `format`
// there is no /v1/records), `survey_source` (default "surveys") and `survey_contact_source` (the
// source a survey's contact_id names; default the records' source).
//
// Thread-safety: requests are served on the HTTP server's worker threads, several at once; the
// formats are read-only once configured and the counters are atomic.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/api/callback_signature.h"
#include "plaudit/plugin_sdk.h"
#include "plaudit/trim.h"
#include "plugins/common/json_text.h"
#include "plugins/common/secret_setting.h"
#include "plugins/contact_records/contact_format.h"

namespace plaudit::plugins {
namespace {

namespace pb = ::plaudit::plugin::v1;

constexpr char kPluginName[] = "contact_http";
constexpr char kVersion[] = "1.0.0";
constexpr char kDefaultSecretEnv[] = "PLAUDIT_CONTACT_HTTP_SECRET";
constexpr char kSignatureHeader[] = "Plaudit-Signature";
constexpr int64_t kDefaultMaxBody = int64_t{10} << 20;
// Contacts per ingest.facts call: a large post is stored in several transactions.
constexpr int kBatch = 500;
constexpr int kRetryAfterSeconds = 5;

// One record of a body: its text and where it sits ("record 3", "line 12").
struct BodyRecord {
  std::string text;
  std::string place;
};

// The records of a body: a JSON array's elements, a single JSON document, or JSON lines (blank
// lines skipped). An array that cannot be parsed is one bad record, named by its parse error.
std::vector<BodyRecord> SplitBody(const std::string& body) {
  std::vector<BodyRecord> records;
  const std::string_view trimmed = Trim(body);
  if (trimmed.empty()) return records;
  std::string error;
  if (trimmed.front() == '[') {
    std::optional<json::Json> array = json::ParseStrict(trimmed, &error);
    if (!array.has_value()) {
      records.push_back({std::string(trimmed), "the body (" + error + ")"});
      return records;
    }
    int index = 0;
    for (const json::Json& element : *array) {
      records.push_back({json::Serialize(element), absl::StrCat("record ", ++index)});
    }
    return records;
  }
  if (json::ParseStrict(trimmed, &error).has_value()) {
    records.push_back({std::string(trimmed), "record 1"});
    return records;
  }
  std::istringstream lines(body);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (Trim(line).empty()) continue;
    records.push_back({line, absl::StrCat("line ", number)});
  }
  return records;
}

bool LoopbackHost(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "[::1]" || host == "localhost";
}

void Answer(httplib::Response& res, int status, const json::Json& body) {
  res.status = status;
  res.set_content(json::Serialize(body) + "\n", "application/json");
}

void Refuse(httplib::Response& res, int status, const std::string& error) {
  Answer(res, status, json::Json{{"error", error}});
}

class ContactHttp : public sdk::Plugin {
 public:
  ~ContactHttp() override {
    if (server_ != nullptr) server_->stop();
    if (serving_.joinable()) serving_.join();
  }

  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    const auto& config = request.config();
    const auto setting = [&](const char* key) -> const std::string* {
      auto it = config.find(key);
      return it == config.end() ? nullptr : &it->second;
    };
    for (const auto& [key, value] : config) {
      if (!contacts::ContactFormat::SettingKeys().contains(key) && key != "listen" &&
          key != "tls_cert_file" && key != "tls_key_file" &&
          !SecretSettingKeys("secret").contains(key) && key != "max_body_bytes" &&
          key != "survey_source" && key != "identity_map_file") {
        return "config: unknown setting \"" + key + "\"";
      }
    }
    if (setting("format") != nullptr) {
      records_.emplace();
      if (std::string error = records_->Configure(config); !error.empty()) return error;
      if (records_->format() == "survey") {
        return "config format: surveys come to /v1/surveys; give format a platform's records "
               "(amazon_connect, genesys_cloud or zendesk), or none";
      }
    }
    google::protobuf::Map<std::string, std::string> survey_config;
    survey_config["format"] = "survey";
    survey_config["source"] = setting("survey_source") ? *setting("survey_source") : "surveys";
    if (const std::string* contact_source = setting("survey_contact_source")) {
      survey_config["survey_contact_source"] = *contact_source;
    } else if (records_.has_value()) {
      survey_config["survey_contact_source"] = records_->source();
    }
    if (std::string error = surveys_.Configure(survey_config); !error.empty()) {
      return "survey_source: " + error;
    }
    if (records_.has_value() && records_->source() == surveys_.source()) {
      return "config survey_source: \"" + surveys_.source() +
             "\" is the records' source too; give each its own";
    }
    if (const std::string* text = setting("max_body_bytes")) {
      if (!absl::SimpleAtoi(*text, &max_body_) || max_body_ < 1024 ||
          max_body_ > (int64_t{1} << 30)) {
        return "config max_body_bytes must be a whole number from 1024 to 1073741824; got \"" +
               *text + "\"";
      }
    }
    Secret secret;
    if (std::string error =
            ReadSecretSetting(config, "secret", request.data_dir(), kDefaultSecretEnv, &secret);
        !error.empty()) {
      return error;
    }
    // The secret is never shown: only where it came from.
    if (secret.value.size() < 16) {
      return "no signing secret of 16 characters or more in " +
             (secret.where.empty() ? std::string("environment variable ") + kDefaultSecretEnv
                                   : secret.where) +
             " (give secret_file or secret_env)";
    }
    secret_ = std::move(secret.value);
    if (std::string error =
            Listen(setting("listen"), setting("tls_cert_file"), setting("tls_key_file"));
        !error.empty()) {
      return error;
    }

    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_METRIC_SOURCE);
    info->set_version(kVersion);
    if (records_.has_value()) info->add_sources(records_->source());
    info->add_sources(surveys_.source());
    return {};
  }

  // The first poll starts serving: requests call the host, which is whole only once plauditd
  // has started. Until then connections wait in the listen queue.
  pb::PollResponse Poll(const pb::PollRequest&) override {
    std::call_once(started_, [this] {
      serving_ = std::thread([this] { server_->listen_after_bind(); });
      // httplib's stop() does nothing before the listener runs: wait for it, so that a plugin
      // destroyed right after its first poll does not wait for a server nobody stopped.
      while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      host().Info(absl::StrCat("contact_http: listening on ", host_, ":", port_,
                               tls_ ? " (HTTPS)" : " (plain HTTP on loopback)"));
    });
    return pb::PollResponse();
  }

 private:
  std::string Listen(const std::string* listen, const std::string* cert, const std::string* key) {
    if (listen == nullptr || listen->empty()) return "config listen: missing (HOST:PORT)";
    const size_t colon = listen->rfind(':');
    std::string host = colon == std::string::npos ? "" : listen->substr(0, colon);
    int port = -1;
    if (host.empty() || !absl::SimpleAtoi(listen->substr(colon + 1), &port) || port < 0 ||
        port > 65535) {
      return "config listen: \"" + *listen + "\" is not HOST:PORT";
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if ((cert == nullptr) != (key == nullptr)) {
      return "config gives one of tls_cert_file and tls_key_file; give both";
    }
    tls_ = cert != nullptr;
    if (tls_) {
      for (const std::string* file : {cert, key}) {
        if (!std::ifstream(*file).good()) return "config: cannot read " + *file;
      }
      auto https = std::make_unique<httplib::SSLServer>(cert->c_str(), key->c_str());
      if (!https->is_valid()) {
        return "config: " + *cert + " and " + *key + " are not a certificate and its private key";
      }
      server_ = std::move(https);
    } else {
      if (!LoopbackHost(host)) {
        return "config listen: " + *listen +
               " is not a loopback address; give tls_cert_file and tls_key_file (plain HTTP "
               "only behind a proxy on this host)";
      }
      server_ = std::make_unique<httplib::Server>();
    }
    server_->set_payload_max_length(static_cast<size_t>(max_body_));
    // An answer goes out at once: with Nagle's algorithm a keep-alive connection's small answers
    // would wait for the sender's delayed acknowledgement (about 40 ms each).
    server_->set_tcp_nodelay(true);
    // Bodies are read whole before a handler sees them, and httplib checks max_body_bytes against
    // Content-Length only: a chunked or compressed body could grow past it, unsigned. So a post
    // must say its length and come as it is; and a sender must keep sending.
    server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "POST") return httplib::Server::HandlerResponse::Unhandled;
      if (req.has_header("Transfer-Encoding") || !req.has_header("Content-Length")) {
        Refuse(res, 411, "a post must give its Content-Length (chunked bodies are not taken)");
        return httplib::Server::HandlerResponse::Handled;
      }
      const std::string encoding = req.get_header_value("Content-Encoding");
      if (!encoding.empty() && encoding != "identity") {
        Refuse(res, 415, "Content-Encoding " + encoding + " is not taken: send the body as it is");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server_->set_read_timeout(std::chrono::seconds(10));
    server_->set_keep_alive_max_count(1000);
    server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    server_->Post("/v1/records", [this](const httplib::Request& req, httplib::Response& res) {
      if (!records_.has_value()) {
        Refuse(res, 404, "this endpoint takes no platform records: the plugin has no format");
        return;
      }
      Take(*records_, req, res);
    });
    server_->Post("/v1/surveys", [this](const httplib::Request& req, httplib::Response& res) {
      Take(surveys_, req, res);
    });
    host_ = host;
    port_ = port == 0 ? server_->bind_to_any_port(host)
                      : (server_->bind_to_port(host, port) ? port : -1);
    if (port_ <= 0) return "config listen: cannot listen on " + *listen + " (in use, or not here)";
    return {};
  }

  // Verifies, reads and stores one post of records in `format`.
  void Take(const contacts::ContactFormat& format, const httplib::Request& req,
            httplib::Response& res) {
    const std::string signature = req.get_header_value(kSignatureHeader);
    if (signature.empty()) {
      Refuse(res, 401, absl::StrCat("missing ", kSignatureHeader, " header"));
      return;
    }
    const absl::Time now = absl::FromUnixMicros(host().NowMicros());
    auto verified = api::VerifyCallbackSignature(secret_, signature, req.body, now);
    if (!verified.ok()) {
      Refuse(res, 401, std::string(verified.status().message()));
      return;
    }
    const std::vector<BodyRecord> records = SplitBody(req.body);
    if (records.empty()) {
      Refuse(res, 400, "the body holds no record");
      return;
    }

    json::Json rejected = json::Json::array();
    json::Json problems = json::Json::array();
    std::vector<pb::ContactVersion> contacts;
    for (const BodyRecord& record : records) {
      contacts::ReadContact read = format.Read(record.text);
      if (!read.contact.has_value()) {
        rejected.push_back(json::Json{{"at", record.place}, {"reason", read.rejected}});
        continue;
      }
      for (const std::string& problem : read.problems) {
        problems.push_back(record.place + ": " + problem);
      }
      read.contact->set_origin(absl::StrCat("POST ", req.path, " ", record.place));
      contacts.push_back(*std::move(read.contact));
    }
    if (contacts.empty()) {
      Answer(res, 422,
             json::Json{{"error", "no record of the body can be read"}, {"rejected", rejected}});
      Report(format.source(), req.path, 0, static_cast<int64_t>(rejected.size()),
             rejected.back()["reason"].get<std::string>());
      return;
    }

    int64_t applied = 0, unchanged = 0, waiting = 0;
    for (size_t first = 0; first < contacts.size(); first += kBatch) {
      pb::IngestFactsRequest batch;
      batch.set_source(format.source());
      const size_t end = std::min(contacts.size(), first + kBatch);
      for (size_t i = first; i < end; ++i) *batch.add_contacts() = contacts[i];
      const bool last = end == contacts.size();
      // Counts go with the last batch, so that a failed post counts nothing.
      if (last)
        Progress(&batch, req.path, static_cast<int64_t>(records.size() - rejected.size()),
                 static_cast<int64_t>(rejected.size()),
                 rejected.empty() ? "" : rejected.back()["reason"].get<std::string>());
      pb::IngestFactsResponse stored;
      std::string error;
      if (!host().IngestFacts(batch, &stored, &error) || !stored.error().empty()) {
        if (error.empty()) error = stored.error();
        res.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
        Refuse(res, 503,
               absl::StrCat(first == 0 ? "not stored"
                                       : absl::StrCat("stored ", first, " of ", contacts.size(),
                                                      " contacts, then failed"),
                            ": ", error, "; send the post again (what is stored counts once)"));
        return;
      }
      applied += stored.applied();
      unchanged += stored.unchanged();
      waiting += stored.unmatched();
      for (const auto& problem : stored.problems()) {
        problems.push_back(problem.origin().empty() ? problem.reason()
                                                    : problem.origin() + ": " + problem.reason());
      }
    }
    Answer(res, 200,
           json::Json{{"taken", static_cast<int64_t>(contacts.size())},
                      {"applied", applied},
                      {"unchanged", unchanged},
                      {"waiting", waiting},
                      {"rejected", rejected},
                      {"problems", problems}});
  }

  // What `plaudit sources status` shows of this source after a post.
  void Progress(pb::IngestFactsRequest* batch, const std::string& path, int64_t taken,
                int64_t rejected, const std::string& problem) {
    batch->set_position(absl::StrCat(
        "last POST ", path, " at ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMicros(host().NowMicros()),
                         absl::UTCTimeZone())));
    batch->set_lag("none: records are pushed");
    batch->set_taken(taken);
    batch->set_rejected(rejected);
    batch->set_last_problem(problem);
  }

  // Reports a post none of whose records could be read (nothing else to store).
  void Report(const std::string& source, const std::string& path, int64_t taken, int64_t rejected,
              const std::string& problem) {
    pb::IngestFactsRequest batch;
    batch.set_source(source);
    Progress(&batch, path, taken, rejected, problem);
    pb::IngestFactsResponse ignored;
    std::string error;
    host().IngestFacts(batch, &ignored, &error);
  }

  std::optional<contacts::ContactFormat> records_;
  contacts::ContactFormat surveys_;
  std::string secret_;
  int64_t max_body_ = kDefaultMaxBody;
  bool tls_ = false;
  std::string host_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::once_flag started_;
  std::thread serving_;
};

}  // namespace
}  // namespace plaudit::plugins

PLAUDIT_PLUGIN(plaudit::plugins::ContactHttp)

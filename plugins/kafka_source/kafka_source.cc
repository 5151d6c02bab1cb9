// The "kafka_source" metric-source plugin: a Kafka consumer group member (librdkafka) that takes
// records from configured topics and hands them to the host: a platform's records as contact
// facts ("ingest.facts"), or Plaudit's own events as rows ("ingest.csv").
//
// Config keys: those of a record format and its mapping (see
// plugins/contact_records/contact_format.h), where `format` may also be plaudit_event (a JSON
// object {"event_id", "agent_id", "metric", "value", "occurred_at"}, as `plaudit metrics import`
// takes them), and
//   encoding          json (default) or, with plaudit_event, protobuf: each record a serialized
//                     plaudit.v1.MetricEvent (read as plugin/v1/event_record.proto)
//   brokers           bootstrap servers, host:port[,host:port...] (required)
//   topics            topics to consume, comma-separated (required)
//   group_id          the consumer group (default plaudit-<source>)
//   batch_size        records per host call, 1..10000 (default 500)
//   dead_letter_file  where records that cannot be read go (default
//                     <data_dir>/contacts/<source>/dead-letter.jsonl; relative to the data dir)
//   poll_ms           how long a poll waits for its first record (default 100, at most 10000)
//   kafka.NAME        passed to librdkafka as its setting NAME (security.protocol,
//                     sasl.mechanisms, ssl.ca.location, ...)
// plauditd itself reads `identity_map_file` from the same block (see docs/sources.md).
//
// Exactly once, in effect: offsets are committed only after the host has stored what the records
// stand for (and the dead-letter file is synced), so a crash or a rebalance mid-batch delivers
// those records again, and the host counts a contact version it has stored, or an event id with
// the same content, once. A record that cannot be read (not JSON, a required field missing, an
// event the host rejects) is appended to the dead-letter file as one JSON object per line (topic,
// partition, offset, reason, the record's text, or record_base64 for a protobuf record) and never
// holds up its partition. When the host
// cannot store a batch (its store is down), the partitions are sought back to the batch's first
// offsets and paused for a back-off (back-pressure): the records come again once it recovers.
//
// Each poll consumes for at most about a second (batches of batch_size), so that one busy topic
// does not hold up the host's other sources.
//
// Thread-safety: polls are serialised; a poll that finds another one running returns at once.
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "plaudit/errno_message.h"
#include "plaudit/plugin/v1/event_record.pb.h"
#include "plaudit/plugin_sdk.h"
#include "plaudit/trim.h"
#include "plugins/common/inbox_files.h"
#include "plugins/common/json_text.h"
#include "plugins/contact_records/contact_format.h"

namespace plaudit::plugins {
namespace {

namespace pb = ::plaudit::plugin::v1;
namespace fs = std::filesystem;

constexpr char kPluginName[] = "kafka_source";
constexpr char kVersion[] = "1.0.0";
constexpr char kPlauditEvent[] = "plaudit_event";
constexpr auto kPollBudget = std::chrono::seconds(1);
constexpr int64_t kBackoffMicros = 5 * 1000 * 1000;

// A setting parsed as a whole number within [low, high]; false with *error otherwise.
bool ParseInt(const std::string& key, const std::string& text, int64_t low, int64_t high,
              int64_t* out, std::string* error) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    *error = "config " + key + " must be a whole number from " + std::to_string(low) + " to " +
             std::to_string(high) + "; got \"" + text + "\"";
    return false;
  }
  *out = value;
  return true;
}

std::vector<std::string> CommaList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string item(Trim(std::string_view(text).substr(start, comma - start)));
    if (!item.empty()) items.push_back(std::move(item));
    start = comma + 1;
  }
  return items;
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// One batch's span of a partition: the first offset taken and the last.
struct Span {
  int64_t first = 0;
  int64_t last = 0;
};
using Spans = std::map<std::pair<std::string, int32_t>, Span>;

PartitionList ListOf(const Spans& spans, bool after_last) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(spans.size())));
  for (const auto& [key, span] : spans) {
    rd_kafka_topic_partition_list_add(list.get(), key.first.c_str(), key.second)->offset =
        after_last ? span.last + 1 : span.first;
  }
  return list;
}

// A protobuf plaudit.v1.MetricEvent's fields as `plaudit metrics import` columns (event_id,
// agent_id, metric, value, occurred_at); empty with *problem naming what is wrong.
std::vector<std::string> EventFields(const std::string& bytes, std::string* problem) {
  pb::EventRecord event;
  if (!event.ParseFromString(bytes)) {
    *problem = "not a protobuf plaudit.v1.MetricEvent";
    return {};
  }
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"event_id", &event.event_id()},
        {"agent_id", &event.agent_id()},
        {"metric", &event.metric()}}) {
    if (value->empty()) {
      *problem = std::string(field) + ": missing";
      return {};
    }
  }
  if (!event.has_occurred_at()) {
    *problem = "occurred_at: missing";
    return {};
  }
  // google.protobuf.Timestamp's range: years 1 to 9999, nanos a fraction of one second.
  const int64_t seconds = event.occurred_at().seconds();
  const int32_t nanos = event.occurred_at().nanos();
  if (seconds < -62135596800 || seconds > 253402300799) {
    *problem = absl::StrCat("occurred_at: seconds ", seconds, " is outside years 1 to 9999");
    return {};
  }
  if (nanos < 0 || nanos > 999999999) {
    *problem = absl::StrCat("occurred_at: nanos ", nanos, " is not 0 to 999999999");
    return {};
  }
  const absl::Time at = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return {event.event_id(), event.agent_id(), event.metric(),
          absl::StrFormat("%.17g", event.value()),
          absl::FormatTime(absl::RFC3339_full, at, absl::UTCTimeZone())};
}

class KafkaSourcePlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    const auto& config = request.config();
    static const std::set<std::string> kOwnKeys = {
        "brokers", "topics", "group_id", "batch_size", "poll_ms", "dead_letter_file", "encoding"};
    for (const auto& [key, value] : config) {
      if (!kOwnKeys.contains(key) && !key.starts_with("kafka.") &&
          !contacts::ContactFormat::SettingKeys().contains(key)) {
        return "unknown config key \"" + key +
               "\" (known: brokers, topics, group_id, batch_size, poll_ms, dead_letter_file, "
               "encoding, kafka.*, and the format's: format, source, channel_metrics, handle_time, "
               "csat_attribute, nps_attribute, followup_wrapup_codes, rating_csat, reopens)";
      }
      if (key.starts_with("kafka.")) kafka_settings_[key.substr(6)] = value;
    }
    const auto setting = [&](const char* key) -> std::optional<std::string> {
      auto it = config.find(key);
      if (it == config.end()) return std::nullopt;
      return it->second;
    };
    events_ = setting("format") == std::optional<std::string>(kPlauditEvent);
    if (events_) {
      source_ = setting("source").value_or(kPlauditEvent);
    } else {
      if (std::string problem = format_.Configure(config); !problem.empty()) return problem;
      source_ = format_.source();
    }
    const std::string encoding = setting("encoding").value_or("json");
    if (encoding != "json" && encoding != "protobuf") {
      return "config encoding must be json or protobuf; got \"" + encoding + "\"";
    }
    protobuf_ = encoding == "protobuf";
    if (protobuf_ && !events_) {
      return "config encoding protobuf is for format plaudit_event (plaudit.v1.MetricEvent); "
             "platform records are JSON";
    }
    brokers_ = setting("brokers").value_or("");
    if (brokers_.empty()) return "config brokers is required (host:port[,host:port...])";
    topics_ = CommaList(setting("topics").value_or(""));
    if (topics_.empty()) return "config topics is required (comma-separated topic names)";
    group_id_ = setting("group_id").value_or("plaudit-" + source_);
    std::string error;
    if (auto text = setting("batch_size")) {
      if (!ParseInt("batch_size", *text, 1, 10000, &batch_size_, &error)) return error;
    }
    if (auto text = setting("poll_ms")) {
      if (!ParseInt("poll_ms", *text, 0, 10000, &poll_ms_, &error)) return error;
    }
    if (request.data_dir().empty()) return "no data dir to keep the dead-letter file in";
    std::error_code ec;
    const fs::path data_dir = fs::absolute(request.data_dir(), ec);
    if (ec) return "cannot resolve data dir " + request.data_dir() + ": " + ec.message();
    fs::path dead = fs::path("contacts") / source_ / "dead-letter.jsonl";
    if (auto text = setting("dead_letter_file")) {
      if (text->empty()) return "config dead_letter_file is empty";
      dead = *text;
    }
    dead_letter_ = (data_dir / dead).lexically_normal();
    // Checked now, so that a bad setting is a start-up error; the consumer itself starts at the
    // first poll (never in the start-up probe, which must not join the group).
    if (rd_kafka_conf_t* conf = Configuration(&error); conf != nullptr) {
      rd_kafka_conf_destroy(conf);
    } else {
      return error;
    }

    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_METRIC_SOURCE);
    info->set_version(kVersion);
    // The host matches this source's waiting contacts by this name.
    info->add_sources(source_);
    return {};
  }

  pb::PollResponse Poll(const pb::PollRequest&) override {
    pb::PollResponse resp;
    std::unique_lock<std::mutex> lock(poll_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return resp;
    const int64_t now = host().NowMicros();
    if (paused_until_.has_value()) {
      if (now < *paused_until_) return resp;
      Resume();
    }
    if (consumer_ == nullptr) {
      if (std::string error = Start(); !error.empty()) {
        resp.set_error(error);
        return resp;
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + kPollBudget;
    while (std::chrono::steady_clock::now() < deadline) {
      int64_t taken = 0;
      std::string error = TakeBatch(&taken);
      if (!error.empty()) {
        resp.set_error(error);
        break;
      }
      resp.set_files_processed(resp.files_processed() + taken);
      if (taken < batch_size_) break;  // caught up
    }
    return resp;
  }

 private:
  rd_kafka_conf_t* Configuration(std::string* error) const {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char errstr[512];
    std::map<std::string, std::string> settings = {
        {"bootstrap.servers", brokers_},     {"group.id", group_id_},
        {"enable.auto.commit", "false"},     {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},   {"enable.partition.eof", "false"},
        {"client.id", "plaudit-" + source_}, {"log.connection.close", "false"}};
    for (const auto& [name, value] : kafka_settings_) settings[name] = value;
    for (const auto& [name, value] : settings) {
      if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
          RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        *error =
            "config " + (kafka_settings_.contains(name) ? "kafka." + name : name) + ": " + errstr;
        return nullptr;
      }
    }
    return conf;
  }

  std::string Start() {
    std::string error;
    rd_kafka_conf_t* conf = Configuration(&error);
    if (conf == nullptr) return "kafka_source: " + error;
    char errstr[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == nullptr) {
      rd_kafka_conf_destroy(conf);
      return std::string("kafka_source: cannot create the consumer: ") + errstr;
    }
    consumer_.reset(rk);
    rd_kafka_poll_set_consumer(rk);
    PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(topics_.size())));
    for (const std::string& topic : topics_) {
      rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics.get()); err) {
      consumer_.reset();
      return std::string("kafka_source: cannot subscribe: ") + rd_kafka_err2str(err);
    }
    host().Info("kafka_source: " + source_ + " consuming " + std::to_string(topics_.size()) +
                " topics from " + brokers_ + " as group " + group_id_);
    return {};
  }

  void Resume() {
    paused_until_.reset();
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (consumer_ != nullptr && rd_kafka_assignment(consumer_.get(), &assigned) == 0) {
      rd_kafka_resume_partitions(consumer_.get(), assigned);
      rd_kafka_topic_partition_list_destroy(assigned);
    }
  }

  // Back-pressure: the batch's partitions go back to its first offsets, and every assigned
  // partition waits for the back-off.
  void Retreat(const Spans& spans) {
    if (!spans.empty()) {
      PartitionList back = ListOf(spans, /*after_last=*/false);
      if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), back.get(), 5000)) {
        host().Warning(std::string("kafka_source: cannot seek back: ") +
                       rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
      }
    }
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &assigned) == 0) {
      rd_kafka_pause_partitions(consumer_.get(), assigned);
      rd_kafka_topic_partition_list_destroy(assigned);
    }
    paused_until_ = host().NowMicros() + kBackoffMicros;
  }

  // Consumes and stores one batch; *taken is how many records it took.
  std::string TakeBatch(int64_t* taken) {
    Spans spans;
    std::string dead_letters;
    pb::IngestFactsRequest facts;
    pb::IngestCsvRequest rows;
    // For the events the host rejects: each row's record, by the row's line number - 1.
    struct RowRecord {
      const rd_kafka_message_t* message;
      std::string where;
      std::string text;
    };
    std::vector<RowRecord> row_records;
    int64_t rejected = 0;
    std::string last_problem;
    const auto dead_letter = [&](const rd_kafka_message_t* m, const std::string& where,
                                 const std::string& text, const std::string& reason) {
      json::Json entry = json::Json::object();
      entry["topic"] = rd_kafka_topic_name(m->rkt);
      entry["partition"] = m->partition;
      entry["offset"] = m->offset;
      entry["reason"] = reason;
      if (protobuf_) {
        entry["record_base64"] = absl::Base64Escape(text);
      } else {
        entry["record"] = text;
      }
      dead_letters += json::Serialize(entry) + "\n";
      ++rejected;
      last_problem = where + ": " + reason;
    };
    if (events_) {
      for (const char* column : {"event_id", "agent_id", "metric", "value", "occurred_at"}) {
        rows.add_header(column);
      }
    }
    std::vector<rd_kafka_message_t*> held;
    struct Release {
      std::vector<rd_kafka_message_t*>& messages;
      ~Release() {
        for (rd_kafka_message_t* m : messages) rd_kafka_message_destroy(m);
      }
    } release{held};
    while (static_cast<int64_t>(held.size()) < batch_size_) {
      rd_kafka_message_t* m =
          rd_kafka_consumer_poll(consumer_.get(), held.empty() ? static_cast<int>(poll_ms_) : 0);
      if (m == nullptr) break;
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          host().Warning(std::string("kafka_source: ") + rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
        continue;
      }
      held.push_back(m);
      const std::string topic = rd_kafka_topic_name(m->rkt);
      Span& span =
          spans.try_emplace({topic, m->partition}, Span{m->offset, m->offset}).first->second;
      span.last = m->offset;
      const std::string where =
          topic + "/" + std::to_string(m->partition) + "@" + std::to_string(m->offset);
      const std::string text(static_cast<const char*>(m->payload), m->len);
      if (events_) {
        std::string problem;
        std::vector<std::string> fields;
        if (protobuf_) {
          fields = EventFields(text, &problem);
        } else if (std::optional<json::Json> event = json::ParseStrict(text, &problem);
                   !event.has_value() || !event->is_object()) {
          problem = event.has_value() ? "not an event: the JSON is not an object"
                                      : "not a JSON record: " + problem;
        } else {
          for (const char* field : {"event_id", "agent_id", "metric", "value", "occurred_at"}) {
            if (json::Find(*event, field) == nullptr) {
              problem = std::string(field) + ": missing";
              break;
            }
            fields.push_back(json::StringMember(*event, field));
          }
        }
        if (!problem.empty()) {
          dead_letter(m, where, text, problem);
          continue;
        }
        pb::CsvRow* row = rows.add_rows();
        row->set_line(static_cast<int64_t>(row_records.size()) + 1);
        for (std::string& f : fields) row->add_fields(std::move(f));
        row_records.push_back(RowRecord{m, where, text});
        continue;
      }
      contacts::ReadContact read = format_.Read(text);
      if (!read.contact.has_value()) {
        dead_letter(m, where, text, read.rejected);
        continue;
      }
      for (const std::string& problem : read.problems) {
        host().Warning("kafka_source: " + where + ": " + problem);
      }
      read.contact->set_origin(where);
      *facts.add_contacts() = std::move(*read.contact);
    }
    *taken = static_cast<int64_t>(held.size());
    if (held.empty()) return {};

    std::string error;
    if (events_) {
      rows.set_source(source_);
      pb::IngestCsvResponse response;
      if (!host().IngestCsv(rows, &response, &error) || !response.error().empty()) {
        Retreat(spans);
        return "kafka_source: the host could not store the events: " +
               (error.empty() ? response.error() : error);
      }
      // Rows the host refused are poison too: dead letters with the host's reason.
      for (const auto& row_error : response.errors()) {
        const size_t index = static_cast<size_t>(row_error.line() - 1);
        if (index >= row_records.size()) continue;
        const RowRecord& record = row_records[index];
        dead_letter(record.message, record.where, record.text, row_error.reason());
      }
    } else {
      facts.set_source(source_);
      facts.set_position(Position(spans));
      facts.set_lag(Lag());
      facts.set_taken(*taken);
      facts.set_rejected(rejected);
      facts.set_last_problem(last_problem);
      pb::IngestFactsResponse response;
      if (!host().IngestFacts(facts, &response, &error) || !response.error().empty()) {
        Retreat(spans);
        return "kafka_source: the host could not store the contacts: " +
               (error.empty() ? response.error() : error);
      }
      for (const auto& problem : response.problems()) {
        host().Warning("kafka_source: " + problem.origin() + ": " + problem.reason());
      }
    }
    if (!dead_letters.empty() && !inbox::AppendSynced(dead_letter_, dead_letters, &error)) {
      Retreat(spans);
      return "kafka_source: " + error;
    }
    PartitionList done = ListOf(spans, /*after_last=*/true);
    if (rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), done.get(), /*async=*/0); err) {
      // Stored, but not committed (a rebalance took the partition): its next owner reads these
      // records again, and the host counts them once.
      host().Warning(std::string("kafka_source: offsets not committed: ") + rd_kafka_err2str(err));
    }
    return {};
  }

  // "contacts/0@41, contacts/1@17": the last offset taken of each partition in the batch.
  static std::string Position(const Spans& spans) {
    std::string text;
    for (const auto& [key, span] : spans) {
      if (!text.empty()) text += ", ";
      text += key.first + "/" + std::to_string(key.second) + "@" + std::to_string(span.last);
    }
    return text;
  }

  // How many records the assigned partitions hold beyond what was consumed, from the watermarks
  // the consumer last fetched.
  std::string Lag() const {
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &assigned) != 0) return "";
    rd_kafka_position(consumer_.get(), assigned);
    int64_t behind = 0;
    for (int i = 0; i < assigned->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = assigned->elems[i];
      int64_t low = 0, high = 0;
      if (rd_kafka_get_watermark_offsets(consumer_.get(), p.topic, p.partition, &low, &high) != 0 ||
          p.offset < 0) {
        continue;
      }
      behind += std::max<int64_t>(0, high - p.offset);
    }
    const int partitions = assigned->cnt;
    rd_kafka_topic_partition_list_destroy(assigned);
    return std::to_string(behind) + " records behind on " + std::to_string(partitions) +
           " partitions";
  }

  contacts::ContactFormat format_;
  bool events_ = false;
  bool protobuf_ = false;
  std::string source_;
  std::string brokers_;
  std::vector<std::string> topics_;
  std::string group_id_;
  int64_t batch_size_ = 500;
  int64_t poll_ms_ = 100;
  fs::path dead_letter_;
  std::map<std::string, std::string> kafka_settings_;
  std::mutex poll_mu_;
  // Guarded by poll_mu_.
  std::unique_ptr<rd_kafka_t, KafkaDeleter> consumer_;
  std::optional<int64_t> paused_until_;
};

}  // namespace
}  // namespace plaudit::plugins

PLAUDIT_PLUGIN(plaudit::plugins::KafkaSourcePlugin)

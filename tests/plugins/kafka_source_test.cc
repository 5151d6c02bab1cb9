// The kafka_source plugin, loaded from the build tree, consuming from librdkafka's mock cluster
// (the Kafka protocol over loopback) into the real contact ingest on a SQLite store: every record
// counted once through a host failure, a crash between storing and committing, and a rebalance.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/domain/clock.h"
#include "core/ingest/contact_ingest.h"
#include "core/store/store.h"
#include "plaudit/v1/metrics.pb.h"
#include "tests/testing/contact_sink.h"
#include "tests/testing/plugin_harness.h"

namespace plaudit::testing {
namespace {

constexpr char kTopic[] = "contacts";

// A mock cluster of one broker with kTopic in two partitions, and a producer for it.
class MockKafka {
 public:
  MockKafka() {
    char errstr[512];
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), errstr, sizeof(errstr));
    cluster_ = rd_kafka_mock_cluster_new(owner_, 1);
    rd_kafka_mock_topic_create(cluster_, kTopic, 2, 1);
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps().c_str(), errstr, sizeof(errstr));
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  }
  ~MockKafka() {
    rd_kafka_destroy(producer_);
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(owner_);
  }

  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

  // Each record keyed by `key` (the contact id), so a contact's versions keep their order.
  void Produce(const std::string& key, const std::string& value) {
    ASSERT_EQ(rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(kTopic),
                                RD_KAFKA_V_KEY(key.data(), key.size()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void Flush() { ASSERT_EQ(rd_kafka_flush(producer_, 10000), RD_KAFKA_RESP_ERR_NO_ERROR); }

 private:
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
};

// An Amazon Connect contact record of `agent` with its handle time.
std::string Record(const std::string& contact, const std::string& updated, const std::string& agent,
                   int seconds) {
  return absl::StrCat(R"({"ContactId":")", contact, R"(","Channel":"VOICE",)",
                      R"("InitiationTimestamp":"2026-10-05T10:00:00Z","LastUpdateTimestamp":")",
                      updated, R"(","Agent":{"Username":")", agent,
                      R"(","AgentInteractionDuration":)", seconds, "}}");
}

class KafkaSourceTest : public ::testing::Test {
 protected:
  std::unique_ptr<LoadedPlugin> Start(const std::map<std::string, std::string>& extra = {}) {
    std::string error;
    auto plugin = LoadedPlugin::Load(PluginPath("kafka_source"), &host_, &error);
    EXPECT_NE(plugin, nullptr) << error;
    std::map<std::string, std::string> config = {{"format", "amazon_connect"},
                                                 {"source", "connect"},
                                                 {"brokers", kafka_.bootstraps()},
                                                 {"topics", kTopic},
                                                 {"batch_size", "7"},
                                                 {"kafka.session.timeout.ms", "6000"},
                                                 {"kafka.heartbeat.interval.ms", "500"}};
    for (const auto& [key, value] : extra) config[key] = value;
    const pb::InitResponse init = plugin->Init(dir_.path().string(), config);
    EXPECT_EQ(init.error(), "");
    return plugin;
  }

  // Polls the plugins in turn until the source has taken `records`, or a minute passes.
  void PollUntilTaken(const std::vector<LoadedPlugin*>& plugins, int64_t records) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (Taken() < records && std::chrono::steady_clock::now() < deadline) {
      for (LoadedPlugin* plugin : plugins) plugin->Poll();
    }
    ASSERT_EQ(Taken(), records);
  }

  int64_t Taken() {
    auto sources = store_->ListSourceStatus();
    EXPECT_TRUE(sources.ok());
    return sources->empty() ? 0 : (*sources)[0].taken;
  }

  // agent -> (calls, handle time) on October 5th.
  std::pair<int64_t, double> Totals(const std::string& agent) {
    const int64_t day = int64_t{1791158400} * 1000000;  // 2026-10-05T00:00:00Z
    auto rows = store_->Aggregate(day, day + int64_t{86400} * 1000000, agent);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::pair<int64_t, double> totals{0, 0};
    for (const AggregateRow& row : *rows) {
      if (row.metric == "calls_handled") totals.first += row.aggregate.samples;
      if (row.metric == "aht_seconds") totals.second += row.aggregate.sum;
    }
    return totals;
  }

  TempDir dir_;
  MockKafka kafka_;
  FakePluginHost host_;
  ContactSink sink_{dir_.path(), &host_, {"a1", "a2"}, {{"jane.doe", "a1"}, {"sam.lee", "a2"}}};
  Store* const store_ = sink_.store();
};

TEST_F(KafkaSourceTest, EveryRecordCountsOnceAndAPoisonRecordGoesToTheDeadLetterFile) {
  kafka_.Produce("c1", Record("c1", "2026-10-05T10:05:00Z", "jane.doe", 300));
  kafka_.Produce("c1", Record("c1", "2026-10-05T10:09:00Z", "jane.doe", 390));  // revised
  kafka_.Produce("c1", Record("c1", "2026-10-05T10:09:00Z", "jane.doe", 390));  // delivered twice
  kafka_.Produce("c2", Record("c2", "2026-10-05T11:00:00Z", "sam.lee", 100));
  kafka_.Produce("c3", "{\"ContactId\": \"c3\", \"Chan");
  kafka_.Produce("c4", Record("c4", "2026-10-05T12:00:00Z", "mo.ali", 50));  // unknown: waits
  kafka_.Flush();
  auto plugin = Start();
  PollUntilTaken({plugin.get()}, 6);
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{1, 390}));
  EXPECT_EQ(Totals("a2"), (std::pair<int64_t, double>{1, 100}));
  auto sources = store_->ListSourceStatus();
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ((*sources)[0].rejected, 1);
  EXPECT_EQ((*sources)[0].unmatched, 1);
  EXPECT_EQ((*sources)[0].contacts, 3);

  std::ifstream dead(dir_.path() / "contacts/connect/dead-letter.jsonl");
  std::stringstream text;
  text << dead.rdbuf();
  EXPECT_NE(text.str().find(R"("reason":"not a JSON record)"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(R"("record":"{\"ContactId\": \"c3\", \"Chan")"), std::string::npos)
      << text.str();

  // The offsets were committed: the group's next member finds nothing left to take.
  plugin.reset();
  auto next = Start();
  for (int i = 0; i < 5; ++i) next->Poll();
  EXPECT_EQ(Taken(), 6);
}

TEST_F(KafkaSourceTest, ProtobufEventsBecomeRowsAndAnUnreadableOneIsADeadLetter) {
  const auto event = [](const std::string& id, const std::string& agent, double value) {
    plaudit::v1::MetricEvent e;
    e.set_event_id(id);
    e.set_agent_id(agent);
    e.set_metric("calls_handled");
    e.set_value(value);
    e.mutable_occurred_at()->set_seconds(1791162000);  // 2026-10-05T01:00:00Z
    e.mutable_occurred_at()->set_nanos(250000000);
    return e.SerializeAsString();
  };
  kafka_.Produce("e1", event("e1", "a1", 1));
  kafka_.Produce("e2", event("e2", "a2", 0.1));
  kafka_.Produce("x", std::string("\x0a\xff\x01", 3));  // a length past the end
  kafka_.Produce("e3", event("e3", "", 1));
  plaudit::v1::MetricEvent past_a_second;
  past_a_second.ParseFromString(event("e4", "a1", 1));
  past_a_second.mutable_occurred_at()->set_nanos(1000000000);
  kafka_.Produce("e4", past_a_second.SerializeAsString());
  plaudit::v1::MetricEvent far_future;
  far_future.ParseFromString(event("e5", "a1", 1));
  far_future.mutable_occurred_at()->set_seconds(int64_t{1} << 60);
  kafka_.Produce("e5", far_future.SerializeAsString());
  kafka_.Flush();
  std::vector<std::vector<std::string>> rows;
  host_.SetIngestHandler([&rows](const pb::IngestCsvRequest& request,
                                 pb::IngestCsvResponse* response, std::string*) {
    EXPECT_EQ(std::vector<std::string>(request.header().begin(), request.header().end()),
              (std::vector<std::string>{"event_id", "agent_id", "metric", "value", "occurred_at"}));
    for (const pb::CsvRow& row : request.rows()) {
      rows.emplace_back(row.fields().begin(), row.fields().end());
    }
    response->set_imported(request.rows_size());
    return true;
  });
  auto plugin =
      Start({{"format", "plaudit_event"}, {"source", "events"}, {"encoding", "protobuf"}});
  const std::filesystem::path dead_letters = dir_.path() / "contacts/events/dead-letter.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string dead;
  while (std::chrono::steady_clock::now() < deadline &&
         (rows.size() < 2 || std::count(dead.begin(), dead.end(), '\n') < 4)) {
    plugin->Poll();
    std::ifstream in(dead_letters);
    std::stringstream text;
    text << in.rdbuf();
    dead = text.str();
  }
  ASSERT_EQ(rows.size(), 2u);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"e1", "a1", "calls_handled", "1",
                                               "2026-10-05T01:00:00.25+00:00"}));
  EXPECT_EQ(rows[1][3], "0.10000000000000001");
  EXPECT_NE(dead.find(R"("reason":"not a protobuf plaudit.v1.MetricEvent","record_base64":"Cv8B")"),
            std::string::npos)
      << dead;
  EXPECT_NE(dead.find(R"("reason":"agent_id: missing")"), std::string::npos) << dead;
  EXPECT_NE(dead.find(R"("reason":"occurred_at: nanos 1000000000 is not 0 to 999999999")"),
            std::string::npos)
      << dead;
  EXPECT_NE(
      dead.find(
          R"("reason":"occurred_at: seconds 1152921504606846976 is outside years 1 to 9999")"),
      std::string::npos)
      << dead;

  // JSON platform records have no protobuf form.
  std::string error;
  auto refused = LoadedPlugin::Load(PluginPath("kafka_source"), &host_, &error);
  ASSERT_NE(refused, nullptr) << error;
  EXPECT_NE(refused
                ->Init(dir_.path().string(), {{"format", "amazon_connect"},
                                              {"brokers", kafka_.bootstraps()},
                                              {"topics", kTopic},
                                              {"encoding", "protobuf"}})
                .error()
                .find("encoding protobuf is for format plaudit_event"),
            std::string::npos);
}

TEST_F(KafkaSourceTest, AHostFailureSeeksBackPausesAndLosesNothing) {
  for (int i = 0; i < 20; ++i) {
    kafka_.Produce(absl::StrCat("c", i), Record(absl::StrCat("c", i), "2026-10-05T10:05:00Z",
                                                i % 2 == 0 ? "jane.doe" : "sam.lee", 10));
  }
  kafka_.Flush();
  sink_.FailBefore(1);
  auto plugin = Start();
  // The first batch fails: nothing stored, and the partitions wait for the back-off.
  pb::PollResponse failed;
  for (int i = 0; i < 600 && failed.error().empty(); ++i) failed = plugin->Poll();
  EXPECT_NE(failed.error().find("store unavailable"), std::string::npos) << failed.error();
  EXPECT_EQ(plugin->Poll().files_processed(), 0);  // paused
  host_.SetNowMicros(int64_t{10} * 1000 * 1000);
  PollUntilTaken({plugin.get()}, 20);
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{10, 100}));
  EXPECT_EQ(Totals("a2"), (std::pair<int64_t, double>{10, 100}));
}

TEST_F(KafkaSourceTest, RecordsStoredButNotCommittedComeAgainAndCountOnce) {
  for (int i = 0; i < 10; ++i) {
    kafka_.Produce(absl::StrCat("c", i),
                   Record(absl::StrCat("c", i), "2026-10-05T10:05:00Z", "jane.doe", 10));
  }
  kafka_.Flush();
  sink_.FailAfter(1);
  auto plugin = Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (sink_.failures_after_left() > 0 && std::chrono::steady_clock::now() < deadline) {
    plugin->Poll();
  }
  ASSERT_EQ(sink_.failures_after_left(), 0);
  // As after a crash between storing and committing: a new member of the group reads them again.
  plugin.reset();
  const int64_t first_batch = Taken();
  EXPECT_GT(first_batch, 0);
  EXPECT_GT(*store_->CountEvents(), 0);
  host_.SetNowMicros(int64_t{10} * 1000 * 1000);
  auto next = Start();
  PollUntilTaken({next.get()}, 10 + first_batch);  // the first batch was taken twice
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{10, 100}));
}

TEST_F(KafkaSourceTest, ARebalanceBetweenTwoMembersLosesAndDoublesNothing) {
  const auto produce = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      kafka_.Produce(absl::StrCat("c", i),
                     Record(absl::StrCat("c", i), "2026-10-05T10:05:00Z", "jane.doe", i));
    }
    kafka_.Flush();
  };
  produce(0, 40);
  auto first = Start();
  auto second = Start();
  // The second's join moves partitions the first may have read but not committed yet: those
  // records are read again (so more than 40 may be taken), and count once.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Totals("a1").first < 40 && std::chrono::steady_clock::now() < deadline) {
    first->Poll();
    second->Poll();
  }
  ASSERT_EQ(Totals("a1"), (std::pair<int64_t, double>{40, 39 * 40 / 2}));
  // One member leaves: the other takes its partition over, with what arrives meanwhile.
  second.reset();
  produce(40, 80);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Totals("a1").first < 80 && std::chrono::steady_clock::now() < deadline) first->Poll();
  // Each contact once: 80 calls, handle times 0 + 1 + ... + 79.
  EXPECT_EQ(Totals("a1"), (std::pair<int64_t, double>{80, 79 * 80 / 2}));
}

}  // namespace
}  // namespace plaudit::testing

// plaudit-kafka-mock: a Kafka cluster on loopback for tests, demos and the Kafka source's
// benchmark: librdkafka's mock cluster (the Kafka protocol, in this process), with one topic,
// filled with records before it says where it listens.
//
//   plaudit-kafka-mock [--topic contacts] [--partitions 4] [--file RECORDS.jsonl]
//                      [--synthetic N --agents A]
//
// --file produces each line of a JSON-lines file as one record, keyed by its "ContactId" (or
// "conversationId", or "id") so that a contact's versions stay in order in one partition.
// --synthetic produces N Amazon Connect contact records of N distinct voice contacts, spread over
// A agents ("a00001", ...), on October 5th-25th 2026. Then it prints
//   bootstrap 127.0.0.1:PORT
//   produced N records in S s
// and serves until its standard input closes or it is signalled (SIGTERM, SIGINT).
//
// The mock keeps only about the last 5 MB of each partition (librdkafka's mock log): give a big
// topic partitions enough that nothing is dropped before it is consumed.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "plugins/common/json_text.h"

namespace {

volatile sig_atomic_t stop_requested = 0;
void RequestStop(int) { stop_requested = 1; }

std::string KeyOf(const std::string& line) {
  std::string error;
  auto record = plaudit::json::ParseStrict(line, &error);
  if (!record.has_value()) return "";
  for (const char* field : {"ContactId", "conversationId", "id"}) {
    std::string key = plaudit::json::StringMember(*record, field);
    if (!key.empty()) return key;
  }
  return "";
}

std::string SyntheticRecord(int64_t i, int agents) {
  const int64_t day = 5 + i % 21;
  const int64_t minute = (i / 21) % (10 * 60);
  return absl::StrFormat(
      R"({"ContactId":"c%09d","Channel":"VOICE","InitiationTimestamp":"2026-10-%02dT%02d:%02d:00Z",)"
      R"("LastUpdateTimestamp":"2026-10-%02dT%02d:%02d:30Z","Queue":{"Name":"Support"},)"
      R"("Agent":{"Username":"a%05d","AgentInteractionDuration":%d,"CustomerHoldDuration":%d,)"
      R"("AfterContactWorkDuration":%d},"Attributes":{"csat":"%d"}})",
      i, day, 8 + minute / 60, minute % 60, day, 8 + minute / 60, minute % 60, 1 + i % agents,
      120 + i % 480, i % 60, 30 + i % 90, 1 + i % 5);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A Kafka cluster on loopback (librdkafka's mock cluster), filled with records"};
  std::string topic = "contacts";
  int partitions = 4;
  std::string file;
  int64_t synthetic = 0;
  int agents = 1000;
  app.add_option("--topic", topic, "The topic to create and fill");
  app.add_option("--partitions", partitions, "Its partitions")->check(CLI::Range(1, 1024));
  app.add_option("--file", file, "Produce each line of this JSON-lines file");
  app.add_option("--synthetic", synthetic, "Produce this many synthetic contact records")
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
  app.add_option("--agents", agents, "Agents of the synthetic records")
      ->check(CLI::Range(1, 99999));
  CLI11_PARSE(app, argc, argv);

  char errstr[512];
  rd_kafka_conf_t* owner_conf = rd_kafka_conf_new();
  rd_kafka_t* owner = rd_kafka_new(RD_KAFKA_PRODUCER, owner_conf, errstr, sizeof(errstr));
  if (owner == nullptr) {
    std::cerr << "plaudit-kafka-mock: " << errstr << "\n";
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner, 1);
  if (cluster == nullptr ||
      rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 1) != 0) {
    std::cerr << "plaudit-kafka-mock: cannot start the mock cluster\n";
    return 1;
  }
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] :
       {std::pair<const char*, std::string>{"bootstrap.servers", bootstrap},
        {"linger.ms", "20"},
        {"batch.num.messages", "10000"},
        {"queue.buffering.max.messages", "1000000"}}) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      std::cerr << "plaudit-kafka-mock: " << name << ": " << errstr << "\n";
      return 1;
    }
  }
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (producer == nullptr) {
    std::cerr << "plaudit-kafka-mock: " << errstr << "\n";
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  int64_t produced = 0;
  const auto produce = [&](const std::string& key, const std::string& value) {
    while (true) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::cerr << "plaudit-kafka-mock: produce: " << rd_kafka_err2str(err) << "\n";
        return false;
      }
      rd_kafka_poll(producer, 100);
    }
    ++produced;
    return true;
  };
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "plaudit-kafka-mock: cannot read " << file << "\n";
      return 1;
    }
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      if (!produce(KeyOf(line), line)) return 1;
    }
  }
  for (int64_t i = 0; i < synthetic; ++i) {
    const std::string record = SyntheticRecord(i, agents);
    if (!produce(absl::StrFormat("c%09d", i), record)) return 1;
  }
  if (rd_kafka_flush(producer, 600000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::cerr << "plaudit-kafka-mock: not every record was delivered\n";
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("bootstrap %s\nproduced %lld records in %.2f s\n", bootstrap.c_str(),
              static_cast<long long>(produced), seconds);
  std::fflush(stdout);

  signal(SIGTERM, RequestStop);
  signal(SIGINT, RequestStop);
  while (!stop_requested) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&in, 1, 200);
    if (ready > 0) {
      char buffer[256];
      if (::read(STDIN_FILENO, buffer, sizeof(buffer)) <= 0) break;  // closed
    }
  }
  rd_kafka_destroy(producer);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(owner);
  return 0;
}

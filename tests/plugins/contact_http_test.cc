// The contact_http plugin, loaded from the build tree, serving HTTPS on loopback with a throwaway
// certificate, into the real contact ingest on a SQLite store: signed posts are stored before they
// are answered and count once, unsigned, wrongly signed and stale ones store nothing, unreadable
// records are named, a store failure answers 503 and loses nothing, and a survey naming a contact
// counts for the agent who took it.
#include <httplib.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/api/callback_signature.h"
#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/contact_sink.h"
#include "tests/testing/plugin_harness.h"
#include "tools/dev_issuer/dev_certificates.h"

namespace plaudit::testing {
namespace {

constexpr char kSecret[] = "a-shared-secret-of-some-length";
constexpr int64_t kOctoberFifth = int64_t{1791158400} * 1000000;  // 2026-10-05T00:00:00Z

// An Amazon Connect contact record of `agent` with its handle time.
std::string Record(const std::string& contact, const std::string& updated, const std::string& agent,
                   int seconds) {
  return absl::StrCat(R"({"ContactId":")", contact, R"(","Channel":"VOICE",)",
                      R"("InitiationTimestamp":"2026-10-05T10:00:00Z","LastUpdateTimestamp":")",
                      updated, R"(","Agent":{"Username":")", agent,
                      R"(","AgentInteractionDuration":)", seconds, "}}");
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class ContactHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.SetNowMicros(absl::ToUnixMicros(absl::Now()));
    const absl::Time now = absl::Now();
    auto ca = dev_issuer::MakeCertificateAuthority(now, absl::Hours(1));
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto server =
        dev_issuer::IssueCertificate(*ca, "localhost", dev_issuer::CertificateRole::kServer,
                                     {"IP:127.0.0.1"}, now, absl::Hours(1));
    ASSERT_TRUE(server.ok()) << server.status();
    WriteFile(dir_.path() / "ca.pem", ca->certificate_pem);
    WriteFile(dir_.path() / "server.pem", server->certificate_pem);
    WriteFile(dir_.path() / "server.key", server->key_pem);
    WriteFile(dir_.path() / "secret", std::string(kSecret) + "\n");
  }

  std::map<std::string, std::string> Config() const {
    return {{"format", "amazon_connect"},
            {"source", "connect"},
            {"listen", "127.0.0.1:0"},
            {"tls_cert_file", (dir_.path() / "server.pem").string()},
            {"tls_key_file", (dir_.path() / "server.key").string()},
            {"secret_file", "secret"},
            {"max_body_bytes", "65536"}};
  }

  // Loads and starts the plugin; the port it serves on.
  void Start() {
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath("contact_http"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
    ASSERT_EQ(plugin_->Init(dir_.path().string(), Config()).error(), "");
    plugin_->Poll();
    for (const LogLine& line : host_.Logs()) {
      const size_t at = line.message.find("listening on 127.0.0.1:");
      if (at == std::string::npos) continue;
      const std::string rest = line.message.substr(at + 23);
      ASSERT_TRUE(absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &port_)) << line.message;
    }
    ASSERT_GT(port_, 0);
  }

  // POSTs `body` to `path` over HTTPS, verifying the server against the test CA; signed now with
  // kSecret unless `signature` is given.
  httplib::Result Post(const std::string& path, const std::string& body,
                       std::optional<std::string> signature = std::nullopt) {
    httplib::SSLClient client("127.0.0.1", port_);
    client.set_ca_cert_path((dir_.path() / "ca.pem").string().c_str());
    client.enable_server_certificate_verification(true);
    httplib::Headers headers;
    const std::string signed_with =
        signature.value_or(api::SignCallback(kSecret, absl::Now(), body));
    if (!signed_with.empty()) headers.emplace("Plaudit-Signature", signed_with);
    return client.Post(path.c_str(), headers, body, "application/json");
  }

  static nlohmann::json Body(const httplib::Result& result) {
    return nlohmann::json::parse(result->body);
  }

  // agent -> (calls, handle time, csat sum) on October 5th.
  std::tuple<int64_t, double, double> Totals(const std::string& agent) {
    auto rows = store_->Aggregate(kOctoberFifth, kOctoberFifth + int64_t{86400} * 1000000, agent);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::tuple<int64_t, double, double> totals{0, 0, 0};
    for (const AggregateRow& row : *rows) {
      if (row.metric == "calls_handled") std::get<0>(totals) += row.aggregate.samples;
      if (row.metric == "aht_seconds") std::get<1>(totals) += row.aggregate.sum;
      if (row.metric == "csat") std::get<2>(totals) += row.aggregate.sum;
    }
    return totals;
  }

  TempDir dir_;
  FakePluginHost host_;
  ContactSink sink_{dir_.path(), &host_, {"a1", "a2"}, {{"jane.doe", "a1"}, {"sam.lee", "a2"}}};
  Store* const store_ = sink_.store();
  std::unique_ptr<LoadedPlugin> plugin_;
  int port_ = 0;
};

TEST_F(ContactHttpTest, SignedRecordsAreStoredBeforeTheAnswerAndARepeatCountsOnce) {
  Start();
  const std::string body = Record("c1", "2026-10-05T10:10:00Z", "jane.doe", 300) + "\n" +
                           Record("c2", "2026-10-05T10:20:00Z", "sam.lee", 200) + "\n" +
                           "{not json\n" + Record("c1", "2026-10-05T10:30:00Z", "jane.doe", 390);
  auto first = Post("/v1/records", body);
  ASSERT_TRUE(first) << httplib::to_string(first.error());
  ASSERT_EQ(first->status, 200) << first->body;
  const nlohmann::json answer = Body(first);
  EXPECT_EQ(answer["taken"], 3);
  EXPECT_EQ(answer["applied"], 2);
  ASSERT_EQ(answer["rejected"].size(), 1u);
  EXPECT_EQ(answer["rejected"][0]["at"], "line 3");
  EXPECT_NE(answer["rejected"][0]["reason"].get<std::string>().find("not a JSON record"),
            std::string::npos);
  // Stored by the time the answer came: the newest version of c1.
  EXPECT_EQ(Totals("a1"), (std::tuple<int64_t, double, double>{1, 390, 0}));
  EXPECT_EQ(Totals("a2"), (std::tuple<int64_t, double, double>{1, 200, 0}));

  // The same post again (a retry after a lost answer) changes nothing.
  auto again = Post("/v1/records", body);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(Body(again)["applied"], 0);
  EXPECT_EQ(Totals("a1"), (std::tuple<int64_t, double, double>{1, 390, 0}));

  auto sources = store_->ListSourceStatus();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].source, "connect");
  EXPECT_EQ((*sources)[0].taken, 6);
  EXPECT_EQ((*sources)[0].rejected, 2);
  EXPECT_NE((*sources)[0].position.find("last POST /v1/records"), std::string::npos);
}

TEST_F(ContactHttpTest, UnsignedWronglySignedAndStalePostsStoreNothing) {
  Start();
  const std::string body = Record("c1", "2026-10-05T10:10:00Z", "jane.doe", 300);
  auto unsigned_post = Post("/v1/records", body, "");
  ASSERT_TRUE(unsigned_post);
  EXPECT_EQ(unsigned_post->status, 401);
  EXPECT_NE(unsigned_post->body.find("missing Plaudit-Signature"), std::string::npos);

  auto wrong =
      Post("/v1/records", body, api::SignCallback("another-secret-entirely", absl::Now(), body));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);

  // Signed for another body: a tampered post.
  auto tampered = Post("/v1/records", body, api::SignCallback(kSecret, absl::Now(), body + " "));
  ASSERT_TRUE(tampered);
  EXPECT_EQ(tampered->status, 401);

  auto stale =
      Post("/v1/records", body, api::SignCallback(kSecret, absl::Now() - absl::Minutes(10), body));
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 401);
  EXPECT_NE(stale->body.find("stale"), std::string::npos);

  EXPECT_EQ(Totals("a1"), (std::tuple<int64_t, double, double>{0, 0, 0}));
  for (const LogLine& line : host_.Logs()) EXPECT_EQ(line.message.find(kSecret), std::string::npos);
}

TEST_F(ContactHttpTest, ABodyWithNothingReadableIsNamedRecordByRecord) {
  Start();
  auto unreadable = Post("/v1/records", R"([{"ContactId":"c1"},{"Channel":"VOICE"}])");
  ASSERT_TRUE(unreadable);
  ASSERT_EQ(unreadable->status, 422) << unreadable->body;
  const nlohmann::json answer = Body(unreadable);
  ASSERT_EQ(answer["rejected"].size(), 2u);
  EXPECT_EQ(answer["rejected"][0]["at"], "record 1");
  EXPECT_EQ(answer["rejected"][1]["at"], "record 2");
  EXPECT_NE(answer["rejected"][1]["reason"].get<std::string>().find("ContactId"),
            std::string::npos);

  auto empty = Post("/v1/records", "  \n");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);

  auto too_big = Post("/v1/records", std::string(70000, ' '));
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);

  // Bodies whose size is not known before they are read are refused unread.
  httplib::SSLClient client("127.0.0.1", port_);
  client.set_ca_cert_path((dir_.path() / "ca.pem").string().c_str());
  client.enable_server_certificate_verification(true);
  // The server closes the connection with the body unread, so the client may see the connection
  // reset instead of the answer (TCP drops what was unread). Whatever answer comes is 411; a
  // signature check (401) would mean the body had been read.
  std::optional<int> refused;
  for (int attempt = 0; attempt < 10 && !refused.has_value(); ++attempt) {
    auto chunked = client.Post(
        "/v1/records", httplib::Headers{{"Plaudit-Signature", "t=1,v1=00"}},
        [](size_t, httplib::DataSink& sink) {
          sink.write("[]", 2);
          sink.done();
          return true;
        },
        "application/json");
    if (chunked) {
      refused = chunked->status;
    } else {
      EXPECT_TRUE(chunked.error() == httplib::Error::Read ||
                  chunked.error() == httplib::Error::Write)
          << httplib::to_string(chunked.error());
    }
  }
  ASSERT_TRUE(refused.has_value()) << "every chunked post ended in a reset connection";
  EXPECT_EQ(*refused, 411);
  const std::string body = Record("c1", "2026-10-05T10:10:00Z", "jane.doe", 300);
  auto compressed = client.Post(
      "/v1/records",
      httplib::Headers{{"Plaudit-Signature", api::SignCallback(kSecret, absl::Now(), body)},
                       {"Content-Encoding", "gzip"}},
      body, "application/json");
  ASSERT_TRUE(compressed);
  EXPECT_EQ(compressed->status, 415);
  EXPECT_EQ(std::get<0>(Totals("a1")), 0);
}

TEST_F(ContactHttpTest, AStoreFailureAnswers503AndTheRetryCountsOnce) {
  Start();
  const std::string body = Record("c1", "2026-10-05T10:10:00Z", "jane.doe", 300);
  sink_.FailBefore(1);
  auto failed = Post("/v1/records", body);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 503);
  EXPECT_EQ(failed->get_header_value("Retry-After"), "5");
  EXPECT_EQ(Totals("a1"), (std::tuple<int64_t, double, double>{0, 0, 0}));

  auto retried = Post("/v1/records", body);
  ASSERT_TRUE(retried);
  ASSERT_EQ(retried->status, 200) << retried->body;
  EXPECT_EQ(Totals("a1"), (std::tuple<int64_t, double, double>{1, 300, 0}));
}

TEST_F(ContactHttpTest, ASurveyNamingAContactCountsForTheAgentWhoTookIt) {
  Start();
  ASSERT_EQ(Post("/v1/records", Record("c1", "2026-10-05T10:10:00Z", "sam.lee", 100))->status, 200);
  auto survey =
      Post("/v1/surveys",
           R"({"response_id":"r1","submitted_at":"2026-10-05T11:00:00Z","contact_id":"c1",)"
           R"("csat":4})");
  ASSERT_TRUE(survey);
  ASSERT_EQ(survey->status, 200) << survey->body;
  EXPECT_EQ(Body(survey)["applied"], 1);
  EXPECT_EQ(Body(survey)["waiting"], 0);
  EXPECT_EQ(std::get<2>(Totals("a2")), 4);

  // A survey naming its agent directly, with a score out of range left out and named.
  auto direct =
      Post("/v1/surveys",
           R"({"response_id":"r2","submitted_at":"2026-10-05T12:00:00Z","agent":"jane.doe",)"
           R"("csat":5,"nps":42})");
  ASSERT_TRUE(direct);
  ASSERT_EQ(direct->status, 200) << direct->body;
  ASSERT_EQ(Body(direct)["problems"].size(), 1u);
  EXPECT_NE(Body(direct)["problems"][0].get<std::string>().find("nps: 42"), std::string::npos);
  EXPECT_EQ(std::get<2>(Totals("a1")), 5);
}

TEST_F(ContactHttpTest, InitRefusesPlainHttpOffLoopbackAndNeverShowsTheSecret) {
  std::string error;
  auto plugin = LoadedPlugin::Load(PluginPath("contact_http"), &host_, &error);
  ASSERT_NE(plugin, nullptr) << error;
  std::map<std::string, std::string> config = Config();
  config.erase("tls_cert_file");
  config.erase("tls_key_file");
  config["listen"] = "0.0.0.0:0";
  EXPECT_NE(plugin->Init(dir_.path().string(), config).error().find("not a loopback address"),
            std::string::npos);

  auto short_secret = LoadedPlugin::Load(PluginPath("contact_http"), &host_, &error);
  WriteFile(dir_.path() / "secret", "short-one");
  const std::string refused = short_secret->Init(dir_.path().string(), Config()).error();
  EXPECT_NE(refused.find("16 characters"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("short-one"), std::string::npos) << refused;
}

}  // namespace
}  // namespace plaudit::testing

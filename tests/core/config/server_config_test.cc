#include "core/config/server_config.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit {
namespace {

std::string Write(const testing::TempDir& dir, const std::string& text) {
  std::string path = dir.File("plauditd.yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfig, ReadsTheExampleConfig) {
  std::string path = std::string(PLAUDIT_SOURCE_DIR) + "/examples/plauditd.yaml";
  auto config = LoadServerConfig(path, ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
  // Relative to the example's folder: the repository's var/ and build/plugins/.
  EXPECT_EQ(config->data_dir, std::string(PLAUDIT_SOURCE_DIR) + "/var");
  EXPECT_EQ(config->plugin_dir, std::string(PLAUDIT_SOURCE_DIR) + "/build/plugins");
  EXPECT_EQ(config->plugins.at("csv_dir").at("poll_interval_ms"), "1000");
}

TEST(ServerConfig, FileOverridesDefaultsAndKeepsTheRest) {
  testing::TempDir dir;
  auto config = LoadServerConfig(
      Write(dir,
            "data_dir: /srv/plaudit\nsource_poll_interval_ms: 250\nshutdown_timeout_ms: 1500\n"
            "plugins:\n  certificate: {output_dir: out}\n  leave_credit:\n"),
      ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
  EXPECT_EQ(config->data_dir, "/srv/plaudit");
  EXPECT_EQ(config->source_poll_interval, absl::Milliseconds(250));
  EXPECT_EQ(config->shutdown_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(config->plugins.at("certificate").at("output_dir"), dir.path() + "/out");
  EXPECT_TRUE(config->plugins.at("leave_credit").empty());
}

TEST(ServerConfig, RelativePathsInTheFileAreRelativeToItsFolder) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.File("etc"));
  std::string path = dir.File("etc/plauditd.yaml");
  std::ofstream(path) << "data_dir: ../state\nplugin_dir: plugins\nplugins:\n"
                         "  certificate: {output_dir: out, issuer_key_file: /keys/issuer.pem}\n"
                         "  gift_card: {ca_file: ./ca.pem, base_url: http://x/y, cache_path: c}\n"
                         "  csv_dir: {inbox: drop}\n";
  ServerConfig base;
  base.listen = "127.0.0.1:1";
  auto config = LoadServerConfig(path, base);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_dir, dir.path() + "/state");
  EXPECT_EQ(config->plugin_dir, dir.path() + "/etc/plugins");
  EXPECT_EQ(config->plugins.at("certificate").at("output_dir"), dir.path() + "/etc/out");
  EXPECT_EQ(config->plugins.at("certificate").at("issuer_key_file"), "/keys/issuer.pem");
  EXPECT_EQ(config->plugins.at("gift_card").at("ca_file"), dir.path() + "/etc/ca.pem");
  EXPECT_EQ(config->plugins.at("gift_card").at("cache_path"), dir.path() + "/etc/c");
  // Not a path by the naming convention: passed as written.
  EXPECT_EQ(config->plugins.at("gift_card").at("base_url"), "http://x/y");
  EXPECT_EQ(config->plugins.at("csv_dir").at("inbox"), "drop");
}

TEST(ServerConfig, DefaultsNotInTheFileStayRelativeToTheWorkingDirectory) {
  testing::TempDir dir;
  auto config = LoadServerConfig(Write(dir, "listen: 127.0.0.1:2\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_dir, "var");
  EXPECT_EQ(config->plugin_dir, "build/plugins");
}

TEST(ServerConfig, ReadsThePluginStartTimeout) {
  testing::TempDir dir;
  auto defaults = LoadServerConfig(Write(dir, "listen: x\n"), ServerConfig());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->plugin_start_timeout, absl::Seconds(10));
  auto config = LoadServerConfig(Write(dir, "plugin_start_timeout_ms: 2500\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->plugin_start_timeout, absl::Milliseconds(2500));
  auto zero = LoadServerConfig(Write(dir, "plugin_start_timeout_ms: 0\n"), ServerConfig());
  EXPECT_EQ(zero.status().message(),
            "line 1: plugin_start_timeout_ms: must be a positive number of milliseconds");
}

TEST(ServerConfig, ReadsTheStreamIdleTimeout) {
  testing::TempDir dir;
  auto defaults = LoadServerConfig(Write(dir, "listen: x\n"), ServerConfig());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->stream_idle_timeout, absl::Seconds(60));
  auto config = LoadServerConfig(Write(dir, "stream_idle_timeout_ms: 1500\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->stream_idle_timeout, absl::Milliseconds(1500));
  auto zero = LoadServerConfig(Write(dir, "stream_idle_timeout_ms: 0\n"), ServerConfig());
  EXPECT_EQ(zero.status().message(),
            "line 1: stream_idle_timeout_ms: must be a positive number of milliseconds");
}

TEST(ServerConfig, ReadsTheDrainAfterSigterm) {
  testing::TempDir dir;
  auto defaults = LoadServerConfig(Write(dir, "listen: x\n"), ServerConfig());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->drain, absl::ZeroDuration());
  auto config = LoadServerConfig(Write(dir, "drain_ms: 5000\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->drain, absl::Seconds(5));
  auto zero = LoadServerConfig(Write(dir, "drain_ms: 0\n"), ServerConfig());
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->drain, absl::ZeroDuration());
  for (const char* bad : {"-1", "600001", "soon"}) {
    auto refused =
        LoadServerConfig(Write(dir, absl::StrCat("drain_ms: ", bad, "\n")), ServerConfig());
    EXPECT_EQ(refused.status().message(),
              "line 1: drain_ms: must be a number of milliseconds from 0 to 600000")
        << bad;
  }
}

TEST(ServerConfig, ReadsTheRetryBackoff) {
  testing::TempDir dir;
  auto defaults = LoadServerConfig(Write(dir, "listen: x\n"), ServerConfig());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->retry_base, absl::Seconds(2));
  EXPECT_EQ(defaults->retry_max, absl::Minutes(5));
  auto config =
      LoadServerConfig(Write(dir, "retry_base_ms: 50\nretry_max_ms: 400\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->retry_base, absl::Milliseconds(50));
  EXPECT_EQ(config->retry_max, absl::Milliseconds(400));
  auto inverted =
      LoadServerConfig(Write(dir, "retry_base_ms: 500\nretry_max_ms: 400\n"), ServerConfig());
  EXPECT_EQ(inverted.status().message(), "retry_max_ms: must not be below retry_base_ms");
}

TEST(ServerConfig, ReadsFulfilmentWorkersAndConcurrencyPerPlugin) {
  testing::TempDir dir;
  auto defaults = LoadServerConfig(Write(dir, "listen: x\n"), ServerConfig());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->fulfilment.workers, 128);
  EXPECT_EQ(defaults->fulfilment.default_concurrency, 64);
  EXPECT_TRUE(defaults->fulfilment.concurrency.empty());
  auto config = LoadServerConfig(Write(dir,
                                       "fulfilment:\n  workers: 16\n  default_concurrency: 3\n"
                                       "  concurrency: {gift_card: 12, parking: 1}\n"),
                                 ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->fulfilment.workers, 16);
  EXPECT_EQ(config->fulfilment.default_concurrency, 3);
  EXPECT_EQ(config->fulfilment.concurrency,
            (std::map<std::string, int>{{"gift_card", 12}, {"parking", 1}}));
}

TEST(ServerConfig, ReadsTheWebListenerAndRefusesWhatItDoesNotKnow) {
  testing::TempDir dir;
  auto without = LoadServerConfig(Write(dir, "listen: x\n"), ServerConfig());
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_FALSE(without->web.has_value());
  auto with = LoadServerConfig(Write(dir, "web: {listen: 127.0.0.1:9090}\n"), ServerConfig());
  ASSERT_TRUE(with.ok()) << with.status();
  ASSERT_TRUE(with->web.has_value());
  EXPECT_EQ(with->web->listen, "127.0.0.1:9090");
  auto Error = [&dir](const std::string& text) {
    return std::string(LoadServerConfig(Write(dir, text), ServerConfig()).status().message());
  };
  EXPECT_EQ(Error("web: {port: 80}\n"),
            "line 1: web.port: unknown setting (expected listen, sign_in)");
  EXPECT_EQ(Error("web: 8080\n"), "line 1: web: must be a map: {listen, sign_in}");
  EXPECT_EQ(Error("web:\n  listen: [a, b]\n"),
            "line 2: web.listen: must be HOST:PORT, e.g. 127.0.0.1:8080");
}

TEST(ServerConfig, ReadsTheSignInOfThePagesResolvingItsFilesBesideTheConfig) {
  testing::TempDir dir;
  const std::string auth =
      "auth: {issuer: https://login.example.com, audience: plaudit, jwks_file: jwks.json}\n";
  auto config = LoadServerConfig(
      Write(dir,
            auth + "web:\n  listen: 127.0.0.1:8080\n  sign_in:\n    client_id: plaudit-web\n"
                   "    client_secret_file: web.secret\n    public_url: https://plaudit.example/\n"
                   "    discovery_url: http://127.0.0.1:9999/.well-known/openid-configuration\n"
                   "    session_hours: 2\n"),
      ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->web.has_value() && config->web->sign_in.has_value());
  const SignInConfig& sign_in = *config->web->sign_in;
  EXPECT_EQ(sign_in.client_id, "plaudit-web");
  EXPECT_EQ(sign_in.client_secret_file, dir.path() + "/web.secret");
  EXPECT_EQ(sign_in.public_url, "https://plaudit.example");
  EXPECT_EQ(sign_in.discovery_url, "http://127.0.0.1:9999/.well-known/openid-configuration");
  EXPECT_EQ(sign_in.session_lifetime, absl::Hours(2));
  EXPECT_TRUE(sign_in.session_key_file.empty());

  auto Error = [&dir](const std::string& text) {
    return std::string(LoadServerConfig(Write(dir, text), ServerConfig()).status().message());
  };
  EXPECT_EQ(Error("web: {sign_in: {client_id: x}}\n"),
            "web.sign_in: needs auth (the issuer whose tokens plauditd accepts)");
  EXPECT_EQ(Error(auth + "web: {sign_in: {public_url: https://a.example}}\n"),
            "line 2: web.sign_in.client_id: required");
  EXPECT_EQ(Error(auth + "web: {sign_in: {client_id: x, public_url: http://plaudit.example}}\n"),
            "line 2: web.sign_in.public_url: must be an https:// address (http:// only on this "
            "host), got \"http://plaudit.example\"");
  EXPECT_EQ(
      Error(auth +
            "web: {sign_in: {client_id: x, public_url: \"http://localhost:1@evil.example\"}}\n"),
      "line 2: web.sign_in.public_url: must be an https:// address (http:// only on this "
      "host), got \"http://localhost:1@evil.example\"");
  EXPECT_TRUE(IsWebAddress("http://[::1]:8080/x"));
  EXPECT_TRUE(IsWebAddress("https://login.example.com/realms/cc"));
  EXPECT_FALSE(IsWebAddress("http://localhost:80x/"));
  EXPECT_FALSE(IsWebAddress("https://user@login.example.com/"));
  EXPECT_EQ(Error(auth + "web: {sign_in: {client_id: x, session_hours: 0}}\n"),
            "line 2: web.sign_in.session_hours: must be a whole number of hours from 1 to 720");
  EXPECT_EQ(Error(auth + "web: {sign_in: {client_id: x, scope: openid}}\n"),
            "line 2: web.sign_in.scope: unknown setting (expected client_id, client_secret_file, "
            "discovery_url, public_url, ca_file, session_key_file, session_hours)");
}

TEST(ServerConfig, RefusesFulfilmentSettingsNamingTheFieldAndValue) {
  testing::TempDir dir;
  auto Error = [&dir](const std::string& text) {
    return std::string(LoadServerConfig(Write(dir, text), ServerConfig()).status().message());
  };
  EXPECT_EQ(Error("fulfilment: {workers: 0}\n"),
            "line 1: fulfilment.workers: must be a whole number of threads from 1 to 1024, got "
            "\"0\"");
  EXPECT_EQ(Error("fulfilment:\n  workers: many\n"),
            "line 2: fulfilment.workers: must be a whole number of threads from 1 to 1024, got "
            "\"many\"");
  EXPECT_EQ(Error("fulfilment: {default_concurrency: 5000}\n"),
            "line 1: fulfilment.default_concurrency: must be a whole number of calls from 1 to "
            "1024, got \"5000\"");
  EXPECT_EQ(Error("fulfilment:\n  concurrency:\n    gift_card: -2\n"),
            "line 3: fulfilment.concurrency.gift_card: must be a whole number of calls from 1 to "
            "1024, got \"-2\"");
  EXPECT_EQ(Error("fulfilment: {concurrency: [gift_card]}\n"),
            "line 1: fulfilment.concurrency: must map plugin names to calls at once");
  EXPECT_EQ(Error("fulfilment: {worker: 8}\n"),
            "line 1: fulfilment.worker: unknown setting (expected workers, default_concurrency, "
            "concurrency)");
  EXPECT_EQ(Error("fulfilment: 64\n"),
            "line 1: fulfilment: must be a map: {workers, default_concurrency, concurrency: "
            "{PLUGIN: calls}}");
}

TEST(ServerConfig, ErrorsNameTheLineAndKey) {
  testing::TempDir dir;
  auto unknown = LoadServerConfig(Write(dir, "listen: x\nlisen: y\n"), ServerConfig());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message().substr(0, 14), "line 2: lisen:");
  auto interval = LoadServerConfig(Write(dir, "source_poll_interval_ms: -5\n"), ServerConfig());
  EXPECT_EQ(interval.status().message(),
            "line 1: source_poll_interval_ms: must be a positive number of milliseconds");
  auto nested =
      LoadServerConfig(Write(dir, "plugins:\n  csv_dir: {inbox: [a, b]}\n"), ServerConfig());
  EXPECT_EQ(nested.status().message(), "line 2: plugins.csv_dir.inbox: must be a single value");
  auto broken = LoadServerConfig(Write(dir, "listen: [\n"), ServerConfig());
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  auto missing = LoadServerConfig(dir.File("nope.yaml"), ServerConfig());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(ServerConfig, TlsFilesAreRelativeToTheConfigFile) {
  testing::TempDir dir;
  auto config = LoadServerConfig(
      Write(dir, "tls: {cert_file: pki/server.pem, key_file: /keys/server.key}\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->tls.has_value());
  EXPECT_EQ(config->tls->cert_file, dir.path() + "/pki/server.pem");
  EXPECT_EQ(config->tls->key_file, "/keys/server.key");
  EXPECT_EQ(config->tls->client_ca_file, "");
}

TEST(ServerConfig, ClientCaFileAsksForClientCertificates) {
  testing::TempDir dir;
  auto config = LoadServerConfig(
      Write(dir, "tls:\n  cert_file: s.pem\n  key_file: s.key\n  client_ca_file: ca.pem\n"),
      ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->tls.has_value());
  EXPECT_EQ(config->tls->client_ca_file, dir.path() + "/ca.pem");
}

TEST(ServerConfig, WithoutTlsThereIsNone) {
  testing::TempDir dir;
  auto config = LoadServerConfig(Write(dir, "listen: 127.0.0.1:1\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->tls.has_value());
}

TEST(ServerConfig, TlsNeedsBothCertAndKeyAndKnowsItsSettings) {
  testing::TempDir dir;
  auto no_key = LoadServerConfig(Write(dir, "tls: {cert_file: s.pem}\n"), ServerConfig());
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().message(), "line 1: tls: needs both cert_file and key_file");
  auto misspelled = LoadServerConfig(
      Write(dir, "tls: {cert_file: s.pem, key_file: s.key, ca_file: ca.pem}\n"), ServerConfig());
  ASSERT_FALSE(misspelled.ok());
  EXPECT_EQ(misspelled.status().message(),
            "line 1: tls.ca_file: unknown setting (expected cert_file, key_file, client_ca_file)");
  auto not_a_map = LoadServerConfig(Write(dir, "tls: yes\n"), ServerConfig());
  ASSERT_FALSE(not_a_map.ok());
  EXPECT_EQ(not_a_map.status().message(),
            "line 1: tls: must be a map: {cert_file, key_file, client_ca_file}");
}

TEST(ServerConfig, AuditFilesAreRelativeToTheConfigFileAndDefaultToTheDataDir) {
  testing::TempDir dir;
  auto defaults = LoadServerConfig(Write(dir, "listen: 127.0.0.1:1\n"), ServerConfig());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->audit_key_file, "");
  EXPECT_EQ(defaults->audit_checkpoint_file, "");
  auto config = LoadServerConfig(
      Write(dir, "audit: {key_file: secrets/audit.key, checkpoint_file: /srv/audit.checkpoint}\n"),
      ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->audit_key_file, dir.path() + "/secrets/audit.key");
  EXPECT_EQ(config->audit_checkpoint_file, "/srv/audit.checkpoint");
}

TEST(ServerConfig, AuditKnowsItsSettings) {
  testing::TempDir dir;
  auto misspelled = LoadServerConfig(Write(dir, "audit: {keyfile: a.key}\n"), ServerConfig());
  ASSERT_FALSE(misspelled.ok());
  EXPECT_EQ(misspelled.status().message(),
            "line 1: audit.keyfile: unknown setting (expected key_file, checkpoint_file)");
  auto not_a_map = LoadServerConfig(Write(dir, "audit: yes\n"), ServerConfig());
  ASSERT_FALSE(not_a_map.ok());
  EXPECT_EQ(not_a_map.status().message(),
            "line 1: audit: must be a map: {key_file, checkpoint_file}");
}

TEST(ServerConfig, SecretsKeyFileIsRelativeToTheConfigFile) {
  testing::TempDir dir;
  auto unset = LoadServerConfig(Write(dir, "listen: 127.0.0.1:1\n"), ServerConfig());
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_EQ(unset->secrets_key_file, "");  // <data_dir>/secrets.key
  auto config =
      LoadServerConfig(Write(dir, "secrets: {key_file: keys/plaudit.key}\n"), ServerConfig());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->secrets_key_file, dir.path() + "/keys/plaudit.key");
  auto misspelled = LoadServerConfig(Write(dir, "secrets: {file: k}\n"), ServerConfig());
  EXPECT_EQ(misspelled.status().message(),
            "line 1: secrets.file: unknown setting (expected key_file)");
  auto not_a_map = LoadServerConfig(Write(dir, "secrets: k\n"), ServerConfig());
  EXPECT_EQ(not_a_map.status().message(), "line 1: secrets: must be a map: {key_file}");
}

TEST(IsLoopbackListen, LoopbackAddressesAre) {
  EXPECT_TRUE(IsLoopbackListen("127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackListen("127.3.2.1:50051"));
  EXPECT_TRUE(IsLoopbackListen("[::1]:1"));
  EXPECT_TRUE(IsLoopbackListen("localhost:1"));
  EXPECT_TRUE(IsLoopbackListen("LocalHost:1"));
  EXPECT_TRUE(IsLoopbackListen("ipv4:127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackListen("ipv6:[::1]:1"));
}

TEST(IsLoopbackListen, WildcardsAndOtherHostsAreNot) {
  EXPECT_FALSE(IsLoopbackListen("0.0.0.0:1"));
  EXPECT_FALSE(IsLoopbackListen("10.0.0.1:1"));
  EXPECT_FALSE(IsLoopbackListen("[::]:1"));
  EXPECT_FALSE(IsLoopbackListen(":1"));
  EXPECT_FALSE(IsLoopbackListen("plaudit.internal:1"));
  EXPECT_FALSE(IsLoopbackListen("localhost.evil.example:1"));
  EXPECT_FALSE(IsLoopbackListen("128.0.0.1:1"));
  EXPECT_FALSE(IsLoopbackListen("127.0.0.1"));
  EXPECT_FALSE(IsLoopbackListen("unix:/run/plauditd.sock"));
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST(ServerConfig, ReadsTheMetricsListenerAndTheLogFormat) {
  testing::TempDir dir;
  const ServerConfig defaults;
  auto config =
      LoadServerConfig(Write(dir, "metrics_listen: 127.0.0.1:9464\nlog_format: json\n"), defaults);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(config->log_format, LogFormat::kJson);
  // Unset: no metrics listener, text logs.
  EXPECT_TRUE(defaults.metrics_listen.empty());
  EXPECT_EQ(defaults.log_format, LogFormat::kText);
  auto wrong = LoadServerConfig(Write(dir, "listen: 127.0.0.1:1\nlog_format: yaml\n"), defaults);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(std::string(wrong.status().message())
                .find("line 2: log_format: must be text or json, not \"yaml\""),
            std::string::npos)
      << wrong.status();
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST(ServerConfig, ReadsTheStoreAndRefusesAnIncompleteOne) {
  testing::TempDir dir;
  const ServerConfig defaults;
  EXPECT_EQ(defaults.store_driver, "sqlite");
  auto config =
      LoadServerConfig(Write(dir,
                             "store: {driver: postgres, dsn: \"postgresql://plaudit@db/plaudit\", "
                             "pool_size: 16, lease_ms: 30000}\n"),
                       defaults);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store_driver, "postgres");
  EXPECT_EQ(config->store_dsn, "postgresql://plaudit@db/plaudit");
  EXPECT_EQ(config->store_pool_size, 16);
  EXPECT_EQ(config->store_lease_ms, 30000);
  EXPECT_EQ(defaults.store_lease_ms, 120000);
  for (const auto& [yaml, problem] : std::vector<std::pair<std::string, std::string>>{
           {"store: {driver: postgres}\n", "store.dsn: is needed with driver: postgres"},
           {"store: {driver: mysql}\n", "store.driver: must be sqlite or postgres, not \"mysql\""},
           {"store: {dsn: \"host=db\"}\n", "store.dsn: is only for driver: postgres"},
           {"store: {driver: postgres, dsn: x, pool_size: 0}\n",
            "store.pool_size: must be a whole number from 1 to 1000, not \"0\""},
           {"store: {driver: postgres, dsn: x, pool: 3}\n", "store.pool: unknown setting"},
           {"store: {driver: postgres, dsn: x, lease_ms: 500}\n",
            "store.lease_ms: must be a whole number of milliseconds from 1000 to 86400000, not "
            "\"500\""},
           {"store: {lease_ms: 5000}\n", "store.lease_ms: is only for driver: postgres"},
       }) {
    auto wrong = LoadServerConfig(Write(dir, yaml), defaults);
    ASSERT_FALSE(wrong.ok()) << yaml;
    EXPECT_NE(std::string(wrong.status().message()).find(problem), std::string::npos)
        << wrong.status();
  }
}

}  // namespace
}  // namespace plaudit

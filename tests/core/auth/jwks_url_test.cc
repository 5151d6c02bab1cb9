// KeySet::FromUrl against a real HTTPS server on 127.0.0.1: python3's http.server with the dev
// issuer's localhost certificate, logging each request so the test can count fetches.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/auth/key_set.h"
#include "core/auth/token_validator.h"
#include "nlohmann/json.hpp"
#include "tests/testing/command.h"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/dev_issuer.h"

namespace plaudit::auth {
namespace {

using ::testing::HasSubstr;

constexpr char kServerScript[] = R"(
import http.server, ssl, sys
www, cert, key, log = sys.argv[1:5]

class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=www, **kwargs)
    def log_request(self, code="-", size="-"):
        # Written before the response goes out, so it is on disk when the client has its answer.
        with open(log, "a") as f:
            f.write("%s %s\n" % (self.requestline, code))
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if cert != "-":
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
)";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string KidOf(const std::string& jwks_path) {
  return nlohmann::json::parse(ReadText(jwks_path))["keys"][0]["kid"];
}

class JwksUrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> python = testing::FindPython3With("ssl");
    if (!python.has_value()) GTEST_SKIP() << "no python3 with ssl to serve HTTPS";
    const absl::Time now = absl::Now();
    for (const char* name : {"first", "second"}) {
      dev_issuer::IssuerOptions options;
      options.dir = dir_.File(name);
      ASSERT_TRUE(dev_issuer::InitIssuer(options, now).ok());
    }
    std::filesystem::create_directories(dir_.File("www"));
    Publish("first");
    std::ofstream(dir_.File("server.py")) << kServerScript;
    StartServer(*python);
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Serves issuer `name`'s jwks.json, replacing the file in one rename.
  void Publish(const std::string& name) {
    std::filesystem::copy_file(dir_.File(name + "/jwks.json"), dir_.File("www/jwks.json.new"),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(dir_.File("www/jwks.json.new"), dir_.File("www/jwks.json"));
  }

  void StartServer(const std::string& python) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string script = dir_.File("server.py"), www = dir_.File("www"),
                        cert = tls_ ? dir_.File("first/tls/server.pem") : "-",
                        key = tls_ ? dir_.File("first/tls/server.key") : "-",
                        log = dir_.File("requests.log");
      execlp(python.c_str(), python.c_str(), script.c_str(), www.c_str(), cert.c_str(), key.c_str(),
             log.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* lines = fdopen(out[0], "r");
    char first_line[32] = "";
    const bool got_port = fgets(first_line, sizeof(first_line), lines) != nullptr;
    fclose(lines);
    ASSERT_TRUE(got_port) << "the HTTPS server did not start";
    url_ = std::string(tls_ ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(std::stoi(first_line)) + "/jwks.json";
  }

  int Requests() {
    std::istringstream log(ReadText(dir_.File("requests.log")));
    int count = 0;
    for (std::string line; std::getline(log, line);) count += line.rfind("GET ", 0) == 0;
    return count;
  }

  std::string CaFile() { return dir_.File("first/tls/ca.pem"); }

  bool tls_ = true;
  testing::TempDir dir_;
  pid_t pid_ = -1;
  std::string url_;
};

TEST_F(JwksUrlTest, FetchesOverHttpsAndRefetchesForANewKid) {
  absl::StatusOr<std::unique_ptr<KeySet>> keys =
      KeySet::FromUrl(url_, CaFile(), /*min_refresh_interval=*/absl::ZeroDuration());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(Requests(), 1);
  EXPECT_TRUE((*keys)->Find(KidOf(dir_.File("first/jwks.json"))).ok());
  EXPECT_EQ(Requests(), 1);

  Publish("second");
  EXPECT_TRUE((*keys)->Find(KidOf(dir_.File("second/jwks.json"))).ok());
  EXPECT_EQ(Requests(), 2);
}

TEST_F(JwksUrlTest, ValidatesATokenSignedWithARotatedKey) {
  absl::StatusOr<std::unique_ptr<KeySet>> keys =
      KeySet::FromUrl(url_, CaFile(), absl::ZeroDuration());
  ASSERT_TRUE(keys.ok()) << keys.status();
  TokenSettings settings;
  settings.issuer = dev_issuer::kDefaultIssuer;
  settings.audience = dev_issuer::kDefaultAudience;
  TokenValidator validator(settings, *std::move(keys));
  dev_issuer::MintOptions options;
  options.subject = "alice";
  const absl::Time now = absl::Now();
  const std::string token = *dev_issuer::MintToken(dir_.File("second"), options, now);
  EXPECT_THAT(validator.Validate(token, now).status().message(), HasSubstr("unknown signing key"));
  Publish("second");
  absl::StatusOr<TokenClaims> claims = validator.Validate(token, now);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "alice");
}

TEST_F(JwksUrlTest, UnknownKidsWithinTheIntervalDoNotRefetch) {
  absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromUrl(url_, CaFile());  // 30 s
  ASSERT_TRUE(keys.ok()) << keys.status();
  Publish("second");
  EXPECT_EQ((*keys)->Find(KidOf(dir_.File("second/jwks.json"))).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ((*keys)->Find("made-up").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Requests(), 1);
}

TEST_F(JwksUrlTest, RefusesAServerTheCaFileDoesNotVouchFor) {
  absl::StatusOr<std::unique_ptr<KeySet>> keys =
      KeySet::FromUrl(url_, dir_.File("second/tls/ca.pem"));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(keys.status().message(), HasSubstr(url_));
  EXPECT_EQ(Requests(), 0);
}

TEST_F(JwksUrlTest, ReportsAnHttpError) {
  const std::string missing = url_.substr(0, url_.rfind('/')) + "/absent.json";
  absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromUrl(missing, CaFile());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(keys.status().message(), "jwks " + missing + ": HTTP status 404");
}

class PlainHttpJwksUrlTest : public JwksUrlTest {
 protected:
  PlainHttpJwksUrlTest() { tls_ = false; }
};

TEST_F(PlainHttpJwksUrlTest, FetchesFromLoopbackWithoutTls) {
  absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromUrl(url_, "");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE((*keys)->Find(KidOf(dir_.File("first/jwks.json"))).ok());
  EXPECT_EQ(Requests(), 1);
}

TEST(JwksUrl, RefusesPlainHttpBeyondLoopback) {
  for (const char* url : {"http://issuer.example.com/jwks.json", "http://127.0.0.1.example.com/k",
                          "ftp://127.0.0.1/jwks.json", "file:///etc/jwks.json"}) {
    absl::StatusOr<std::unique_ptr<KeySet>> keys = KeySet::FromUrl(url, "");
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

}  // namespace
}  // namespace plaudit::auth

// plugins/common: JSON text on nlohmann-json (its strictness and its no-throw writing), money
// amounts, and what the HTTP client takes from libcurl (Retry-After, percent-encoding).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"
#include "plugins/common/money.h"
#include "plugins/common/secret_setting.h"
#include "tools/vendor_sandbox/http_server.h"

namespace plaudit {
namespace {

TEST(Json, ParsesAndSerializesADocumentInInsertionOrder) {
  std::string error;
  const auto value = json::ParseStrict(
      R"( {"id":"ord_1","amount":25.5,"ok":true,"none":null,"tags":["a","\u00e9\ud83d\ude00"]} )",
      &error);
  ASSERT_TRUE(value.has_value()) << error;
  EXPECT_EQ(json::StringMember(*value, "id"), "ord_1");
  EXPECT_EQ(json::StringMember(*value, "amount"), "25.5");
  EXPECT_EQ(json::StringMember(*value, "ok"), "");
  EXPECT_EQ((*value)["tags"][1], "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(json::Serialize(*value),
            "{\"id\":\"ord_1\",\"amount\":25.5,\"ok\":true,\"none\":null,\"tags\":[\"a\","
            "\"\xc3\xa9\xf0\x9f\x98\x80\"]}");
}

TEST(Json, RefusesDuplicateMemberNamesAtAnyDepth) {
  std::string error;
  EXPECT_FALSE(json::ParseStrict(R"({"a":1,"b":{"c":2,"c":3}})", &error).has_value());
  EXPECT_EQ(error, "duplicate member \"c\"");
  EXPECT_FALSE(json::ParseStrict(R"([{"k":1},{"k":2,"k":2}])", &error).has_value());
  EXPECT_EQ(error, "duplicate member \"k\"");
  // The same name in sibling or nested objects is not a duplicate.
  EXPECT_TRUE(json::ParseStrict(R"({"k":{"k":1},"l":[{"k":2},{"k":3}]})", &error).has_value())
      << error;
}

TEST(Json, RefusesWhatIsNotStrictJsonWithoutThrowing) {
  std::string error;
  for (const char* text :
       {"", "{", "[1,]", "{\"a\":1,}", "'x'", "\"\\ud800\"", "nul", "\"a\nb\"", "\"\\x\"", "[1 2]",
        "{\"a\" 1}", "-", "1.", "1e", "+1", "[01]", "{} x", "/* c */ 1", "\"\xff\""}) {
    error.clear();
    EXPECT_FALSE(json::ParseStrict(text, &error).has_value()) << text;
    EXPECT_NE(error, "") << text;
  }
}

TEST(Json, LimitsNestingTo64Levels) {
  std::string error;
  EXPECT_TRUE(json::ParseStrict(std::string(64, '[') + std::string(64, ']'), &error).has_value())
      << error;
  EXPECT_FALSE(json::ParseStrict(std::string(65, '[') + std::string(65, ']'), &error).has_value());
  EXPECT_NE(error.find("nested too deeply"), std::string::npos) << error;
  EXPECT_FALSE(json::ParseStrict(std::string(100000, '['), &error).has_value());
}

TEST(Json, SerializesEscapesAndReplacesInvalidUtf8InsteadOfThrowing) {
  json::Json object = json::Json::object();
  object["b"] = 0;
  object["a"] = "quote \" slash \\ tab \t bell \x07 \xc3\xa9";
  object["list"] = {true, nullptr, 0.5};
  object["b"] = 1793620800;  // replaced in its place
  object["bad"] = std::string(
      "x\xff"
      "y");
  EXPECT_EQ(json::Serialize(object),
            "{\"b\":1793620800,\"a\":\"quote \\\" slash \\\\ tab \\t bell \\u0007 \xc3\xa9\","
            "\"list\":[true,null,0.5],\"bad\":\"x\xef\xbf\xbdy\"}");
}

TEST(Json, ReadsIntegersLeniently) {
  std::string error;
  const auto value = json::ParseStrict(
      R"({"n":42,"s":"-7","f":1.5,"big":18446744073709551615,"t":"7x","o":{}})", &error);
  ASSERT_TRUE(value.has_value()) << error;
  EXPECT_EQ(json::IntMember(*value, "n"), 42);
  EXPECT_EQ(json::IntMember(*value, "s"), -7);
  EXPECT_FALSE(json::IntMember(*value, "f").has_value());
  EXPECT_FALSE(json::IntMember(*value, "big").has_value());
  EXPECT_FALSE(json::IntMember(*value, "t").has_value());
  EXPECT_FALSE(json::IntMember(*value, "o").has_value());
  EXPECT_FALSE(json::IntMember(*value, "absent").has_value());
  EXPECT_EQ(json::Find(json::Json::array(), "n"), nullptr);
}

TEST(Money, ReadsAndWritesTwoDecimalAmounts) {
  EXPECT_EQ(money::ParseMinorUnits("25"), 2500);
  EXPECT_EQ(money::ParseMinorUnits("25.5"), 2550);
  EXPECT_EQ(money::ParseMinorUnits("0.05"), 5);
  for (const char* bad : {"", "-1", "1.234", "1e3", "25.", ".5", " 5", "abc"}) {
    EXPECT_FALSE(money::ParseMinorUnits(bad).has_value()) << bad;
  }
  EXPECT_EQ(money::FormatMinorUnits(2550), "25.50");
  EXPECT_EQ(money::FormatMinorUnits(-5), "-0.05");
}

TEST(Money, AmountsAreJsonNumbersThatReadBackExactly) {
  EXPECT_EQ(json::Serialize(money::AmountToJson(2500)), "25");
  EXPECT_EQ(json::Serialize(money::AmountToJson(2550)), "25.5");
  EXPECT_EQ(json::Serialize(money::AmountToJson(1999)), "19.99");
  EXPECT_EQ(json::Serialize(money::AmountToJson(5)), "0.05");
  for (int64_t cents : {0, 1, 5, 10, 99, 1999, 2550, 10001, 123456789}) {
    std::string error;
    const auto parsed = json::ParseStrict(json::Serialize(money::AmountToJson(cents)), &error);
    ASSERT_TRUE(parsed.has_value()) << error;
    EXPECT_EQ(money::AmountFromJson(*parsed), cents);
  }
  EXPECT_EQ(money::AmountFromJson(json::Json("25.50")), 2550);
  EXPECT_EQ(money::AmountFromJson(json::Json(25.5)), 2550);
  EXPECT_EQ(money::AmountFromJson(json::Json(0.29)), 29);  // 0.29 * 100 is 28.999999999999996
  EXPECT_FALSE(money::AmountFromJson(json::Json(1.234)).has_value());
  EXPECT_FALSE(money::AmountFromJson(json::Json(-1)).has_value());
  EXPECT_FALSE(money::AmountFromJson(json::Json(-0.5)).has_value());
  EXPECT_FALSE(money::AmountFromJson(json::Json(true)).has_value());
  EXPECT_FALSE(money::AmountFromJson(json::Json(nullptr)).has_value());
}

TEST(PercentEncode, EncodesEverythingButUnreservedBytes) {
  EXPECT_EQ(http::PercentEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(http::PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(http::PercentEncode(""), "");
}

// A loopback server that answers 429 with the Retry-After given, for the client to read.
class RetryAfterTest : public ::testing::Test {
 protected:
  http::Response Answer(const std::string& retry_after) {
    std::string error;
    auto server = sandbox::HttpServer::Start(
        0,
        [retry_after](const sandbox::HttpRequest&) {
          sandbox::HttpReply reply;
          reply.status = 429;
          if (!retry_after.empty()) reply.headers.emplace_back("Retry-After", retry_after);
          return reply;
        },
        &error);
    EXPECT_NE(server, nullptr) << error;
    if (server == nullptr) return {};
    http::Request request;
    request.url = server->url() + "/";
    return client_.Send(request);
  }

  http::CurlHttpClient client_;
};

TEST_F(RetryAfterTest, ReadsDelaySeconds) {
  const http::Response response = Answer("7");
  ASSERT_EQ(response.failure, http::Failure::kNone) << response.error;
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.retry_after_ms, 7000);
}

TEST_F(RetryAfterTest, ReadsAnHttpDateAgainstTheSystemClock) {
  // Two minutes ahead, to the second; libcurl subtracts its own reading of the clock, which on a
  // loaded machine may have moved on by several seconds when it does. That reading is time(),
  // which glibc takes from the kernel's coarse clock: just after a second begins it can still
  // give the second before the one absl::Now() saw, so the delay can be one second over.
  const absl::Time at = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 120);
  const http::Response response =
      Answer(absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", at, absl::UTCTimeZone()));
  ASSERT_TRUE(response.retry_after_ms.has_value());
  EXPECT_LE(*response.retry_after_ms, 121000);
  EXPECT_GE(*response.retry_after_ms, 90000);
}

TEST_F(RetryAfterTest, IsAbsentWithoutAReadableHeader) {
  EXPECT_FALSE(Answer("").retry_after_ms.has_value());
  EXPECT_FALSE(Answer("soon").retry_after_ms.has_value());
  EXPECT_FALSE(Answer("-1").retry_after_ms.has_value());
  EXPECT_FALSE(Answer("Wed, 21 Oct 2015 07:28:00 GMT").retry_after_ms.has_value());  // past
}

TEST(SecretSetting, ComesFromTheValueAFileOrTheEnvironmentAndIsNeverShown) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("secret-setting-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "  from-a-file-0123\n";
  ::setenv("PLAUDIT_TEST_SECRET", "from-the-environment", 1);
  google::protobuf::Map<std::string, std::string> config;
  plugins::Secret secret;

  EXPECT_EQ(plugins::ReadSecretSetting(config, "api_token", dir.string(), "", &secret), "");
  EXPECT_EQ(secret.value, "");
  EXPECT_EQ(secret.where, "");

  config["api_token_file"] = "token";
  EXPECT_EQ(plugins::ReadSecretSetting(config, "api_token", dir.string(), "", &secret), "");
  EXPECT_EQ(secret.value, "from-a-file-0123");
  EXPECT_EQ(secret.where, "api_token_file " + (dir / "token").string());

  config.clear();
  config["api_token_env"] = "PLAUDIT_TEST_SECRET";
  EXPECT_EQ(plugins::ReadSecretSetting(config, "api_token", dir.string(), "", &secret), "");
  EXPECT_EQ(secret.value, "from-the-environment");
  config.clear();
  EXPECT_EQ(plugins::ReadSecretSetting(config, "api_token", "", "PLAUDIT_TEST_SECRET", &secret),
            "");
  EXPECT_EQ(secret.value, "from-the-environment");

  config["api_token"] = "inline-value-42";
  config["api_token_env"] = "PLAUDIT_TEST_SECRET";
  const std::string both = plugins::ReadSecretSetting(config, "api_token", "", "", &secret);
  EXPECT_EQ(both,
            "config gives more than one of api_token, api_token_file and api_token_env; give one");

  config.clear();
  config["api_token_file"] = "missing";
  EXPECT_NE(plugins::ReadSecretSetting(config, "api_token", dir.string(), "", &secret)
                .find("cannot read"),
            std::string::npos);
  std::ofstream(dir / "two-lines") << "first-line\nsecond-line\n";
  config["api_token_file"] = "two-lines";
  const std::string lines =
      plugins::ReadSecretSetting(config, "api_token", dir.string(), "", &secret);
  EXPECT_NE(lines.find("spans several lines"), std::string::npos);
  EXPECT_EQ(lines.find("first-line"), std::string::npos) << lines;
  ::unsetenv("PLAUDIT_TEST_SECRET");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace plaudit

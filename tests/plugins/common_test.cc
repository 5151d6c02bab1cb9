// plugins/common: the JSON model, money amounts, Retry-After and query encoding.
#include <gtest/gtest.h>

#include <string>

#include "plugins/common/http_client.h"
#include "plugins/common/json.h"
#include "plugins/common/money.h"

namespace plaudit {
namespace {

TEST(Json, ParsesAndSerializesADocument) {
  std::string error;
  const auto value = json::Parse(
      R"( {"id":"ord_1","amount":25.50,"ok":true,"none":null,"tags":["a","\u00e9\ud83d\ude00"]} )",
      &error);
  ASSERT_TRUE(value.has_value()) << error;
  EXPECT_EQ(value->StringMember("id"), "ord_1");
  EXPECT_EQ(value->Find("amount")->text(), "25.50");
  EXPECT_TRUE(value->Find("ok")->bool_value());
  EXPECT_TRUE(value->Find("none")->is_null());
  EXPECT_EQ(value->Find("tags")->items()[1].text(), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(value->Serialize(),
            "{\"id\":\"ord_1\",\"amount\":25.50,\"ok\":true,\"none\":null,\"tags\":[\"a\","
            "\"\xc3\xa9\xf0\x9f\x98\x80\"]}");
}

TEST(Json, NamesWhereABadDocumentGoesWrong) {
  std::string error;
  EXPECT_FALSE(json::Parse("{\"a\":1,}", &error).has_value());
  EXPECT_EQ(error, "at byte 7: expected a member name");
  EXPECT_FALSE(json::Parse("[01]", &error).has_value());
  EXPECT_FALSE(json::Parse("\"abc", &error).has_value());
  EXPECT_EQ(error, "at byte 4: unterminated string");
  EXPECT_FALSE(json::Parse("{} x", &error).has_value());
  EXPECT_EQ(error, "at byte 3: unexpected text after the document");
  EXPECT_FALSE(json::Parse(std::string(100, '['), &error).has_value());
  EXPECT_NE(error.find("nested too deeply"), std::string::npos);
  EXPECT_FALSE(json::Parse("", &error).has_value());
}

TEST(Json, SerializesMembersInInsertionOrderAndEscapes) {
  json::Value object = json::Value::Object();
  object.Set("b", json::Value::Number(int64_t{0}))
      .Set("a", json::Value::String("quote \" slash \\ tab \t bell \x07 \xc3\xa9"))
      .Set("list", json::Value::Array()
                       .Append(json::Value::Bool(true))
                       .Append(json::Value())
                       .Append(json::Value::Number("0.5")));
  object.Set("b", json::Value::Number(int64_t{1793620800}));  // replaced in its place
  EXPECT_EQ(object.Serialize(),
            "{\"b\":1793620800,\"a\":\"quote \\\" slash \\\\ tab \\t bell \\u0007 \xc3\xa9\","
            "\"list\":[true,null,0.5]}");
}

TEST(Json, RejectsWhatIsNotStrictJson) {
  std::string error;
  for (const char* text : {"{", "[1,]", "'x'", "\"\\ud800\"", "\"\\udc00\"", "nul", "\"a\nb\"",
                           "\"\\x\"", "[1 2]", "{\"a\" 1}", "-", "1.", "1e", "+1"}) {
    EXPECT_FALSE(json::Parse(text, &error).has_value()) << text;
  }
  EXPECT_FALSE(json::Parse("{\"a\":1,\"b\":{\"c\":2,\"c\":3}}", &error).has_value());
  EXPECT_EQ(error, "at byte 18: duplicate member \"c\"");
  EXPECT_FALSE(json::Parse(std::string(100, '[') + std::string(100, ']'), &error).has_value());
  EXPECT_TRUE(json::Parse(std::string(64, '[') + std::string(64, ']'), &error).has_value())
      << error;
}

TEST(Json, QuotesControlCharacters) {
  EXPECT_EQ(json::Quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
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

TEST(RetryAfter, ReadsSecondsAndHttpDates) {
  EXPECT_EQ(http::ParseRetryAfterMs("7", 0), 7000);
  // Wed, 21 Oct 2026 07:28:00 GMT is 1792567680.
  EXPECT_EQ(http::ParseRetryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT", 1792567670), 10000);
  EXPECT_EQ(http::ParseRetryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT", 1792567690), 0);
  EXPECT_FALSE(http::ParseRetryAfterMs("soon", 0).has_value());
  EXPECT_FALSE(http::ParseRetryAfterMs("-1", 0).has_value());
}

TEST(QueryValue, PercentEncodesReservedBytes) {
  EXPECT_EQ(http::EncodeQueryValue("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
}

}  // namespace
}  // namespace plaudit

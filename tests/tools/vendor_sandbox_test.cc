// The vendor sandbox's API and fault injection, over loopback HTTP: in this process for the
// behaviour, and once as the built binary.
#include "tools/vendor_sandbox/vendor_sandbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugins/common/http_client.h"
#include "plugins/common/json_text.h"
#include "tools/vendor_sandbox/http_server.h"

namespace plaudit::sandbox {
namespace {

using json::Json;

constexpr char kKey[] = "test-key";

std::string Order(const std::string& reference, const std::string& brand = "bookshop",
                  const std::string& amount = "25", const std::string& currency = "USD") {
  return "{\"external_reference\":" + json::Serialize(json::Json(reference)) +
         ",\"brand_id\":" + json::Serialize(json::Json(brand)) + ",\"amount\":" + amount +
         ",\"currency\":" + json::Serialize(json::Json(currency)) +
         ",\"recipient\":{\"name\":\"Dana Okafor\",\"email\":\"dana@example.com\"}}";
}

class VendorSandboxTest : public ::testing::Test {
 protected:
  void Start(SandboxOptions options) {
    server_.reset();
    options.api_key = kKey;
    sandbox_ = std::make_unique<VendorSandbox>(options);
    std::string error;
    ASSERT_TRUE(sandbox_->LoadState(&error)) << error;
    server_ = HttpServer::Start(
        0, [this](const HttpRequest& request) { return sandbox_->Handle(request); }, &error);
    ASSERT_NE(server_, nullptr) << error;
  }

  void SetUp() override {
    SandboxOptions options;
    options.processing_ms = -1;
    Start(options);
  }

  http::Response Send(const std::string& method, const std::string& path,
                      const std::string& body = "", const std::string& key = kKey) {
    http::Request request;
    request.method = method;
    request.url = server_->url() + path;
    if (!key.empty()) request.headers = {{"Authorization", "Bearer " + key}};
    request.body = body;
    request.timeout_ms = 2000;
    return http_.Send(request);
  }

  Json Body(const http::Response& response) {
    std::string error;
    std::optional<Json> value = json::ParseStrict(response.body, &error);
    EXPECT_TRUE(value.has_value()) << error << ": " << response.body;
    return value.value_or(Json());
  }

  std::string ErrorMessage(const http::Response& response) {
    const Json body = Body(response);
    const Json* error = json::Find(body, "error");
    return error == nullptr ? "" : json::StringMember(*error, "message");
  }

  size_t OrderCount() { return Body(Send("GET", "/v1/_orders")).at("orders").size(); }

  std::unique_ptr<VendorSandbox> sandbox_;
  std::unique_ptr<HttpServer> server_;
  http::CurlHttpClient http_;
};

TEST(QueryComponent, DecodesPercentEscapesAndPlusAsSpace) {
  EXPECT_EQ(DecodeQueryComponent("ref+1%2Fa%2B%41"), "ref 1/a+A");  // an escape at the very end too
  EXPECT_EQ(DecodeQueryComponent("%C3%A9"), "\xc3\xa9");
  EXPECT_EQ(DecodeQueryComponent("100%"), "100%");  // not an escape: kept as it is
  EXPECT_EQ(DecodeQueryComponent("%zz"), "%zz");
  EXPECT_EQ(DecodeQueryComponent(""), "");
}

TEST_F(VendorSandboxTest, RefusesRequestsWithoutTheApiKey) {
  EXPECT_EQ(Send("GET", "/v1/catalog", "", "").status, 401);
  const http::Response wrong = Send("GET", "/v1/catalog", "", "other");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(Send("GET", "/v1/catalog").status, 200);
}

TEST_F(VendorSandboxTest, CatalogListsBrandsWithDenominationsOrRanges) {
  const Json catalog = Body(Send("GET", "/v1/catalog"));
  const Json& brands = catalog.at("brands");
  ASSERT_EQ(brands.size(), 3u);
  EXPECT_EQ(json::StringMember(brands[0], "id"), "bookshop");
  EXPECT_EQ(json::Serialize(brands[0]["denominations"]), "[10,25,50,100]");
  EXPECT_EQ(json::Serialize(brands[0]["currencies"]), "[\"USD\",\"EUR\",\"GBP\"]");
  EXPECT_EQ(brands[1]["min_amount"], 5);
  EXPECT_EQ(brands[1]["max_amount"], 200);
  EXPECT_EQ(json::StringMember(brands[2], "delivery"), "async");
}

TEST_F(VendorSandboxTest, PlacesOneOrderPerExternalReference) {
  const http::Response first = Send("POST", "/v1/orders", Order("ref-1"));
  ASSERT_EQ(first.status, 201) << first.body;
  const Json order = Body(first);
  EXPECT_EQ(json::StringMember(order, "id"), "ord_000001");
  EXPECT_EQ(json::StringMember(order, "status"), "completed");
  EXPECT_FALSE(json::StringMember(order.at("redemption"), "code").empty());
  EXPECT_EQ(first.Header("location"), "/v1/orders/ord_000001");

  const http::Response second = Send("POST", "/v1/orders", Order("ref-1", "coffee", "7"));
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.Header("idempotent-replayed"), "true");
  EXPECT_EQ(OrderCount(), 1u);
  const Json balance = Body(Send("GET", "/v1/balance"));
  EXPECT_EQ(json::Serialize(balance),
            "{\"balances\":[{\"currency\":\"EUR\",\"available\":500},"
            "{\"currency\":\"GBP\",\"available\":500},"
            "{\"currency\":\"USD\",\"available\":975}]}");
}

TEST_F(VendorSandboxTest, FindsOrdersByExternalReferenceAndId) {
  ASSERT_EQ(Send("POST", "/v1/orders", Order("ref 1/a")).status, 201);
  const http::Response found =
      Send("GET", "/v1/orders?external_reference=" + http::PercentEncode("ref 1/a"));
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(json::StringMember(Body(found), "id"), "ord_000001");
  EXPECT_EQ(Send("GET", "/v1/orders/ord_000001").status, 200);
  EXPECT_EQ(Send("GET", "/v1/orders?external_reference=nope").status, 404);
  EXPECT_EQ(Send("GET", "/v1/orders").status, 400);
}

TEST_F(VendorSandboxTest, RefusesUnknownBrandCurrencyAndAmount) {
  const http::Response brand = Send("POST", "/v1/orders", Order("r1", "spaceship"));
  EXPECT_EQ(brand.status, 422);
  EXPECT_EQ(ErrorMessage(brand), "no brand \"spaceship\" in the catalogue");
  const http::Response currency = Send("POST", "/v1/orders", Order("r2", "cinema", "15", "EUR"));
  EXPECT_EQ(currency.status, 422);
  EXPECT_EQ(ErrorMessage(currency), "cinema is not sold in EUR (offered: USD)");
  const http::Response amount = Send("POST", "/v1/orders", Order("r3", "bookshop", "30"));
  EXPECT_EQ(amount.status, 422);
  EXPECT_EQ(ErrorMessage(amount),
            "bookshop has no 30.00 card (offered: 10.00, 25.00, 50.00, 100.00)");
  const http::Response range = Send("POST", "/v1/orders", Order("r4", "coffee", "4.99"));
  EXPECT_EQ(range.status, 422);
  EXPECT_EQ(OrderCount(), 0u);
}

TEST_F(VendorSandboxTest, RefusesMalformedBodiesNamingTheProblem) {
  const http::Response not_json = Send("POST", "/v1/orders", "{\"external_reference\":");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(ErrorMessage(not_json).find("body is not JSON: "), std::string::npos);
  EXPECT_EQ(ErrorMessage(Send("POST", "/v1/orders", "[1]")), "body must be a JSON object");
  EXPECT_EQ(ErrorMessage(Send("POST", "/v1/orders", "{\"brand_id\":\"bookshop\"}")),
            "external_reference is required (a non-empty string)");
  EXPECT_EQ(ErrorMessage(Send("POST", "/v1/orders",
                              R"({"external_reference":"r","brand_id":"bookshop",)"
                              R"("currency":"USD","amount":"lots"})")),
            "amount is required: a positive number with at most two decimals");
  EXPECT_EQ(ErrorMessage(Send("POST", "/v1/orders",
                              R"({"external_reference":"r","brand_id":"bookshop",)"
                              R"("currency":"USD","amount":25})")),
            "recipient is required (an object with name, email)");
  EXPECT_EQ(Send("DELETE", "/v1/orders").status, 405);
  EXPECT_EQ(Send("GET", "/v2/anything").status, 404);
  EXPECT_EQ(OrderCount(), 0u);
}

TEST_F(VendorSandboxTest, RefusesOrdersBeyondTheBalance) {
  ASSERT_EQ(Send("POST", "/v1/_balance", R"({"currency":"USD","available":"20"})").status, 200);
  const http::Response refused = Send("POST", "/v1/orders", Order("r1"));
  EXPECT_EQ(refused.status, 402);
  EXPECT_EQ(ErrorMessage(refused), "account balance USD 20.00 does not cover 25.00");
  EXPECT_EQ(OrderCount(), 0u);
}

TEST_F(VendorSandboxTest, AsyncOrdersCompleteAfterTheDelay) {
  SandboxOptions options;
  options.processing_ms = 20;
  Start(options);
  const Json placed = Body(Send("POST", "/v1/orders", Order("r1", "cinema", "15")));
  EXPECT_EQ(json::StringMember(placed, "status"), "processing");
  EXPECT_EQ(json::Find(placed, "redemption"), nullptr);
  std::string status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status != "completed" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    status = json::StringMember(Body(Send("GET", "/v1/orders?external_reference=r1")), "status");
  }
  EXPECT_EQ(status, "completed");
}

TEST_F(VendorSandboxTest, AllAsyncMakesEveryBrandProcess) {
  SandboxOptions options;
  options.processing_ms = -1;
  options.all_async = true;
  Start(options);
  EXPECT_EQ(json::StringMember(Body(Send("POST", "/v1/orders", Order("r1"))), "status"),
            "processing");
}

TEST_F(VendorSandboxTest, RecordsEveryStatusAsAnEventAndCanDropThem) {
  ASSERT_EQ(Send("POST", "/v1/orders", Order("r1", "cinema", "15")).status, 201);
  ASSERT_EQ(
      Send("POST", "/v1/_orders/status", R"({"external_reference":"r1","status":"completed"})")
          .status,
      200);
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"drop_events","count":1})").status, 201);
  ASSERT_EQ(Send("POST", "/v1/orders", Order("r2")).status, 201);
  ASSERT_EQ(Send("POST", "/v1/orders", Order("r3")).status, 201);

  const Json events = Body(Send("GET", "/v1/_events"));
  const Json& list = events.at("events");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(json::StringMember(list[0], "external_reference"), "r1");
  EXPECT_EQ(json::StringMember(list[0], "status"), "processing");
  EXPECT_EQ(json::StringMember(list[1], "status"), "completed");
  EXPECT_EQ(json::StringMember(list[1], "order_id"), "ord_000001");
  EXPECT_EQ(json::StringMember(list[2], "external_reference"), "r3");
  EXPECT_EQ(events["dropped"], 1);
  EXPECT_EQ(Body(Send("GET", "/v1/_events?after=2")).at("events").size(), 1u);
}

TEST_F(VendorSandboxTest, ACompletedOrdersCardIsRedeemedOnceWithAnEvent) {
  ASSERT_EQ(Send("POST", "/v1/orders", Order("r1", "cinema", "15")).status, 201);
  const std::string redeem = R"({"external_reference":"r1","redeemed_at":"2026-11-03T09:30:00Z"})";
  // Not before it completed.
  const http::Response early = Send("POST", "/v1/_orders/redeem", redeem);
  EXPECT_EQ(early.status, 409);
  EXPECT_NE(early.body.find("processing, not completed"), std::string::npos) << early.body;
  ASSERT_EQ(
      Send("POST", "/v1/_orders/status", R"({"external_reference":"r1","status":"completed"})")
          .status,
      200);
  const Json redeemed = Body(Send("POST", "/v1/_orders/redeem", redeem));
  EXPECT_EQ(json::StringMember(redeemed.at("redemption"), "redeemed_at"), "2026-11-03T09:30:00Z");
  // Again: nothing changes, no second event.
  ASSERT_EQ(Send("POST", "/v1/_orders/redeem", R"({"external_reference":"r1"})").status, 200);
  const Json order = Body(Send("GET", "/v1/orders?external_reference=r1"));
  EXPECT_EQ(json::StringMember(order.at("redemption"), "redeemed_at"), "2026-11-03T09:30:00Z");
  const Json all = Body(Send("GET", "/v1/_events"));
  const Json& events = all.at("events");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(json::StringMember(events[2], "event"), "order.redeemed");
  EXPECT_EQ(json::StringMember(events[2], "status"), "completed");
  EXPECT_EQ(json::StringMember(events[2], "redeemed_at"), "2026-11-03T09:30:00Z");
  EXPECT_EQ(Send("POST", "/v1/_orders/redeem", R"({"external_reference":"nope"})").status, 404);
}

TEST_F(VendorSandboxTest, HandsEveryRecordedEventToOnEventAndTickCompletesOrders) {
  std::mutex mu;
  std::vector<std::string> bodies;
  SandboxOptions options;
  options.processing_ms = 1;
  options.on_event = [&](const std::string& body) {
    std::lock_guard<std::mutex> lock(mu);
    bodies.push_back(body);
  };
  Start(options);
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"drop_events","count":1})").status, 201);
  ASSERT_EQ(Send("POST", "/v1/orders", Order("r1")).status, 201);  // its event dropped
  ASSERT_EQ(Send("POST", "/v1/orders", Order("r2", "cinema", "15")).status, 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  sandbox_->Tick();  // r2 completes without a request

  std::vector<std::string> seen;
  {
    std::lock_guard<std::mutex> lock(mu);
    seen = bodies;
  }
  ASSERT_EQ(seen.size(), 2u);
  const Json answer = Body(Send("GET", "/v1/_events"));
  const Json& events = answer.at("events");
  ASSERT_EQ(events.size(), 2u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], json::Serialize(events[i]));
  std::string error;
  const std::optional<Json> last = json::ParseStrict(seen[1], &error);
  ASSERT_TRUE(last.has_value()) << error;
  EXPECT_EQ(json::StringMember(*last, "external_reference"), "r2");
  EXPECT_EQ(json::StringMember(*last, "status"), "completed");
}

TEST_F(VendorSandboxTest, FaultsApplyToTheNextRequestsThenStop) {
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"error","status":500,"count":2})").status, 201);
  EXPECT_EQ(Send("GET", "/v1/catalog").status, 500);
  EXPECT_EQ(Send("GET", "/v1/balance").status, 500);
  EXPECT_EQ(Send("GET", "/v1/catalog").status, 200);
  EXPECT_EQ(Body(Send("GET", "/v1/_faults")).at("faults").size(), 0u);
}

TEST_F(VendorSandboxTest, FaultsCanMatchAPathAndBeCleared) {
  ASSERT_EQ(
      Send("POST", "/v1/_faults", R"({"type":"error","status":503,"path":"/v1/orders","ratio":1})")
          .status,
      201);
  EXPECT_EQ(Send("GET", "/v1/catalog").status, 200);
  EXPECT_EQ(Send("POST", "/v1/orders", Order("r1")).status, 503);
  EXPECT_EQ(Send("POST", "/v1/orders", Order("r1")).status, 503);
  ASSERT_EQ(Send("DELETE", "/v1/_faults").status, 200);
  EXPECT_EQ(Send("POST", "/v1/orders", Order("r1")).status, 201);
}

TEST_F(VendorSandboxTest, RateLimitSaysWhenToRetry) {
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"rate_limit","retry_after_s":3})").status, 201);
  const http::Response limited = Send("GET", "/v1/catalog");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("retry-after"), "3");
}

TEST_F(VendorSandboxTest, RecordThenCloseKeepsTheOrderUnanswered) {
  ASSERT_EQ(
      Send("POST", "/v1/_faults", R"({"type":"record_then_close","path":"/v1/orders"})").status,
      201);
  const http::Response unanswered = Send("POST", "/v1/orders", Order("r1"));
  EXPECT_EQ(unanswered.failure, http::Failure::kNoAnswer) << unanswered.status;
  EXPECT_EQ(OrderCount(), 1u);
  EXPECT_EQ(Send("POST", "/v1/orders", Order("r1")).status, 200);
  EXPECT_EQ(OrderCount(), 1u);
}

TEST_F(VendorSandboxTest, RecordThenHangTimesTheClientOut) {
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"record_then_hang","hang_ms":10000})").status,
            201);
  const http::Response unanswered = Send("POST", "/v1/orders", Order("r1"));
  EXPECT_EQ(unanswered.failure, http::Failure::kTimedOut) << unanswered.error;
  EXPECT_EQ(OrderCount(), 1u);
}

TEST_F(VendorSandboxTest, DropConnectionRecordsNothing) {
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"drop_connection"})").status, 201);
  EXPECT_EQ(Send("POST", "/v1/orders", Order("r1")).failure, http::Failure::kNoAnswer);
  EXPECT_EQ(OrderCount(), 0u);
}

TEST_F(VendorSandboxTest, LatencyDelaysTheAnswer) {
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"latency","latency_ms":300})").status, 201);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Send("GET", "/v1/catalog").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

// A latency rule that fires on every request (ratio 1, no count) delays each request once; rules
// that fire together add up. It used to be taken again and again for the same request, forever.
TEST_F(VendorSandboxTest, LatencyOnEveryRequestDelaysEachOnce) {
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"latency","latency_ms":20,"ratio":1})").status,
            201);
  ASSERT_EQ(Send("POST", "/v1/_faults", R"({"type":"latency","latency_ms":5,"count":1})").status,
            201);
  HttpRequest request;
  request.method = "GET";
  request.path = "/v1/catalog";
  request.headers = {{"authorization", std::string("Bearer ") + kKey}};
  const HttpReply first = sandbox_->Handle(request);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.delay_ms, 25);
  const HttpReply second = sandbox_->Handle(request);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.delay_ms, 20);
  // Over HTTP too: every answer comes, each at least 20 ms late.
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(Send("GET", "/v1/balance").status, 200);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
  }
  const Json faults = Body(Send("GET", "/v1/_faults"));
  ASSERT_EQ(faults.at("faults").size(), 1u);
  EXPECT_EQ(json::IntMember(faults.at("faults")[0], "remaining"), -1);
}

TEST_F(VendorSandboxTest, OrderStatusFaultProducesAnyStatusWord) {
  ASSERT_EQ(
      Send("POST", "/v1/_faults", R"({"type":"order_status","order_status":"on_hold"})").status,
      201);
  EXPECT_EQ(json::StringMember(Body(Send("POST", "/v1/orders", Order("r1"))), "status"), "on_hold");
  EXPECT_EQ(json::StringMember(Body(Send("POST", "/v1/orders", Order("r2"))), "status"),
            "completed");
}

TEST_F(VendorSandboxTest, RefusesMalformedFaults) {
  const http::Response type = Send("POST", "/v1/_faults", R"({"type":"meteor"})");
  EXPECT_EQ(type.status, 400);
  EXPECT_NE(ErrorMessage(type).find("fault type \"meteor\" is not one of"), std::string::npos);
  EXPECT_NE(ErrorMessage(Send("POST", "/v1/_faults", R"({"type":"error","colour":1})"))
                .find("unknown fault field \"colour\""),
            std::string::npos);
  EXPECT_NE(ErrorMessage(Send("POST", "/v1/_faults", R"({"type":"error","ratio":2})"))
                .find("ratio must be"),
            std::string::npos);
  EXPECT_NE(ErrorMessage(Send("POST", "/v1/_faults", "nope")).find("body is not JSON"),
            std::string::npos);
  EXPECT_EQ(Body(Send("GET", "/v1/_faults")).at("faults").size(), 0u);
}

TEST_F(VendorSandboxTest, StateFileKeepsOrdersAcrossRestarts) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("vendor-sandbox-" + std::to_string(getpid()) + ".json");
  std::filesystem::remove(file);
  SandboxOptions options;
  options.state_file = file.string();
  Start(options);
  const http::Response placed = Send("POST", "/v1/orders", Order("r1"));
  ASSERT_EQ(placed.status, 201);
  server_->Stop();

  Start(options);
  const http::Response found = Send("GET", "/v1/orders?external_reference=r1");
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(found.body, placed.body);
  EXPECT_EQ(Send("POST", "/v1/orders", Order("r1")).status, 200);
  EXPECT_EQ(json::StringMember(Body(Send("POST", "/v1/orders", Order("r2"))), "id"), "ord_000002");
  EXPECT_EQ(Body(Send("GET", "/v1/balance")).at("balances")[2]["available"], 950);
  std::filesystem::remove(file);
}

// The built binary: prints its port first, serves, and stops on SIGTERM.
TEST(VendorSandboxBinary, PrintsItsPortServesAndStopsOnSigterm) {
  const char* build_dir = std::getenv("PLAUDIT_BUILD_DIR");
  ASSERT_NE(build_dir, nullptr) << "run through ctest";
  const std::string binary = std::string(build_dir) + "/bin/vendor_sandbox";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(binary.c_str(), binary.c_str(), "--port", "0", "--api-key", "bin-key", "--balance",
          "USD=30", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[128] = {0};
  ASSERT_NE(fgets(line, sizeof(line), stream), nullptr);
  const std::string first(line);
  ASSERT_EQ(first.rfind("listening on 127.0.0.1:", 0), 0u) << first;
  const std::string port = first.substr(23, first.find('\n') - 23);

  http::CurlHttpClient client;
  http::Request request;
  request.url = "http://127.0.0.1:" + port + "/v1/balance";
  request.headers = {{"Authorization", "Bearer bin-key"}};
  const http::Response balance = client.Send(request);
  EXPECT_EQ(balance.status, 200) << balance.error;
  EXPECT_EQ(balance.body, "{\"balances\":[{\"currency\":\"USD\",\"available\":30}]}");

  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  fclose(stream);
}

}  // namespace
}  // namespace plaudit::sandbox

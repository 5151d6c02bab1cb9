// The pages' listener over real HTTP against an in-process plauditd: its files, and the JSON API
// keeping gRPC's access rules, refusals and messages.
#include "core/web/web_server.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/api/server.h"
#include "core/domain/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "plaudit/v1/metrics.grpc.pb.h"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/dev_issuer.h"

namespace plaudit::web {
namespace {

using nlohmann::json;
namespace v1 = ::plaudit::v1;

ServerConfig BaseConfig(const std::string& dir) {
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir + "/data";
  const char* build_dir = std::getenv("PLAUDIT_BUILD_DIR");
  config.plugin_dir = std::string(build_dir == nullptr ? "build" : build_dir) + "/plugins";
  config.source_poll_interval = absl::Milliseconds(50);
  return config;
}

class WebServerTest : public ::testing::Test {
 protected:
  // Starts plauditd with `config` and the pages' listener over it.
  void Start(ServerConfig config) {
    auto server = api::PlauditServer::Start(config, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    WebServerOptions options;
    options.listen = "127.0.0.1:0";
    options.development_mode = server_->development_mode();
    auto web = WebServer::Start(options, server_->InProcessChannel());
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", web_->port());
    client_->set_read_timeout(20, 0);
  }

  void TearDown() override {
    if (web_) web_->Stop();
    if (server_) server_->Shutdown();
  }

  // POSTs `body` to the API's `method` ("AccessService/WhoAmI") with `headers`.
  httplib::Result Api(const std::string& method, const std::string& body,
                      httplib::Headers headers = {}) {
    return client_->Post(("/api/v1/plaudit.v1." + method).c_str(), headers, body,
                         "application/json");
  }

  static json Body(const httplib::Result& result) { return json::parse(result->body); }

  // ImportAgents' request for two active agents of team Chat, a1 (Zoë) and a2 (Bo).
  static constexpr char kTwoAgents[] = R"({"header": ["id", "display_name", "email", "team",
      "channel", "hire_date", "status"], "rows": [
      {"line": 2, "fields": ["a1", "Zoë", "zoe@example.com", "Chat", "chat", "2024-03-01", "active"]},
      {"line": 3, "fields": ["a2", "Bo", "bo@example.com", "Chat", "chat", "2024-03-01", "active"]}]})";

  testing::TempDir dir_;
  RealClock clock_;
  std::unique_ptr<api::PlauditServer> server_;
  std::unique_ptr<WebServer> web_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(WebServerTest, PagesAreServedWithTheirTypesAndAPolicyAllowingOnlyTheirOwnFiles) {
  Start(BaseConfig(dir_.path()));
  auto index = client_->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index->body.find(">Plaudit</title>"), std::string::npos);
  auto persian = client_->Get("/i18n/fa.json");
  ASSERT_TRUE(persian);
  EXPECT_EQ(persian->status, 200);
  EXPECT_EQ(persian->get_header_value("Content-Type"), "application/json");
  EXPECT_NE(index->get_header_value("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  auto script = client_->Get("/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  auto me = client_->Get("/me.html");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  auto missing = client_->Get("/nothing-here.html");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(WebServerTest, ApiCallsTheServicesAsTheCallerAndAnswersInJson) {
  ServerConfig config = BaseConfig(dir_.path());
  config.roles = {{"mgr-anna", "manager"}};
  Start(config);
  auto who = Api("AccessService/WhoAmI", "{}", {{"X-Plaudit-Actor", "mgr-anna"}});
  ASSERT_TRUE(who);
  ASSERT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(who->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(who->get_header_value("Cache-Control"), "no-store");
  json identity = Body(who);
  EXPECT_EQ(identity["subject"], "mgr-anna");
  EXPECT_EQ(identity["roles"], json::array({"manager"}));
  // Every field is written, defaults too, with the proto's names.
  EXPECT_TRUE(identity.contains("agent_id"));
}

TEST_F(WebServerTest, ApiKeepsTheAccessRulesOfGrpc) {
  Start(BaseConfig(dir_.path()));
  // The development mode's unnamed caller is an admin: it imports two agents.
  auto imported = Api("AgentService/ImportAgents", kTwoAgents);
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 200) << imported->body;
  // 64-bit integers are strings in protobuf's JSON.
  EXPECT_EQ(Body(imported)["imported"], "2");
  // An agent sees their own summary, and not another agent's: the gate's refusal, word for word.
  auto own = Api("MetricService/SummarizeMetrics", R"({"agent_id": "a1", "period": "2026-10"})",
                 {{"X-Plaudit-Actor", "a1"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  // Another agent's: refused exactly as gRPC refuses it, code and message.
  auto other = Api("MetricService/SummarizeMetrics", R"({"agent_id": "a2", "period": "2026-10"})",
                   {{"X-Plaudit-Actor", "a1"}});
  ASSERT_TRUE(other);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                     grpc::InsecureChannelCredentials());
  auto metrics = v1::MetricService::NewStub(channel);
  v1::SummarizeMetricsRequest request;
  request.set_agent_id("a2");
  request.set_period("2026-10");
  v1::SummarizeMetricsResponse response;
  grpc::ClientContext context;
  context.AddMetadata("x-plaudit-actor", "a1");
  grpc::Status grpc_status = metrics->SummarizeMetrics(&context, request, &response);
  ASSERT_FALSE(grpc_status.ok());
  EXPECT_EQ(other->status, HttpStatusOf(grpc_status.error_code())) << other->body;
  EXPECT_EQ(Body(other)["error"]["message"], grpc_status.error_message());
  // An agent may not import.
  auto refused = Api("AgentService/ImportAgents", kTwoAgents, {{"X-Plaudit-Actor", "a1"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(Body(refused)["error"]["message"].get<std::string>().find(
                "may not call plaudit.v1.AgentService/ImportAgents"),
            std::string::npos)
      << refused->body;
}

// The wall: names and scores of the leaders, never an email, never an agent who opted out of
// public praise (even in the lead); a display's token reads the wall and nothing else.
TEST_F(WebServerTest, TheWallShowsNamesLeavesOutOptedOutAgentsAndIsAllADisplaySees) {
  ServerConfig config = BaseConfig(dir_.path());
  config.roles = {{"kiosk", "display"}};
  Start(config);
  const std::string agents = R"({"header": ["id", "display_name", "email", "team", "channel",
      "hire_date", "status", "public_praise"], "rows": [
      {"line": 2, "fields": ["a1", "Zoë Lindqvist", "zoe@example.com", "Chat", "chat", "2024-03-01", "active", "yes"]},
      {"line": 3, "fields": ["a2", "Bo Berg", "bo@example.com", "Chat", "chat", "2024-03-01", "active", "no"]},
      {"line": 4, "fields": ["a3", "Ana Sousa", "ana@example.com", "Chat", "chat", "2024-03-01", "active", ""]}]})";
  auto imported = Api("AgentService/ImportAgents", agents);
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 200) << imported->body;
  // Bo (opted out) leads, then Ana, then Zoë.
  const std::string events = R"({"events": [
      {"event_id": "e1", "agent_id": "a2", "metric": "csat", "value": 5, "occurred_at": "2026-10-05T10:00:00Z"},
      {"event_id": "e2", "agent_id": "a3", "metric": "csat", "value": 4, "occurred_at": "2026-10-05T10:00:00Z"},
      {"event_id": "e3", "agent_id": "a1", "metric": "csat", "value": 2, "occurred_at": "2026-10-05T10:00:00Z"}]})";
  auto stored = Api("MetricService/BatchCreateEvents", events);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->status, 200) << stored->body;
  const std::string program =
      R"({"yaml": "id: stars\nname: Stars\ncadence: monthly\ntime_zone: UTC\nscorecard:\n  peer_group: all\n  metrics:\n    - {metric: csat, aggregation: mean}\naward:\n  rule: top_n\n  n: 2\n  rewards:\n    - {type: manual, item: cake}\n"})";
  auto applied = Api("ProgramService/ApplyProgram", program);
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->status, 200) << applied->body;

  auto wall = Api("AwardService/GetWall", R"({"program_id": "stars", "period": "2026-10"})",
                  {{"X-Plaudit-Actor", "kiosk"}});
  ASSERT_TRUE(wall);
  ASSERT_EQ(wall->status, 200) << wall->body;
  json body = Body(wall);
  EXPECT_EQ(body["program_name"], "Stars");
  ASSERT_EQ(body["entries"].size(), 2u) << wall->body;
  EXPECT_EQ(body["entries"][0]["name"], "Ana Sousa");
  EXPECT_EQ(body["entries"][0]["rank"], 2);
  EXPECT_TRUE(body["entries"][0]["winning"]);
  EXPECT_EQ(body["entries"][1]["name"], "Zoë Lindqvist");
  EXPECT_EQ(body["entries"][1]["rank"], 3);
  EXPECT_FALSE(body["entries"][1]["winning"]);
  EXPECT_EQ(wall->body.find("Bo Berg"), std::string::npos) << wall->body;
  EXPECT_EQ(wall->body.find("a2"), std::string::npos) << wall->body;
  EXPECT_EQ(wall->body.find("@"), std::string::npos) << wall->body;
  // A display reads nothing else: not the agents, not the leaderboard's details.
  for (const auto& [method, request] : std::vector<std::pair<std::string, std::string>>{
           {"AgentService/ListAgents", "{}"},
           {"AwardService/EvaluateAwards",
            R"({"program_id": "stars", "period": "2026-10", "dry_run": true})"},
           {"AwardService/ListAwards", "{}"}}) {
    auto refused = Api(method, request, {{"X-Plaudit-Actor", "kiosk"}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << method << ": " << refused->body;
  }
  // The leaderboard names competitors too, but an opted-out agent only to those who reach them.
  auto names_for = [this](const std::string& actor) {
    httplib::Headers headers;
    if (!actor.empty()) headers.emplace("X-Plaudit-Actor", actor);
    auto board = Api("AwardService/EvaluateAwards",
                     R"({"program_id": "stars", "period": "2026-10", "dry_run": true})", headers);
    std::map<std::string, std::string> names;
    if (!board || board->status != 200) {
      ADD_FAILURE() << (board ? board->body : "no answer");
      return names;
    }
    const json body = Body(board);
    for (const json& standing : body["standings"]) {
      names[standing["agent_id"].get<std::string>()] = standing["display_name"].get<std::string>();
    }
    return names;
  };
  const auto names_for_agent = names_for("a1");
  const auto names_for_admin = names_for("");
  EXPECT_EQ(names_for_agent, (std::map<std::string, std::string>{
                                 {"a1", "Zoë Lindqvist"}, {"a2", ""}, {"a3", "Ana Sousa"}}));
  EXPECT_EQ(names_for_admin, (std::map<std::string, std::string>{
                                 {"a1", "Zoë Lindqvist"}, {"a2", "Bo Berg"}, {"a3", "Ana Sousa"}}));
  auto top = Api("AwardService/GetWall", R"({"program_id": "stars", "top": 51})");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->status, 400);
  auto unknown = Api("AwardService/GetWall", R"({"program_id": "nope"})");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(WebServerTest, BadRequestsAreRefusedNamingTheProblem) {
  Start(BaseConfig(dir_.path()));
  auto malformed = Api("AccessService/WhoAmI", "{not json");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(Body(malformed)["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_NE(Body(malformed)["error"]["message"].get<std::string>().find("request body"),
            std::string::npos);
  auto unknown_field = Api("AwardService/ExplainAward", R"({"program": "eotm"})");
  ASSERT_TRUE(unknown_field);
  EXPECT_EQ(unknown_field->status, 400);
  EXPECT_NE(Body(unknown_field)["error"]["message"].get<std::string>().find("program"),
            std::string::npos)
      << unknown_field->body;
  auto wrong_type = Api("AwardService/ListAwards", R"({"page_size": "many"})");
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->status, 400) << wrong_type->body;
  // A service error keeps its code and message: an unknown program.
  auto not_found = Api("AwardService/ExplainAward",
                       R"({"program_id": "nope", "period": "current", "agent_id": "a1"})");
  ASSERT_TRUE(not_found);
  EXPECT_EQ(not_found->status, 404) << not_found->body;
  EXPECT_NE(Body(not_found)["error"]["message"].get<std::string>().find("nope"), std::string::npos);
  auto no_method = Api("AwardService/Nothing", "{}");
  ASSERT_TRUE(no_method);
  EXPECT_EQ(no_method->status, 404);
  auto stream = Api("MetricService/ImportEvents", "{}");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->status, 404);
  EXPECT_NE(Body(stream)["error"]["message"].get<std::string>().find("streams"), std::string::npos);
  auto foreign = client_->Post("/api/v1/grpc.health.v1.Health/Check", "{}", "application/json");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 404);
  auto get = client_->Get("/api/v1/plaudit.v1.AccessService/WhoAmI");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  auto form = client_->Post("/api/v1/plaudit.v1.AccessService/WhoAmI", "a=b",
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
  // Without a body too: another site's page can send text/plain without asking first.
  auto text = client_->Post("/api/v1/plaudit.v1.AccessService/WhoAmI", "", "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
}

// In the development mode only loopback host names are answered: a page of another site whose
// name resolves to this host reaches nothing.
TEST_F(WebServerTest, DevelopmentModeAnswersLoopbackHostNamesOnly) {
  Start(BaseConfig(dir_.path()));
  httplib::Headers rebound = {{"Host", "evil.example:" + std::to_string(web_->port())}};
  auto page = client_->Get("/", rebound);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 403);
  auto api = Api("AccessService/WhoAmI", "{}", rebound);
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 403);
  EXPECT_NE(api->body.find("evil.example"), std::string::npos);
  for (const std::string host : {"localhost", "127.0.0.1", "[::1]"}) {
    auto ok = client_->Get("/", {{"Host", host + ":" + std::to_string(web_->port())}});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << host;
  }
}

TEST_F(WebServerTest, ListenerRefusesOtherHostsInTheDevelopmentModeAndATakenPort) {
  Start(BaseConfig(dir_.path()));
  WebServerOptions options;
  options.listen = "0.0.0.0:0";
  auto wide = WebServer::Start(options, server_->InProcessChannel());
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(wide.status().message().find("not a loopback address"), std::string::npos);
  options.listen = "127.0.0.1:" + std::to_string(web_->port());
  auto taken = WebServer::Start(options, server_->InProcessChannel());
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kUnavailable) << taken.status();
  options.listen = "localhost";
  auto malformed = WebServer::Start(options, server_->InProcessChannel());
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
}

// With auth configured, the API asks for a token as gRPC does; a claimed name counts for nothing.
TEST_F(WebServerTest, WithAuthTheApiTakesBearerTokensOnly) {
  const std::string issuer_dir = dir_.path() + "/issuer";
  dev_issuer::IssuerOptions issuer;
  issuer.dir = issuer_dir;
  ASSERT_TRUE(dev_issuer::InitIssuer(issuer, absl::Now()).ok());
  ServerConfig config = BaseConfig(dir_.path());
  AuthConfig auth;
  auth.issuer = dev_issuer::kDefaultIssuer;
  auth.audience = dev_issuer::kDefaultAudience;
  auth.jwks_file = issuer_dir + "/jwks.json";
  config.auth = auth;
  Start(config);
  auto anonymous = Api("AccessService/WhoAmI", "{}", {{"X-Plaudit-Actor", "ops"}});
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(Body(anonymous)["error"]["code"], "UNAUTHENTICATED");
  EXPECT_NE(Body(anonymous)["error"]["message"].get<std::string>().find("no credentials"),
            std::string::npos);
  dev_issuer::MintOptions mint;
  mint.subject = "mgr-anna";
  mint.roles = {"manager"};
  auto token = dev_issuer::MintToken(issuer_dir, mint, absl::Now());
  ASSERT_TRUE(token.ok()) << token.status();
  auto who = Api("AccessService/WhoAmI", "{}",
                 {{"Authorization", "Bearer " + *token}, {"X-Plaudit-Actor", "ops"}});
  ASSERT_TRUE(who);
  ASSERT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(Body(who)["subject"], "mgr-anna");
  EXPECT_EQ(Body(who)["authenticated_by"], "bearer token");
  auto forged = Api("AccessService/WhoAmI", "{}", {{"Authorization", "Bearer " + *token + "x"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
}

// The praise page: an agent sends praise as themselves and sees the allowance left; another
// agent's allowance is not theirs to read.
TEST_F(WebServerTest, PraiseSentOverTheApiCountsAgainstTheSendersAllowance) {
  ServerConfig config = BaseConfig(dir_.path());
  config.praise_monthly_allowance = 2;
  Start(config);
  auto imported = Api("AgentService/ImportAgents", kTwoAgents);
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 200) << imported->body;
  auto allowance = [this](const std::string& body) {
    return Api("PraiseService/GetPraiseAllowance", body, {{"X-Plaudit-Actor", "a1"}});
  };
  auto before = allowance("{}");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << before->body;
  EXPECT_EQ(Body(before)["agent_id"], "a1");
  EXPECT_EQ(Body(before)["monthly"], 2);
  EXPECT_EQ(Body(before)["left"], 2);
  auto sent = Api("PraiseService/SendPraise", R"({"to_agent_id": "a2", "message": "Thanks!"})",
                  {{"X-Plaudit-Actor", "a1"}});
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status, 200) << sent->body;
  EXPECT_EQ(Body(sent)["from_agent_id"], "a1");
  auto after = allowance("{}");
  ASSERT_TRUE(after);
  EXPECT_EQ(Body(after)["used"], 1);
  EXPECT_EQ(Body(after)["left"], 1);
  auto other = allowance(R"({"agent_id": "a2"})");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404) << other->body;
}

}  // namespace
}  // namespace plaudit::web

// The gRPC API over loopback against an in-process server with the real plugins.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/api/callback_signature.h"
#include "core/api/server.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::api {
namespace {

const char kProgram[] = R"(id: eotm
name: Employee of the Month
cadence: monthly
time_zone: Europe/Stockholm
eligibility:
  min_tenure_days: 30
scorecard:
  peer_group: channel
  metrics:
    - metric: csat
      aggregation: mean
      weight: 1
award:
  rule: top_n
  n: 1
  per_peer_group: true
  rewards:
    - type: certificate
    - {type: leave_credit, hours: 8}
)";

// A weekly program with tiers: gold brings its own reward, bronze falls back to the award's.
const char kTiersProgram[] = R"(id: weekly-tiers
name: Weekly tiers
cadence: weekly
time_zone: Europe/Stockholm
scorecard:
  metrics:
    - metric: csat
      aggregation: mean
award:
  rule: tiers
  tiers:
    - {name: gold, min_score: 0.9, rewards: [{type: leave_credit, hours: 8}]}
    - {name: bronze, min_score: 0}
  rewards:
    - type: certificate
)";

// Ranks by the Wilson lower bound of the share of csat >= 4, among agents whose share of
// csat >= 3 is at least a half.
const char kTopBoxProgram[] = R"(id: csat-top-box
name: Top-box CSAT
cadence: monthly
time_zone: UTC
scorecard:
  metrics:
    - metric: csat
      aggregation: top_box
      at_least: 4
      confidence: wilson_lower_95
  gates:
    - {metric: csat, aggregation: top_box, at_least: 3, min: 0.5}
award:
  rule: top_n
  n: 1
  rewards:
    - type: certificate
)";

v1::CsvRow Row(int64_t line, std::vector<std::string> fields) {
  v1::CsvRow row;
  row.set_line(line);
  for (auto& f : fields) row.add_fields(f);
  return row;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.path() + "/data";
    config.plugin_dir = std::string(std::getenv("PLAUDIT_BUILD_DIR")) + "/plugins";
    config.source_poll_interval = absl::Milliseconds(50);
    config.roles = {{"anna", "manager"}, {"ben", "manager"}, {"ops", "admin"}, {"a1", "manager"}};
    for (int i = 0; i < 8; ++i) config.roles[absl::StrCat("mgr-", i)] = "manager";
    config.plugins["parking"] = {{"spots", "P1:vip,near_entrance;P2:ev"}};
    // plauditd keeps callback_secret to itself: leave_credit, which refuses settings it does
    // not know, still loads.
    config.plugins["leave_credit"] = {{"callback_secret", "s3cret"}};
    auto server = PlauditServer::Start(config, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    agents_ = v1::AgentService::NewStub(channel_);
    metrics_ = v1::MetricService::NewStub(channel_);
    programs_ = v1::ProgramService::NewStub(channel_);
    awards_ = v1::AwardService::NewStub(channel_);
    fulfilments_ = v1::FulfilmentService::NewStub(channel_);
    plugins_ = v1::PluginService::NewStub(channel_);
  }

  void ApplyProgram(const std::string& yaml) {
    grpc::ClientContext ctx;
    v1::ApplyProgramRequest apply;
    apply.set_yaml(yaml);
    v1::Program program;
    grpc::Status status = programs_->ApplyProgram(&ctx, apply, &program);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // An ImportEvents request with the events CSV header.
  static v1::ImportEventsRequest EventsRequest() {
    v1::ImportEventsRequest req;
    for (const char* h : {"event_id", "agent_id", "metric", "value", "occurred_at"}) {
      req.add_header(h);
    }
    return req;
  }

  // Streams `req` as one chunk and checks that the import succeeded.
  void StreamEvents(const v1::ImportEventsRequest& req) {
    grpc::ClientContext ctx;
    v1::ImportEventsResponse summary;
    auto writer = metrics_->ImportEvents(&ctx, &summary);
    ASSERT_TRUE(writer->Write(req));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }

  void ImportTwoAgents() {
    v1::ImportAgentsRequest req;
    for (const char* h :
         {"id", "display_name", "email", "team", "channel", "hire_date", "status"}) {
      req.add_header(h);
    }
    *req.add_rows() =
        Row(2, {"a1", "Zoë Lindqvist", "zoe@example.com", "Chat", "chat", "2024-03-01", "active"});
    *req.add_rows() =
        Row(3, {"a2", "Bo Berg", "bo@example.com", "Chat", "chat", "2024-03-01", "active"});
    v1::ImportAgentsResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(agents_->ImportAgents(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.imported(), 2);
  }

  // `count` active chat agents a1..aN, each with one October csat survey (agent i scores
  // 1 + i % 5).
  void ImportAgentsWithSurveys(int count) {
    v1::ImportAgentsRequest agents;
    for (const char* h :
         {"id", "display_name", "email", "team", "channel", "hire_date", "status"}) {
      agents.add_header(h);
    }
    v1::ImportEventsRequest events = EventsRequest();
    for (int i = 1; i <= count; ++i) {
      const std::string id = absl::StrCat("a", i);
      *agents.add_rows() = Row(i + 1, {id, absl::StrCat("Agent ", i), id + "@example.com", "Chat",
                                       "chat", "2024-03-01", "active"});
      *events.add_rows() = Row(i + 1, {absl::StrCat("e", i), id, "csat", std::to_string(1 + i % 5),
                                       "2026-10-05T14:03:00+02:00"});
    }
    {
      v1::ImportAgentsResponse resp;
      grpc::ClientContext ctx;
      ASSERT_TRUE(agents_->ImportAgents(&ctx, agents, &resp).ok());
    }
    StreamEvents(events);
  }

  v1::EvaluateAwardsResponse Commit(const std::string& program_id, const std::string& period) {
    v1::EvaluateAwardsRequest eval;
    eval.set_program_id(program_id);
    eval.set_period(period);
    v1::EvaluateAwardsResponse out;
    grpc::ClientContext ctx;
    grpc::Status status = awards_->EvaluateAwards(&ctx, eval, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  // approve, reject or cancel `award_id` as `actor` (no metadata when empty).
  grpc::Status Act(const std::string& verb, const std::string& award_id, const std::string& actor,
                   v1::Award* award, const std::string& reason = "") {
    grpc::ClientContext ctx;
    if (!actor.empty()) ctx.AddMetadata("x-plaudit-actor", actor);
    if (verb == "approve") {
      v1::ApproveAwardRequest request;
      request.set_award_id(award_id);
      request.set_reason(reason);
      return awards_->ApproveAward(&ctx, request, award);
    }
    if (verb == "reject") {
      v1::RejectAwardRequest request;
      request.set_award_id(award_id);
      request.set_reason(reason);
      return awards_->RejectAward(&ctx, request, award);
    }
    v1::CancelAwardRequest request;
    request.set_award_id(award_id);
    request.set_reason(reason);
    return awards_->CancelAward(&ctx, request, award);
  }

  v1::Budget Budget(const std::string& program_id, const std::string& period) {
    v1::GetBudgetRequest request;
    request.set_program_id(program_id);
    request.set_period(period);
    v1::Budget budget;
    grpc::ClientContext ctx;
    grpc::Status status = awards_->GetBudget(&ctx, request, &budget);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return budget;
  }

  testing::TempDir dir_;
  RealClock clock_;
  std::unique_ptr<PlauditServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentService::Stub> agents_;
  std::unique_ptr<v1::MetricService::Stub> metrics_;
  std::unique_ptr<v1::ProgramService::Stub> programs_;
  std::unique_ptr<v1::AwardService::Stub> awards_;
  std::unique_ptr<v1::FulfilmentService::Stub> fulfilments_;
  std::unique_ptr<v1::PluginService::Stub> plugins_;
};

TEST_F(ApiTest, HealthCheckingAndPluginsAreServed) {
  grpc::ClientContext ctx;
  v1::ListPluginsResponse resp;
  ASSERT_TRUE(plugins_->ListPlugins(&ctx, v1::ListPluginsRequest(), &resp).ok());
  std::set<std::string> loaded;
  for (const auto& p : resp.plugins()) {
    if (p.loaded()) loaded.insert(p.name());
  }
  EXPECT_EQ(loaded,
            (std::set<std::string>{"certificate", "csv_dir", "leave_credit", "manual", "parking"}));
  EXPECT_TRUE(server_->plugins()->RewardTypes().count("certificate"));
  // grpc.health.v1/Check with an empty HealthCheckRequest answers SERVING (field 1 = 1), sent
  // as raw bytes through the generic stub.
  grpc::GenericStub generic(channel_);
  grpc::Slice empty_message("", 0);
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext health_ctx;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&health_ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                    &response, [&done](grpc::Status s) { done.set_value(s); });
  grpc::Status health = done.get_future().get();
  ASSERT_TRUE(health.ok()) << health.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices)
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

// Server reflection answers list_services over its bidirectional stream. The request is built by
// hand: ServerReflectionRequest field 7 (list_services) = "".
TEST_F(ApiTest, PluginQueriesReachThePluginAndKeepItsErrorCodes) {
  v1::QueryPluginRequest request;
  request.set_plugin("parking");
  request.set_method("calendar");
  (*request.mutable_args())["month"] = "2026-11";
  v1::QueryPluginResponse response;
  {
    grpc::ClientContext ctx;
    grpc::Status status = plugins_->QueryPlugin(&ctx, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_GE(response.columns_size(), 2);
  EXPECT_EQ(response.columns(0), "spot");
  EXPECT_EQ(response.rows_size(), 2);  // Both spots, free.
  // A query the policy table has no row for is nobody's.
  request.set_method("no-such-query");
  {
    grpc::ClientContext ctx;
    grpc::Status status = plugins_->QueryPlugin(&ctx, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  }
  request.set_plugin("no-such-plugin");
  {
    grpc::ClientContext ctx;
    grpc::Status status = plugins_->QueryPlugin(&ctx, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "plugin: no loaded plugin named \"no-such-plugin\"");
  }
}

TEST_F(ApiTest, VendorCallbacksMustCarryTheHmacOfTheirTimestampAndBody) {
  const std::string body = R"({"external_reference":"k1","status":"completed"})";
  v1::DeliverCallbackRequest request;
  request.set_plugin("leave_credit");
  request.set_body(body);
  v1::DeliverCallbackResponse response;
  auto deliver = [&] {
    grpc::ClientContext ctx;
    return fulfilments_->DeliverCallback(&ctx, request, &response);
  };
  request.set_signature(SignCallback("wrong", absl::Now(), body));
  grpc::Status status = deliver();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "signature: does not match the body and timestamp (HMAC-SHA256 of \"<t>.<body>\" "
            "under the shared secret)");
  request.set_signature(SignCallback("s3cret", absl::Now(), body + " "));
  EXPECT_EQ(deliver().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Signed right: the plugin reads it (leave_credit takes no callbacks).
  request.set_signature(SignCallback("s3cret", absl::Now(), body));
  status = deliver();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "body: this plugin takes no callbacks");
  // A plugin without a secret takes no callbacks at all.
  request.set_plugin("parking");
  status = deliver();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "plugin parking takes no callbacks: it has no callback_secret in plauditd's settings");
}

TEST_F(ApiTest, ServerReflectionListsTheServices) {
  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](intptr_t expected) {
    ASSERT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  ASSERT_TRUE(ok);
  grpc::Slice request_bytes(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&request_bytes, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  step(2);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  step(3);
  ASSERT_TRUE(ok);
  call->WritesDone(reinterpret_cast<void*>(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  for (const char* service : {"plaudit.v1.AgentService", "plaudit.v1.MetricService",
                              "plaudit.v1.AwardService", "grpc.health.v1.Health"}) {
    EXPECT_NE(bytes.find(service), std::string::npos) << service;
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(ApiTest, ValidationErrorsCarryBadRequestDetails) {
  grpc::ClientContext ctx;
  v1::ApplyProgramRequest req;
  req.set_yaml(std::string(kProgram) + "bogus_key: 1\n");
  v1::Program resp;
  grpc::Status status = programs_->ApplyProgram(&ctx, req, &resp);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("bogus_key"), std::string::npos) << status.error_message();
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "bogus_key");
}

TEST_F(ApiTest, StatusCodesAreUsedAsMeant) {
  grpc::ClientContext c1;
  v1::Agent agent;
  v1::GetAgentRequest get;
  get.set_id("nobody");
  EXPECT_EQ(agents_->GetAgent(&c1, get, &agent).error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext c2;
  v1::EvaluateAwardsRequest eval;
  eval.set_program_id("missing");
  eval.set_period("2026-10");
  v1::EvaluateAwardsResponse out;
  EXPECT_EQ(awards_->EvaluateAwards(&c2, eval, &out).error_code(), grpc::StatusCode::NOT_FOUND);

  grpc::ClientContext c3;
  v1::ApplyProgramRequest apply;
  apply.set_yaml(kProgram);
  v1::Program program;
  ASSERT_TRUE(programs_->ApplyProgram(&c3, apply, &program).ok());
  EXPECT_EQ(program.version(), 1);

  grpc::ClientContext c4;
  eval.set_program_id("eotm");
  eval.set_period("2026-13");
  EXPECT_EQ(awards_->EvaluateAwards(&c4, eval, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext c5;
  eval.set_period("2099-01");  // Not over yet: cannot be committed.
  grpc::Status open = awards_->EvaluateAwards(&c5, eval, &out);
  EXPECT_EQ(open.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(open.error_message().find("--dry-run"), std::string::npos);

  grpc::ClientContext c6;
  v1::ListAgentsRequest list;
  list.set_page_token("garbage");
  v1::ListAgentsResponse agents;
  EXPECT_EQ(agents_->ListAgents(&c6, list, &agents).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiTest, ListsPaginate) {
  v1::ImportAgentsRequest req;
  for (const char* h : {"id", "display_name", "email", "team", "channel", "hire_date", "status"}) {
    req.add_header(h);
  }
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof(id), "a%02d", i);
    *req.add_rows() = Row(i + 2, {id, "N", "n@example.com", "T", "phone", "2024-01-01", "active"});
  }
  v1::ImportAgentsResponse imported;
  grpc::ClientContext ctx;
  ASSERT_TRUE(agents_->ImportAgents(&ctx, req, &imported).ok());
  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext c;
    v1::ListAgentsRequest list;
    list.set_page_size(10);
    list.set_page_token(token);
    v1::ListAgentsResponse resp;
    ASSERT_TRUE(agents_->ListAgents(&c, list, &resp).ok());
    for (const auto& a : resp.agents()) ids.push_back(a.id());
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(ids.size(), 25u);
  EXPECT_EQ(ids.front(), "a00");
  EXPECT_EQ(ids.back(), "a24");
}

TEST_F(ApiTest, BatchAndStreamingIngestReportPerEvent) {
  ImportTwoAgents();
  v1::BatchCreateEventsRequest batch;
  auto* good = batch.add_events();
  good->set_event_id("b1");
  good->set_agent_id("a1");
  good->set_metric("csat");
  good->set_value(5);
  good->mutable_occurred_at()->set_seconds(1791000000);
  auto* bad = batch.add_events();
  *bad = *good;
  bad->set_event_id("b2");
  bad->set_metric("nope");
  auto* untimed = batch.add_events();
  *untimed = *good;
  untimed->set_event_id("b3");
  untimed->clear_occurred_at();
  auto* bad_nanos = batch.add_events();
  *bad_nanos = *good;
  bad_nanos->set_event_id("b4");
  bad_nanos->mutable_occurred_at()->set_nanos(-1);
  v1::BatchCreateEventsResponse results;
  grpc::ClientContext c1;
  ASSERT_TRUE(metrics_->BatchCreateEvents(&c1, batch, &results).ok());
  ASSERT_EQ(results.results_size(), 4);
  EXPECT_EQ(results.results(2).event_id(), "b3");
  EXPECT_EQ(results.results(2).error(), "occurred_at: required");
  EXPECT_EQ(results.results(3).error(), "occurred_at: not a valid timestamp");
  EXPECT_EQ(results.results(0).outcome(), v1::INGEST_OUTCOME_STORED);
  EXPECT_EQ(results.results(1).outcome(), v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(results.results(1).error(), "metric: unknown metric \"nope\"");

  grpc::ClientContext c2;
  v1::ImportEventsResponse summary;
  auto writer = metrics_->ImportEvents(&c2, &summary);
  v1::ImportEventsRequest first;
  for (const char* h : {"event_id", "agent_id", "metric", "value", "occurred_at"}) {
    first.add_header(h);
  }
  *first.add_rows() = Row(2, {"s1", "a1", "csat", "4", "2026-10-05T14:03:00+02:00"});
  ASSERT_TRUE(writer->Write(first));
  v1::ImportEventsRequest second;
  *second.add_rows() = Row(3, {"s1", "a1", "csat", "4", "2026-10-05T12:03:00Z"});
  *second.add_rows() = Row(4, {"s2", "a9", "csat", "4", "2026-10-05T12:03:00Z"});
  ASSERT_TRUE(writer->Write(second));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(summary.imported(), 1);
  EXPECT_EQ(summary.duplicates(), 1);
  EXPECT_EQ(summary.rejected(), 1);
  ASSERT_EQ(summary.errors_size(), 1);
  EXPECT_EQ(summary.errors(0).line(), 4);
}

// Sends `messages` on a StreamEvents call as `actor` (no metadata when empty), collects the
// acknowledgements in `acks`, and returns how the call ended.
grpc::Status StreamEventsAs(v1::MetricService::Stub& metrics, const std::string& actor,
                            const std::vector<v1::ImportEventsRequest>& messages,
                            std::vector<v1::ImportEventsProgress>* acks) {
  grpc::ClientContext ctx;
  if (!actor.empty()) ctx.AddMetadata("x-plaudit-actor", actor);
  auto stream = metrics.StreamEvents(&ctx);
  for (const v1::ImportEventsRequest& message : messages) {
    if (!stream->Write(message)) break;  // Ended by the server: Finish says why.
  }
  stream->WritesDone();
  v1::ImportEventsProgress ack;
  while (stream->Read(&ack)) acks->push_back(ack);
  return stream->Finish();
}

TEST_F(ApiTest, ReplacingStreamedEventsNeedsAnAdminAndAReasonBeforeAnyRowIsStored) {
  ImportTwoAgents();
  v1::ImportEventsRequest first = EventsRequest();
  first.set_replace(true);
  *first.add_rows() = Row(2, {"n1", "a1", "csat", "4", "2026-10-05T12:03:00Z"});
  const struct {
    std::string actor;
    std::string reason;
    grpc::StatusCode code;
    std::string message;
  } kRefusals[] = {
      {"zoe", "re-scored", grpc::StatusCode::PERMISSION_DENIED,
       "zoe (roles: agent) may not call plaudit.v1.MetricService/StreamEvents"},
      {"anna", "re-scored", grpc::StatusCode::PERMISSION_DENIED,
       "anna (roles: manager) may not call plaudit.v1.MetricService/StreamEvents"},
      {"ops", "", grpc::StatusCode::INVALID_ARGUMENT, "reason: required (say why)"},
  };
  for (const auto& refusal : kRefusals) {
    first.set_reason(refusal.reason);
    std::vector<v1::ImportEventsProgress> acks;
    grpc::Status status = StreamEventsAs(*metrics_, refusal.actor, {first}, &acks);
    EXPECT_EQ(status.error_code(), refusal.code) << refusal.actor;
    EXPECT_EQ(status.error_message(), refusal.message);
    EXPECT_TRUE(acks.empty());
  }
  // A reason is for replacing.
  v1::ImportEventsRequest plain = EventsRequest();
  v1::ImportEventsRequest reason_only = plain;
  reason_only.set_reason("re-scored");
  {
    std::vector<v1::ImportEventsProgress> acks;
    grpc::Status status = StreamEventsAs(*metrics_, "ops", {reason_only}, &acks);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "reason: given without replace");
  }
  // Replacing from a later message on is refused too: the first one decides.
  v1::ImportEventsRequest later = first;
  later.clear_header();
  later.set_reason("re-scored");
  std::vector<v1::ImportEventsProgress> acks;
  grpc::Status status = StreamEventsAs(*metrics_, "ops", {plain, later}, &acks);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(acks.size(), 1u);

  // None of those stored the row: a plain import finds it new.
  plain.add_rows()->CopyFrom(first.rows(0));
  acks.clear();
  ASSERT_TRUE(StreamEventsAs(*metrics_, "", {plain}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].imported(), 1);
}

TEST_F(ApiTest, ReplacedEventsAreCountedAndRecordedAndLeaveCommittedAwardsAlone) {
  ImportTwoAgents();
  v1::ImportEventsRequest initial = EventsRequest();
  *initial.add_rows() = Row(2, {"r1", "a1", "csat", "5", "2026-10-03T04:00:00Z"});
  *initial.add_rows() = Row(3, {"r2", "a2", "csat", "3", "2026-10-03T04:00:00Z"});
  StreamEvents(initial);
  ApplyProgram(kProgram);
  v1::EvaluateAwardsResponse committed = Commit("eotm", "2026-10");
  ASSERT_EQ(committed.awards_size(), 1);
  ASSERT_EQ(committed.awards(0).agent_id(), "a1");

  v1::ImportEventsRequest header = EventsRequest();
  header.set_chunk_seq(1);
  header.set_replace(true);
  header.set_reason("survey r1 was keyed in wrong");
  v1::ImportEventsRequest rows;
  rows.set_chunk_seq(2);
  *rows.add_rows() = Row(2, {"r1", "a1", "csat", "1", "2026-10-03T04:00:00Z"});  // Replaced.
  *rows.add_rows() = Row(3, {"r2", "a2", "csat", "3", "2026-10-03T04:00:00Z"});  // Duplicate.
  *rows.add_rows() = Row(4, {"r3", "a2", "csat", "5", "2026-10-03T04:00:00Z"});  // Imported.
  *rows.add_rows() = Row(5, {"r4", "a9", "csat", "5", "2026-10-03T04:00:00Z"});  // Rejected.
  std::vector<v1::ImportEventsProgress> acks;
  grpc::Status status = StreamEventsAs(*metrics_, "ops", {header, rows}, &acks);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[1].chunk_seq(), 2);
  EXPECT_EQ(acks[1].imported(), 1);
  EXPECT_EQ(acks[1].replaced(), 1);
  EXPECT_EQ(acks[1].duplicates(), 1);
  EXPECT_EQ(acks[1].rejected(), 1);

  auto corrections_stub = v1::CorrectionService::NewStub(channel_);
  v1::ListCorrectionsRequest list;
  list.set_subject("r1");
  v1::ListCorrectionsResponse corrections;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(corrections_stub->ListCorrections(&ctx, list, &corrections).ok());
  }
  ASSERT_EQ(corrections.corrections_size(), 1);
  EXPECT_EQ(corrections.corrections(0).kind(), "event_replaced");
  EXPECT_EQ(corrections.corrections(0).detail(), "a1 csat 5 at 2026-10-03T04:00:00Z");
  EXPECT_EQ(corrections.corrections(0).actor(), "ops");
  EXPECT_EQ(corrections.corrections(0).reason(), "survey r1 was keyed in wrong");

  // The committed decision stands; restating it shows what the replacement would change.
  v1::EvaluateAwardsRequest eval;
  eval.set_program_id("eotm");
  eval.set_period("2026-10");
  eval.set_restate(true);
  v1::EvaluateAwardsResponse restated;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(awards_->EvaluateAwards(&ctx, eval, &restated).ok());
  }
  ASSERT_EQ(restated.awards_size(), 1);
  EXPECT_EQ(restated.awards(0).agent_id(), "a1");
  EXPECT_EQ(restated.awards(0).id(), committed.awards(0).id());
  ASSERT_EQ(restated.restated().awards_size(), 1);
  EXPECT_EQ(restated.restated().awards(0).agent_id(), "a2");
  ASSERT_FALSE(restated.differences().empty());
  EXPECT_EQ(restated.differences(0), "a1: awarded then, would not be now; rank 1 -> rank 2");
  v1::ListAwardsResponse awards;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(awards_->ListAwards(&ctx, v1::ListAwardsRequest(), &awards).ok());
  }
  ASSERT_EQ(awards.awards_size(), 1);
  EXPECT_EQ(awards.awards(0).agent_id(), "a1");

  // ImportEvents replaces the same way and counts it in its summary.
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-plaudit-actor", "ops");
  v1::ImportEventsResponse summary;
  auto writer = metrics_->ImportEvents(&ctx, &summary);
  header.add_rows()->CopyFrom(Row(2, {"r1", "a1", "csat", "5", "2026-10-03T04:00:00Z"}));
  header.set_reason("r1 was right after all");
  ASSERT_TRUE(writer->Write(header));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(summary.replaced(), 1);
  EXPECT_EQ(summary.imported(), 0);
  {
    grpc::ClientContext list_ctx;
    ASSERT_TRUE(corrections_stub->ListCorrections(&list_ctx, list, &corrections).ok());
  }
  ASSERT_EQ(corrections.corrections_size(), 2);
  EXPECT_EQ(corrections.corrections(1).detail(), "a1 csat 1 at 2026-10-03T04:00:00Z");
}

TEST_F(ApiTest, BatchCreateEventsReplacesForAnAdminWithAReason) {
  ImportTwoAgents();
  v1::BatchCreateEventsRequest batch;
  auto* e = batch.add_events();
  e->set_event_id("b1");
  e->set_agent_id("a1");
  e->set_metric("csat");
  e->set_value(5);
  e->mutable_occurred_at()->set_seconds(1791000000);
  v1::BatchCreateEventsResponse results;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(metrics_->BatchCreateEvents(&ctx, batch, &results).ok());
  }
  e->set_value(2);
  batch.set_replace(true);
  batch.set_reason("re-scored");
  {
    grpc::ClientContext ctx;  // An agent, in the development mode.
    ctx.AddMetadata("x-plaudit-actor", "zoe");
    EXPECT_EQ(metrics_->BatchCreateEvents(&ctx, batch, &results).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-plaudit-actor", "anna");
    EXPECT_EQ(metrics_->BatchCreateEvents(&ctx, batch, &results).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  results.Clear();
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-plaudit-actor", "ops");
    ASSERT_TRUE(metrics_->BatchCreateEvents(&ctx, batch, &results).ok());
  }
  ASSERT_EQ(results.results_size(), 1);
  EXPECT_EQ(results.results(0).outcome(), v1::INGEST_OUTCOME_REPLACED);
  batch.set_replace(false);
  {
    grpc::ClientContext ctx;
    grpc::Status status = metrics_->BatchCreateEvents(&ctx, batch, &results);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "reason: given without replace");
  }
}

TEST_F(ApiTest, SummaryPagesThroughEveryAgentAndMetricOnce) {
  ImportTwoAgents();
  v1::BatchCreateEventsRequest batch;
  int n = 0;
  for (const char* agent : {"a1", "a2"}) {
    for (const char* metric : {"csat", "nps", "qa_score"}) {
      for (int k = 0; k < 2; ++k) {
        auto* e = batch.add_events();
        e->set_event_id("p" + std::to_string(n++));
        e->set_agent_id(agent);
        e->set_metric(metric);
        e->set_value(k + 1);
        e->mutable_occurred_at()->set_seconds(1791000000);  // 2026-10-03 in UTC.
      }
    }
  }
  {
    grpc::ClientContext ctx;
    v1::BatchCreateEventsResponse resp;
    ASSERT_TRUE(metrics_->BatchCreateEvents(&ctx, batch, &resp).ok());
  }
  std::vector<std::string> rows;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext ctx;
    v1::SummarizeMetricsRequest req;
    req.set_period("2026-10");
    req.set_page_size(4);
    req.set_page_token(token);
    v1::SummarizeMetricsResponse resp;
    grpc::Status status = metrics_->SummarizeMetrics(&ctx, req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& r : resp.rows()) {
      rows.push_back(r.agent_id() + "/" + r.metric());
      EXPECT_EQ(r.samples(), 2);
      EXPECT_DOUBLE_EQ(r.mean(), 1.5);
      EXPECT_DOUBLE_EQ(r.min(), 1);
      EXPECT_DOUBLE_EQ(r.max(), 2);
    }
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(rows, (std::vector<std::string>{"a1/csat", "a1/nps", "a1/qa_score", "a2/csat", "a2/nps",
                                            "a2/qa_score"}));

  grpc::ClientContext bad;
  v1::SummarizeMetricsRequest req;
  req.set_period("2026-10");
  req.set_page_token("not a token");
  v1::SummarizeMetricsResponse resp;
  EXPECT_EQ(metrics_->SummarizeMetrics(&bad, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiTest, WeeklyTiersProgramAwardsEachAgentItsTierAndItsRewards) {
  ImportTwoAgents();
  v1::ImportEventsRequest req = EventsRequest();
  // 2026-W41 runs Monday 2026-10-05 00:00 to Monday 2026-10-12 00:00 in Stockholm.
  *req.add_rows() = Row(2, {"e1", "a1", "csat", "5", "2026-10-05T00:30:00+02:00"});
  *req.add_rows() = Row(3, {"e2", "a2", "csat", "3", "2026-10-11T23:30:00+02:00"});
  *req.add_rows() = Row(4, {"e3", "a2", "csat", "5", "2026-10-12T00:30:00+02:00"});  // W42
  StreamEvents(req);
  {
    grpc::ClientContext ctx;
    v1::ApplyProgramRequest apply;
    apply.set_yaml(kTiersProgram);
    v1::Program program;
    ASSERT_TRUE(programs_->ApplyProgram(&ctx, apply, &program).ok());
    EXPECT_EQ(program.cadence(), "weekly");
  }
  v1::EvaluateAwardsRequest eval;
  eval.set_program_id("weekly-tiers");
  eval.set_period("2026-10");
  v1::EvaluateAwardsResponse out;
  {
    grpc::ClientContext ctx;
    grpc::Status monthly = awards_->EvaluateAwards(&ctx, eval, &out);
    EXPECT_EQ(monthly.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(monthly.error_message(),
              "period: expected a weekly period like 2026-W41, got \"2026-10\"");
  }
  eval.set_period("2026-W41");
  {
    grpc::ClientContext ctx;
    grpc::Status status = awards_->EvaluateAwards(&ctx, eval, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_TRUE(out.newly_committed());
  ASSERT_EQ(out.standings_size(), 2);
  EXPECT_EQ(out.standings(1).agent_id(), "a2");
  EXPECT_DOUBLE_EQ(out.standings(1).metrics(0).value(), 3.0);  // e3 is in the next week.
  ASSERT_EQ(out.awards_size(), 2);
  EXPECT_EQ(out.awards(0).id(), "weekly-tiers.2026-W41.a1");
  EXPECT_EQ(out.awards(0).tier(), "gold");
  ASSERT_EQ(out.awards(0).rewards_size(), 1);
  EXPECT_EQ(out.awards(0).rewards(0).type(), "leave_credit");
  EXPECT_EQ(out.awards(0).rewards(0).params().at("hours"), "8");
  EXPECT_EQ(out.awards(1).agent_id(), "a2");
  EXPECT_EQ(out.awards(1).tier(), "bronze");
  ASSERT_EQ(out.awards(1).rewards_size(), 1);
  EXPECT_EQ(out.awards(1).rewards(0).type(), "certificate");

  grpc::ClientContext ctx;
  v1::ListAwardsRequest list;
  list.set_program_id("weekly-tiers");
  v1::ListAwardsResponse listed;
  ASSERT_TRUE(awards_->ListAwards(&ctx, list, &listed).ok());
  ASSERT_EQ(listed.awards_size(), 2);
  EXPECT_EQ(listed.awards(0).tier(), "gold");
  EXPECT_EQ(listed.awards(1).tier(), "bronze");
}

TEST_F(ApiTest, ListingTheAwardsOfAnUnknownProgramIsNotFound) {
  grpc::ClientContext ctx;
  v1::ListAwardsRequest list;
  list.set_program_id("nope");
  v1::ListAwardsResponse listed;
  grpc::Status status = awards_->ListAwards(&ctx, list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "program_id: program \"nope\" not found");
}

TEST_F(ApiTest, TopBoxWithWilsonRanksSixtyVeryGoodSurveysAboveThreePerfectOnes) {
  ImportTwoAgents();
  v1::ImportEventsRequest req = EventsRequest();
  int64_t line = 2;
  // a1: three 5s. a2: 60 surveys, 57 of them 4 or 5 and 3 of them 2.
  for (int i = 0; i < 3; ++i) {
    *req.add_rows() = Row(line++, {"p" + std::to_string(i), "a1", "csat", "5",
                                   "2026-10-0" + std::to_string(i + 1) + "T12:00:00Z"});
  }
  for (int i = 0; i < 60; ++i) {
    const std::string value = i < 30 ? "5" : i < 57 ? "4" : "2";
    *req.add_rows() =
        Row(line++, {"g" + std::to_string(i), "a2", "csat", value, "2026-10-15T12:00:00Z"});
  }
  // Outside October: not counted.
  *req.add_rows() = Row(line++, {"late", "a1", "csat", "5", "2026-11-01T00:00:00Z"});
  StreamEvents(req);
  ApplyProgram(kTopBoxProgram);
  v1::EvaluateAwardsRequest eval;
  eval.set_program_id("csat-top-box");
  eval.set_period("2026-10");
  eval.set_dry_run(true);
  v1::EvaluateAwardsResponse out;
  {
    grpc::ClientContext ctx;
    grpc::Status status = awards_->EvaluateAwards(&ctx, eval, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // Wilson lower bounds (see tests/core/scoring/scorecard_test.cc): 57 of 60 0.862994835236515,
  // 3 of 3 0.438502968244955. Both pass the gate (shares of csat >= 3: 1 and 57/60).
  ASSERT_EQ(out.standings_size(), 2);
  EXPECT_EQ(out.standings(0).agent_id(), "a2");
  EXPECT_TRUE(out.standings(0).eligible());
  EXPECT_EQ(out.standings(0).metrics(0).metric(), "csat");
  EXPECT_NEAR(out.standings(0).metrics(0).value(), 0.862994835236515, 1e-9);
  EXPECT_EQ(out.standings(0).metrics(0).samples(), 60);
  EXPECT_EQ(out.standings(1).agent_id(), "a1");
  EXPECT_TRUE(out.standings(1).eligible());
  EXPECT_NEAR(out.standings(1).metrics(0).value(), 0.438502968244955, 1e-9);
  EXPECT_EQ(out.standings(1).metrics(0).samples(), 3);
  ASSERT_EQ(out.awards_size(), 1);
  EXPECT_EQ(out.awards(0).agent_id(), "a2");
}

TEST_F(ApiTest, CurrentNamesTheOpenPeriodForLiveStandings) {
  ImportTwoAgents();
  ApplyProgram(kProgram);
  absl::TimeZone stockholm = *LoadZone("Europe/Stockholm");
  std::string before = absl::FormatTime("%Y-%m", absl::Now(), stockholm);
  v1::EvaluateAwardsRequest eval;
  eval.set_program_id("eotm");
  eval.set_period("current");
  eval.set_dry_run(true);
  v1::EvaluateAwardsResponse live;
  {
    grpc::ClientContext ctx;
    grpc::Status status = awards_->EvaluateAwards(&ctx, eval, &live);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  std::string after = absl::FormatTime("%Y-%m", absl::Now(), stockholm);
  EXPECT_TRUE(live.period() == before || live.period() == after) << live.period();
  EXPECT_EQ(live.standings_size(), 2);

  eval.set_dry_run(false);
  grpc::ClientContext ctx;
  EXPECT_EQ(awards_->EvaluateAwards(&ctx, eval, &live).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ApiTest, SimulateShowsADraftBesideTheAppliedVersionAndWritesNothing) {
  ImportTwoAgents();
  v1::BatchCreateEventsRequest batch;
  for (auto [id, agent, csat] : {std::tuple{"s1", "a1", 5}, std::tuple{"s2", "a2", 3}}) {
    auto* e = batch.add_events();
    e->set_event_id(id);
    e->set_agent_id(agent);
    e->set_metric("csat");
    e->set_value(csat);
    e->mutable_occurred_at()->set_seconds(1791000000);  // 2026-10-03.
  }
  {
    grpc::ClientContext ctx;
    v1::BatchCreateEventsResponse resp;
    ASSERT_TRUE(metrics_->BatchCreateEvents(&ctx, batch, &resp).ok());
  }
  v1::SimulateProgramRequest request;
  request.set_yaml(kProgram);
  request.set_period("2026-10");
  {
    grpc::ClientContext ctx;
    v1::SimulateProgramResponse none_applied;
    ASSERT_TRUE(programs_->SimulateProgram(&ctx, request, &none_applied).ok());
    EXPECT_FALSE(none_applied.has_applied());
    ASSERT_EQ(none_applied.draft().awards_size(), 1);
    EXPECT_EQ(none_applied.draft().awards(0).agent_id(), "a1");
  }
  ApplyProgram(kProgram);
  // The draft turns csat around: the lower mean now wins.
  std::string draft = kProgram;
  draft.replace(draft.find("      weight: 1\n"), 16,
                "      weight: 1\n      direction: lower_is_better\n");
  request.set_yaml(draft);
  v1::SimulateProgramResponse response;
  {
    grpc::ClientContext ctx;
    grpc::Status status = programs_->SimulateProgram(&ctx, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_TRUE(response.has_applied());
  EXPECT_EQ(response.applied_version(), 1);
  ASSERT_EQ(response.draft().awards_size(), 1);
  EXPECT_EQ(response.draft().awards(0).agent_id(), "a2");
  ASSERT_EQ(response.applied().awards_size(), 1);
  EXPECT_EQ(response.applied().awards(0).agent_id(), "a1");

  grpc::ClientContext list_ctx;
  v1::ListAwardsResponse awards;
  ASSERT_TRUE(awards_->ListAwards(&list_ctx, v1::ListAwardsRequest(), &awards).ok());
  EXPECT_EQ(awards.awards_size(), 0);
  grpc::ClientContext get_ctx;
  v1::GetProgramRequest get;
  get.set_id("eotm");
  v1::Program stored;
  ASSERT_TRUE(programs_->GetProgram(&get_ctx, get, &stored).ok());
  EXPECT_EQ(stored.version(), 1);

  request.set_yaml("id: broken\n");
  grpc::ClientContext bad_ctx;
  EXPECT_EQ(programs_->SimulateProgram(&bad_ctx, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiTest, RestateShowsWhatLateDataWouldChangeWithoutChangingAwards) {
  ImportTwoAgents();
  auto add_event = [&](const char* id, const char* agent, double csat) {
    v1::BatchCreateEventsRequest batch;
    auto* e = batch.add_events();
    e->set_event_id(id);
    e->set_agent_id(agent);
    e->set_metric("csat");
    e->set_value(csat);
    e->mutable_occurred_at()->set_seconds(1791000000);  // 2026-10-03.
    grpc::ClientContext ctx;
    v1::BatchCreateEventsResponse resp;
    ASSERT_TRUE(metrics_->BatchCreateEvents(&ctx, batch, &resp).ok());
  };
  add_event("r1", "a1", 5);
  add_event("r2", "a2", 3);
  ApplyProgram(kProgram);
  v1::EvaluateAwardsRequest eval;
  eval.set_program_id("eotm");
  eval.set_period("2026-10");
  eval.set_restate(true);
  v1::EvaluateAwardsResponse response;
  {
    grpc::ClientContext ctx;  // Nothing decided yet: restating must not decide it.
    EXPECT_EQ(awards_->EvaluateAwards(&ctx, eval, &response).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
    grpc::ClientContext list_ctx;
    v1::ListAwardsResponse none;
    ASSERT_TRUE(awards_->ListAwards(&list_ctx, v1::ListAwardsRequest(), &none).ok());
    EXPECT_EQ(none.awards_size(), 0);
  }
  eval.set_restate(false);
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(awards_->EvaluateAwards(&ctx, eval, &response).ok());
  }
  // Late surveys turn the month around.
  add_event("r3", "a1", 1);
  add_event("r4", "a1", 1);
  add_event("r5", "a2", 5);
  eval.set_restate(true);
  response.Clear();
  {
    grpc::ClientContext ctx;
    grpc::Status status = awards_->EvaluateAwards(&ctx, eval, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_EQ(response.awards_size(), 1);
  EXPECT_EQ(response.awards(0).agent_id(), "a1");  // As committed.
  ASSERT_EQ(response.restated().awards_size(), 1);
  EXPECT_EQ(response.restated().awards(0).agent_id(), "a2");
  ASSERT_EQ(response.differences_size(), 2);
  EXPECT_EQ(response.differences(0), "a1: awarded then, would not be now; rank 1 -> rank 2");
}

TEST_F(ApiTest, EvaluationCommitsOnceAndFulfilsEveryReward) {
  ImportTwoAgents();
  v1::ImportEventsRequest req = EventsRequest();
  *req.add_rows() = Row(2, {"e1", "a1", "csat", "5", "2026-10-05T14:03:00+02:00"});
  *req.add_rows() = Row(3, {"e2", "a2", "csat", "3", "2026-10-06T14:03:00+02:00"});
  StreamEvents(req);
  ApplyProgram(kProgram);
  v1::EvaluateAwardsRequest eval;
  eval.set_program_id("eotm");
  eval.set_period("2026-10");
  eval.set_dry_run(true);
  v1::EvaluateAwardsResponse dry;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(awards_->EvaluateAwards(&ctx, eval, &dry).ok());
  }
  ASSERT_EQ(dry.awards_size(), 1);
  EXPECT_EQ(dry.awards(0).agent_id(), "a1");
  EXPECT_FALSE(dry.newly_committed());
  {
    grpc::ClientContext ctx;
    v1::ListAwardsResponse none;
    ASSERT_TRUE(awards_->ListAwards(&ctx, v1::ListAwardsRequest(), &none).ok());
    EXPECT_EQ(none.awards_size(), 0);  // The dry run wrote nothing.
  }

  eval.set_dry_run(false);
  v1::EvaluateAwardsResponse first;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(awards_->EvaluateAwards(&ctx, eval, &first).ok());
  }
  EXPECT_TRUE(first.newly_committed());
  ASSERT_EQ(first.awards_size(), 1);
  EXPECT_EQ(first.awards(0).id(), "eotm.2026-10.a1");
  ASSERT_EQ(first.standings_size(), 2);
  EXPECT_EQ(first.standings(0).rank(), 1);
  EXPECT_DOUBLE_EQ(first.standings(0).score(), 1.0);
  EXPECT_DOUBLE_EQ(first.standings(1).score(), 0.0);

  // Wait for the fulfilment engine to deliver both rewards.
  v1::ListFulfilmentsResponse rows;
  for (int i = 0; i < 200; ++i) {
    rows.Clear();
    grpc::ClientContext ctx;
    ASSERT_TRUE(fulfilments_->ListFulfilments(&ctx, v1::ListFulfilmentsRequest(), &rows).ok());
    bool done = rows.fulfilments_size() == 2;
    for (const auto& f : rows.fulfilments()) done = done && f.state() != v1::Fulfilment::PENDING;
    if (done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(rows.fulfilments_size(), 2);
  for (const auto& f : rows.fulfilments()) {
    EXPECT_EQ(f.state(), v1::Fulfilment::FULFILLED) << f.type() << ": " << f.error();
    EXPECT_EQ(f.attempts(), 1);
    EXPECT_FALSE(f.idempotency_key().empty());
    if (f.type() == "certificate") {
      std::ifstream pdf(f.artifact(), std::ios::binary);
      std::string magic(5, '\0');
      pdf.read(magic.data(), 5);
      EXPECT_EQ(magic, "%PDF-");
    }
  }

  v1::EvaluateAwardsResponse again;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(awards_->EvaluateAwards(&ctx, eval, &again).ok());
  }
  EXPECT_FALSE(again.newly_committed());
  ASSERT_EQ(again.awards_size(), 1);
  EXPECT_EQ(again.awards(0).id(), first.awards(0).id());
  EXPECT_EQ(again.awards(0).state(), v1::Award::FULFILLED);
  grpc::ClientContext ctx;
  v1::ListFulfilmentsResponse after;
  ASSERT_TRUE(fulfilments_->ListFulfilments(&ctx, v1::ListFulfilmentsRequest(), &after).ok());
  EXPECT_EQ(after.fulfilments_size(), 2);  // No new fulfilment started.
}

TEST_F(ApiTest, ExplainAwardShowsTheCutoffAndWhatWouldHaveChangedIt) {
  ImportTwoAgents();
  v1::BatchCreateEventsRequest batch;
  for (auto [id, agent, value] : {std::tuple{"e1", "a1", 5.0}, std::tuple{"e2", "a2", 3.0}}) {
    auto* event = batch.add_events();
    event->set_event_id(id);
    event->set_agent_id(agent);
    event->set_metric("csat");
    event->set_value(value);
    event->mutable_occurred_at()->set_seconds(1791300000);  // 2026-10-06T15:20:00Z
  }
  {
    grpc::ClientContext ctx;
    v1::BatchCreateEventsResponse created;
    ASSERT_TRUE(metrics_->BatchCreateEvents(&ctx, batch, &created).ok());
  }
  ApplyProgram(kProgram);
  v1::ExplainAwardRequest request;
  request.set_program_id("eotm");
  request.set_period("2026-10");
  request.set_agent_id("a2");
  v1::AwardExplanation explanation;
  {
    grpc::ClientContext ctx;
    grpc::Status status = awards_->ExplainAward(&ctx, request, &explanation);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // Two chat agents, csat percentiles a1 1 and a2 0: a2 scores 0 against a1's cut-off of 1. A
  // tie at 5, the best csat there is, still loses on the id.
  EXPECT_EQ(explanation.period(), "2026-10");
  EXPECT_EQ(explanation.peer_group(), "chat");
  EXPECT_EQ(explanation.rank(), 2);
  EXPECT_DOUBLE_EQ(explanation.score(), 0);
  EXPECT_FALSE(explanation.won());
  EXPECT_EQ(explanation.competitors(), 2);
  ASSERT_TRUE(explanation.has_cutoff());
  EXPECT_DOUBLE_EQ(explanation.cutoff(), 1);
  ASSERT_EQ(explanation.metrics_size(), 1);
  EXPECT_DOUBLE_EQ(explanation.metrics(0).value(), 3);
  EXPECT_EQ(explanation.metrics(0).direction(), "higher_is_better");
  EXPECT_FALSE(explanation.metrics(0).what_if().possible());
  EXPECT_EQ(explanation.metrics(0).what_if().reason(), "even the best value is not enough");
  // The same sentences as phrases, for a page to word in its reader's language.
  ASSERT_EQ(explanation.metrics(0).what_if().reason_phrases_size(), 1);
  EXPECT_EQ(explanation.metrics(0).what_if().reason_phrases(0).key(), "whatif.best_not_enough");
  ASSERT_EQ(explanation.cutoff_basis_phrases_size(), 1);
  EXPECT_EQ(explanation.cutoff_basis_phrases(0).key(), "cutoff.best_in_group");
  ASSERT_EQ(explanation.cutoff_basis_phrases(0).args_size(), 2);
  EXPECT_EQ(explanation.cutoff_basis_phrases(0).args(0), "2");
  EXPECT_EQ(explanation.cutoff_basis_phrases(0).args(1), "chat");
  EXPECT_EQ(explanation.cutoff_basis_phrases(0).text(), explanation.cutoff_basis());

  request.set_agent_id("nobody");
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(awards_->ExplainAward(&ctx, request, &explanation).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  request.set_agent_id("a2");
  request.set_period("2026-W41");
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(awards_->ExplainAward(&ctx, request, &explanation).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  request.set_program_id("no-such-program");
  request.set_period("2026-10");
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(awards_->ExplainAward(&ctx, request, &explanation).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(ApiTest, CsvDirPluginImportsInboxFiles) {
  ImportTwoAgents();
  std::string inbox = dir_.path() + "/data/inbox";
  std::filesystem::create_directories(inbox);
  {
    std::ofstream f(inbox + "/.tmp-week41.csv");
    f << "event_id,agent_id,metric,value,occurred_at\n"
      << "i1,a1,csat,5,2026-10-05T14:03:00+02:00\n"
      << "i2,a1,csat,9,2026-10-05T14:03:00+02:00\n";
  }
  // Hand the file over atomically, as a producer should.
  std::filesystem::rename(inbox + "/.tmp-week41.csv", inbox + "/week41.csv");
  std::string processed = dir_.path() + "/data/processed/week41.csv";
  for (int i = 0; i < 200 && !std::filesystem::exists(processed); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(std::filesystem::exists(processed));
  EXPECT_FALSE(std::filesystem::exists(inbox + "/week41.csv"));
  EXPECT_EQ(*server_->store()->CountEvents(), 1);
}

}  // namespace
}  // namespace plaudit::api

namespace plaudit::api {
namespace {

// Every agent wins 1 h of leave worth 10 EUR; a manager approves, two above 15 EUR; a fixed
// budget of 100 EUR a month.
const char kApprovalProgram[] = R"(id: leave-for-all
name: Leave for all
cadence: monthly
time_zone: Europe/Stockholm
scorecard:
  metrics:
    - metric: csat
      aggregation: mean
award:
  rule: threshold
  min_score: 0
  rewards:
    - {type: leave_credit, hours: 1, value: 10}
approval:
  by: manager
  two_approvers_above: 15
budget: {amount: 100, unit: money, currency: EUR, mode: fixed}
)";

TEST_F(ApiTest, AwardsWaitForAManagersApprovalAndRecordWhoDidWhat) {
  ImportAgentsWithSurveys(3);
  ApplyProgram(kApprovalProgram);
  v1::EvaluateAwardsResponse decided = Commit("leave-for-all", "2026-10");
  ASSERT_EQ(decided.awards_size(), 3);
  for (const v1::Award& award : decided.awards()) {
    EXPECT_EQ(award.state(), v1::Award::PROPOSED) << award.id();
    EXPECT_DOUBLE_EQ(award.value(), 10);
    EXPECT_EQ(award.approvals_needed(), 1);
    EXPECT_EQ(award.approver_role(), "manager");
  }
  const std::string id = "leave-for-all.2026-10.a2";
  v1::Award award;
  // In the development mode a name without a role is an agent: the policy turns it away.
  grpc::Status status = Act("approve", id, "zoe", &award);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "zoe (roles: agent) may not call plaudit.v1.AwardService/ApproveAward");
  status = Act("approve", "leave-for-all.2026-10.a1", "a1", &award);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "a1 may not approve award leave-for-all.2026-10.a1: it is their own award");
  status = Act("approve", "leave-for-all.2026-10.nobody", "anna", &award);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  status = Act("approve", id, "anna", &award, "great month");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(award.state(), v1::Award::APPROVED);
  EXPECT_EQ(award.state_reason(), "approved by anna: great month");
  ASSERT_EQ(award.state_reason_phrases_size(), 1);
  EXPECT_EQ(award.state_reason_phrases(0).key(), "state.approved_why");
  ASSERT_EQ(award.state_reason_phrases(0).args_size(), 2);
  EXPECT_EQ(award.state_reason_phrases(0).args(0), "anna");
  EXPECT_EQ(award.state_reason_phrases(0).args(1), "great month");
  status = Act("reject", "leave-for-all.2026-10.a3", "ben", &award, "survey was a test call");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(award.state(), v1::Award::REJECTED);

  // The approved award is fulfilled and its 10 EUR settled; the rejected one never goes out.
  v1::AwardHistory history;
  for (int i = 0; i < 200; ++i) {
    history.Clear();
    grpc::ClientContext ctx;
    v1::GetAwardHistoryRequest request;
    request.set_award_id(id);
    ASSERT_TRUE(awards_->GetAwardHistory(&ctx, request, &history).ok());
    if (history.award().state() == v1::Award::FULFILLED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(history.award().state(), v1::Award::FULFILLED);
  std::vector<std::string> steps;
  for (const v1::AwardTransition& t : history.transitions()) {
    steps.push_back(absl::StrCat(t.from_state(), ">", t.to_state(), " ", t.actor()));
  }
  EXPECT_EQ(steps, (std::vector<std::string>{">proposed local", "proposed>approved anna",
                                             "approved>fulfilling plauditd",
                                             "fulfilling>fulfilled plauditd"}));
  v1::Budget budget = Budget("leave-for-all", "2026-10");
  EXPECT_EQ(budget.mode(), "fixed");
  EXPECT_EQ(budget.currency(), "EUR");
  EXPECT_DOUBLE_EQ(budget.amount(), 100);
  EXPECT_DOUBLE_EQ(budget.settled(), 10);
  EXPECT_DOUBLE_EQ(budget.reserved(), 0);
  EXPECT_DOUBLE_EQ(budget.remaining(), 90);
  grpc::ClientContext ctx;
  v1::ListFulfilmentsRequest request;
  request.set_award_id("leave-for-all.2026-10.a3");
  v1::ListFulfilmentsResponse rejected;
  ASSERT_TRUE(fulfilments_->ListFulfilments(&ctx, request, &rejected).ok());
  ASSERT_EQ(rejected.fulfilments_size(), 1);
  EXPECT_EQ(rejected.fulfilments(0).state(), v1::Fulfilment::CANCELLED);
  EXPECT_EQ(rejected.fulfilments(0).attempts(), 0);
}

// Retry and cancel need a manager; cancelling a reward waiting for approval writes it into the
// reward's attempt history.
TEST_F(ApiTest, RewardActionsNeedAManagerAndAreRecordedInTheirHistory) {
  ImportAgentsWithSurveys(1);
  ApplyProgram(kApprovalProgram);
  ASSERT_EQ(Commit("leave-for-all", "2026-10").awards_size(), 1);
  const std::string id = "leave-for-all.2026-10.a1.leave_credit";
  auto cancel = [&](const std::string& actor, v1::Fulfilment* out) {
    grpc::ClientContext ctx;
    if (!actor.empty()) ctx.AddMetadata("x-plaudit-actor", actor);
    v1::CancelFulfilmentRequest request;
    request.set_fulfilment_id(id);
    request.set_reason("budget moved to Q1");
    return fulfilments_->CancelFulfilment(&ctx, request, out);
  };
  v1::Fulfilment fulfilment;
  grpc::Status status = cancel("zoe", &fulfilment);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "zoe (roles: agent) may not call plaudit.v1.FulfilmentService/CancelFulfilment");
  status = cancel("anna", &fulfilment);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(fulfilment.state(), v1::Fulfilment::CANCELLED);
  EXPECT_EQ(fulfilment.error(), "cancelled by anna: budget moved to Q1");

  v1::FulfilmentDetail detail;
  {
    grpc::ClientContext ctx;
    v1::GetFulfilmentRequest request;
    request.set_fulfilment_id(id);
    ASSERT_TRUE(fulfilments_->GetFulfilment(&ctx, request, &detail).ok());
  }
  ASSERT_EQ(detail.attempts_size(), 1);
  EXPECT_EQ(detail.attempts(0).kind(), "cancel");
  EXPECT_EQ(detail.attempts(0).actor(), "anna");
  EXPECT_EQ(detail.attempts(0).error(), "budget moved to Q1");
  // Only a failed reward can be retried.
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-plaudit-actor", "anna");
  v1::RetryFulfilmentRequest retry;
  retry.set_fulfilment_id(id);
  status = fulfilments_->RetryFulfilment(&ctx, retry, &fulfilment);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "fulfilment " + id + " is cancelled; only failed rewards can be retried");
  v1::GetFulfilmentRequest unknown;
  unknown.set_fulfilment_id("nope");
  grpc::ClientContext ctx2;
  EXPECT_EQ(fulfilments_->GetFulfilment(&ctx2, unknown, &detail).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

v1::EvaluateAwardsRequest EotmOctober(bool dry_run, int32_t page_size) {
  v1::EvaluateAwardsRequest request;
  request.set_program_id("eotm");
  request.set_period("2026-10");
  request.set_dry_run(dry_run);
  request.set_page_size(page_size);
  return request;
}

std::vector<std::string> StandingIds(const v1::EvaluateAwardsResponse& response) {
  std::vector<std::string> ids;
  for (const v1::Standing& s : response.standings()) ids.push_back(s.agent_id());
  return ids;
}

std::vector<std::string> Slice(const std::vector<std::string>& ids, size_t begin, size_t end) {
  return std::vector<std::string>(ids.begin() + begin, ids.begin() + end);
}

// A committed decision's standings are read a page at a time, and are the same pages as a dry
// run's over the same data.
TEST_F(ApiTest, StandingsComeAPageAtATimeFromAStoredDecisionAsFromADryRun) {
  ImportAgentsWithSurveys(120);
  ApplyProgram(kProgram);
  auto evaluate = [&](const v1::EvaluateAwardsRequest& request, grpc::Status* status) {
    v1::EvaluateAwardsResponse out;
    grpc::ClientContext ctx;
    *status = awards_->EvaluateAwards(&ctx, request, &out);
    return out;
  };
  grpc::Status status;
  // page_size above the most gives the most, 1000: all 120 here.
  v1::EvaluateAwardsResponse whole = evaluate(EotmOctober(true, 5000), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<std::string> all = StandingIds(whole);
  ASSERT_EQ(all.size(), 120u);
  EXPECT_EQ(whole.total_standings(), 120);
  EXPECT_EQ(whole.next_page_token(), "");

  // Deciding returns the first page of the default size, and every award.
  v1::EvaluateAwardsResponse decided = evaluate(EotmOctober(false, 0), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(decided.newly_committed());
  EXPECT_EQ(StandingIds(decided), Slice(all, 0, 100));
  EXPECT_EQ(decided.total_standings(), 120);
  EXPECT_EQ(decided.standings_offset(), 0);
  EXPECT_FALSE(decided.next_page_token().empty());
  EXPECT_EQ(decided.awards_size(), whole.awards_size());
  EXPECT_EQ(decided.standings(0).rank(), 1);

  for (bool dry_run : {false, true}) {
    SCOPED_TRACE(dry_run ? "dry run" : "stored");
    v1::EvaluateAwardsRequest request = EotmOctober(dry_run, 0);
    v1::EvaluateAwardsResponse first = evaluate(request, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(first.newly_committed());
    EXPECT_EQ(StandingIds(first), Slice(all, 0, 100));
    request.set_page_token(first.next_page_token());
    v1::EvaluateAwardsResponse second = evaluate(request, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(StandingIds(second), Slice(all, 100, 120));
    EXPECT_EQ(second.standings_offset(), 100);
    EXPECT_EQ(second.next_page_token(), "");
    EXPECT_EQ(second.awards_size(), whole.awards_size());

    // Seven around the 51st: three before it, three after.
    request = EotmOctober(dry_run, 7);
    request.set_around_agent_id(all[50]);
    v1::EvaluateAwardsResponse around = evaluate(request, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(StandingIds(around), Slice(all, 47, 54));
    EXPECT_EQ(around.standings_offset(), 47);
    EXPECT_EQ(around.total_standings(), 120);
    request.clear_around_agent_id();
    request.set_page_token(around.next_page_token());
    EXPECT_EQ(StandingIds(evaluate(request, &status)), Slice(all, 54, 61));
    // At either end the page stays full.
    request = EotmOctober(dry_run, 7);
    request.set_around_agent_id(all[1]);
    EXPECT_EQ(StandingIds(evaluate(request, &status)), Slice(all, 0, 7));
    request.set_around_agent_id(all[119]);
    around = evaluate(request, &status);
    EXPECT_EQ(StandingIds(around), Slice(all, 113, 120));
    EXPECT_EQ(around.next_page_token(), "");

    request = EotmOctober(dry_run, 0);
    request.set_agent_id(all[60]);
    v1::EvaluateAwardsResponse one = evaluate(request, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(StandingIds(one), std::vector<std::string>{all[60]});
    EXPECT_EQ(one.standings_offset(), 60);
    EXPECT_EQ(one.standings(0).rank(), whole.standings(60).rank());
    EXPECT_EQ(one.next_page_token(), "");
  }
}

TEST_F(ApiTest, PagingMistakesNameTheFieldAndTheValue) {
  ImportAgentsWithSurveys(3);
  ApplyProgram(kProgram);
  Commit("eotm", "2026-10");
  for (bool dry_run : {false, true}) {
    SCOPED_TRACE(dry_run ? "dry run" : "stored");
    auto expect = [&](const v1::EvaluateAwardsRequest& request, grpc::StatusCode code,
                      const std::string& message) {
      v1::EvaluateAwardsResponse out;
      grpc::ClientContext ctx;
      grpc::Status status = awards_->EvaluateAwards(&ctx, request, &out);
      EXPECT_EQ(status.error_code(), code) << status.error_message();
      EXPECT_EQ(status.error_message(), message);
    };
    v1::EvaluateAwardsRequest request = EotmOctober(dry_run, 0);
    request.set_page_token("x");
    expect(request, grpc::StatusCode::INVALID_ARGUMENT,
           "page_token: \"x\" is not a token returned for these standings");
    request.set_page_token("4");
    expect(request, grpc::StatusCode::INVALID_ARGUMENT,
           "page_token: \"4\" is not a token returned for these standings");
    request.set_around_agent_id("a1");
    expect(request, grpc::StatusCode::INVALID_ARGUMENT, "around_agent_id: not with page_token");
    request = EotmOctober(dry_run, 0);
    request.set_around_agent_id("a9");
    expect(request, grpc::StatusCode::NOT_FOUND, "around_agent_id: \"a9\" has no standing");
    request = EotmOctober(dry_run, 0);
    request.set_agent_id("a9");
    expect(request, grpc::StatusCode::NOT_FOUND, "agent_id: \"a9\" has no standing");
    request.set_around_agent_id("a1");
    expect(request, grpc::StatusCode::INVALID_ARGUMENT,
           "agent_id: asks for one standing; not with page_token or around_agent_id");
    request = EotmOctober(dry_run, -1);
    expect(request, grpc::StatusCode::INVALID_ARGUMENT, "page_size: must not be negative, got -1");
  }
}

TEST_F(ApiTest, ARestatementPagesTheStandingsThenAndNowAlike) {
  ImportAgentsWithSurveys(5);
  ApplyProgram(kProgram);
  Commit("eotm", "2026-10");
  v1::EvaluateAwardsRequest request = EotmOctober(false, 2);
  request.set_restate(true);
  v1::EvaluateAwardsResponse restated;
  {
    grpc::ClientContext ctx;
    grpc::Status status = awards_->EvaluateAwards(&ctx, request, &restated);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(restated.standings_size(), 2);
  EXPECT_EQ(restated.total_standings(), 5);
  EXPECT_EQ(restated.next_page_token(), "2");
  EXPECT_EQ(restated.restated().standings_size(), 2);
  EXPECT_EQ(restated.restated().total_standings(), 5);
  EXPECT_EQ(StandingIds(restated.restated()), StandingIds(restated));
  EXPECT_TRUE(restated.differences().empty());
}

// Many clients, each on its own connection, approve every award at once: the fixed budget
// takes exactly ten 10 EUR awards, whatever the interleaving.
TEST_F(ApiTest, ConcurrentApproversFromManyClientsNeverOverspendAFixedBudget) {
  ImportAgentsWithSurveys(30);
  ApplyProgram(kApprovalProgram);
  ASSERT_EQ(Commit("leave-for-all", "2026-10").awards_size(), 30);
  const int port = server_->port();
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([c, port] {
      grpc::ChannelArguments args;
      args.SetInt("grpc.use_local_subchannel_pool", 1);  // A connection of its own.
      auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                               grpc::InsecureChannelCredentials(), args);
      auto awards = v1::AwardService::NewStub(channel);
      std::vector<int> order(30);
      for (int i = 0; i < 30; ++i) order[i] = (i * 7 + c * 11) % 30 + 1;
      for (int n : order) {
        grpc::ClientContext ctx;
        ctx.AddMetadata("x-plaudit-actor", absl::StrCat("mgr-", c));
        v1::ApproveAwardRequest request;
        request.set_award_id(absl::StrCat("leave-for-all.2026-10.a", n));
        v1::Award award;
        grpc::Status status = awards->ApproveAward(&ctx, request, &award);
        // Refused only because someone approved it first.
        if (!status.ok()) {
          EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
              << status.error_message();
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();

  v1::Budget budget = Budget("leave-for-all", "2026-10");
  EXPECT_DOUBLE_EQ(budget.reserved() + budget.settled(), 100);
  EXPECT_EQ(budget.over_budget_awards(), 20);
  grpc::ClientContext ctx;
  v1::ListAwardsRequest list;
  list.set_program_id("leave-for-all");
  v1::ListAwardsResponse listed;
  ASSERT_TRUE(awards_->ListAwards(&ctx, list, &listed).ok());
  int granted = 0;
  for (const v1::Award& award : listed.awards()) {
    if (award.state() != v1::Award::OVER_BUDGET) {
      ++granted;
      EXPECT_EQ(award.approvals_size(), 1) << award.id();
    }
  }
  EXPECT_EQ(granted, 10);
}

}  // namespace
}  // namespace plaudit::api

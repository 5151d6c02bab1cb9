// The policy table against the API plauditd serves: every RPC of the public API has a row, every
// row names something that exists, and a server with auth configured turns away exactly the
// credentials and roles the table says, for every method and every plugin query. Then the
// resources: admitted callers see and act on only what is within their reach.
#include "core/api/access_policy.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/api/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plaudit/v1/access.grpc.pb.h"
#include "plaudit/v1/audit.grpc.pb.h"
#include "plaudit/v1/corrections.grpc.pb.h"
#include "plaudit/v1/praise.grpc.pb.h"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/dev_issuer.h"

namespace plaudit::api {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kPackage[] = "plaudit.v1";
// The gate's refusal: "<subject> (roles: ...) may not call <method>".
constexpr char kGateRefusal[] = "may not call ";

// One method of the public API, as the policy table names it, and how it streams.
struct ApiMethod {
  std::string name;  // "plaudit.v1.AwardService/ApproveAward"
  bool client_streaming = false;
  bool server_streaming = false;
};

// Every .proto of the public API, from the source tree, so that a new file is not missed.
std::vector<std::string> ApiProtoFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(PLAUDIT_SOURCE_DIR) + "/proto/plaudit/v1")) {
    if (entry.path().extension() == ".proto") {
      files.push_back("plaudit/v1/" + entry.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Every method of every service in those files, from the generated descriptor pool.
std::vector<ApiMethod> ApiMethods() {
  std::vector<ApiMethod> methods;
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : ApiProtoFiles()) {
    const google::protobuf::FileDescriptor* file = pool->FindFileByName(name);
    if (file == nullptr) {
      ADD_FAILURE() << name << " is not in the generated pool: is it built into plaudit_api_proto?";
      continue;
    }
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor* method = service->method(m);
        methods.push_back(ApiMethod{absl::StrCat(service->full_name(), "/", method->name()),
                                    method->client_streaming(), method->server_streaming()});
      }
    }
  }
  return methods;
}

std::set<std::string> ApiServices() {
  std::set<std::string> services;
  for (const ApiMethod& method : ApiMethods()) {
    services.insert(method.name.substr(0, method.name.find('/')));
  }
  return services;
}

// The reach the table gives one role, read straight from its column.
Reach Column(const PolicyRow& row, const std::string& role) {
  if (role == kAdminRole) return row.admin;
  if (role == kManagerRole) return row.manager;
  if (role == kAgentRole) return row.agent;
  if (role == kServiceRole) return row.service;
  if (role == kDisplayRole) return row.display;
  return row.task;
}

// --- 1. The table and the API are the same list. ---

TEST(AccessPolicyTableTest, EveryProtoFileOfTheApiIsLinkedAndDeclaresItsServices) {
  const std::vector<std::string> files = ApiProtoFiles();
  for (const char* expected :
       {"plaudit/v1/agents.proto", "plaudit/v1/metrics.proto", "plaudit/v1/programs.proto",
        "plaudit/v1/awards.proto", "plaudit/v1/fulfilments.proto", "plaudit/v1/plugins.proto",
        "plaudit/v1/praise.proto", "plaudit/v1/corrections.proto", "plaudit/v1/audit.proto",
        "plaudit/v1/access.proto", "plaudit/v1/exports.proto", "plaudit/v1/reports.proto"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), expected), files.end()) << expected;
  }
  const std::set<std::string> services = ApiServices();
  EXPECT_EQ(services.size(), 12u) << absl::StrJoin(services, ", ");
  for (const std::string& service : services) {
    EXPECT_TRUE(absl::StartsWith(service, absl::StrCat(kPackage, "."))) << service;
  }
}

TEST(AccessPolicyTableTest, EveryRpcHasARow) {
  const std::vector<ApiMethod> methods = ApiMethods();
  ASSERT_GE(methods.size(), 40u);
  for (const ApiMethod& method : methods) {
    EXPECT_NE(FindPolicy(method.name), nullptr)
        << method.name << " has no row in the policy table (core/api/access_policy.cc)";
  }
}

TEST(AccessPolicyTableTest, EveryRowNamesAnRpcOrAPluginQueryThatExists) {
  std::set<std::string> rpcs;
  for (const ApiMethod& method : ApiMethods()) rpcs.insert(method.name);
  std::set<std::string> seen;
  for (const PolicyRow& row : PolicyTable()) {
    const std::string method(row.method);
    EXPECT_TRUE(seen.insert(method).second) << method << " has two rows";
    if (absl::StartsWith(method, "plugin:")) {
      // plugin:NAME/QUERY, NAME one of the fulfilment plugins in the tree.
      const std::string rest = method.substr(7);
      const size_t slash = rest.find('/');
      ASSERT_NE(slash, std::string::npos) << method;
      const std::string plugin = rest.substr(0, slash);
      EXPECT_FALSE(plugin.empty()) << method;
      EXPECT_GT(rest.size(), slash + 1) << method;
      EXPECT_TRUE(
          std::filesystem::is_directory(std::string(PLAUDIT_SOURCE_DIR) + "/fulfilment/" + plugin))
          << method << " names no plugin of the tree";
      EXPECT_EQ(PluginQueryMethod(plugin, rest.substr(slash + 1)), method);
    } else {
      EXPECT_TRUE(rpcs.count(method)) << method << " is a row for an RPC the API does not have";
    }
  }
}

TEST(AccessPolicyTableTest, OnlyVendorCallbacksAreOpenAndOpenRowsGiveNoRoleAReach) {
  std::vector<std::string> open;
  for (const PolicyRow& row : PolicyTable()) {
    if (row.open.empty()) continue;
    open.push_back(std::string(row.method));
    for (const char* role : {"admin", "manager", "agent", "service", "facilities", "display"}) {
      EXPECT_EQ(Column(row, role), Reach::kNone) << row.method << " " << role;
    }
  }
  EXPECT_THAT(open, UnorderedElementsAre("plaudit.v1.FulfilmentService/DeliverCallback"));
}

// A wall display's token reads what the floor may see and nothing else: no agent's details, no
// award, no change.
TEST(AccessPolicyTableTest, TheDisplayRoleReadsTheWallAndNothingElse) {
  std::set<std::string> reached;
  for (const PolicyRow& row : PolicyTable()) {
    if (ReachOf(row, {"display"}) != Reach::kNone) reached.insert(std::string(row.method));
  }
  EXPECT_THAT(reached, UnorderedElementsAre("plaudit.v1.AccessService/WhoAmI",
                                            "plaudit.v1.ProgramService/ListPrograms",
                                            "plaudit.v1.ProgramService/GetProgram",
                                            "plaudit.v1.AwardService/GetWall"));
}

// Whatever else changes in the table, these cells stay as they are: a secret stays its owner's,
// and what only admins do stays theirs.
TEST(AccessPolicyTableTest, TheNarrowestCellsStayNarrow) {
  struct Expected {
    const char* method;
    Reach admin, manager, agent, service, task;
  };
  constexpr Reach N = Reach::kNone;
  constexpr Reach S = Reach::kSelf;
  constexpr Reach A = Reach::kAll;
  const Expected expected[] = {
      {"plugin:gift_card/code", N, N, S, N, N},
      {"plaudit.v1.ProgramService/ApplyProgram", A, N, N, N, N},
      {"plaudit.v1.AuditService/ListAuditRecords", A, N, N, N, N},
      {"plaudit.v1.AuditService/VerifyAudit", A, N, N, N, N},
      {"plaudit.v1.CorrectionService/RetractEvents", A, N, N, N, N},
      {"plaudit.v1.CorrectionService/DeactivateAgent", A, N, N, N, N},
      {"plaudit.v1.FulfilmentService/DeliverCallback", N, N, N, N, N},
  };
  for (const Expected& e : expected) {
    const PolicyRow* row = FindPolicy(e.method);
    ASSERT_NE(row, nullptr) << e.method;
    EXPECT_EQ(Column(*row, "admin"), e.admin) << e.method;
    EXPECT_EQ(Column(*row, "manager"), e.manager) << e.method;
    EXPECT_EQ(Column(*row, "agent"), e.agent) << e.method;
    EXPECT_EQ(Column(*row, "service"), e.service) << e.method;
    EXPECT_EQ(Column(*row, "facilities"), e.task) << e.method;
  }
  // Approving, rejecting and cancelling awards is never an agent's or a service's.
  for (const char* method :
       {"plaudit.v1.AwardService/ApproveAward", "plaudit.v1.AwardService/RejectAward",
        "plaudit.v1.AwardService/CancelAward"}) {
    const PolicyRow* row = FindPolicy(method);
    ASSERT_NE(row, nullptr) << method;
    EXPECT_EQ(row->agent, Reach::kNone) << method;
    EXPECT_EQ(row->service, Reach::kNone) << method;
    EXPECT_EQ(row->task, Reach::kNone) << method;
  }
}

// Every method that changes something (by its verb) is written to the audit trail, and so is
// the one read of a secret.
TEST(AccessPolicyTableTest, EveryChangeIsAudited) {
  const std::vector<std::string> changing = {
      "Import",  "BatchCreate", "Stream",     "Apply",   "Approve", "Reject",
      "Cancel",  "Retry",       "Complete",   "Deliver", "Send",    "Retract",
      "Disable", "Enable",      "Deactivate", "revoke",  "release", "complete"};
  for (const PolicyRow& row : PolicyTable()) {
    const std::string method(row.method);
    const std::string verb = method.substr(method.find('/') + 1);
    const bool changes = std::any_of(changing.begin(), changing.end(), [&](const std::string& v) {
      return absl::StartsWith(verb, v);
    });
    if (changes) {
      EXPECT_TRUE(row.audited) << method << " changes something but is not audited";
    }
  }
  const PolicyRow* code = FindPolicy("plugin:gift_card/code");
  ASSERT_NE(code, nullptr);
  EXPECT_TRUE(code->audited);
}

// --- 2. Every RPC with every credential, against a server that enforces the table. ---

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

class AuthServer {
 public:
  // Starts plauditd with bearer tokens required, signed by a dev issuer made under `dir`.
  explicit AuthServer(const std::string& dir) {
    issuer_dir_ = dir + "/issuer";
    dev_issuer::IssuerOptions issuer;
    issuer.dir = issuer_dir_;
    absl::Status init = dev_issuer::InitIssuer(issuer, absl::Now());
    EXPECT_TRUE(init.ok()) << init;
    // A second issuer's key, which plauditd does not know, under the same issuer name.
    stranger_dir_ = dir + "/stranger";
    issuer.dir = stranger_dir_;
    init = dev_issuer::InitIssuer(issuer, absl::Now());
    EXPECT_TRUE(init.ok()) << init;

    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir + "/data";
    const char* build_dir = std::getenv("PLAUDIT_BUILD_DIR");
    EXPECT_NE(build_dir, nullptr) << "PLAUDIT_BUILD_DIR names the build, whose plugins are loaded";
    if (build_dir == nullptr) return;
    config.plugin_dir = std::string(build_dir) + "/plugins";
    config.source_poll_interval = absl::Milliseconds(50);
    config.plugins["parking"] = {{"spots", "P1:vip,near_entrance;P2:ev"}};
    config.plugins["leave_credit"] = {{"callback_secret", "s3cret"}};
    AuthConfig auth;
    auth.issuer = dev_issuer::kDefaultIssuer;
    auth.audience = dev_issuer::kDefaultAudience;
    auth.jwks_file = issuer_dir_ + "/jwks.json";
    config.auth = auth;
    auto server = PlauditServer::Start(config, &clock_);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return;
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  bool ok() const { return server_ != nullptr; }
  PlauditServer* server() { return server_.get(); }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  std::string Mint(const dev_issuer::MintOptions& options, bool stranger = false) const {
    auto token =
        dev_issuer::MintToken(stranger ? stranger_dir_ : issuer_dir_, options, absl::Now());
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string Token(const std::string& subject, std::vector<std::string> roles,
                    std::vector<std::string> teams = {}) const {
    dev_issuer::MintOptions options;
    options.subject = subject;
    options.roles = std::move(roles);
    options.teams = std::move(teams);
    return Mint(options);
  }

  // One unary call with raw request bytes; `token` empty sends no credentials.
  grpc::Status Unary(const std::string& method, const std::string& token,
                     const std::string& request_bytes = "", std::string* response_bytes = nullptr) {
    grpc::GenericStub generic(channel_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    grpc::ByteBuffer request = Buffer(request_bytes);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, "/" + method, grpc::StubOptions(), &request, &response,
                      [&done](grpc::Status status) { done.set_value(std::move(status)); });
    grpc::Status status = done.get_future().get();
    if (response_bytes != nullptr) *response_bytes = Bytes(response);
    return status;
  }

  // One streaming call: writes `requests`, closes its side, reads every response.
  grpc::Status Stream(const std::string& method, const std::string& token,
                      const std::vector<std::string>& requests,
                      std::vector<std::string>* responses = nullptr) {
    grpc::GenericStub generic(channel_);
    grpc::CompletionQueue cq;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    auto call = generic.PrepareCall(&ctx, "/" + method, &cq);
    void* tag = nullptr;
    bool ok = false;
    // Each operation is waited for before the next starts, so tags come back in order.
    auto wait = [&] { return cq.Next(&tag, &ok) && ok; };
    call->StartCall(reinterpret_cast<void*>(1));
    bool open = wait();
    for (const std::string& bytes : requests) {
      if (!open) break;
      call->Write(Buffer(bytes), reinterpret_cast<void*>(2));
      open = wait();
    }
    call->WritesDone(reinterpret_cast<void*>(3));
    wait();
    for (;;) {
      grpc::ByteBuffer response;
      call->Read(&response, reinterpret_cast<void*>(4));
      if (!wait()) break;
      if (responses != nullptr) responses->push_back(Bytes(response));
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(5));
    wait();
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    return status;
  }

  grpc::Status Call(const ApiMethod& method, const std::string& token) {
    if (method.client_streaming) return Stream(method.name, token, {});
    // A server-streaming call (an export) takes one request: an empty one.
    if (method.server_streaming) return Stream(method.name, token, {std::string()});
    return Unary(method.name, token);
  }

 private:
  std::string issuer_dir_;
  std::string stranger_dir_;
  RealClock clock_;
  std::unique_ptr<PlauditServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), " \"", status.error_message(), "\"");
}

// The roles the matrix calls with: the four built in and a task role.
const std::vector<std::string>& MatrixRoles() {
  static const std::vector<std::string> roles = {"admin", "manager", "agent", "service",
                                                 "facilities"};
  return roles;
}

class AccessMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(api_.ok()); }

  // Credentials the gate must turn away before any row is read, by the reason it gives.
  std::vector<std::pair<std::string, std::string>> BadCredentials() const {
    std::vector<std::pair<std::string, std::string>> bad;
    bad.emplace_back("", "no credentials");
    bad.emplace_back("not-a-jwt", "malformed token");
    dev_issuer::MintOptions options;
    options.subject = "ada";
    options.roles = {"admin"};
    options.expired = true;
    bad.emplace_back(api_.Mint(options), "token expired");
    options.expired = false;
    options.audience = "someone-else";
    bad.emplace_back(api_.Mint(options), "wrong audience");
    options.audience = dev_issuer::kDefaultAudience;
    bad.emplace_back(api_.Mint(options, /*stranger=*/true), "unknown signing key");
    return bad;
  }

  plaudit::testing::TempDir dir_;
  AuthServer api_{dir_.path()};
};

TEST_F(AccessMatrixTest, EveryRpcRefusesMissingAndInvalidTokens) {
  const auto bad = BadCredentials();
  for (const ApiMethod& method : ApiMethods()) {
    const PolicyRow* row = FindPolicy(method.name);
    ASSERT_NE(row, nullptr) << method.name;
    for (const auto& [token, reason] : bad) {
      SCOPED_TRACE(absl::StrCat(method.name, " with ", reason));
      const grpc::Status status = api_.Call(method, token);
      if (!row->open.empty()) {
        // Open to anyone: the method's own check answers, never the gate.
        EXPECT_THAT(status.error_message(), Not(HasSubstr(kGateRefusal))) << Describe(status);
        EXPECT_THAT(status.error_message(), Not(HasSubstr(reason))) << Describe(status);
        continue;
      }
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
      EXPECT_THAT(status.error_message(), HasSubstr(reason));
    }
  }
}

TEST_F(AccessMatrixTest, EveryRpcAdmitsExactlyTheRolesItsRowGivesAReach) {
  std::map<std::string, std::string> tokens;
  for (const std::string& role : MatrixRoles()) {
    tokens[role] = api_.Token(absl::StrCat("user-", role), {role});
  }
  for (const ApiMethod& method : ApiMethods()) {
    const PolicyRow* row = FindPolicy(method.name);
    ASSERT_NE(row, nullptr) << method.name;
    for (const std::string& role : MatrixRoles()) {
      SCOPED_TRACE(absl::StrCat(method.name, " as ", role));
      const grpc::Status status = api_.Call(method, tokens[role]);
      if (!row->open.empty()) {
        // Open: the method proves its callers itself (DeliverCallback refuses an empty request
        // on its own account), whoever the token says they are.
        EXPECT_THAT(status.error_message(), Not(HasSubstr(kGateRefusal))) << Describe(status);
        EXPECT_THAT(status.error_message(), Not(HasSubstr("no credentials"))) << Describe(status);
        continue;
      }
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
      if (Column(*row, role) == Reach::kNone) {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
        EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat(kGateRefusal, method.name)));
        EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("roles: ", role)));
      } else {
        // Admitted: whatever the handler makes of an empty request, it is not the gate's no.
        EXPECT_THAT(status.error_message(), Not(HasSubstr(kGateRefusal))) << Describe(status);
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << Describe(status);
      }
    }
  }
}

TEST_F(AccessMatrixTest, ATokenWithSeveralRolesGetsTheWidestReach) {
  const std::string token = api_.Token("multi", {"agent", "facilities"});
  // Neither role may list plugins, so together they may not either ...
  grpc::Status status = api_.Unary("plaudit.v1.PluginService/ListPlugins", token);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("(roles: agent, facilities)"));
  // ... but the task role completes fulfilments, which an agent may not.
  status = api_.Unary("plaudit.v1.FulfilmentService/CompleteFulfilment", token);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(kGateRefusal))) << Describe(status);
  // A token with no roles at all reaches nothing, not even WhoAmI.
  status = api_.Unary("plaudit.v1.AccessService/WhoAmI", api_.Token("nobody", {}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("(roles: none)"));
}

TEST_F(AccessMatrixTest, HealthNeedsNoTokenAndReportsServing) {
  std::string response;
  const grpc::Status status = api_.Unary("grpc.health.v1.Health/Check", "", "", &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response, std::string("\x08\x01", 2));  // status: SERVING
}

// The plaudit.v1 services server reflection lists (ServerReflectionResponse field 6,
// list_services_response: repeated field 1, each with its name in field 1).
std::set<std::string> ListedApiServices(const std::vector<std::string>& responses) {
  std::set<std::string> services;
  for (const std::string& bytes : responses) {
    google::protobuf::UnknownFieldSet response;
    if (!response.ParseFromString(bytes)) continue;
    for (int i = 0; i < response.field_count(); ++i) {
      const auto& field = response.field(i);
      if (field.number() != 6 ||
          field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
        continue;
      }
      google::protobuf::UnknownFieldSet list;
      if (!list.ParseFromString(field.length_delimited())) continue;
      for (int j = 0; j < list.field_count(); ++j) {
        if (list.field(j).number() != 1) continue;
        google::protobuf::UnknownFieldSet service;
        if (!service.ParseFromString(list.field(j).length_delimited())) continue;
        for (int k = 0; k < service.field_count(); ++k) {
          if (service.field(k).number() != 1) continue;
          const std::string& name = service.field(k).length_delimited();
          if (absl::StartsWith(name, absl::StrCat(kPackage, "."))) services.insert(name);
        }
      }
    }
  }
  return services;
}

TEST_F(AccessMatrixTest, ReflectionNeedsAValidTokenAndListsEveryApiService) {
  const std::string method = "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  // ServerReflectionRequest { list_services: "" } (field 7).
  const std::string list_services("\x3a\x00", 2);
  std::vector<std::string> responses;
  grpc::Status status = api_.Stream(method, "", {list_services}, &responses);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
  EXPECT_TRUE(ListedApiServices(responses).empty());
  for (const auto& [token, reason] : BadCredentials()) {
    responses.clear();
    status = api_.Stream(method, token, {list_services}, &responses);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << reason;
    EXPECT_NE(status.error_message().find(reason), std::string::npos)
        << reason << ": " << status.error_message();
    EXPECT_TRUE(ListedApiServices(responses).empty()) << reason;
  }
  // The descriptors of a service, for tools such as grpcurl (file_containing_symbol, field 4):
  // a FileDescriptorResponse (field 4) comes back.
  responses.clear();
  const std::string symbol = "plaudit.v1.AwardService";
  status =
      api_.Stream(method, api_.Token("user-admin", {"admin"}),
                  {std::string("\x22") + static_cast<char>(symbol.size()) + symbol}, &responses);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(responses.size(), 1u);
  google::protobuf::UnknownFieldSet answer;
  ASSERT_TRUE(answer.ParseFromString(responses[0]));
  bool has_files = false;
  for (int i = 0; i < answer.field_count(); ++i) has_files |= answer.field(i).number() == 4;
  EXPECT_TRUE(has_files);
  responses.clear();
  status = api_.Stream(method, api_.Token("user-agent", {"agent"}), {list_services}, &responses);
  ASSERT_TRUE(status.ok()) << Describe(status);
  // What the server serves is what the table was checked against.
  const std::set<std::string> expected = ApiServices();
  EXPECT_EQ(ListedApiServices(responses), expected);
}

// --- 3. Plugin queries: each is admitted as its own row. ---

TEST_F(AccessMatrixTest, EveryPluginQueryAdmitsExactlyTheRolesItsRowGivesAReach) {
  std::map<std::string, std::string> tokens;
  for (const std::string& role : MatrixRoles()) {
    tokens[role] = api_.Token(absl::StrCat("user-", role), {role});
  }
  std::set<std::string> loaded;
  for (const PluginStatus& plugin : api_.server()->plugins()->Plugins()) {
    if (plugin.loaded) loaded.insert(plugin.name);
  }
  for (const char* expected : {"certificate", "leave_credit", "manual", "parking"}) {
    EXPECT_TRUE(loaded.count(expected)) << expected << " did not load";
  }
  int queries = 0;
  for (const PolicyRow& row : PolicyTable()) {
    const std::string name(row.method);
    if (!absl::StartsWith(name, "plugin:")) continue;
    ++queries;
    const std::string rest = name.substr(7);
    const std::string plugin = rest.substr(0, rest.find('/'));
    const std::string query = rest.substr(rest.find('/') + 1);
    v1::QueryPluginRequest request;
    request.set_plugin(plugin);
    request.set_method(query);
    for (const std::string& role : MatrixRoles()) {
      SCOPED_TRACE(absl::StrCat(name, " as ", role));
      const grpc::Status status = api_.Unary("plaudit.v1.PluginService/QueryPlugin", tokens[role],
                                             request.SerializeAsString());
      if (Column(row, role) == Reach::kNone) {
        // Refused before the plugin is asked, loaded or not.
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
        EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat(kGateRefusal, name)));
      } else {
        EXPECT_THAT(status.error_message(), Not(HasSubstr(kGateRefusal))) << Describe(status);
        if (loaded.count(plugin)) {
          // The plugin was asked: whatever it answered, not that it is missing.
          EXPECT_THAT(status.error_message(), Not(HasSubstr("no loaded plugin")))
              << Describe(status);
        }
      }
    }
    const grpc::Status anonymous =
        api_.Unary("plaudit.v1.PluginService/QueryPlugin", "", request.SerializeAsString());
    EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << name << ": " << Describe(anonymous);
  }
  EXPECT_GT(queries, 0);
}

TEST_F(AccessMatrixTest, APluginQueryWithoutARowIsNobodys) {
  v1::QueryPluginRequest request;
  request.set_plugin("parking");
  request.set_method("no-such-query");
  const grpc::Status status = api_.Unary("plaudit.v1.PluginService/QueryPlugin",
                                         api_.Token("ada", {"admin"}), request.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("no query \"no-such-query\""));
}

// --- 4. The resources: within reach, or as if they did not exist. ---

// One leave hour worth 10 EUR for every agent; a manager approves it. Worth 20 EUR, the same
// award needs two different approvers.
std::string LeaveProgram(const std::string& id, int value) {
  return absl::StrCat("id: ", id, R"(
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
    - {type: leave_credit, hours: 1, value: )",
                      value, R"(}
approval:
  by: manager
  two_approvers_above: 15
)");
}

constexpr char kPeriod[] = "2026-10";

std::string AwardId(const std::string& program, const std::string& agent) {
  return absl::StrCat(program, ".", kPeriod, ".", agent);
}

std::string FulfilmentId(const std::string& program, const std::string& agent) {
  return absl::StrCat(AwardId(program, agent), ".leave_credit");
}

// Agents a1 and a2 in team north, b1 in south, each with one October survey; two programs
// decided by an admin: "leave" (one approval) and "big-leave" (two), an award each for all three.
class AccessScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    admin_ = api_.Token("ada", {"admin"});
    agent_a1_ = api_.Token("a1", {"agent"});
    north_ = api_.Token("mia", {"manager"}, {"north"});
    auto channel = api_.channel();
    agents_ = v1::AgentService::NewStub(channel);
    metrics_ = v1::MetricService::NewStub(channel);
    programs_ = v1::ProgramService::NewStub(channel);
    awards_ = v1::AwardService::NewStub(channel);
    fulfilments_ = v1::FulfilmentService::NewStub(channel);
    plugins_ = v1::PluginService::NewStub(channel);
    access_ = v1::AccessService::NewStub(channel);

    v1::ImportAgentsRequest agents;
    for (const char* h :
         {"id", "display_name", "email", "team", "channel", "hire_date", "status"}) {
      agents.add_header(h);
    }
    int line = 1;
    for (const auto& [id, team] : {std::pair{"a1", "north"}, {"a2", "north"}, {"b1", "south"}}) {
      v1::CsvRow* row = agents.add_rows();
      row->set_line(++line);
      for (const std::string& field :
           {std::string(id), absl::StrCat("Agent ", id), absl::StrCat(id, "@example.com"),
            std::string(team), std::string("chat"), std::string("2024-03-01"),
            std::string("active")}) {
        row->add_fields(field);
      }
    }
    v1::ImportAgentsResponse imported;
    grpc::Status status = agents_->ImportAgents(Ctx(admin_).get(), agents, &imported);
    ASSERT_TRUE(status.ok()) << Describe(status);
    ASSERT_EQ(imported.imported(), 3);

    v1::BatchCreateEventsRequest batch;
    for (const char* agent : {"a1", "a2", "b1"}) {
      auto* event = batch.add_events();
      event->set_event_id(absl::StrCat("e-", agent));
      event->set_agent_id(agent);
      event->set_metric("csat");
      event->set_value(5);
      event->mutable_occurred_at()->set_seconds(1791300000);  // 2026-10-06T15:20:00Z
    }
    v1::BatchCreateEventsResponse created;
    status = metrics_->BatchCreateEvents(Ctx(admin_).get(), batch, &created);
    ASSERT_TRUE(status.ok()) << Describe(status);

    for (const auto& [program, value] : {std::pair{"leave", 10}, {"big-leave", 20}}) {
      v1::ApplyProgramRequest apply;
      apply.set_yaml(LeaveProgram(program, value));
      v1::Program applied;
      status = programs_->ApplyProgram(Ctx(admin_).get(), apply, &applied);
      ASSERT_TRUE(status.ok()) << Describe(status);
      v1::EvaluateAwardsRequest evaluate;
      evaluate.set_program_id(program);
      evaluate.set_period(kPeriod);
      v1::EvaluateAwardsResponse decided;
      status = awards_->EvaluateAwards(Ctx(admin_).get(), evaluate, &decided);
      ASSERT_TRUE(status.ok()) << Describe(status);
      ASSERT_EQ(decided.awards_size(), 3) << program;
      for (const v1::Award& award : decided.awards()) {
        ASSERT_EQ(award.state(), v1::Award::PROPOSED) << award.id();
        ASSERT_EQ(award.approvals_needed(), value > 15 ? 2 : 1) << award.id();
      }
    }
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  std::vector<std::string> AwardIds(const std::string& token) {
    v1::ListAwardsResponse listed;
    const grpc::Status status =
        awards_->ListAwards(Ctx(token).get(), v1::ListAwardsRequest(), &listed);
    EXPECT_TRUE(status.ok()) << Describe(status);
    std::vector<std::string> ids;
    for (const v1::Award& award : listed.awards()) ids.push_back(award.id());
    return ids;
  }

  grpc::Status Approve(const std::string& token, const std::string& award_id,
                       v1::Award* award = nullptr) {
    v1::ApproveAwardRequest request;
    request.set_award_id(award_id);
    v1::Award ignored;
    return awards_->ApproveAward(Ctx(token).get(), request, award == nullptr ? &ignored : award);
  }

  grpc::Status Balances(const std::string& token, std::vector<std::string>* agents) {
    v1::QueryPluginRequest request;
    request.set_plugin("leave_credit");
    request.set_method("balances");
    v1::QueryPluginResponse response;
    const grpc::Status status = plugins_->QueryPlugin(Ctx(token).get(), request, &response);
    int column = -1;
    for (int i = 0; i < response.columns_size(); ++i) {
      if (response.columns(i) == "agent") column = i;
    }
    EXPECT_GE(column, 0) << "balances has no agent column";
    if (column < 0) return status;
    for (const auto& row : response.rows()) agents->push_back(row.cells(column));
    return status;
  }

  // Waits until the "leave" program's leave hours of `agents` are credited.
  void WaitForLeave(const std::vector<std::string>& agents) {
    for (const std::string& agent : agents) {
      v1::GetFulfilmentRequest request;
      request.set_fulfilment_id(FulfilmentId("leave", agent));
      v1::FulfilmentDetail detail;
      for (int i = 0; i < 200; ++i) {
        detail.Clear();
        ASSERT_TRUE(fulfilments_->GetFulfilment(Ctx(admin_).get(), request, &detail).ok());
        if (detail.fulfilment().state() == v1::Fulfilment::FULFILLED) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ASSERT_EQ(detail.fulfilment().state(), v1::Fulfilment::FULFILLED)
          << agent << ": " << detail.fulfilment().error();
    }
  }

  plaudit::testing::TempDir dir_;
  AuthServer api_{dir_.path()};
  std::string admin_;
  std::string agent_a1_;
  std::string north_;
  std::unique_ptr<v1::AgentService::Stub> agents_;
  std::unique_ptr<v1::MetricService::Stub> metrics_;
  std::unique_ptr<v1::ProgramService::Stub> programs_;
  std::unique_ptr<v1::AwardService::Stub> awards_;
  std::unique_ptr<v1::FulfilmentService::Stub> fulfilments_;
  std::unique_ptr<v1::PluginService::Stub> plugins_;
  std::unique_ptr<v1::AccessService::Stub> access_;
};

TEST_F(AccessScopeTest, AnAgentTokenIsThatAgent) {
  v1::Identity identity;
  const grpc::Status status = access_->WhoAmI(Ctx(agent_a1_).get(), v1::WhoAmIRequest(), &identity);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(identity.subject(), "a1");
  EXPECT_EQ(identity.agent_id(), "a1");
  EXPECT_EQ(identity.authenticated_by(), "bearer token");
  EXPECT_FALSE(identity.development_mode());
}

TEST_F(AccessScopeTest, AnAgentListsOnlyItsOwnAwardsAndRewards) {
  EXPECT_THAT(AwardIds(agent_a1_),
              UnorderedElementsAre(AwardId("leave", "a1"), AwardId("big-leave", "a1")));
  EXPECT_EQ(AwardIds(admin_).size(), 6u);

  v1::ListFulfilmentsResponse rewards;
  grpc::Status status =
      fulfilments_->ListFulfilments(Ctx(agent_a1_).get(), v1::ListFulfilmentsRequest(), &rewards);
  ASSERT_TRUE(status.ok()) << Describe(status);
  std::vector<std::string> ids;
  for (const v1::Fulfilment& f : rewards.fulfilments()) ids.push_back(f.id());
  EXPECT_THAT(ids,
              UnorderedElementsAre(FulfilmentId("leave", "a1"), FulfilmentId("big-leave", "a1")));
  // Even asked for by award, another agent's rewards are not listed.
  v1::ListFulfilmentsRequest by_award;
  by_award.set_award_id(AwardId("leave", "a2"));
  rewards.Clear();
  status = fulfilments_->ListFulfilments(Ctx(agent_a1_).get(), by_award, &rewards);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(rewards.fulfilments_size(), 0);
}

TEST_F(AccessScopeTest, AnotherAgentsResourcesAreNotFoundForAnAgent) {
  v1::GetFulfilmentRequest get;
  v1::FulfilmentDetail detail;
  get.set_fulfilment_id(FulfilmentId("leave", "a2"));
  grpc::Status status = fulfilments_->GetFulfilment(Ctx(agent_a1_).get(), get, &detail);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
  get.set_fulfilment_id(FulfilmentId("leave", "a1"));
  status = fulfilments_->GetFulfilment(Ctx(agent_a1_).get(), get, &detail);
  EXPECT_TRUE(status.ok()) << Describe(status);

  v1::ExplainAwardRequest explain;
  explain.set_program_id("leave");
  explain.set_period(kPeriod);
  v1::AwardExplanation explanation;
  explain.set_agent_id("a2");
  status = awards_->ExplainAward(Ctx(agent_a1_).get(), explain, &explanation);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
  explain.set_agent_id("a1");
  status = awards_->ExplainAward(Ctx(agent_a1_).get(), explain, &explanation);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(explanation.agent_id(), "a1");

  v1::GetAwardHistoryRequest history;
  v1::AwardHistory award_history;
  history.set_award_id(AwardId("leave", "a2"));
  status = awards_->GetAwardHistory(Ctx(agent_a1_).get(), history, &award_history);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
  history.set_award_id(AwardId("leave", "a1"));
  status = awards_->GetAwardHistory(Ctx(agent_a1_).get(), history, &award_history);
  EXPECT_TRUE(status.ok()) << Describe(status);

  v1::GetAgentRequest agent;
  v1::Agent found;
  agent.set_id("a2");
  status = agents_->GetAgent(Ctx(agent_a1_).get(), agent, &found);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
  agent.set_id("a1");
  status = agents_->GetAgent(Ctx(agent_a1_).get(), agent, &found);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(found.email(), "a1@example.com");
}

TEST_F(AccessScopeTest, AnAgentSeesTheLeaderboardButOnlyTheirOwnDetails) {
  v1::EvaluateAwardsRequest evaluate;
  evaluate.set_program_id("leave");
  evaluate.set_period(kPeriod);
  evaluate.set_dry_run(true);
  v1::EvaluateAwardsResponse standings;
  grpc::Status status = awards_->EvaluateAwards(Ctx(agent_a1_).get(), evaluate, &standings);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(standings.standings_size(), 3);
  for (const v1::Standing& standing : standings.standings()) {
    if (standing.agent_id() == "a1") {
      EXPECT_GT(standing.metrics_size(), 0);
    } else {
      EXPECT_EQ(standing.metrics_size(), 0) << standing.agent_id();
    }
  }
  // Deciding a period is an admin's, whatever the row lets a manager see.
  evaluate.set_dry_run(false);
  status = awards_->EvaluateAwards(Ctx(north_).get(), evaluate, &standings);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("only admins may"));
}

// Paging comes after the filter, which hides no standing: every page, the one around a
// competitor and one competitor's standing show ranks and scores to everyone in the program, the
// details only within the caller's reach. Whether an agent takes part is asked of every standing,
// not of the page.
TEST_F(AccessScopeTest, PagesOfTheLeaderboardShowDetailsOnlyWithinTheCallersReach) {
  v1::EvaluateAwardsRequest evaluate;
  evaluate.set_program_id("leave");
  evaluate.set_period(kPeriod);
  evaluate.set_dry_run(true);
  evaluate.set_page_size(1);
  std::map<std::string, int> metrics_seen;
  std::string token;
  for (int page = 0; page < 3; ++page) {
    evaluate.set_page_token(token);
    v1::EvaluateAwardsResponse standings;
    grpc::Status status = awards_->EvaluateAwards(Ctx(agent_a1_).get(), evaluate, &standings);
    ASSERT_TRUE(status.ok()) << Describe(status);
    ASSERT_EQ(standings.standings_size(), 1);
    EXPECT_EQ(standings.total_standings(), 3);
    EXPECT_EQ(standings.standings_offset(), page);
    metrics_seen[standings.standings(0).agent_id()] = standings.standings(0).metrics_size();
    token = standings.next_page_token();
  }
  EXPECT_EQ(token, "");
  ASSERT_EQ(metrics_seen.size(), 3u);
  EXPECT_GT(metrics_seen["a1"], 0);
  EXPECT_EQ(metrics_seen["a2"], 0);
  EXPECT_EQ(metrics_seen["b1"], 0);

  evaluate.set_page_token("");
  for (const auto& [token_of, agent, sees_details] : {std::tuple{&agent_a1_, "b1", false},
                                                      {&agent_a1_, "a1", true},
                                                      {&north_, "a2", true},
                                                      {&north_, "b1", false}}) {
    for (bool around : {false, true}) {
      v1::EvaluateAwardsRequest request = evaluate;
      if (around) {
        request.set_around_agent_id(agent);
      } else {
        request.set_agent_id(agent);
      }
      v1::EvaluateAwardsResponse standings;
      grpc::Status status = awards_->EvaluateAwards(Ctx(*token_of).get(), request, &standings);
      ASSERT_TRUE(status.ok()) << Describe(status);
      ASSERT_EQ(standings.standings_size(), 1) << agent;
      EXPECT_EQ(standings.standings(0).agent_id(), agent);
      EXPECT_GT(standings.standings(0).rank(), 0) << agent;
      EXPECT_EQ(standings.standings(0).metrics_size() > 0, sees_details) << agent;
    }
  }
}

TEST_F(AccessScopeTest, TheAgentDirectoryShowsOthersWithoutTheirEmail) {
  v1::ListAgentsResponse listed;
  const grpc::Status status =
      agents_->ListAgents(Ctx(agent_a1_).get(), v1::ListAgentsRequest(), &listed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  std::map<std::string, std::string> emails;
  for (const v1::Agent& agent : listed.agents()) {
    EXPECT_FALSE(agent.display_name().empty()) << agent.id();
    emails[agent.id()] = agent.email();
  }
  EXPECT_EQ(emails,
            (std::map<std::string, std::string>{{"a1", "a1@example.com"}, {"a2", ""}, {"b1", ""}}));
  // A manager of north sees north's emails only.
  listed.Clear();
  ASSERT_TRUE(agents_->ListAgents(Ctx(north_).get(), v1::ListAgentsRequest(), &listed).ok());
  emails.clear();
  for (const v1::Agent& agent : listed.agents()) emails[agent.id()] = agent.email();
  EXPECT_EQ(emails, (std::map<std::string, std::string>{
                        {"a1", "a1@example.com"}, {"a2", "a2@example.com"}, {"b1", ""}}));
}

TEST_F(AccessScopeTest, AManagerActsOnlyWithinTheirTeams) {
  EXPECT_THAT(AwardIds(north_),
              UnorderedElementsAre(AwardId("leave", "a1"), AwardId("big-leave", "a1"),
                                   AwardId("leave", "a2"), AwardId("big-leave", "a2")));
  grpc::Status status = Approve(north_, AwardId("leave", "b1"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
  v1::RejectAwardRequest reject;
  reject.set_award_id(AwardId("leave", "b1"));
  v1::Award award;
  status = awards_->RejectAward(Ctx(north_).get(), reject, &award);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
  v1::GetFulfilmentRequest get;
  get.set_fulfilment_id(FulfilmentId("leave", "b1"));
  v1::FulfilmentDetail detail;
  status = fulfilments_->GetFulfilment(Ctx(north_).get(), get, &detail);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);

  status = Approve(north_, AwardId("leave", "a2"), &award);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(award.state(), v1::Award::APPROVED);
  // A manager whose token names no teams reaches every team.
  status = Approve(api_.Token("max", {"manager"}), AwardId("leave", "b1"), &award);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(award.state(), v1::Award::APPROVED);
}

TEST_F(AccessScopeTest, NobodyApprovesTheirOwnAward) {
  // A manager who is also agent a2 (the agent claim is the subject).
  const std::string a2_manager = api_.Token("a2", {"manager"}, {"north"});
  v1::Award award;
  grpc::Status status = Approve(a2_manager, AwardId("leave", "a2"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("their own award"));
  // The same manager may approve a teammate's.
  status = Approve(a2_manager, AwardId("leave", "a1"), &award);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(award.state(), v1::Award::APPROVED);
}

TEST_F(AccessScopeTest, TwoApprovalsComeFromTwoDifferentSubjects) {
  const std::string id = AwardId("big-leave", "a1");
  v1::Award award;
  grpc::Status status = Approve(north_, id, &award);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(award.state(), v1::Award::PROPOSED);
  EXPECT_EQ(award.approvals_size(), 1);
  // The same subject again, even with a fresh token and other teams, is still one approver.
  status = Approve(north_, id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("already approved"));
  status = Approve(api_.Token("mia", {"manager", "admin"}), id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(status);
  status = Approve(api_.Token("max", {"manager"}, {"north"}), id, &award);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(award.state(), v1::Award::APPROVED);
  EXPECT_EQ(award.approvals_size(), 2);
}

// The agent ids behind the cells of a plugin's `agent` column: plugins write "Name (id)" when
// they know the name.
std::vector<std::string> AgentIds(const std::vector<std::string>& cells) {
  std::vector<std::string> ids;
  for (const std::string& cell : cells) {
    const size_t open = cell.rfind(" (");
    ids.push_back(open != std::string::npos && absl::EndsWith(cell, ")")
                      ? cell.substr(open + 2, cell.size() - open - 3)
                      : cell);
  }
  return ids;
}

class AccessScopeBalancesTest : public AccessScopeTest {
 protected:
  void SetUp() override {
    AccessScopeTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* agent : {"a1", "a2", "b1"}) {
      ASSERT_TRUE(Approve(admin_, AwardId("leave", agent)).ok()) << agent;
    }
    WaitForLeave({"a1", "a2", "b1"});
  }
};

TEST_F(AccessScopeBalancesTest, LeaveBalancesNeverShowAgentsBeyondTheCallersReach) {
  std::vector<std::string> cells;
  grpc::Status status = Balances(admin_, &cells);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_THAT(AgentIds(cells), UnorderedElementsAre("a1", "a2", "b1"));
  cells.clear();
  status = Balances(north_, &cells);
  ASSERT_TRUE(status.ok()) << Describe(status);
  for (const std::string& id : AgentIds(cells)) EXPECT_THAT(id, ::testing::AnyOf("a1", "a2"));
  cells.clear();
  status = Balances(agent_a1_, &cells);
  ASSERT_TRUE(status.ok()) << Describe(status);
  for (const std::string& id : AgentIds(cells)) EXPECT_EQ(id, "a1");
  // Asked for by name, another agent's balance is still not shown.
  v1::QueryPluginRequest request;
  request.set_plugin("leave_credit");
  request.set_method("balances");
  (*request.mutable_args())["agent"] = "b1";
  v1::QueryPluginResponse response;
  status = plugins_->QueryPlugin(Ctx(agent_a1_).get(), request, &response);
  EXPECT_EQ(response.rows_size(), 0) << Describe(status);
}

// leave_credit's `agent` column reads "Agent a1 (a1)": QueryPlugin reads the id in brackets, so an
// agent sees their own balance and a manager with teams their team's.
TEST_F(AccessScopeBalancesTest, LeaveBalancesShowTheRowsWithinTheCallersReach) {
  std::vector<std::string> cells;
  grpc::Status status = Balances(north_, &cells);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_THAT(AgentIds(cells), UnorderedElementsAre("a1", "a2"));
  cells.clear();
  status = Balances(agent_a1_, &cells);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_THAT(AgentIds(cells), UnorderedElementsAre("a1"));
}

// With no booking, parking's calendar lists each spot with "(free)" in its `agent` column: a row
// about nobody, which every caller who may see the calendar sees.
TEST_F(AccessScopeTest, AnAgentSeesTheFreeParkingSpots) {
  v1::QueryPluginRequest request;
  request.set_plugin("parking");
  request.set_method("calendar");
  (*request.mutable_args())["month"] = "2026-11";
  v1::QueryPluginResponse admin_view;
  grpc::Status status = plugins_->QueryPlugin(Ctx(admin_).get(), request, &admin_view);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(admin_view.rows_size(), 2);
  v1::QueryPluginResponse agent_view;
  status = plugins_->QueryPlugin(Ctx(agent_a1_).get(), request, &agent_view);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(agent_view.rows_size(), 2);
}

}  // namespace
}  // namespace plaudit::api

// plauditd keeps tokens it has validated, so a client's token is checked once, not on every
// call; a kept token still stops working when it expires.
#include <grpcpp/create_channel.h>

#include <filesystem>

#include "core/api/server.h"
#include "gtest/gtest.h"
#include "plaudit/v1/access.grpc.pb.h"
#include "plaudit/v1/agents.grpc.pb.h"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/dev_issuer.h"

namespace plaudit::api {
namespace {

TEST(TokenCache, AKeptTokenExpiresAsItWouldUnkept) {
  testing::TempDir dir;
  dev_issuer::IssuerOptions issuer;
  issuer.dir = dir.File("issuer");
  ASSERT_TRUE(dev_issuer::InitIssuer(issuer, absl::Now()).ok());
  const absl::Time start = absl::Now();
  FakeClock clock(start);
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir.File("data");
  config.plugin_dir = dir.File("plugins");
  std::filesystem::create_directories(config.plugin_dir);
  AuthConfig auth;
  auth.issuer = dev_issuer::kDefaultIssuer;
  auth.audience = dev_issuer::kDefaultAudience;
  auth.jwks_file = issuer.dir + "/jwks.json";
  config.auth = auth;
  auto server = PlauditServer::Start(config, &clock);
  ASSERT_TRUE(server.ok()) << server.status();
  dev_issuer::MintOptions mint;
  mint.subject = "team-lead";
  mint.roles = {"manager"};
  mint.ttl = absl::Minutes(10);
  auto token = dev_issuer::MintToken(issuer.dir, mint, start);
  ASSERT_TRUE(token.ok()) << token.status();

  auto stub = v1::AccessService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  auto who = [&](grpc::Status* status) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + *token);
    v1::Identity identity;
    *status = stub->WhoAmI(&context, v1::WhoAmIRequest(), &identity);
    return identity.subject();
  };
  grpc::Status status;
  EXPECT_EQ(who(&status), "team-lead");
  EXPECT_TRUE(status.ok()) << status.error_message();
  // Still within exp and the 60 s of skew: answered from what was kept.
  clock.Advance(absl::Minutes(10) + absl::Seconds(30));
  EXPECT_EQ(who(&status), "team-lead");
  EXPECT_TRUE(status.ok()) << status.error_message();
  clock.Advance(absl::Seconds(31));
  who(&status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("token expired"), std::string::npos)
      << status.error_message();
  (*server)->Shutdown(absl::Seconds(1));
}

TEST(TokenAgents, WithAgentMatchEmailTheAgentClaimNamesAnAgentByEmail) {
  testing::TempDir dir;
  dev_issuer::IssuerOptions issuer;
  issuer.dir = dir.File("issuer");
  ASSERT_TRUE(dev_issuer::InitIssuer(issuer, absl::Now()).ok());
  RealClock clock;
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir.File("data");
  config.plugin_dir = dir.File("plugins");
  std::filesystem::create_directories(config.plugin_dir);
  AuthConfig auth;
  auth.issuer = dev_issuer::kDefaultIssuer;
  auth.audience = dev_issuer::kDefaultAudience;
  auth.jwks_file = issuer.dir + "/jwks.json";
  auth.agent_claim = "email";
  auth.agent_match = AuthConfig::AgentMatch::kEmail;
  config.auth = auth;
  auto server = PlauditServer::Start(config, &clock);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto token = [&](const std::string& subject, const std::string& role, const std::string& email) {
    dev_issuer::MintOptions mint;
    mint.subject = subject;
    mint.roles = {role};
    if (!email.empty()) mint.claims = {{"email", email}};
    auto minted = dev_issuer::MintToken(issuer.dir, mint, absl::Now());
    EXPECT_TRUE(minted.ok()) << minted.status();
    return minted.ok() ? *minted : "";
  };
  {
    v1::ImportAgentsRequest request;
    for (const char* h :
         {"id", "display_name", "email", "team", "channel", "hire_date", "status"}) {
      request.add_header(h);
    }
    auto* row = request.add_rows();
    row->set_line(2);
    for (const char* f : {"a7", "Zoë Lindqvist", "Zoe.Lindqvist@example.com", "Chat", "chat",
                          "2024-03-01", "active"}) {
      row->add_fields(f);
    }
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token("hr-sync", "service", ""));
    v1::ImportAgentsResponse response;
    grpc::Status status =
        v1::AgentService::NewStub(channel)->ImportAgents(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  auto agent_of = [&](const std::string& email) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token("00u1x9", "agent", email));
    v1::Identity identity;
    grpc::Status status =
        v1::AccessService::NewStub(channel)->WhoAmI(&context, v1::WhoAmIRequest(), &identity);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return identity.agent_id();
  };
  EXPECT_EQ(agent_of("zoe.lindqvist@EXAMPLE.com"), "a7");
  EXPECT_EQ(agent_of("someone@example.com"), "");
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace plaudit::api

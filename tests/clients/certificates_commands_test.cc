// `plaudit certificates ...` against an in-process fake PluginService: what is sent to the
// certificate plugin's queries, what is printed, and the exit codes (verify exits 1 for an
// invalid or revoked credential).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "clients/plaudit/cli_app.h"
#include "plaudit/v1/plugins.grpc.pb.h"

namespace plaudit::cli {
namespace {

// Answers verify with the verdict named by the credential text ("valid.x.y", "revoked.x.y", ...)
// and revoke only for a named actor, as the certificate plugin does.
class FakeCertificatePlugin final : public v1::PluginService::Service {
 public:
  grpc::Status QueryPlugin(grpc::ServerContext* context, const v1::QueryPluginRequest* request,
                           v1::QueryPluginResponse* response) override {
    std::string actor;
    auto it = context->client_metadata().find("x-plaudit-actor");
    if (it != context->client_metadata().end()) actor.assign(it->second.data(), it->second.size());
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = *request;
      last_actor_ = actor;
    }
    if (request->plugin() != "certificate") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no plugin " + request->plugin());
    }
    if (request->method() == "verify") {
      const std::string credential = request->args().at("credential");
      const std::string verdict = credential.substr(0, credential.find('.'));
      response->add_columns("credential");
      response->add_columns("verdict");
      auto* row = response->add_rows();
      row->add_cells("urn:uuid:1");
      row->add_cells(verdict);
      response->set_text("signature: " + std::string(verdict == "invalid" ? "INVALID" : "valid") +
                         "\nverdict: " + verdict + "\n");
      return grpc::Status::OK;
    }
    if (request->method() == "revoke") {
      if (actor.empty()) {
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "certificate revoke: needs to know who revokes it");
      }
      response->add_columns("credential");
      response->add_rows()->add_cells(request->args().at("id"));
      response->set_text(request->args().at("id") + " is now revoked\n");
      return grpc::Status::OK;
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown query");
  }

  v1::QueryPluginRequest last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }
  std::string last_actor() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_actor_;
  }

 private:
  std::mutex mu_;
  v1::QueryPluginRequest last_;
  std::string last_actor_;
};

struct Invocation {
  int exit_code;
  std::string out;
  std::string err;
};

class CertificatesCommandsTest : public testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&plugin_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = "127.0.0.1:" + std::to_string(port);
    dir_ = std::filesystem::path(testing::TempDir()) /
           ("plaudit_certificates_" + std::to_string(getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override {
    server_->Shutdown();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  Invocation Plaudit(std::vector<std::string> args) {
    args.insert(args.begin(), {"plaudit", "--server", address_});
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    std::ostringstream out;
    std::ostringstream err;
    const int exit_code = RunPlaudit(static_cast<int>(argv.size()), argv.data(), nullptr, out, err,
                                     /*err_is_terminal=*/false);
    return {exit_code, out.str(), err.str()};
  }

  std::string WriteCredential(const std::string& contents) {
    const std::filesystem::path path = dir_ / "certificate-rwd-1.jwt";
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }

  FakeCertificatePlugin plugin_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::filesystem::path dir_;
};

TEST_F(CertificatesCommandsTest, VerifySendsTheFileAndExitsZeroForAValidCredential) {
  const std::string file = WriteCredential("valid.payload.signature\n");
  const Invocation run = Plaudit({"certificates", "verify", file});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "signature: valid\nverdict: valid\n");
  EXPECT_EQ(run.err, "");
  const v1::QueryPluginRequest sent = plugin_.last();
  EXPECT_EQ(sent.plugin(), "certificate");
  EXPECT_EQ(sent.method(), "verify");
  EXPECT_EQ(sent.args().at("credential"), "valid.payload.signature");
}

TEST_F(CertificatesCommandsTest, VerifyExitsOneForAnInvalidCredentialAfterTheReport) {
  const Invocation run =
      Plaudit({"certificates", "verify", WriteCredential("invalid.payload.signature")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("signature: INVALID"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("credential is not valid"), std::string::npos) << run.err;
}

TEST_F(CertificatesCommandsTest, VerifyExitsOneForARevokedCredential) {
  const Invocation run = Plaudit(
      {"certificates", "verify", WriteCredential("revoked.payload.signature"), "-o", "csv"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "credential,verdict\nurn:uuid:1,revoked\n");
  EXPECT_NE(run.err.find("credential is revoked"), std::string::npos) << run.err;
}

TEST_F(CertificatesCommandsTest, VerifyJsonIsOneObjectWithTheReport) {
  const Invocation run =
      Plaudit({"certificates", "verify", WriteCredential("valid.payload.signature"), "-o", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "{\"credential\": \"urn:uuid:1\", \"verdict\": \"valid\", \"text\": \"signature: "
            "valid\\nverdict: valid\\n\"}\n");
}

TEST_F(CertificatesCommandsTest, VerifyOfAMissingFileSendsNothing) {
  const Invocation run = Plaudit({"certificates", "verify", (dir_ / "absent.jwt").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("absent.jwt"), std::string::npos) << run.err;
  EXPECT_EQ(plugin_.last().method(), "");
}

TEST_F(CertificatesCommandsTest, RevokeSendsIdReasonAndWhoRevokes) {
  const Invocation run = Plaudit(
      {"--as", "ops-lead", "certificates", "revoke", "urn:uuid:1", "--reason", "issued in error"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("urn:uuid:1 is now revoked"), std::string::npos) << run.out;
  const v1::QueryPluginRequest sent = plugin_.last();
  EXPECT_EQ(sent.method(), "revoke");
  EXPECT_EQ(sent.args().at("id"), "urn:uuid:1");
  EXPECT_EQ(sent.args().at("reason"), "issued in error");
  EXPECT_EQ(plugin_.last_actor(), "ops-lead");
}

TEST_F(CertificatesCommandsTest, RevokeWithoutAsOrReasonFails) {
  const Invocation anonymous =
      Plaudit({"certificates", "revoke", "urn:uuid:1", "--reason", "issued in error"});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(anonymous.err.find("who revokes"), std::string::npos) << anonymous.err;
  EXPECT_EQ(Plaudit({"--as", "ops-lead", "certificates", "revoke", "urn:uuid:1"}).exit_code, 2);
}

}  // namespace
}  // namespace plaudit::cli

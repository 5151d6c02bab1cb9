// Vendor callbacks against an in-process plauditd on a fake clock, with the real gift_card plugin:
// signed with their timestamp, applied once, refused when stale.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/api/callback_signature.h"
#include "core/api/server.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::api {
namespace {

constexpr char kSecret[] = "cb-secret-41";
constexpr char kBody[] = R"({"external_reference":"no-such-reward","status":"completed"})";

class VendorCallbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Only gift_card, which takes callbacks; its vendor is never called.
    const std::string plugins = dir_.File("plugins");
    std::filesystem::create_directory(plugins);
    std::filesystem::create_symlink(
        std::string(std::getenv("PLAUDIT_BUILD_DIR")) + "/plugins/gift_card.so",
        plugins + "/gift_card.so");
    std::ofstream(dir_.File("vendor.key")) << "vendor-key\n";
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.File("data");
    config.plugin_dir = plugins;
    config.plugins["gift_card"] = {{"base_url", "http://127.0.0.1:9"},
                                   {"api_key_file", dir_.File("vendor.key")},
                                   {"callback_secret", kSecret}};
    auto server = PlauditServer::Start(config, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::FulfilmentService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Deliver(const std::string& signature, const std::string& body = kBody) {
    v1::DeliverCallbackRequest request;
    request.set_plugin("gift_card");
    request.set_body(body);
    request.set_signature(signature);
    v1::DeliverCallbackResponse response;
    grpc::ClientContext ctx;
    return stub_->DeliverCallback(&ctx, request, &response);
  }

  testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  std::unique_ptr<PlauditServer> server_;
  std::unique_ptr<v1::FulfilmentService::Stub> stub_;
};

TEST_F(VendorCallbackTest, AFreshCallbackIsAppliedOnceAndItsReplayRefused) {
  const std::string signature = SignCallback(kSecret, clock_.Now(), kBody);
  grpc::Status status = Deliver(signature);
  EXPECT_TRUE(status.ok()) << status.error_message();
  clock_.Advance(absl::Seconds(30));
  status = Deliver(signature);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("replayed"), std::string::npos) << status.error_message();
  // The same body signed anew is another delivery.
  EXPECT_TRUE(Deliver(SignCallback(kSecret, clock_.Now(), kBody)).ok());
}

TEST_F(VendorCallbackTest, ACallbackOlderThanFiveMinutesOrAsFarAheadIsStale) {
  grpc::Status status = Deliver(SignCallback(kSecret, clock_.Now() - absl::Minutes(6), kBody));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("too old"), std::string::npos) << status.error_message();
  status = Deliver(SignCallback(kSecret, clock_.Now() + absl::Minutes(6), kBody));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("stale"), std::string::npos) << status.error_message();
  // Within the window either way it is taken.
  EXPECT_TRUE(Deliver(SignCallback(kSecret, clock_.Now() - absl::Minutes(4), kBody)).ok());
  EXPECT_TRUE(Deliver(SignCallback(kSecret, clock_.Now() + absl::Minutes(4), kBody)).ok());
}

TEST_F(VendorCallbackTest, AFreshCallbackGoesStaleAsTheClockMoves) {
  const std::string signature = SignCallback(kSecret, clock_.Now(), kBody);
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  EXPECT_EQ(Deliver(signature).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(VendorCallbackTest, ATamperedTimestampBreaksTheSignature) {
  const std::string signature = SignCallback(kSecret, clock_.Now() - absl::Minutes(10), kBody);
  // Moved into the window without the secret: the HMAC covers the timestamp.
  const std::string fresh_t = absl::StrCat("t=", absl::ToUnixSeconds(clock_.Now()));
  const std::string forged = fresh_t + signature.substr(signature.find(','));
  grpc::Status status = Deliver(forged);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("signature"), std::string::npos) << status.error_message();
}

TEST_F(VendorCallbackTest, ASignatureWithoutATimestampIsRefused) {
  const std::string signature = SignCallback(kSecret, clock_.Now(), kBody);
  grpc::Status status = Deliver(signature.substr(signature.find("v1=") + 3));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "signature: expected t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">");
  EXPECT_EQ(Deliver(SignCallback("wrong", clock_.Now(), kBody)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(VendorCallbackTest, ACallbackThePluginRefusesMayBeDeliveredAgain) {
  const std::string body = "not json";
  const std::string signature = SignCallback(kSecret, clock_.Now(), body);
  EXPECT_EQ(Deliver(signature, body).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Not applied, so not remembered: the same refusal, not "replayed".
  EXPECT_EQ(Deliver(signature, body).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace plaudit::api

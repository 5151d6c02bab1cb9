#include "clients/plaudit/server_address.h"

#include <gtest/gtest.h>

namespace plaudit::cli {
namespace {

TEST(ResolveServerAddress, DefaultsToLocalhost) {
  EXPECT_EQ(ResolveServerAddress(std::nullopt, nullptr), "127.0.0.1:50051");
}

TEST(ResolveServerAddress, EnvironmentOverridesTheDefault) {
  EXPECT_EQ(ResolveServerAddress(std::nullopt, "plaudit.internal:7000"), "plaudit.internal:7000");
}

TEST(ResolveServerAddress, FlagOverridesTheEnvironment) {
  EXPECT_EQ(ResolveServerAddress(std::string("10.0.0.5:50051"), "plaudit.internal:7000"),
            "10.0.0.5:50051");
}

TEST(ResolveServerAddress, EmptyValuesCountAsNotGiven) {
  EXPECT_EQ(ResolveServerAddress(std::string(""), ""), "127.0.0.1:50051");
  EXPECT_EQ(ResolveServerAddress(std::string(""), "env:1"), "env:1");
}

TEST(ResolveServerAddress, AHostWithoutAPortGetsTheDefaultPort) {
  EXPECT_EQ(ResolveServerAddress(std::string("plaudit.internal"), nullptr),
            "plaudit.internal:50051");
  EXPECT_EQ(ResolveServerAddress(std::nullopt, "10.0.0.5"), "10.0.0.5:50051");
}

TEST(WithDefaultPort, HandlesIpv6AndLeavesPortsAndSchemesAlone) {
  EXPECT_EQ(WithDefaultPort("::1"), "[::1]:50051");
  EXPECT_EQ(WithDefaultPort("[::1]"), "[::1]:50051");
  EXPECT_EQ(WithDefaultPort("[::1]:7000"), "[::1]:7000");
  EXPECT_EQ(WithDefaultPort("host:7000"), "host:7000");
  EXPECT_EQ(WithDefaultPort("unix:/run/plauditd.sock"), "unix:/run/plauditd.sock");
  EXPECT_EQ(WithDefaultPort("dns:///host:7000"), "dns:///host:7000");
}

TEST(WithDefaultPort, AnHttpsAddressKeepsItsSchemeAndGetsTheSameDefaultPort) {
  EXPECT_EQ(WithDefaultPort("https://plaudit.internal"), "https://plaudit.internal:50051");
  EXPECT_EQ(WithDefaultPort("https://plaudit.internal:7000"), "https://plaudit.internal:7000");
  EXPECT_EQ(WithDefaultPort("https://plaudit.internal:7000/"), "https://plaudit.internal:7000");
  EXPECT_EQ(WithDefaultPort("https://::1"), "https://[::1]:50051");
  EXPECT_EQ(ResolveServerAddress(std::nullopt, "https://10.0.0.5"), "https://10.0.0.5:50051");
}

TEST(IsTlsAddress, OnlyHttpsMeansTls) {
  EXPECT_TRUE(IsTlsAddress("https://host:7000"));
  EXPECT_FALSE(IsTlsAddress("host:7000"));
  EXPECT_FALSE(IsTlsAddress("dns:///host:7000"));
}

TEST(GrpcTarget, DropsTheHttpsScheme) {
  EXPECT_EQ(GrpcTarget("https://host:7000"), "host:7000");
  EXPECT_EQ(GrpcTarget("https://[::1]:7000"), "[::1]:7000");
  EXPECT_EQ(GrpcTarget("host:7000"), "host:7000");
}

}  // namespace
}  // namespace plaudit::cli

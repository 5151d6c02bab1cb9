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

}  // namespace
}  // namespace plaudit::cli

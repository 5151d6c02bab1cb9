#include "clients/plaudit/credentials.h"

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::cli {
namespace {

std::string Write(const plaudit::testing::TempDir& dir, const std::string& name,
                  const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Profiles, AProfileGivesServerFilesAndTokenRelativeToTheConfigFile) {
  plaudit::testing::TempDir dir;
  const std::string path = Write(dir, "config.yaml",
                                 "profiles:\n"
                                 "  default: {server: https://plaudit.example.com, ca_file: ca.pem,"
                                 " token_file: tokens/me}\n"
                                 "  hr-sync: {cert: /etc/hr.pem, key: hr.key}\n");
  std::string problem;
  auto profile = LoadProfile(path, "default", &problem);
  ASSERT_TRUE(profile.has_value()) << problem;
  EXPECT_EQ(profile->server, "https://plaudit.example.com");
  EXPECT_EQ(profile->ca_file, dir.path() + "/ca.pem");
  EXPECT_EQ(profile->token_file, dir.path() + "/tokens/me");
  auto service = LoadProfile(path, "hr-sync", &problem);
  ASSERT_TRUE(service.has_value()) << problem;
  EXPECT_EQ(service->cert, "/etc/hr.pem");
  EXPECT_EQ(service->key, dir.path() + "/hr.key");
}

TEST(Profiles, NoFileIsNoProfileButANamedOneMustExist) {
  plaudit::testing::TempDir dir;
  std::string problem;
  EXPECT_FALSE(LoadProfile(dir.path() + "/none.yaml", "default", &problem).has_value());
  EXPECT_EQ(problem, "");
  EXPECT_FALSE(LoadProfile(dir.path() + "/none.yaml", "prod", &problem).has_value());
  EXPECT_EQ(problem, "profile prod: no profile file at " + dir.path() + "/none.yaml");
  const std::string path = Write(dir, "config.yaml", "profiles:\n  default: {server: a}\n");
  EXPECT_FALSE(LoadProfile(path, "prod", &problem).has_value());
  EXPECT_EQ(problem, path + ": no profile named \"prod\"");
}

TEST(Profiles, AnUnknownSettingIsNamedWithItsLine) {
  plaudit::testing::TempDir dir;
  const std::string path =
      Write(dir, "config.yaml", "profiles:\n  default:\n    server: a\n    tokenfile: t\n");
  std::string problem;
  EXPECT_FALSE(LoadProfile(path, "default", &problem).has_value());
  EXPECT_EQ(problem, path +
                         ": line 4: profiles.default.tokenfile: unknown setting (expected server, "
                         "ca_file, cert, key, token_file)");
}

TEST(TokenFiles, TheTokenIsTrimmedAndAnEmptyOrMissingFileIsAnError) {
  plaudit::testing::TempDir dir;
  std::string problem;
  EXPECT_EQ(ReadTokenFile(Write(dir, "t", "  eyJ.abc.def\n"), &problem), "eyJ.abc.def");
  EXPECT_EQ(problem, "");
  EXPECT_EQ(ReadTokenFile(Write(dir, "empty", "\n"), &problem), "");
  EXPECT_EQ(problem, "token file " + dir.path() + "/empty: it is empty");
  EXPECT_EQ(ReadTokenFile(dir.path() + "/missing", &problem), "");
  EXPECT_EQ(problem, "token file " + dir.path() + "/missing: cannot read it");
}

}  // namespace
}  // namespace plaudit::cli

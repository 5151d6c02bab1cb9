#include "core/store/secrets_key_file.h"

#include <sys/stat.h>

#include <fstream>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST(SecretsKeyFile, IsCreatedPrivateOnceAndReadAfterwards) {
  testing::TempDir dir;
  const std::string path = dir.File("secrets.key");
  auto made = LoadOrCreateSecretsKey(path);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(ModeOf(path), 0600u);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_size, 32);
  // The same key again: what one sealed the other opens.
  auto read = LoadOrCreateSecretsKey(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read->Open("p", "k", *made->Seal("p", "k", "v")), "v");
}

TEST(SecretsKeyFile, ReadableByGroupOrOthersIsRefusedNamingFileAndMode) {
  testing::TempDir dir;
  const std::string path = dir.File("secrets.key");
  ASSERT_TRUE(LoadOrCreateSecretsKey(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto refused = LoadOrCreateSecretsKey(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      refused.status().message(),
      "secrets key file " + path + " has mode 0644: group or others may use it; chmod 600 it");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_FALSE(LoadOrCreateSecretsKey(path).ok());
}

TEST(SecretsKeyFile, WrongSizeIsRefused) {
  testing::TempDir dir;
  const std::string path = dir.File("secrets.key");
  std::ofstream(path) << "too short\n";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto refused = LoadOrCreateSecretsKey(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "secrets key file " + path + " holds 10 bytes; expected 32 (a key plauditd made)");
  std::ofstream(path) << std::string(33, 'k');
  EXPECT_FALSE(LoadOrCreateSecretsKey(path).ok());
}

}  // namespace
}  // namespace plaudit

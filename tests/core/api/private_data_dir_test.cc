// plauditd's data directory and the files it makes there are private to its user, whatever the
// umask, and its secrets key file must be too.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/api/server.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::api {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

class PrivateDataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(plugins_);
    config_.listen = "127.0.0.1:0";
    config_.data_dir = data_;
    config_.plugin_dir = plugins_;
  }

  absl::StatusOr<std::unique_ptr<PlauditServer>> Start() {
    return PlauditServer::Start(config_, &clock_);
  }

  testing::TempDir dir_;
  const std::string data_ = dir_.File("data");
  const std::string plugins_ = dir_.File("plugins");
  ServerConfig config_;
  RealClock clock_;
};

TEST_F(PrivateDataDirTest, TheDirectoryIs0700AndItsFiles0600) {
  auto server = Start();
  ASSERT_TRUE(server.ok()) << server.status();
  // A write, so that the write-ahead log and its index exist.
  ASSERT_TRUE((*server)->store()->StateCommit("p", {{"k", "v"}}, {}, {}).ok());
  EXPECT_EQ(ModeOf(data_), 0700u);
  for (const char* file :
       {"plaudit.db", "plaudit.db-wal", "plaudit.db-shm", "plauditd.lock", "secrets.key"}) {
    EXPECT_EQ(ModeOf(data_ + "/" + file), 0600u) << file;
  }
}

TEST_F(PrivateDataDirTest, AnExistingOpenDirectoryAndDatabaseAreTightened) {
  std::filesystem::create_directory(data_);
  ASSERT_EQ(::chmod(data_.c_str(), 0755), 0);
  { auto server = Start(); }
  for (const char* file : {"plaudit.db", "plauditd.lock"}) {
    ASSERT_EQ(::chmod((data_ + "/" + file).c_str(), 0644), 0);
  }
  ASSERT_EQ(::chmod(data_.c_str(), 0755), 0);
  auto server = Start();
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(ModeOf(data_), 0700u);
  EXPECT_EQ(ModeOf(data_ + "/plaudit.db"), 0600u);
  EXPECT_EQ(ModeOf(data_ + "/plauditd.lock"), 0600u);
}

TEST_F(PrivateDataDirTest, AKeyFileOthersMayReadStopsTheStart) {
  const std::string key = dir_.File("plaudit.key");
  std::ofstream(key) << std::string(32, 'k');
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  config_.secrets_key_file = key;
  auto server = Start();
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().message(),
            "secrets key file " + key + " has mode 0644: group or others may use it; chmod 600 it");
  // Once private, that key seals the database's state.
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  server = Start();
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_FALSE(std::filesystem::exists(data_ + "/secrets.key"));
}

TEST_F(PrivateDataDirTest, ALostKeyFileIsNotQuietlyReplaced) {
  { ASSERT_TRUE(Start().ok()); }
  std::filesystem::remove(data_ + "/secrets.key");
  auto server = Start();
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("secrets key"), std::string::npos) << server.status();
}

}  // namespace
}  // namespace plaudit::api

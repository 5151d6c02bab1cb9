// A PostgreSQL database for tests: each TestSchema is a schema of its own, created empty in the
// test cluster and dropped afterwards, so that tests never see one another's rows.
//
// The cluster is the one ctest starts for every test (the `postgres` fixture, scripts/
// test-postgres.sh), named by PLAUDIT_TEST_POSTGRES_DSN. A test binary run by hand without it
// starts a cluster of its own for the process, in a temporary directory, and stops it at exit.
#ifndef PLAUDIT_TESTS_TESTING_TEST_POSTGRES_H_
#define PLAUDIT_TESTS_TESTING_TEST_POSTGRES_H_

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/store/postgres/pg_connection.h"
#include "gtest/gtest.h"

namespace plaudit::testing {

namespace internal {

// The cluster this process started, stopped when the process ends.
class OwnCluster {
 public:
  OwnCluster() {
    dir_ = absl::StrCat(std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp",
                        "/plaudit-test-pg.", std::random_device()());
    const std::string command = absl::StrCat(
        "bash '", PLAUDIT_SOURCE_DIR, "/scripts/test-postgres.sh' start '", dir_, "' >/dev/null");
    if (std::system(command.c_str()) == 0) {
      std::ifstream in(dir_ + "/dsn");
      std::getline(in, dsn_);
    }
  }
  ~OwnCluster() {
    const std::string command =
        absl::StrCat("bash '", PLAUDIT_SOURCE_DIR, "/scripts/test-postgres.sh' stop '", dir_, "'");
    (void)std::system(command.c_str());
  }
  const std::string& dsn() const { return dsn_; }

 private:
  std::string dir_;
  std::string dsn_;
};

}  // namespace internal

// The test cluster's DSN; empty (and the test failed) when there is none.
inline std::string TestPostgresDsn() {
  if (const char* dsn = std::getenv("PLAUDIT_TEST_POSTGRES_DSN"); dsn != nullptr && *dsn != 0) {
    return dsn;
  }
  if (const char* dir = std::getenv("PLAUDIT_TEST_POSTGRES_DIR"); dir != nullptr && *dir != 0) {
    std::ifstream in(std::string(dir) + "/dsn");
    std::string dsn;
    if (std::getline(in, dsn) && !dsn.empty()) return dsn;
    ADD_FAILURE() << "no PostgreSQL test cluster: " << dir << "/dsn is missing (did the "
                  << "postgres_start test fail?)";
    return "";
  }
  static internal::OwnCluster* cluster = new internal::OwnCluster();
  static const bool stop_at_exit = [] {
    std::atexit([] { delete cluster; });
    return true;
  }();
  (void)stop_at_exit;
  if (cluster->dsn().empty()) ADD_FAILURE() << "could not start a PostgreSQL test cluster";
  return cluster->dsn();
}

// A schema of its own in the test cluster, dropped when destroyed.
class TestSchema {
 public:
  TestSchema() {
    base_dsn_ = TestPostgresDsn();
    if (base_dsn_.empty()) return;
    name_ = absl::StrCat("t", std::random_device()(), "_", std::random_device()());
    auto admin = PgConnection::Connect(base_dsn_);
    if (!admin.ok()) {
      ADD_FAILURE() << admin.status();
      return;
    }
    auto created = (*admin)->Exec(absl::StrCat("CREATE SCHEMA ", name_));
    if (!created.ok()) ADD_FAILURE() << created.status();
  }
  ~TestSchema() {
    if (name_.empty()) return;
    auto admin = PgConnection::Connect(base_dsn_);
    if (admin.ok()) (void)(*admin)->Exec(absl::StrCat("DROP SCHEMA ", name_, " CASCADE"));
  }
  TestSchema(const TestSchema&) = delete;
  TestSchema& operator=(const TestSchema&) = delete;

  // Connects with the schema as the search path: tables are created and found there.
  std::string dsn() const {
    return absl::StrCat(base_dsn_, base_dsn_.find('?') == std::string::npos ? "?" : "&",
                        "options=-csearch_path%3D", name_);
  }
  const std::string& name() const { return name_; }

 private:
  std::string base_dsn_;
  std::string name_;
};

}  // namespace plaudit::testing

#endif  // PLAUDIT_TESTS_TESTING_TEST_POSTGRES_H_

// The backends the store conformance suite runs on: each opens a fresh, empty database that
// outlives reopening (a restart, or another replica).
#ifndef PLAUDIT_TESTS_CORE_STORE_CONFORMANCE_BACKENDS_H_
#define PLAUDIT_TESTS_CORE_STORE_CONFORMANCE_BACKENDS_H_

#include <memory>
#include <string>

#include "core/store/postgres/postgres_store.h"
#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_postgres.h"
#include "tests/testing/test_store.h"

namespace plaudit::conformance {

// One backend's store, opened on a fresh database that outlives reopening.
class Backend {
 public:
  virtual ~Backend() = default;
  // Opens the database again (a restart, or another replica); the previous store stays open
  // until Close().
  virtual void Open() = 0;
  virtual void Close() = 0;
  virtual AgentStore& agents() = 0;
  virtual EventStore& events() = 0;
  virtual PraiseStore& praise() = 0;
  virtual ProgramStore& programs() = 0;
  virtual CorrectionStore& corrections() = 0;
  virtual PluginStateStore& state() = 0;
  virtual AuditStore& audit() = 0;
};

class SqliteBackend : public Backend {
 public:
  void Open() override {
    auto store = Store::Open(dir_.File("plaudit.db"), testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void Close() override { store_.reset(); }
  AgentStore& agents() override { return *store_; }
  EventStore& events() override { return *store_; }
  PraiseStore& praise() override { return *store_; }
  ProgramStore& programs() override { return *store_; }
  CorrectionStore& corrections() override { return *store_; }
  PluginStateStore& state() override { return *store_; }
  AuditStore& audit() override { return *store_; }

 private:
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

class PostgresBackend : public Backend {
 public:
  void Open() override {
    auto store = PostgresStore::Open({schema_.dsn(), 4}, testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void Close() override { store_.reset(); }
  AgentStore& agents() override { return *store_; }
  EventStore& events() override { return *store_; }
  PraiseStore& praise() override { return *store_; }
  ProgramStore& programs() override { return *store_; }
  CorrectionStore& corrections() override { return *store_; }
  PluginStateStore& state() override { return *store_; }
  AuditStore& audit() override { return *store_; }

 private:
  testing::TestSchema schema_;
  std::unique_ptr<PostgresStore> store_;
};

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      backend_ = std::make_unique<SqliteBackend>();
    } else {
      backend_ = std::make_unique<PostgresBackend>();
    }
    backend_->Open();
  }
  void Reopen() {
    backend_->Close();
    backend_->Open();
  }
  std::unique_ptr<Backend> backend_;
};

// Names each instantiation by its backend: Backends/StoreConformance.Name/postgres.
inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace plaudit::conformance

#endif  // PLAUDIT_TESTS_CORE_STORE_CONFORMANCE_BACKENDS_H_

// The backends the store conformance suite runs on: each opens a fresh, empty database that
// outlives reopening (a restart, or another replica).
#ifndef PLAUDIT_TESTS_CORE_STORE_CONFORMANCE_BACKENDS_H_
#define PLAUDIT_TESTS_CORE_STORE_CONFORMANCE_BACKENDS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
  // Opens the database again (a restart, or another replica).
  virtual void Open() = 0;
  void Close() { store_.reset(); }
  Store& store() { return *store_; }
  AgentStore& agents() { return *store_; }
  EventStore& events() { return *store_; }
  PraiseStore& praise() { return *store_; }
  ProgramStore& programs() { return *store_; }
  DecisionStore& decisions() { return *store_; }
  BudgetStore& budgets() { return *store_; }
  FulfilmentStore& fulfilments() { return *store_; }
  ExportStore& exports() { return *store_; }
  StoreHealth& health() { return *store_; }
  CorrectionStore& corrections() { return *store_; }
  ContactStore& contacts() { return *store_; }
  PluginStateStore& state() { return *store_; }
  AuditStore& audit() { return *store_; }

 protected:
  std::unique_ptr<Store> store_;
};

class SqliteBackend : public Backend {
 public:
  void Open() override {
    auto store = Store::Open(dir_.File("plaudit.db"), testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

 private:
  testing::TempDir dir_;
};

class PostgresBackend : public Backend {
 public:
  void Open() override {
    auto store = PostgresStore::Open({schema_.dsn(), 4}, testing::TestCipher());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

 private:
  testing::TestSchema schema_;
};

// "sqlite" or "postgres".
inline std::unique_ptr<Backend> MakeBackend(const std::string& name) {
  if (name == "sqlite") return std::make_unique<SqliteBackend>();
  return std::make_unique<PostgresBackend>();
}

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = MakeBackend(GetParam());
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

// Decisions for the award and fulfilment cases: eotm 2026-10, agents a1, a2, ...

inline const Actor kAnna{"anna", Role::kManager, ""};
inline const Actor kBen{"ben", Role::kManager, ""};

inline std::string AgentId(int i) { return absl::StrCat("a", i); }
inline std::string AwardIdOf(int i) { return absl::StrCat("eotm.2026-10.a", i); }

// A decision with one award per value, ranked in order, each with one leave_credit reward.
inline DecisionRecord Decision(const std::vector<double>& values, int approvals_needed,
                               std::optional<BudgetSpec> budget) {
  DecisionRecord d;
  d.program_id = "eotm";
  d.period = "2026-10";
  d.program_version = 1;
  d.decided_us = 1000;
  d.budget = budget;
  for (size_t i = 0; i < values.size(); ++i) {
    const int n = static_cast<int>(i) + 1;
    AwardRecord a;
    a.id = AwardIdOf(n);
    a.program_id = d.program_id;
    a.period = d.period;
    a.agent_id = AgentId(n);
    a.rank = n;
    a.program_version = 1;
    a.decided_us = d.decided_us;
    a.state = AwardState::kProposed;
    a.state_reason = absl::StrCat("decided: rank ", n);
    a.value = values[i];
    a.approvals_needed = approvals_needed;
    FulfilmentRecord f;
    f.id = a.id + ".leave_credit";
    f.award_id = a.id;
    f.agent_id = a.agent_id;
    f.type = "leave_credit";
    f.idempotency_key = absl::StrCat("key-", n);
    f.next_attempt_us = d.decided_us;
    f.updated_us = d.decided_us;
    a.fulfilments.push_back(f);
    d.awards.push_back(a);
  }
  return d;
}

inline BudgetSpec Euros(double amount, BudgetMode mode = BudgetMode::kFixed) {
  return BudgetSpec{mode, BudgetUnit::kMoney, "EUR", amount};
}

}  // namespace plaudit::conformance

#endif  // PLAUDIT_TESTS_CORE_STORE_CONFORMANCE_BACKENDS_H_

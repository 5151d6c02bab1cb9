// The durable store behind plauditd: one interface per aggregate (agents, events and their
// aggregates, contacts from metric sources, programs, corrections, decisions and awards, budgets,
// fulfilments, plugin state, praise, audit, exports), each knowing only the record types of
// store_records.h, and the coordination of replicas. A backend implements all of them; callers hold
// the interface they need, or the whole Store.
//
// Every method is one transaction: when a write returns OK its data is committed and survives
// kill -9. What must commit together (a decision with its awards and their fulfilments: the
// transactional outbox) is one method. Implementations are thread-safe.
//
// Backends: SqliteStore (core/store/sqlite), embedded, the default; PostgresStore
// (core/store/postgres), on a PostgreSQL server several replicas share.
#ifndef PLAUDIT_CORE_STORE_STORE_H_
#define PLAUDIT_CORE_STORE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/store/agent_store.h"
#include "core/store/audit_store.h"
#include "core/store/budget_store.h"
#include "core/store/contact_store.h"
#include "core/store/correction_store.h"
#include "core/store/decision_store.h"
#include "core/store/event_store.h"
#include "core/store/export_store.h"
#include "core/store/fulfilment_store.h"
#include "core/store/plugin_state_store.h"
#include "core/store/praise_store.h"
#include "core/store/program_store.h"
#include "core/store/replica_coordination.h"
#include "core/store/state_cipher.h"
#include "core/store/store_health.h"
#include "core/store/store_records.h"

namespace plaudit {

class Store : public AgentStore,
              public EventStore,
              public ProgramStore,
              public CorrectionStore,
              public ContactStore,
              public DecisionStore,
              public BudgetStore,
              public FulfilmentStore,
              public PluginStateStore,
              public PraiseStore,
              public AuditStore,
              public ExportStore,
              public StoreHealth,
              public ReplicaCoordination {
 public:
  // Opens (creating and migrating as needed) the embedded SQLite database at `path`, sealing
  // plugin state under `cipher` (SqliteStore::Open).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path, StateCipher cipher);
  // Under a random key that lives only in this Store: for tests and scratch databases.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& path);

  Store() = default;
  ~Store() override = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_STORE_H_

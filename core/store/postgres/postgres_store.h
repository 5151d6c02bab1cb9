// The store on a PostgreSQL server (libpq), for centres whose database runs on a server they
// operate and back up, and for several plauditd replicas sharing one database.
//
// It implements every interface of Store; plauditd opens it with `store: {driver: postgres}`.
//
// Every method is one transaction on a connection of a pool (pool_size); a write returns OK once
// PostgreSQL has committed it. What must stay consistent across replicas is serialised in the
// database, not in this process: plugin state commits and audit appends take a transaction-scoped
// advisory lock (per plugin; one for the audit chain), and the generations callers cache by are
// rows of the database, bumped in the transactions that change what they cover. Plugin state is
// sealed (StateCipher) as in the embedded store; the database holds no plugin secret in clear.
// Migrations are versioned (schema_version) and applied under an advisory lock, so replicas
// starting together migrate once.
#ifndef PLAUDIT_CORE_STORE_POSTGRES_POSTGRES_STORE_H_
#define PLAUDIT_CORE_STORE_POSTGRES_POSTGRES_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/agent_store.h"
#include "core/store/audit_store.h"
#include "core/store/budget_store.h"
#include "core/store/correction_store.h"
#include "core/store/decision_store.h"
#include "core/store/event_store.h"
#include "core/store/export_store.h"
#include "core/store/fulfilment_store.h"
#include "core/store/plugin_state_store.h"
#include "core/store/postgres/pg_connection.h"
#include "core/store/praise_store.h"
#include "core/store/program_store.h"
#include "core/store/state_cipher.h"
#include "core/store/store.h"
#include "core/store/store_health.h"

namespace plaudit {

class PostgresStore final : public Store {
 public:
  struct Options {
    // A postgresql:// URI or libpq key=value pairs.
    std::string dsn;
    // Connections opened at most.
    int pool_size = 8;
    // How long a due reward stays claimed by the replica that read it (DueFulfilments,
    // BeginFulfilmentAttempt) before another may take it over: longer than any plugin call.
    int64_t lease_ms = 120000;
  };
  // Connects, creates and migrates the schema as needed, and checks the secrets key as the
  // embedded store does: FAILED_PRECONDITION when the database was sealed under another key or
  // its schema is newer than this build; UNAVAILABLE when the server does not answer.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const Options& options,
                                                             StateCipher cipher);
  ~PostgresStore() override = default;

  // The schema version this build migrates to.
  static int64_t SchemaVersion();
  // StoreHealth. Writes are not grouped here (each is its own transaction): no write-group
  // figures. Readers are the pool's connections.
  WriteGroupStats write_group_stats() const override { return WriteGroupStats(); }
  absl::StatusOr<Figures> ReadFigures() override;
  // OK when the server answers and the schema is current; UNAVAILABLE or FAILED_PRECONDITION
  // naming the problem otherwise.
  absl::Status CheckReady() override;
  // ReplicaCoordination: a session-level advisory lock on `name`, held on one pooled connection
  // while `work` runs; the server lets it go when the replica's connection ends.
  absl::StatusOr<bool> RunAlone(std::string_view name, absl::FunctionRef<void()> work) override;
  // Connections lent out now, and open but idle.
  int connections_in_use() const { return pool_.in_use(); }
  int connections_idle() const { return pool_.idle(); }

  // AgentStore.
  absl::Status UpsertAgents(const std::vector<Agent>& agents) override;
  absl::StatusOr<std::vector<Agent>> ListAgents() override;
  absl::StatusOr<std::optional<Agent>> GetAgent(const std::string& id) override;
  absl::StatusOr<std::optional<std::string>> FindAgentIdByEmail(const std::string& email) override;
  absl::StatusOr<std::vector<std::string>> ListAgentIds() override;
  int64_t agents_generation() const override;
  absl::Status DeactivateAgent(const std::string& id, const std::string& actor,
                               const std::string& reason, int64_t at_us) override;

  // EventStore. Events are inserted in one statement per call (unnest of arrays), and the
  // aggregates computed from raw events are summed exactly here, as the embedded store's
  // exact_sum() does, so that both backends give the same bits.
  absl::StatusOr<std::vector<InsertOutcome>> InsertEvents(
      const std::vector<StoredEvent>& events,
      const std::optional<EventReplacement>& replacement) override;
  absl::StatusOr<int64_t> CountEvents() override;
  absl::StatusOr<std::vector<AggregateRow>> Aggregate(int64_t start_us, int64_t end_us,
                                                      const std::string& agent_id) override;
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> CountAtLeast(
      int64_t start_us, int64_t end_us, const std::string& metric, double threshold) override;
  absl::Status EnsureRollup(const std::string& time_zone, const std::string& cadence,
                            const ThresholdSet& thresholds) override;
  absl::StatusOr<std::optional<std::vector<AggregateRow>>> RolledUpAggregates(
      const std::string& time_zone, const std::string& cadence, const std::string& label,
      int64_t start_us, int64_t end_us, const ThresholdSet& thresholds,
      const std::string& agent_id) override;
  int64_t standings_generation() const override;
  absl::StatusOr<std::vector<AggregateRow>> AggregatePage(int64_t start_us, int64_t end_us,
                                                          const std::string& agent_id,
                                                          const std::string& after_agent,
                                                          const std::string& after_metric,
                                                          int limit) override;
  absl::StatusOr<std::vector<std::string>> RetractEvents(const std::vector<std::string>& ids,
                                                         const std::string& actor,
                                                         const std::string& reason,
                                                         int64_t at_us) override;
  absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>> EventTimeSpan(int64_t from_us,
                                                                           int64_t to_us) override;
  absl::Status ForEachEventTime(
      int64_t start_us, int64_t end_us,
      absl::FunctionRef<void(absl::string_view agent_id, int64_t occurred_at_us)> each) override;

  // ProgramStore.
  absl::StatusOr<ProgramRecord> PutProgram(const ProgramRecord& program,
                                           int64_t applied_us) override;
  absl::StatusOr<std::vector<ProgramRecord>> ListPrograms() override;
  absl::StatusOr<std::optional<ProgramRecord>> GetProgram(const std::string& id) override;
  absl::StatusOr<std::optional<ProgramRecord>> ProgramVersionAt(const std::string& id,
                                                                int64_t at_us) override;
  absl::StatusOr<std::vector<ProgramVersionRecord>> ProgramVersions(const std::string& id) override;
  absl::StatusOr<ProgramRecord> SetProgramDisabled(const std::string& id, bool disabled,
                                                   const std::string& actor,
                                                   const std::string& reason,
                                                   int64_t at_us) override;
  absl::StatusOr<std::optional<ProgramRecord>> GetProgramVersion(const std::string& id,
                                                                 int64_t version) override;
  absl::StatusOr<std::optional<int64_t>> ProgramFirstAppliedUs(const std::string& id) override;

  // ContactStore.
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ContactVersions(
      const std::string& source, const std::vector<std::string>& contact_ids) override;
  absl::StatusOr<std::optional<ContactRecord>> GetContact(const std::string& source,
                                                          const std::string& contact_id) override;
  absl::StatusOr<std::vector<bool>> WriteContacts(const std::vector<ContactWrite>& writes,
                                                  const EventReplacement& as,
                                                  const SourceProgress& progress) override;
  absl::StatusOr<std::vector<ContactRecord>> ListUnmatchedContacts(const std::string& source,
                                                                   const std::string& after_source,
                                                                   const std::string& after_contact,
                                                                   int limit) override;
  absl::StatusOr<std::vector<SourceStatusRecord>> ListSourceStatus() override;

  // CorrectionStore.
  absl::StatusOr<std::vector<CorrectionRecord>> ListCorrections(
      const std::string& subject) override;

  // DecisionStore (pg_decisions.cc).
  absl::StatusOr<std::optional<int64_t>> DecisionVersion(const std::string& program_id,
                                                         const std::string& period) override;
  absl::StatusOr<std::vector<std::string>> DecidedPeriods(const std::string& program_id) override;
  absl::StatusOr<std::pair<DecisionRecord, bool>> CommitDecision(
      const DecisionRecord& decision, const AwardPlanner& auto_approval) override;
  absl::StatusOr<std::optional<DecisionRecord>> GetDecision(const std::string& program_id,
                                                            const std::string& period,
                                                            bool with_standings) override;
  absl::StatusOr<std::vector<PositionedStanding>> ListStandings(const std::string& program_id,
                                                                const std::string& period,
                                                                int64_t offset,
                                                                int64_t limit) override;
  absl::StatusOr<int64_t> CountStandings(const std::string& program_id,
                                         const std::string& period) override;
  absl::StatusOr<std::optional<PositionedStanding>> FindStanding(const std::string& program_id,
                                                                 const std::string& period,
                                                                 const std::string& competitor,
                                                                 bool members_only) override;
  absl::StatusOr<std::vector<AwardRecord>> ListAwards(const std::string& program_id,
                                                      const std::string& period) override;
  absl::StatusOr<std::optional<AwardRecord>> GetAward(const std::string& id) override;
  absl::StatusOr<std::string> LatestAwardPeriod(const std::string& program_id) override;
  absl::StatusOr<AwardRecord> ApplyAwardAction(const std::string& award_id,
                                               const AwardPlanner& plan, const std::string& actor,
                                               int64_t now_us) override;
  absl::StatusOr<std::vector<AwardTransition>> AwardHistory(const std::string& award_id) override;

  // BudgetStore (pg_decisions.cc).
  absl::StatusOr<std::optional<BudgetReport>> GetBudget(const std::string& program_id,
                                                        const std::string& period) override;

  // FulfilmentStore (pg_fulfilments.cc).
  absl::StatusOr<std::vector<FulfilmentRecord>> ListFulfilments(
      const std::string& award_id) override;
  absl::StatusOr<std::optional<FulfilmentRecord>> GetFulfilment(const std::string& id) override;
  absl::StatusOr<std::optional<FulfilmentRecord>> FindFulfilmentByKey(
      const std::string& idempotency_key) override;
  absl::Status RecordAttempt(const FulfilmentAttempt& attempt) override;
  absl::StatusOr<std::vector<FulfilmentAttempt>> ListAttempts(
      const std::string& fulfilment_id) override;
  absl::StatusOr<FulfilmentRecord> RetryFulfilment(const std::string& id, const std::string& actor,
                                                   const std::string& reason, int64_t now_us,
                                                   const AwardPlanner& reopen) override;
  absl::StatusOr<FulfilmentRecord> CancelFulfilment(const std::string& id, const std::string& actor,
                                                    const std::string& reason, int64_t now_us,
                                                    const AwardCompletion& completion) override;
  absl::StatusOr<bool> MarkRedeemed(const std::string& id, int64_t redeemed_us) override;
  absl::Status CheckFulfilmentsNow(const std::vector<std::string>& idempotency_keys,
                                   int64_t now_us) override;
  // Claims the rows it returns for this replica (a lease of lease_ms): other replicas pass them
  // by until the lease runs out.
  absl::StatusOr<std::vector<FulfilmentRecord>> DueFulfilments(
      int64_t now_us, int limit, const std::set<std::string>& in_rank_order) override;
  absl::StatusOr<std::optional<int64_t>> NextFulfilmentDue() override;
  // Also false when another replica holds the reward's lease.
  absl::StatusOr<bool> BeginFulfilmentAttempt(FulfilmentRecord& record, bool count_attempt,
                                              bool in_rank_order) override;
  absl::Status UpdateFulfilment(const FulfilmentRecord& record, const AwardCompletion& completion,
                                const std::optional<FulfilmentAttempt>& attempt) override;

  // PluginStateStore.
  absl::StatusOr<bool> RememberCallback(const std::string& plugin, const std::string& digest,
                                        int64_t expires_us, int64_t now_us) override;
  absl::Status ForgetCallback(const std::string& plugin, const std::string& digest) override;
  absl::StatusOr<std::optional<std::string>> StateGet(const std::string& plugin,
                                                      const std::string& key) override;
  absl::StatusOr<bool> StateCommit(
      const std::string& plugin, const std::vector<std::pair<std::string, std::string>>& puts,
      const std::vector<std::string>& absent,
      const std::vector<std::pair<std::string, std::string>>& expected) override;

  // PraiseStore.
  absl::StatusOr<std::optional<PraiseRecord>> InsertPraise(
      const PraiseRecord& praise, const PraiseAllowance& allowance) override;
  absl::StatusOr<std::vector<PraiseRecord>> ListPraise(const std::string& agent_id) override;
  absl::StatusOr<int64_t> CountPraiseSent(const std::string& from_agent_id,
                                          const PraiseAllowance& allowance) override;

  // AuditStore.
  absl::StatusOr<AuditRecord> AppendAuditRecord(
      const AuditEntry& entry,
      absl::FunctionRef<std::string(const AuditRecord&, const std::string&)> seal) override;
  absl::StatusOr<std::vector<AuditRecord>> ListAuditRecords(const AuditFilter& filter) override;
  absl::StatusOr<bool> AuditRecordExists(const std::string& method, const std::string& resource,
                                         const std::string& outcome) override;

  // ExportStore (pg_exports.cc).
  absl::StatusOr<ExportedEventsPage> ExportEvents(
      const ExportScope& scope, const ExportKey& after, int limit,
      absl::FunctionRef<bool(const EventView&)> row) override;
  absl::StatusOr<std::vector<Agent>> ExportAgents(const ExportScope& scope, const ExportKey& after,
                                                  int limit) override;
  absl::StatusOr<std::vector<PositionedStanding>> ExportStandings(const ExportScope& scope,
                                                                  const ExportKey& after,
                                                                  int limit) override;
  absl::StatusOr<std::vector<ExportedAwardRow>> ExportAwards(const ExportScope& scope,
                                                             const ExportKey& after,
                                                             int limit) override;
  absl::StatusOr<std::vector<ExportedFulfilmentRow>> ExportFulfilments(const ExportScope& scope,
                                                                       const ExportKey& after,
                                                                       int limit) override;
  absl::StatusOr<std::vector<ExportedLedgerRow>> ExportLedger(const ExportScope& scope,
                                                              const ExportKey& after,
                                                              int limit) override;
  absl::StatusOr<std::vector<PraiseRecord>> ExportPraise(const ExportScope& scope,
                                                         const ExportKey& after,
                                                         int limit) override;

 private:
  PostgresStore(const Options& options, StateCipher cipher, std::string replica_id)
      : pool_(options.dsn, options.pool_size),
        replica_id_(std::move(replica_id)),
        lease_us_(options.lease_ms * 1000),
        cipher_(std::move(cipher)) {}
  absl::Status Migrate();
  // Runs `work` in one transaction on a pooled connection; retried (up to a few times) when
  // PostgreSQL aborts it as a serialisation failure or deadlock.
  absl::Status InTransaction(absl::FunctionRef<absl::Status(PgConnection&)> work);
  // The current value of a generation row; -1 (never equal to a cached one) when unreadable.
  int64_t Generation(const char* name) const;

  // An agent row of the columns ListAgents reads.
  static Agent ReadAgentRow(const PgResult& rows, int row);
  // pg_decisions.cc: each runs on the caller's connection, inside its transaction.
  static const char* const kFulfilmentColumns;
  static FulfilmentRecord ReadFulfilment(const PgResult& rows, int row);
  // Awards `where` selects (with $1... bound to `params`), with their rewards and approvals;
  // with `lock`, their rows locked FOR UPDATE.
  static absl::StatusOr<std::vector<AwardRecord>> LoadAwards(PgConnection& db,
                                                             const std::string& where,
                                                             const std::vector<PgParam>& params,
                                                             bool lock);
  static absl::StatusOr<std::optional<BudgetPosition>> LoadBudgetPosition(
      PgConnection& db, const std::string& program_id, const std::string& period, bool lock);
  static absl::StatusOr<AwardFacts> LoadAwardFacts(PgConnection& db, const AwardRecord& award);
  static absl::Status AppendHistory(PgConnection& db, const std::string& award_id,
                                    const std::string& from_state, AwardState to,
                                    const std::string& actor, const std::string& reason,
                                    int64_t at_us);
  static absl::Status ApplyPlan(PgConnection& db, const AwardRecord& award,
                                const TransitionPlan& plan, const std::string& actor,
                                int64_t now_us);
  static absl::StatusOr<std::optional<DecisionRecord>> LoadDecision(PgConnection& db,
                                                                    const std::string& program_id,
                                                                    const std::string& period,
                                                                    bool with_standings);
  static absl::StatusOr<int64_t> CountStandingRows(PgConnection& db, const std::string& program_id,
                                                   const std::string& period);
  static absl::StatusOr<std::vector<PositionedStanding>> LoadStandingRows(
      PgConnection& db, const std::string& program_id, const std::string& period, int64_t offset,
      int64_t limit);

  // pg_fulfilments.cc: the reward's award (in `awards`) and then the reward's row, both locked in
  // that order (NOT_FOUND naming the reward); and the award's transition `completion` plans
  // from it and its rewards as they now stand, if any.
  static absl::StatusOr<FulfilmentRecord> LockReward(PgConnection& db, const std::string& id,
                                                     std::vector<AwardRecord>& awards);
  static absl::Status FinishAwardIfDone(PgConnection& db, const std::string& award_id,
                                        int64_t now_us, const AwardCompletion& completion);

  mutable PgPool pool_;
  // Who holds a lease: this store, one per plauditd process.
  const std::string replica_id_;
  const int64_t lease_us_;
  const StateCipher cipher_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_POSTGRES_POSTGRES_STORE_H_

// The embedded store: every interface of core/store/store.h on one SQLite database.
//
// SQLite in WAL mode with synchronous=FULL: when a write method returns OK the data is on disk
// and survives kill -9. Plugin state values are sealed (StateCipher) under the key given to
// Open, so the database file holds no plugin secret in clear. Each method is one transaction.
// Thread-safe: writes are serialised on one connection; the reads that serve standings, agents,
// programs and metrics run on a pool of read-only connections (ReadPool) and never wait for a
// write. Period aggregates are kept up to date in the transactions that store events (Rollups).
// The writes of fulfilment workers (BeginFulfilmentAttempt, UpdateFulfilment, RecordAttempt,
// StateCommit) that arrive while another commit is on its way to disk are committed together:
// each stays atomic on its own (a savepoint of the shared transaction) and still returns only
// once it is on disk, but the batch costs one disk flush instead of one each (group commit).
#ifndef PLAUDIT_CORE_STORE_SQLITE_SQLITE_STORE_H_
#define PLAUDIT_CORE_STORE_SQLITE_SQLITE_STORE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/store/sqlite/read_pool.h"
#include "core/store/sqlite/rollups.h"
#include "core/store/state_cipher.h"
#include "core/store/store.h"

struct sqlite3;

namespace plaudit {

class SqliteStore final : public Store {
 public:
  // Opens (creating and migrating as needed) the database at `path`, sealing plugin state under
  // `cipher`. Plaintext plugin state of an older database is sealed in place on the way.
  // FAILED_PRECONDITION when the database was sealed under another key.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                           StateCipher cipher);
  ~SqliteStore() override;
  // The schema version this build migrates to.
  static int64_t SchemaVersion();

  // AgentStore.
  absl::Status UpsertAgents(const std::vector<Agent>& agents) override;
  absl::StatusOr<std::vector<Agent>> ListAgents() override;
  absl::StatusOr<std::optional<Agent>> GetAgent(const std::string& id) override;
  absl::StatusOr<std::optional<std::string>> FindAgentIdByEmail(const std::string& email) override;
  absl::StatusOr<std::vector<std::string>> ListAgentIds() override;
  int64_t agents_generation() const override { return agents_generation_.load(); }
  absl::Status DeactivateAgent(const std::string& id, const std::string& actor,
                               const std::string& reason, int64_t at_us) override;

  // EventStore.
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
  int64_t standings_generation() const override { return standings_generation_.load(); }
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

  // DecisionStore.
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

  // BudgetStore.
  absl::StatusOr<std::optional<BudgetReport>> GetBudget(const std::string& program_id,
                                                        const std::string& period) override;

  // FulfilmentStore.
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
  absl::StatusOr<std::vector<FulfilmentRecord>> DueFulfilments(
      int64_t now_us, int limit, const std::set<std::string>& in_rank_order) override;
  absl::StatusOr<std::optional<int64_t>> NextFulfilmentDue() override;
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

  // ExportStore.
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

  // StoreHealth.
  WriteGroupStats write_group_stats() const override;
  absl::StatusOr<Figures> ReadFigures() override;
  absl::Status CheckReady() override;

  // ReplicaCoordination. One process owns an SQLite database: `name` is held in this process.
  absl::StatusOr<bool> RunAlone(std::string_view name, absl::FunctionRef<void()> work) override;

 private:
  SqliteStore(sqlite3* db, StateCipher cipher, const std::string& path)
      : db_(db), cipher_(std::move(cipher)), readers_(path, /*max_idle=*/16) {}
  absl::Status Migrate();
  // InsertEvents and RetractEvents inside the caller's transaction, its rollups begun.
  absl::StatusOr<std::vector<InsertOutcome>> InsertEventsLocked(
      const std::vector<StoredEvent>& events, const std::optional<EventReplacement>& replacement)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<std::string>> RetractEventsLocked(const std::vector<std::string>& ids,
                                                               const std::string& actor,
                                                               const std::string& reason,
                                                               int64_t at_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Seals every plugin_state value in place (a database from before values were sealed).
  absl::Status SealPlaintextState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the standings of decisions stored in one TEXT column into decision_standings rows.
  absl::Status MoveStandingsToRows() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::optional<DecisionRecord>> LoadDecision(const std::string& program_id,
                                                             const std::string& period,
                                                             bool with_standings)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> CountStandingRows(const std::string& program_id,
                                            const std::string& period)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<PositionedStanding>> LoadStandingRows(const std::string& program_id,
                                                                   const std::string& period,
                                                                   int64_t offset, int64_t limit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Refuses a cipher other than the one the database was first sealed under, or records it.
  absl::Status CheckSecretsKey() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<AwardRecord>> LoadAwards(const std::string& where,
                                                      const std::vector<std::string>& args)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The rest live in award_store.cc; each runs inside the caller's transaction.
  absl::StatusOr<std::optional<BudgetPosition>> LoadBudgetPosition(const std::string& program_id,
                                                                   const std::string& period)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<AwardFacts> LoadAwardFacts(const AwardRecord& award)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyPlan(const AwardRecord& award, const TransitionPlan& plan,
                         const std::string& actor, int64_t now_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AppendHistory(const std::string& award_id, const std::string& from_state,
                             AwardState to, const std::string& actor, const std::string& reason,
                             int64_t at_us) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Rank order of a scarce reward: the turn of a pending fulfilment has come when it is the
  // first unsettled one of its type in its award's decision (program and period), by award rank,
  // then award id, then reward order within the award (a team's members). Unsettled: pending, or
  // waiting for its award's approval (proposed or held), which keeps its place in line.
  // Fulfilled, failed and cancelled rewards, and those waiting on an award that is not to be
  // approved as it stands (rejected, cancelled, over budget), are settled.
  absl::StatusOr<bool> TurnHasCome(const FulfilmentRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // fulfilment_store.cc: one fulfilment row (NOT_FOUND naming it), and an attempt history row.
  absl::StatusOr<FulfilmentRecord> LoadFulfilmentRow(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertAttempt(const FulfilmentAttempt& attempt) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies what `completion` plans for the award, read with its fulfilments as they now stand.
  absl::Status FinishAwardIfDone(const std::string& award_id, int64_t now_us,
                                 const AwardCompletion& completion)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // write_group.cc: runs `write` (which holds mu_ and writes through db_, without a transaction
  // of its own) in a transaction shared with the writes other threads hand in meanwhile, each in
  // its own savepoint so that a failed write is rolled back alone. Returns once the shared commit
  // is durable: the write's own status, or the commit's error (then none of the batch is stored).
  absl::Status WriteInGroup(absl::FunctionRef<absl::Status()> write) ABSL_LOCKS_EXCLUDED(mu_);
  struct GroupedWrite;
  void CommitGroup(const std::vector<GroupedWrite*>& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  // The writes waiting for a group commit, and whether a thread is committing a group now. Taken
  // after mu_ when both are held.
  mutable absl::Mutex group_mu_ ABSL_ACQUIRED_AFTER(mu_);
  // The names RunAlone is running work under now.
  absl::Mutex alone_mu_;
  std::set<std::string, std::less<>> running_alone_ ABSL_GUARDED_BY(alone_mu_);
  std::vector<GroupedWrite*> group_queue_ ABSL_GUARDED_BY(group_mu_);
  bool group_leader_ ABSL_GUARDED_BY(group_mu_) = false;
  WriteGroupStats group_stats_ ABSL_GUARDED_BY(group_mu_);
  const StateCipher cipher_;
  ReadPool readers_;
  Rollups rollups_;
  std::atomic<int64_t> agents_generation_{0};
  std::atomic<int64_t> standings_generation_{0};
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_SQLITE_SQLITE_STORE_H_

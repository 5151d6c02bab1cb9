// Decides a program's awards for a period: loads the program, the agents and the period's
// aggregates, scores them (core/scoring) and commits the decision with its awards and fulfilment
// rows in one transaction. A decision is committed once per (program, period): deciding again
// returns the stored decision. Thread-safe.
#ifndef PLAUDIT_CORE_AWARDS_AWARD_DECIDER_H_
#define PLAUDIT_CORE_AWARDS_AWARD_DECIDER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/awards/award_rules.h"
#include "core/awards/explain.h"
#include "core/domain/clock.h"
#include "core/domain/period.h"
#include "core/domain/telemetry.h"
#include "core/program/program_spec.h"
#include "core/scoring/scorecard.h"
#include "core/store/store.h"

namespace plaudit {

class AwardDecider {
 public:
  struct Options {
    // While another call is recomputing standings that writes have made stale, a leaderboard or
    // explanation may be answered from the standings computed at most this long ago instead of
    // waiting. A call made when no recompute is running waits for one and sees every write
    // acknowledged before it.
    absl::Duration max_staleness = absl::Milliseconds(500);
    // Standings kept in memory (program and period each), least recently used dropped first.
    int max_cached_standings = 16;
    // Explanations kept per cached standings.
    int max_cached_explanations = 20000;
    // Where the time each computation of standings takes is counted
    // (plaudit_standings_evaluation_seconds, per program); none when null.
    Telemetry* telemetry = nullptr;
  };

  // `reward_types` tells which reward types can be fulfilled right now.
  AwardDecider(Store* store, Clock* clock, std::function<std::set<std::string>()> reward_types)
      : AwardDecider(store, clock, std::move(reward_types), Options()) {}
  AwardDecider(Store* store, Clock* clock, std::function<std::set<std::string>()> reward_types,
               Options options)
      : store_(store),
        clock_(clock),
        reward_types_(std::move(reward_types)),
        options_(options),
        evaluation_seconds_(EvaluationHistogram(options.telemetry)) {}
  ~AwardDecider();

  struct Result {
    DecisionRecord decision;
    // False when the decision had been committed before (or when dry_run).
    bool newly_committed = false;
  };

  // A committed decision, new or not, comes without its standings (standings_loaded false): read
  // them a page at a time from the store; a dry run's are in memory. NOT_FOUND for an unknown
  // program; INVALID_ARGUMENT for a malformed period; FAILED_PRECONDITION when committing a period
  // that has not ended yet, or of a disabled program. `actor` (plauditd when empty) is recorded as
  // who decided.
  absl::StatusOr<Result> Evaluate(const std::string& program_id, const std::string& period,
                                  bool dry_run, const std::string& actor = "");

  // A period as the program's cadence labels it: "current" becomes the open period's label
  // (in the program's time zone, by the clock); other labels are returned as given, to be
  // validated by the call that uses them.
  absl::StatusOr<std::string> ResolvePeriod(const std::string& program_id,
                                            const std::string& period) const;

  // The standings and awards `period` would have if it were decided now (a dry run, with no
  // idempotency keys), shared: computed from the period's rolled-up aggregates once, then kept
  // until something they are computed from is written (Store::standings_generation()), within
  // Options::max_staleness.
  absl::StatusOr<std::shared_ptr<const DecisionRecord>> Leaderboard(const std::string& program_id,
                                                                    const std::string& period);

  // Keeps the aggregates of `spec`'s periods rolled up as events arrive (Store::EnsureRollup):
  // done when a program is applied, and for every program at start.
  absl::Status KeepRolledUp(const ProgramSpec& spec);
  absl::Status KeepAllRolledUp();

  // Why `agent_id` stands where it does in `period`, on the same program version the period's
  // decision used (the committed one's, or the one in force when the period closes) and over
  // the same aggregates: an explanation never disagrees with the award.
  absl::StatusOr<AwardExplanation> Explain(const std::string& program_id, const std::string& period,
                                           const std::string& agent_id);

  struct Restatement {
    DecisionRecord committed;
    // The same period decided again now, on the committed decision's program version.
    DecisionRecord now;
    // RestatementDifferences(committed, now).
    std::vector<std::string> differences;
  };
  // What deciding a committed period again would change; writes nothing. FAILED_PRECONDITION
  // when the period has no committed decision.
  absl::StatusOr<Restatement> Restate(const std::string& program_id, const std::string& period);

  // Parses a stored or submitted program against the reward types available now.
  absl::StatusOr<ProgramSpec> ParseProgram(const std::string& yaml) const;

  // The standings and awards a draft program (YAML, not applied) would give for `period`.
  // Nothing is written; awards carry no idempotency keys and program version 0.
  absl::StatusOr<DecisionRecord> Simulate(const std::string& yaml, const std::string& period);

  // Every agent by id, read again only when agents were written: for naming competitors.
  struct AgentDirectory {
    std::shared_ptr<const std::vector<Agent>> agents;
    absl::flat_hash_map<std::string, const Agent*> by_id;
  };
  absl::StatusOr<std::shared_ptr<const AgentDirectory>> Directory();

 private:
  // What a period of a program is decided on: the version, its spec and the period's window.
  struct Basis {
    int64_t version = 0;
    ProgramSpec spec;
    PeriodWindow window;
    bool program_disabled = false;
  };
  // The basis of `period`: the program version `version` when given (a committed decision's),
  // else the one in force when the period closes (its end plus close_after). NOT_FOUND for an
  // unknown program, INVALID_ARGUMENT for a malformed period.
  absl::StatusOr<Basis> BasisFor(const std::string& program_id, const std::string& period,
                                 std::optional<int64_t> version = std::nullopt) const;

  // Scores the program over the window and builds the decision; writes nothing. With
  // `with_keys`, each reward gets the idempotency key it keeps for good once committed.
  absl::StatusOr<DecisionRecord> Compute(const ProgramSpec& spec, const std::string& program_id,
                                         int64_t version, const PeriodWindow& window,
                                         absl::Time now, bool with_keys);

  // Standings of one (program, period) and what they were computed from.
  struct Snapshot;
  // Where a (program, period)'s snapshot is kept and recomputed, one recompute at a time.
  struct Slot;
  absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotOf(const std::string& program_id,
                                                             const std::string& period);
  absl::StatusOr<std::shared_ptr<const Snapshot>> ComputeSnapshot(const std::string& program_id,
                                                                  const std::string& period,
                                                                  int64_t generation);
  // Every agent, read again only when agents were written.
  absl::StatusOr<std::shared_ptr<const std::vector<Agent>>> Agents();
  // ParseProgram(), remembered per YAML and reward types.
  absl::StatusOr<std::shared_ptr<const ProgramSpec>> ParseCached(const std::string& yaml) const;

  // Scores and builds the decision from what was loaded; writes nothing.
  static DecisionRecord Decide(const ProgramSpec& spec, const std::string& program_id,
                               int64_t version, const PeriodWindow& window, absl::Time now,
                               bool with_keys, const std::vector<Agent>& agents,
                               const AggregateTable& table,
                               const std::vector<EarlierPeriod>& earlier,
                               std::vector<Winner>* winners = nullptr);

  Store* store_;
  Clock* clock_;
  std::function<std::set<std::string>()> reward_types_;
  const Options options_;
  // Null without Options::telemetry.
  static Telemetry::Histogram* EvaluationHistogram(Telemetry* telemetry);
  Telemetry::Histogram* const evaluation_seconds_;

  absl::Mutex slots_mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Slot>> slots_
      ABSL_GUARDED_BY(slots_mu_);
  uint64_t slot_clock_ ABSL_GUARDED_BY(slots_mu_) = 0;

  absl::Mutex agents_mu_;
  std::shared_ptr<const std::vector<Agent>> agents_ ABSL_GUARDED_BY(agents_mu_);
  // Built from agents_ when first asked for, and dropped with it.
  std::shared_ptr<const AgentDirectory> directory_ ABSL_GUARDED_BY(agents_mu_);
  int64_t agents_generation_ ABSL_GUARDED_BY(agents_mu_) = -1;

  mutable absl::Mutex specs_mu_;
  mutable std::map<std::string,
                   std::pair<std::set<std::string>, std::shared_ptr<const ProgramSpec>>>
      specs_ ABSL_GUARDED_BY(specs_mu_);
};

// The (metric, at_least) of every top_box measure of the program (scorecard metrics, gates,
// holds, and the award rule's min_metric, target or metric), each once.
ThresholdSet TopBoxThresholds(const ProgramSpec& program);

// Every agent's per-metric aggregates over the window, with the at-least counts that the
// program's top_box measures need: what EvaluateProgram() takes for this program and period.
// From the rollups when they cover the program's periods (Store::RolledUpAggregates), else
// from the raw events (LoadAggregatesFromEvents); the two agree bit for bit.
absl::StatusOr<AggregateTable> LoadAggregates(Store& store, const ProgramSpec& program,
                                              const PeriodWindow& window);
// The same re-aggregated from the raw events, whatever the rollups hold.
absl::StatusOr<AggregateTable> LoadAggregatesFromEvents(Store& store, const ProgramSpec& program,
                                                        const PeriodWindow& window);

// The periods before `window` that the program's rule looks back on (EarlierPeriodsNeeded()),
// latest first, each with its aggregates: what EvaluateProgram() takes as `earlier`.
absl::StatusOr<std::vector<EarlierPeriod>> LoadEarlierPeriods(Store& store,
                                                              const ProgramSpec& program,
                                                              const PeriodWindow& window);

// The award id of an agent's award: "<program>.<period>.<agent>", stable across re-evaluation.
std::string AwardId(const std::string& program_id, const std::string& period,
                    const std::string& agent_id);
// The award id of a team's award (scope team): "<program>.<period>.team.<team>". A team award's
// fulfilments are "<award id>.<type>.<member>" per member (rewards_to members), or
// "<award id>.<type>" with no agent (rewards_to team).
std::string TeamAwardId(const std::string& program_id, const std::string& period,
                        const std::string& team);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_AWARD_DECIDER_H_

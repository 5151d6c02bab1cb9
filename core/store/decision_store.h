// Decisions of periods, their standings, and the awards they made with each award's history.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_DECISION_STORE_H_
#define PLAUDIT_CORE_STORE_DECISION_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

class DecisionStore {
 public:
  virtual ~DecisionStore() = default;

  // The program version of the period's committed decision; nullopt when it has none.
  virtual absl::StatusOr<std::optional<int64_t>> DecisionVersion(const std::string& program_id,
                                                                 const std::string& period) = 0;
  // The periods of the program that have a committed decision.
  virtual absl::StatusOr<std::vector<std::string>> DecidedPeriods(
      const std::string& program_id) = 0;
  // Decisions. CommitDecision writes the decision, its awards (in the state each was decided in:
  // proposed or held) and their fulfilment rows in one transaction, unless a decision for
  // (program, period) exists: then nothing is written and the stored one is returned with
  // `second` false. Either is returned without its standings (standings_loaded false), which are
  // written one row each, in order, and read a page at a time. Awards that need no approval are
  // approved in rank order in the same transaction, each reserving its value in the period's budget
  // (a fixed budget leaves the ones that do not fit over_budget, as `auto_approval` plans). Only
  // approved awards' fulfilments become pending.
  virtual absl::StatusOr<std::pair<DecisionRecord, bool>> CommitDecision(
      const DecisionRecord& decision, const AwardPlanner& auto_approval) = 0;
  // With `with_standings` false the standings are not read (standings_loaded false), only
  // counted: the decision's header and awards, whatever the number of standings.
  virtual absl::StatusOr<std::optional<DecisionRecord>> GetDecision(const std::string& program_id,
                                                                    const std::string& period,
                                                                    bool with_standings = true) = 0;
  // A committed decision's standings, a page at a time, in time that does not grow with their
  // number: those at positions [offset, offset + limit), fewer at the end; none for a period
  // without a decision.
  virtual absl::StatusOr<std::vector<PositionedStanding>> ListStandings(
      const std::string& program_id, const std::string& period, int64_t offset, int64_t limit) = 0;
  // How many standings the decision has; 0 without a decision.
  virtual absl::StatusOr<int64_t> CountStandings(const std::string& program_id,
                                                 const std::string& period) = 0;
  // The standing of `competitor`: the one whose competitor id (CompetitorId(): the agent, or
  // under scope team the team) it is, else the team standing it is a member of; with
  // `members_only`, only the latter. nullopt when there is none.
  virtual absl::StatusOr<std::optional<PositionedStanding>> FindStanding(
      const std::string& program_id, const std::string& period, const std::string& competitor,
      bool members_only = false) = 0;
  // Empty filters match everything. Ordered by program, period, rank.
  virtual absl::StatusOr<std::vector<AwardRecord>> ListAwards(const std::string& program_id,
                                                              const std::string& period) = 0;
  virtual absl::StatusOr<std::optional<AwardRecord>> GetAward(const std::string& id) = 0;
  // The latest period (by its label's order) in which the program has an award, or "" when it
  // has none. Read from the awards' index, on a reader: no lock the writers take.
  virtual absl::StatusOr<std::string> LatestAwardPeriod(const std::string& program_id) = 0;
  // Applies what `plan` makes of the award's facts (an approval, rejection or cancellation, as
  // core/awards decides), atomically with its budget reservation, approvals, fulfilments and
  // history; `actor` is recorded as who acted. NOT_FOUND for an unknown award; the planner's
  // error, with nothing written, when it refuses.
  virtual absl::StatusOr<AwardRecord> ApplyAwardAction(const std::string& award_id,
                                                       const AwardPlanner& plan,
                                                       const std::string& actor,
                                                       int64_t now_us) = 0;
  // Every transition of the award, oldest first; NOT_FOUND for an unknown award.
  virtual absl::StatusOr<std::vector<AwardTransition>> AwardHistory(
      const std::string& award_id) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_DECISION_STORE_H_

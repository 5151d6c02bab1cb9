// Reads for exports: a page at a time, in each dataset's documented order.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_EXPORT_STORE_H_
#define PLAUDIT_CORE_STORE_EXPORT_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

class ExportStore {
 public:
  virtual ~ExportStore() = default;

  // At most `limit` rows of a dataset within `scope`, after `after`
  // in the dataset's order, read on a reader (no lock the writers take, and nothing kept between
  // pages). Each dataset's order is the one exports.proto documents.
  // Events by occurred_at_us, agent, metric, value, then the order they were stored in (the
  // order of the time index: no sort), each handed to `row` as it is read, without a copy, until
  // `row` returns false; the number of rows read, and where the last is stored.
  virtual absl::StatusOr<ExportedEventsPage> ExportEvents(
      const ExportScope& scope, const ExportKey& after, int limit,
      absl::FunctionRef<bool(const EventView&)> row) = 0;
  virtual absl::StatusOr<std::vector<Agent>> ExportAgents(const ExportScope& scope,
                                                          const ExportKey& after, int limit) = 0;
  // The standings of the decision scope.program_id / scope.period; number is the position.
  virtual absl::StatusOr<std::vector<PositionedStanding>> ExportStandings(const ExportScope& scope,
                                                                          const ExportKey& after,
                                                                          int limit) = 0;
  // By program, period, rank (number), award id (text).
  virtual absl::StatusOr<std::vector<ExportedAwardRow>> ExportAwards(const ExportScope& scope,
                                                                     const ExportKey& after,
                                                                     int limit) = 0;
  // By program, period, award id (text), reward order (number).
  virtual absl::StatusOr<std::vector<ExportedFulfilmentRow>> ExportFulfilments(
      const ExportScope& scope, const ExportKey& after, int limit) = 0;
  // By program, period, award id (text).
  virtual absl::StatusOr<std::vector<ExportedLedgerRow>> ExportLedger(const ExportScope& scope,
                                                                      const ExportKey& after,
                                                                      int limit) = 0;
  // By sent time (number), praise id (text); an agent's praise is what they sent or received.
  virtual absl::StatusOr<std::vector<PraiseRecord>> ExportPraise(const ExportScope& scope,
                                                                 const ExportKey& after,
                                                                 int limit) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_EXPORT_STORE_H_

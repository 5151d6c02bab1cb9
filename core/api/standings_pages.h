// Which standings of a decision an EvaluateAwards response carries: a page by position, the page
// around one competitor, or one competitor's standing. The standings are read from a source: a
// decision in memory (a dry run, a decision just made) or a committed one in the store, whose
// pages are read by position without the rest, in time that does not grow with their number.
// Not thread-safe: one source per call.
#ifndef PLAUDIT_CORE_API_STANDINGS_PAGES_H_
#define PLAUDIT_CORE_API_STANDINGS_PAGES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/store/store.h"

namespace plaudit::api {

class StandingsSource {
 public:
  virtual ~StandingsSource() = default;
  virtual absl::StatusOr<int64_t> Count() = 0;
  // Positions [offset, offset + limit), fewer at the end.
  virtual absl::StatusOr<std::vector<PositionedStanding>> Range(int64_t offset, int64_t limit) = 0;
  // The standing whose competitor is `id`, else the team standing `id` is a member of; with
  // `members_only`, only the latter.
  virtual absl::StatusOr<std::optional<PositionedStanding>> Find(const std::string& id,
                                                                 bool members_only) = 0;
};

// A decision's standings in memory.
class LoadedStandings final : public StandingsSource {
 public:
  explicit LoadedStandings(const std::vector<Standing>& standings) : standings_(standings) {}
  absl::StatusOr<int64_t> Count() override;
  absl::StatusOr<std::vector<PositionedStanding>> Range(int64_t offset, int64_t limit) override;
  absl::StatusOr<std::optional<PositionedStanding>> Find(const std::string& id,
                                                         bool members_only) override;

 private:
  const std::vector<Standing>& standings_;
};

// A committed decision's standings, read from the store a page at a time.
class StoredStandings final : public StandingsSource {
 public:
  StoredStandings(Store* store, std::string program_id, std::string period)
      : store_(store), program_id_(std::move(program_id)), period_(std::move(period)) {}
  absl::StatusOr<int64_t> Count() override;
  absl::StatusOr<std::vector<PositionedStanding>> Range(int64_t offset, int64_t limit) override;
  absl::StatusOr<std::optional<PositionedStanding>> Find(const std::string& id,
                                                         bool members_only) override;

 private:
  Store* store_;
  std::string program_id_;
  std::string period_;
};

// What the request asks for (EvaluateAwardsRequest's paging fields).
struct StandingsQuery {
  int32_t page_size = 0;
  std::string page_token;
  std::string around_agent_id;
  std::string agent_id;
};

struct StandingsPage {
  int64_t total = 0;
  // Position of the first standing of the page.
  int64_t offset = 0;
  std::vector<Standing> standings;
  // Empty on the last page, and for one competitor's standing.
  std::string next_token;
};

// The page `query` asks for. INVALID_ARGUMENT naming the field for a negative page size, a page
// token this list did not return, or fields that do not go together; NOT_FOUND naming the
// field and the id when around_agent_id or agent_id has no standing. The page around a
// competitor starts half a page before it (less at either end, so that the page is full when
// there are enough standings).
absl::StatusOr<StandingsPage> SelectStandings(StandingsSource& source, const StandingsQuery& query);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_STANDINGS_PAGES_H_

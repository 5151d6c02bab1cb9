#include "core/api/standings_pages.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/api/pagination.h"

namespace plaudit::api {

absl::StatusOr<int64_t> LoadedStandings::Count() { return static_cast<int64_t>(standings_.size()); }

absl::StatusOr<std::vector<PositionedStanding>> LoadedStandings::Range(int64_t offset,
                                                                       int64_t limit) {
  std::vector<PositionedStanding> page;
  const int64_t total = static_cast<int64_t>(standings_.size());
  const int64_t begin = std::clamp<int64_t>(offset, 0, total);
  const int64_t end = std::clamp<int64_t>(begin + std::max<int64_t>(limit, 0), begin, total);
  for (int64_t i = begin; i < end; ++i) page.push_back(PositionedStanding{i, standings_[i]});
  return page;
}

absl::StatusOr<std::optional<PositionedStanding>> LoadedStandings::Find(const std::string& id,
                                                                        bool members_only) {
  for (size_t i = 0; i < standings_.size() && !members_only; ++i) {
    if (CompetitorId(standings_[i]) == id) {
      return PositionedStanding{static_cast<int64_t>(i), standings_[i]};
    }
  }
  for (size_t i = 0; i < standings_.size(); ++i) {
    const std::vector<std::string>& members = standings_[i].members;
    if (std::find(members.begin(), members.end(), id) != members.end()) {
      return PositionedStanding{static_cast<int64_t>(i), standings_[i]};
    }
  }
  return std::optional<PositionedStanding>();
}

absl::StatusOr<int64_t> StoredStandings::Count() {
  return store_->CountStandings(program_id_, period_);
}

absl::StatusOr<std::vector<PositionedStanding>> StoredStandings::Range(int64_t offset,
                                                                       int64_t limit) {
  return store_->ListStandings(program_id_, period_, offset, limit);
}

absl::StatusOr<std::optional<PositionedStanding>> StoredStandings::Find(const std::string& id,
                                                                        bool members_only) {
  return store_->FindStanding(program_id_, period_, id, members_only);
}

namespace {

absl::StatusOr<PositionedStanding> FindOrNotFound(StandingsSource& source, const char* field,
                                                  const std::string& id) {
  auto found = source.Find(id, /*members_only=*/false);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError(absl::StrCat(field, ": \"", id, "\" has no standing"));
  }
  return **std::move(found);
}

}  // namespace

absl::StatusOr<StandingsPage> SelectStandings(StandingsSource& source,
                                              const StandingsQuery& query) {
  if (query.page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must not be negative, got ", query.page_size));
  }
  if (!query.agent_id.empty() && (!query.page_token.empty() || !query.around_agent_id.empty())) {
    return absl::InvalidArgumentError(
        "agent_id: asks for one standing; not with page_token or around_agent_id");
  }
  if (!query.around_agent_id.empty() && !query.page_token.empty()) {
    return absl::InvalidArgumentError("around_agent_id: not with page_token");
  }
  const int64_t size =
      query.page_size == 0 ? kDefaultPageSize : std::min<int64_t>(query.page_size, kMaxPageSize);
  auto total = source.Count();
  if (!total.ok()) return total.status();
  StandingsPage page;
  page.total = *total;
  if (!query.agent_id.empty()) {
    auto found = FindOrNotFound(source, "agent_id", query.agent_id);
    if (!found.ok()) return found.status();
    page.offset = found->position;
    page.standings.push_back(std::move(found->standing));
    return page;
  }
  if (!query.around_agent_id.empty()) {
    auto found = FindOrNotFound(source, "around_agent_id", query.around_agent_id);
    if (!found.ok()) return found.status();
    page.offset = std::max<int64_t>(0, std::min(found->position - size / 2, page.total - size));
  } else if (!query.page_token.empty()) {
    int64_t offset = 0;
    if (!absl::SimpleAtoi(query.page_token, &offset) || offset < 0 || offset > page.total) {
      return absl::InvalidArgumentError(absl::StrCat(
          "page_token: \"", query.page_token, "\" is not a token returned for these standings"));
    }
    page.offset = offset;
  }
  auto rows = source.Range(page.offset, size);
  if (!rows.ok()) return rows.status();
  page.standings.reserve(rows->size());
  for (PositionedStanding& row : *rows) page.standings.push_back(std::move(row.standing));
  const int64_t end = page.offset + static_cast<int64_t>(page.standings.size());
  if (end < page.total) page.next_token = absl::StrCat(end);
  return page;
}

}  // namespace plaudit::api

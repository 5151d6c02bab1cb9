#include "core/api/standings_pages.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace plaudit::api {
namespace {

// Agents a0..a<n-1> in order, then the team red with members m1 and m2.
std::vector<Standing> Standings(int n) {
  std::vector<Standing> standings;
  for (int i = 0; i < n; ++i) {
    Standing& s = standings.emplace_back();
    s.agent_id = absl::StrCat("a", i);
    s.eligible = true;
    s.rank = i + 1;
  }
  Standing& team = standings.emplace_back();
  team.team = "red";
  team.members = {"m1", "m2"};
  return standings;
}

std::vector<std::string> Ids(const StandingsPage& page) {
  std::vector<std::string> ids;
  for (const Standing& s : page.standings) ids.push_back(CompetitorId(s));
  return ids;
}

TEST(SelectStandings, PagesFollowTheirTokensToTheEnd) {
  std::vector<Standing> all = Standings(4);
  LoadedStandings source(all);
  auto first = SelectStandings(source, StandingsQuery{2, "", "", ""});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Ids(*first), (std::vector<std::string>{"a0", "a1"}));
  EXPECT_EQ(first->total, 5);
  EXPECT_EQ(first->offset, 0);
  EXPECT_EQ(first->next_token, "2");
  auto last = SelectStandings(source, StandingsQuery{3, first->next_token, "", ""});
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(Ids(*last), (std::vector<std::string>{"a2", "a3", "red"}));
  EXPECT_EQ(last->offset, 2);
  EXPECT_EQ(last->next_token, "");
}

TEST(SelectStandings, PageSizeZeroIsAHundredAndAtMostAThousand) {
  std::vector<Standing> all = Standings(1500);
  LoadedStandings source(all);
  EXPECT_EQ(SelectStandings(source, StandingsQuery{0, "", "", ""})->standings.size(), 100u);
  EXPECT_EQ(SelectStandings(source, StandingsQuery{5000, "", "", ""})->standings.size(), 1000u);
}

TEST(SelectStandings, AroundCentresTheCompetitorAndKeepsThePageFullAtTheEnds) {
  std::vector<Standing> all = Standings(9);
  LoadedStandings source(all);
  EXPECT_EQ(Ids(*SelectStandings(source, StandingsQuery{3, "", "a4", ""})),
            (std::vector<std::string>{"a3", "a4", "a5"}));
  EXPECT_EQ(Ids(*SelectStandings(source, StandingsQuery{4, "", "a0", ""})),
            (std::vector<std::string>{"a0", "a1", "a2", "a3"}));
  // A member finds its team's standing, the last one.
  auto end = SelectStandings(source, StandingsQuery{4, "", "m2", ""});
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(Ids(*end), (std::vector<std::string>{"a6", "a7", "a8", "red"}));
  EXPECT_EQ(end->offset, 6);
  EXPECT_EQ(end->next_token, "");
}

TEST(SelectStandings, OneCompetitorByItsIdOrAMembersWithItsPosition) {
  std::vector<Standing> all = Standings(3);
  LoadedStandings source(all);
  for (const char* id : {"red", "m1"}) {
    auto page = SelectStandings(source, StandingsQuery{0, "", "", id});
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(Ids(*page), std::vector<std::string>{"red"});
    EXPECT_EQ(page->offset, 3);
    EXPECT_EQ(page->total, 4);
    EXPECT_EQ(page->next_token, "");
  }
  EXPECT_FALSE(source.Find("red", /*members_only=*/true)->has_value());
  EXPECT_EQ((*source.Find("m2", /*members_only=*/true))->position, 3);
  auto missing = SelectStandings(source, StandingsQuery{0, "", "", "zed"});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "agent_id: \"zed\" has no standing");
}

TEST(SelectStandings, ATokenBeyondTheStandingsIsRefused) {
  std::vector<Standing> all = Standings(1);
  LoadedStandings source(all);
  for (const char* token : {"3", "-1", "1x"}) {
    auto page = SelectStandings(source, StandingsQuery{0, token, "", ""});
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << token;
  }
  // A token at the end gives an empty page, and no next one.
  auto empty = SelectStandings(source, StandingsQuery{0, "2", "", ""});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->standings.empty());
}

}  // namespace
}  // namespace plaudit::api

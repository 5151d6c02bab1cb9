// Who a holdout holds out: the same share of every peer group, by a documented hash, whatever the
// candidates' order; and the holdout section of the program YAML.
#include "core/program/holdout.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

using ::testing::HasSubstr;

TEST(HoldoutTest, TheHashIsFnv1aOfSeedColonId) {
  // FNV-1a 64 of the bytes "42:a001", worked out independently.
  EXPECT_EQ(HoldoutHash(42, "a001"), 16319736492114678909ULL);
}

TEST(HoldoutTest, HoldsOutTheShareOfEveryPeerGroupWhateverTheOrder) {
  std::vector<HoldoutCandidate> candidates;
  for (int n = 0; n < 40; ++n) candidates.push_back({absl::StrCat("p", n), "phone"});
  for (int n = 0; n < 20; ++n) candidates.push_back({absl::StrCat("e", n), "email"});
  for (int n = 0; n < 6; ++n) candidates.push_back({absl::StrCat("c", n), "chat"});
  const HoldoutSpec holdout{0.1, 42, ""};
  const std::set<std::string> members = HoldoutMembers(holdout, candidates);
  const auto in = [&](char prefix) {
    return std::count_if(members.begin(), members.end(),
                         [&](const std::string& id) { return id[0] == prefix; });
  };
  EXPECT_EQ(in('p'), 4);  // round(4.0)
  EXPECT_EQ(in('e'), 2);  // round(2.0)
  EXPECT_EQ(in('c'), 1);  // round(0.6)
  std::shuffle(candidates.begin(), candidates.end(), std::mt19937(3));
  EXPECT_EQ(HoldoutMembers(holdout, candidates), members);
  // Another seed, other agents.
  EXPECT_NE(HoldoutMembers(HoldoutSpec{0.1, 43, ""}, candidates), members);
  // An agent joining the group keeps the others' places in the order: at most the cut moves.
  candidates.push_back({"p-new", "phone"});
  std::set<std::string> after = HoldoutMembers(holdout, candidates);
  std::vector<std::string> left;
  std::set_difference(members.begin(), members.end(), after.begin(), after.end(),
                      std::back_inserter(left));
  EXPECT_LE(left.size(), 1u);
}

TEST(HoldoutTest, AppliesUntilItsLastPeriod) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const HoldoutSpec until{0.1, 1, "2026-11"};
  const auto start = [&](int month) { return absl::FromCivil(absl::CivilMonth(2026, month), utc); };
  EXPECT_TRUE(HoldoutApplies(until, Cadence::kMonthly, utc, start(10)));
  EXPECT_TRUE(HoldoutApplies(until, Cadence::kMonthly, utc, start(11)));
  EXPECT_FALSE(HoldoutApplies(until, Cadence::kMonthly, utc, start(12)));
  EXPECT_TRUE(HoldoutApplies(HoldoutSpec{0.1, 1, ""}, Cadence::kMonthly, utc, start(12)));
}

constexpr char kProgram[] = R"(id: eotm
name: Employee of the Month
scorecard:
  metrics:
    - metric: calls_handled
award:
  rewards:
    - type: certificate
)";

absl::StatusOr<ProgramSpec> Parse(const std::string& holdout) {
  return ParseProgramYaml(absl::StrCat(kProgram, holdout), {"certificate"});
}

TEST(HoldoutTest, IsReadFromTheProgram) {
  auto program = Parse("holdout: {share: 0.1, seed: 20261101, until: 2027-03}\n");
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_TRUE(program->holdout.has_value());
  EXPECT_EQ(program->holdout->share, 0.1);
  EXPECT_EQ(program->holdout->seed, 20261101u);
  EXPECT_EQ(program->holdout->until, "2027-03");
  EXPECT_FALSE(Parse("").value().holdout.has_value());

  EXPECT_THAT(Parse("holdout: {share: 0.7, seed: 1}\n").status().message(),
              HasSubstr("line 9: holdout.share: must be in (0, 0.5], got 0.7"));
  EXPECT_THAT(Parse("holdout: {share: 0.1}\n").status().message(), HasSubstr("holdout.seed"));
  EXPECT_THAT(Parse("holdout: {share: 0.1, seed: 1, until: 2027-W10}\n").status().message(),
              HasSubstr("holdout.until"));
  EXPECT_THAT(Parse("holdout: {share: 0.1, seed: 1, size: 3}\n").status().message(),
              HasSubstr("unknown key \"size\""));
}

TEST(ProgramValuePerUnitTest, IsReadForScorecardMetricsOnly) {
  auto program = Parse("value_per_unit: {calls_handled: 2.5}\n");
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->value_per_unit.at("calls_handled"), 2.5);
  EXPECT_THAT(Parse("value_per_unit: {csat: 120}\n").status().message(),
              HasSubstr("value_per_unit.csat: \"csat\" is not a metric of the scorecard"));
  EXPECT_THAT(Parse("value_per_unit: {calls_handled: lots}\n").status().message(),
              HasSubstr("value_per_unit.calls_handled"));
}

}  // namespace
}  // namespace plaudit

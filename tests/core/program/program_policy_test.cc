// The approval and budget parts of a program's YAML.
#include <string>

#include "absl/strings/str_cat.h"
#include "core/program/program_spec.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

const std::set<std::string> kRewardTypes = {"certificate", "leave_credit"};

// A valid program followed by `tail` (which starts at line 10).
std::string ProgramWith(const std::string& rewards, const std::string& tail) {
  return absl::StrCat(
      "id: leave\n"
      "name: Leave\n"
      "scorecard:\n"
      "  metrics:\n"
      "    - metric: csat\n"
      "      aggregation: mean\n"
      "award:\n"
      "  rewards:\n",
      rewards, tail);
}

constexpr char kValuedRewards[] =
    "    - {type: leave_credit, hours: 8, value: 120}\n"
    "    - {type: certificate, value: 0}\n";

std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(yaml, kRewardTypes);
  if (program.ok()) {
    ADD_FAILURE() << "parsed without error:\n" << yaml;
    return "";
  }
  EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(program.status().message());
}

TEST(ProgramPolicy, DefaultsToAutoApprovalWithoutABudget) {
  auto program = ParseProgramYaml(ProgramWith("    - type: certificate\n", ""), kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->approval.by, ApprovalBy::kAuto);
  EXPECT_FALSE(program->approval.two_approvers_above.has_value());
  EXPECT_FALSE(program->budget.has_value());
  EXPECT_FALSE(program->award.rewards[0].value.has_value());
  EXPECT_EQ(RewardValue(program->award.rewards[0], program->budget), 0);
}

TEST(ProgramPolicy, ApprovalAndMoneyBudget) {
  auto program = ParseProgramYaml(
      ProgramWith(kValuedRewards,
                  "approval: {by: admin, two_approvers_above: 100}\n"
                  "budget: {amount: 500, unit: money, currency: EUR, mode: flexible}\n"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->approval.by, ApprovalBy::kAdmin);
  EXPECT_EQ(program->approval.two_approvers_above, 100);
  ASSERT_TRUE(program->budget.has_value());
  EXPECT_EQ(program->budget->mode, BudgetMode::kFlexible);
  EXPECT_EQ(program->budget->unit, BudgetUnit::kMoney);
  EXPECT_EQ(program->budget->currency, "EUR");
  EXPECT_EQ(program->budget->amount, 500);
  // `value` is Plaudit's, not the plugin's.
  EXPECT_EQ(program->award.rewards[0].params, (std::map<std::string, std::string>{{"hours", "8"}}));
  EXPECT_EQ(program->award.rewards[0].value, 120);
  EXPECT_EQ(program->award.rewards[0].face_value, 0);
}

TEST(ProgramPolicy, AFaceValueIsKeptBesideTheValueAndNotPassedToThePlugin) {
  auto program = ParseProgramYaml(
      ProgramWith("    - {type: leave_credit, hours: 8, value: 0, face_value: 160.5}\n",
                  "budget: {amount: 500, unit: money, currency: EUR}\n"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->award.rewards[0].face_value, 160.5);
  EXPECT_EQ(program->award.rewards[0].value, 0);
  EXPECT_EQ(program->award.rewards[0].params, (std::map<std::string, std::string>{{"hours", "8"}}));
}

TEST(ProgramPolicy, ScalarApprovalAndAnItemBudgetCountingOnePerReward) {
  auto program = ParseProgramYaml(ProgramWith("    - type: certificate\n",
                                              "approval: manager\n"
                                              "budget: {amount: 3, unit: items}\n"),
                                  kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->approval.by, ApprovalBy::kManager);
  EXPECT_EQ(program->budget->mode, BudgetMode::kFixed);  // The default.
  EXPECT_EQ(RewardValue(program->award.rewards[0], program->budget), 1);
}

TEST(ProgramPolicyError, EveryRewardNeedsItsValueWithAMoneyOrHoursBudget) {
  EXPECT_EQ(ErrorOf(ProgramWith("    - type: certificate\n",
                                "budget: {amount: 500, unit: money, currency: EUR}\n")),
            "line 9: award.rewards[0].value: missing required field: a budget in money needs "
            "each reward's cost in EUR");
  EXPECT_EQ(ErrorOf(ProgramWith("    - {type: leave_credit, hours: 8}\n",
                                "budget: {amount: 40, unit: hours}\n")),
            "line 9: award.rewards[0].value: missing required field: a budget in hours needs "
            "each reward's hours");
  EXPECT_EQ(ErrorOf(ProgramWith("    - type: certificate\n",
                                "approval: {by: manager, two_approvers_above: 50}\n")),
            "line 9: award.rewards[0].value: missing required field: "
            "approval.two_approvers_above compares each award's value, the sum of its rewards' "
            "values");
}

TEST(ProgramPolicyError, BadApprovalAndBudgetFields) {
  EXPECT_EQ(ErrorOf(ProgramWith(kValuedRewards, "approval: boss\n")),
            "line 11: approval: unknown approval \"boss\" (expected auto, manager or admin)");
  EXPECT_EQ(ErrorOf(ProgramWith(kValuedRewards, "approval: {by: manager, second: true}\n")),
            "line 11: approval.second: unknown key \"second\" (expected by or "
            "two_approvers_above)");
  EXPECT_EQ(ErrorOf(ProgramWith(kValuedRewards, "budget: {amount: 5, unit: money}\n")),
            "line 11: budget.currency: missing required field");
  EXPECT_EQ(
      ErrorOf(ProgramWith(kValuedRewards, "budget: {amount: 5, unit: money, currency: euro}\n")),
      "line 11: budget.currency: \"euro\" is not a currency code (three capital letters, "
      "such as EUR or USD)");
  EXPECT_EQ(ErrorOf(ProgramWith(kValuedRewards,
                                "budget: {amount: 5, unit: hours, currency: "
                                "EUR}\n")),
            "line 11: budget.currency: only used with unit money");
  EXPECT_EQ(ErrorOf(ProgramWith(kValuedRewards, "budget: {amount: -5, unit: items}\n")),
            "line 11: budget.amount: must not be negative");
  EXPECT_EQ(ErrorOf(ProgramWith(kValuedRewards, "budget: {amount: 5, unit: items, mode: soft}\n")),
            "line 11: budget.mode: unknown budget mode \"soft\" (expected fixed or flexible)");
  EXPECT_EQ(ErrorOf(ProgramWith("    - {type: certificate, value: lots}\n", "")),
            "line 9: award.rewards[0].value: expected a number, got \"lots\"");
  EXPECT_EQ(ErrorOf(ProgramWith("    - {type: certificate, value: -1}\n", "")),
            "line 9: award.rewards[0].value: must not be negative");
  EXPECT_EQ(ErrorOf(ProgramWith("    - {type: certificate, face_value: -3}\n", "")),
            "line 9: award.rewards[0].face_value: must not be negative");
  EXPECT_EQ(ErrorOf(ProgramWith("    - {type: certificate, face_value: [1]}\n", "")),
            "line 9: award.rewards[0].face_value: expected a number, got a list");
}

}  // namespace
}  // namespace plaudit

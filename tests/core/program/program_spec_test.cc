#include "core/program/program_spec.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace plaudit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

const std::set<std::string> kRewardTypes = {"certificate", "leave_credit"};

// The example from the program documentation; line numbers below refer to it.
constexpr char kFullExample[] = R"(id: employee-of-the-month
name: Employee of the Month
cadence: monthly
time_zone: Europe/Stockholm
eligibility:
  min_tenure_days: 30
scorecard:
  peer_group: channel            # channel | team | all (default all)
  normalization: percentile      # percentile | zscore | none (default percentile)
  metrics:
    - metric: csat
      aggregation: mean          # sum | count | mean | min | max (default sum)
      weight: 0.4
      min_samples: 20
      smoothing: {prior_mean: 4.2, prior_weight: 10}
    - metric: aht_seconds
      aggregation: mean
      direction: lower_is_better # higher_is_better | lower_is_better
      weight: 0.3
    - metric: followups_resolved
      weight: 0.3
  gates:
    - {metric: complaints, aggregation: sum, max: 2}
award:
  rule: top_n
  n: 1
  per_peer_group: true           # top n within each peer group
  rewards:
    - type: certificate
    - {type: leave_credit, hours: 8}
)";

// The smallest valid program; line numbers below refer to it.
constexpr char kMinimal[] = R"(id: eotm
name: Employee of the Month
scorecard:
  metrics:
    - metric: calls_handled
award:
  rewards:
    - type: certificate
)";

// The full example with `from` replaced by `to` (which must occur exactly once).
std::string FullExampleWith(const std::string& from, const std::string& to) {
  const std::string example = kFullExample;
  EXPECT_EQ(example.find(from), example.rfind(from)) << from;
  EXPECT_NE(example.find(from), std::string::npos) << from;
  return absl::StrReplaceAll(example, {{from, to}});
}

std::string MinimalWith(const std::string& from, const std::string& to) {
  const std::string minimal = kMinimal;
  EXPECT_NE(minimal.find(from), std::string::npos) << from;
  return absl::StrReplaceAll(minimal, {{from, to}});
}

// The error message of parsing `yaml`, which must fail with INVALID_ARGUMENT.
std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(yaml, kRewardTypes);
  if (program.ok()) {
    ADD_FAILURE() << "parsed without error:\n" << yaml;
    return "";
  }
  EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(program.status().message());
}

TEST(ProgramSpecParse, FullExampleGivesTheExpectedSpec) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(kFullExample, kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->id, "employee-of-the-month");
  EXPECT_EQ(program->name, "Employee of the Month");
  EXPECT_EQ(program->cadence, Cadence::kMonthly);
  EXPECT_EQ(program->time_zone, "Europe/Stockholm");
  EXPECT_EQ(program->zone.name(), "Europe/Stockholm");
  EXPECT_EQ(program->min_tenure_days, 30);
  EXPECT_EQ(program->peer_group, PeerGroupBy::kChannel);
  EXPECT_EQ(program->normalization, Normalization::kPercentile);

  ASSERT_EQ(program->metrics.size(), 3u);
  const ScorecardMetric& csat = program->metrics[0];
  EXPECT_EQ(csat.metric, "csat");
  EXPECT_EQ(csat.aggregation, Aggregation::kMean);
  EXPECT_EQ(csat.direction, Direction::kHigherIsBetter);
  EXPECT_DOUBLE_EQ(csat.weight, 0.4);
  EXPECT_EQ(csat.min_samples, 20);
  ASSERT_TRUE(csat.smoothing.has_value());
  EXPECT_DOUBLE_EQ(csat.smoothing->prior_mean, 4.2);
  EXPECT_DOUBLE_EQ(csat.smoothing->prior_weight, 10);
  const ScorecardMetric& aht = program->metrics[1];
  EXPECT_EQ(aht.metric, "aht_seconds");
  EXPECT_EQ(aht.aggregation, Aggregation::kMean);
  EXPECT_EQ(aht.direction, Direction::kLowerIsBetter);
  EXPECT_DOUBLE_EQ(aht.weight, 0.3);
  EXPECT_EQ(aht.min_samples, 0);
  EXPECT_FALSE(aht.smoothing.has_value());
  const ScorecardMetric& followups = program->metrics[2];
  EXPECT_EQ(followups.metric, "followups_resolved");
  EXPECT_EQ(followups.aggregation, Aggregation::kSum);
  EXPECT_EQ(followups.direction, Direction::kHigherIsBetter);
  EXPECT_DOUBLE_EQ(followups.weight, 0.3);

  ASSERT_EQ(program->gates.size(), 1u);
  EXPECT_EQ(program->gates[0].metric, "complaints");
  EXPECT_EQ(program->gates[0].aggregation, Aggregation::kSum);
  EXPECT_FALSE(program->gates[0].min.has_value());
  EXPECT_EQ(program->gates[0].max, 2.0);

  EXPECT_EQ(program->award.rule, "top_n");
  EXPECT_EQ(program->award.n, 1);
  EXPECT_TRUE(program->award.per_peer_group);
  ASSERT_EQ(program->award.rewards.size(), 2u);
  EXPECT_EQ(program->award.rewards[0].type, "certificate");
  EXPECT_THAT(program->award.rewards[0].params, IsEmpty());
  EXPECT_EQ(program->award.rewards[1].type, "leave_credit");
  EXPECT_THAT(program->award.rewards[1].params, ElementsAre(Pair("hours", "8")));
}

TEST(ProgramSpecParse, OmittedFieldsTakeTheirDefaults) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(kMinimal, kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->cadence, Cadence::kMonthly);
  EXPECT_EQ(program->time_zone, "UTC");
  EXPECT_EQ(program->zone, absl::UTCTimeZone());
  EXPECT_EQ(program->min_tenure_days, 0);
  EXPECT_EQ(program->peer_group, PeerGroupBy::kAll);
  EXPECT_EQ(program->normalization, Normalization::kPercentile);
  ASSERT_EQ(program->metrics.size(), 1u);
  EXPECT_EQ(program->metrics[0].aggregation, Aggregation::kSum);
  EXPECT_EQ(program->metrics[0].weight, 1.0);
  EXPECT_EQ(program->metrics[0].min_samples, 0);
  EXPECT_THAT(program->gates, IsEmpty());
  EXPECT_EQ(program->award.rule, "top_n");
  EXPECT_EQ(program->award.n, 1);
  EXPECT_FALSE(program->award.per_peer_group);
}

TEST(ProgramSpecParse, DirectionDefaultsToTheCatalogue) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      MinimalWith("metric: calls_handled", "metric: repeat_contacts"), kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->metrics[0].direction, Direction::kLowerIsBetter);

  program = ParseProgramYaml(
      FullExampleWith("direction: lower_is_better", "direction: higher_is_better"), kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->metrics[1].direction, Direction::kHigherIsBetter);
}

TEST(ProgramSpecParse, OtherEnumWordsAreRead) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      absl::StrReplaceAll(kFullExample, {{"peer_group: channel", "peer_group: team"},
                                         {"normalization: percentile", "normalization: zscore"},
                                         {"per_peer_group: true", "per_peer_group: false"}}),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->peer_group, PeerGroupBy::kTeam);
  EXPECT_EQ(program->normalization, Normalization::kZScore);
  EXPECT_FALSE(program->award.per_peer_group);

  program = ParseProgramYaml(FullExampleWith("normalization: percentile", "normalization: none"),
                             kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->normalization, Normalization::kNone);
}

TEST(ProgramSpecParse, RewardParamsAreCopiedAsText) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      FullExampleWith("{type: leave_credit, hours: 8}",
                      "{type: leave_credit, hours: 7.5, note: \"well done\", paid: true}"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_THAT(program->award.rewards[1].params,
              ElementsAre(Pair("hours", "7.5"), Pair("note", "well done"), Pair("paid", "true")));
}

TEST(ProgramSpecParse, GateWithMinAndMax) {
  absl::StatusOr<ProgramSpec> program =
      ParseProgramYaml(FullExampleWith("{metric: complaints, aggregation: sum, max: 2}",
                                       "{metric: qa_score, aggregation: mean, min: 70, max: 100}"),
                       kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->gates[0].aggregation, Aggregation::kMean);
  EXPECT_EQ(program->gates[0].min, 70.0);
  EXPECT_EQ(program->gates[0].max, 100.0);
}

// ---- Errors: each names the line and the field path ------------------------------------------

TEST(ProgramSpecError, UnknownAggregation) {
  EXPECT_EQ(ErrorOf(FullExampleWith("      aggregation: mean\n      direction",
                                    "      aggregation: median\n      direction")),
            "line 17: scorecard.metrics[1].aggregation: unknown aggregation \"median\" "
            "(expected sum, count, mean, min, max, ratio or top_box)");
  EXPECT_EQ(ErrorOf(FullExampleWith("aggregation: sum, max: 2", "aggregation: avg, max: 2")),
            "line 23: scorecard.gates[0].aggregation: unknown aggregation \"avg\" "
            "(expected sum, count, mean, min, max, ratio or top_box)");
}

TEST(ProgramSpecError, UnknownKeyAtTheTop) {
  EXPECT_EQ(
      ErrorOf(MinimalWith("name: Employee of the Month\n",
                          "name: Employee of the Month\ncolour: gold\n")),
      "line 3: colour: unknown key \"colour\" (expected id, name, cadence, time_zone, close_after, "
      "eligibility, scope, min_team_size, scorecard, holds, award, approval, budget, holdout or "
      "value_per_unit)");
}

TEST(ProgramSpecError, UnknownKeyNested) {
  EXPECT_EQ(ErrorOf(FullExampleWith("      weight: 0.4\n", "      wieght: 0.4\n")),
            "line 13: scorecard.metrics[0].wieght: unknown key \"wieght\" (expected metric, "
            "aggregation, numerator, denominator, per, at_least, confidence, direction, weight, "
            "min_samples or smoothing)");
  EXPECT_THAT(ErrorOf(FullExampleWith("prior_weight: 10}", "prior_weight: 10, alpha: 1}")),
              StartsWith("line 15: scorecard.metrics[0].smoothing.alpha: unknown key"));
  EXPECT_THAT(ErrorOf(FullExampleWith("min_tenure_days: 30", "min_tenure_months: 1")),
              StartsWith("line 6: eligibility.min_tenure_months: unknown key"));
  EXPECT_THAT(ErrorOf(FullExampleWith("  rule: top_n\n", "  rule: top_n\n  ties: shared\n")),
              StartsWith("line 26: award.ties: unknown key"));
  EXPECT_THAT(ErrorOf(FullExampleWith("max: 2}", "max: 2, limit: 3}")),
              StartsWith("line 23: scorecard.gates[0].limit: unknown key"));
  EXPECT_THAT(ErrorOf(FullExampleWith("  peer_group: channel ", "  peer_groups: channel ")),
              StartsWith("line 8: scorecard.peer_groups: unknown key"));
}

TEST(ProgramSpecError, DuplicateKey) {
  EXPECT_EQ(ErrorOf(MinimalWith("name: Employee of the Month\n",
                                "name: Employee of the Month\nname: Again\n")),
            "line 3: name: duplicate key");
}

TEST(ProgramSpecError, UnknownMetric) {
  EXPECT_EQ(ErrorOf(MinimalWith("metric: calls_handled", "metric: happiness")),
            "line 5: scorecard.metrics[0].metric: unknown metric \"happiness\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("metric: complaints", "metric: grumbles")),
            "line 23: scorecard.gates[0].metric: unknown metric \"grumbles\"");
}

TEST(ProgramSpecError, SameMetricListedTwiceInTheScorecard) {
  // Listed twice, csat would count double: refused, whatever the second aggregation.
  EXPECT_EQ(ErrorOf(FullExampleWith("  gates:\n",
                                    "    - {metric: csat, aggregation: top_box, at_least: 5}\n"
                                    "  gates:\n")),
            "line 22: scorecard.metrics[3]: metric \"csat\" is already listed as "
            "scorecard.metrics[0]; each metric counts once (set its weight instead)");
}

TEST(ProgramSpecError, UnknownRewardType) {
  EXPECT_EQ(ErrorOf(FullExampleWith("type: certificate", "type: trophy")),
            "line 29: award.rewards[0].type: unknown reward type \"trophy\" "
            "(available: certificate, leave_credit)");
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(kMinimal, {});
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().message(),
            "line 8: award.rewards[0].type: unknown reward type \"certificate\" "
            "(no fulfilment plugin serves any)");
}

TEST(ProgramSpecError, UnknownEnumWords) {
  EXPECT_EQ(ErrorOf(FullExampleWith("peer_group: channel ", "peer_group: site ")),
            "line 8: scorecard.peer_group: unknown peer_group \"site\" "
            "(expected channel, team or all)");
  EXPECT_EQ(ErrorOf(FullExampleWith("normalization: percentile", "normalization: rank")),
            "line 9: scorecard.normalization: unknown normalization \"rank\" "
            "(expected percentile, zscore or none)");
  EXPECT_EQ(ErrorOf(FullExampleWith("direction: lower_is_better", "direction: down")),
            "line 18: scorecard.metrics[1].direction: unknown direction \"down\" "
            "(expected higher_is_better or lower_is_better)");
  EXPECT_EQ(ErrorOf(FullExampleWith("per_peer_group: true", "per_peer_group: yes")),
            "line 27: award.per_peer_group: expected true or false, got \"yes\"");
}

TEST(ProgramSpecError, WrongTypes) {
  EXPECT_EQ(ErrorOf(FullExampleWith("weight: 0.4", "weight: \"abc\"")),
            "line 13: scorecard.metrics[0].weight: expected a number, got the quoted string "
            "\"abc\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("weight: 0.4", "weight: abc")),
            "line 13: scorecard.metrics[0].weight: expected a number, got \"abc\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("weight: 0.4", "weight: [0.4]")),
            "line 13: scorecard.metrics[0].weight: expected a number, got a list");
  EXPECT_EQ(ErrorOf(FullExampleWith("weight: 0.4", "weight: .nan")),
            "line 13: scorecard.metrics[0].weight: expected a number, got \".nan\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("  n: 1", "  n: -1")),
            "line 26: award.n: must be at least 1, got -1");
  EXPECT_EQ(ErrorOf(FullExampleWith("  n: 1", "  n: 0")),
            "line 26: award.n: must be at least 1, got 0");
  EXPECT_EQ(ErrorOf(FullExampleWith("  n: 1", "  n: 1.5")),
            "line 26: award.n: expected a whole number, got \"1.5\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("  n: 1", "  n: 3000000000")),
            "line 26: award.n: must be at most 2147483647, got 3000000000");
  EXPECT_EQ(ErrorOf(FullExampleWith("min_samples: 20", "min_samples: -5")),
            "line 14: scorecard.metrics[0].min_samples: must be at least 0, got -5");
  EXPECT_EQ(ErrorOf(FullExampleWith("min_tenure_days: 30", "min_tenure_days: thirty")),
            "line 6: eligibility.min_tenure_days: expected a whole number, got \"thirty\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("prior_mean: 4.2", "prior_mean: high")),
            "line 15: scorecard.metrics[0].smoothing.prior_mean: expected a number, got "
            "\"high\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("max: 2}", "max: many}")),
            "line 23: scorecard.gates[0].max: expected a number, got \"many\"");
  EXPECT_EQ(ErrorOf(MinimalWith("id: eotm", "id: {a: b}")),
            "line 1: id: expected a string, got a map");
  EXPECT_EQ(ErrorOf(MinimalWith("    - metric: calls_handled\n", "    metric: calls_handled\n")),
            "line 5: scorecard.metrics: expected a list, got a map");
  EXPECT_EQ(ErrorOf(MinimalWith("    - type: certificate", "    - certificate")),
            "line 8: award.rewards[0]: expected a map, got a scalar");
  EXPECT_EQ(
      ErrorOf(FullExampleWith("smoothing: {prior_mean: 4.2, prior_weight: 10}", "smoothing: 10")),
      "line 15: scorecard.metrics[0].smoothing: expected a map, got a scalar");
  EXPECT_EQ(ErrorOf("- id: x\n"), "line 1: program: expected a map, got a list");
  EXPECT_EQ(ErrorOf(MinimalWith("name: Employee of the Month", "name:")),
            "line 2: name: expected a string, got null");
}

TEST(ProgramSpecError, MissingRequiredFields) {
  EXPECT_EQ(ErrorOf(MinimalWith("id: eotm\n", "")), "line 1: id: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("name: Employee of the Month\n", "")),
            "line 1: name: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("name: Employee of the Month", "name: \"\"")),
            "line 2: name: must not be empty");
  EXPECT_EQ(ErrorOf("id: eotm\nname: N\naward:\n  rewards:\n    - type: certificate\n"),
            "line 1: scorecard: missing required field");
  EXPECT_EQ(
      ErrorOf(MinimalWith("  metrics:\n    - metric: calls_handled\n", "  peer_group: all\n")),
      "line 4: scorecard.metrics: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("\n    - metric: calls_handled", " []")),
            "line 4: scorecard.metrics: must list at least one metric");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled", "- aggregation: sum")),
            "line 5: scorecard.metrics[0].metric: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("award:\n  rewards:\n    - type: certificate\n", "")),
            "line 1: award: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("  rewards:\n    - type: certificate\n", "  n: 2\n")),
            "line 7: award.rewards: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("\n    - type: certificate", " []")),
            "line 7: award.rewards: must list at least one reward");
  EXPECT_EQ(ErrorOf(FullExampleWith("{type: leave_credit, hours: 8}", "{hours: 8}")),
            "line 30: award.rewards[1].type: missing required field");
  EXPECT_EQ(ErrorOf(FullExampleWith("{prior_mean: 4.2, prior_weight: 10}", "{prior_mean: 4.2}")),
            "line 15: scorecard.metrics[0].smoothing.prior_weight: missing required field");
  EXPECT_EQ(ErrorOf(FullExampleWith("{metric: complaints, aggregation: sum, max: 2}",
                                    "{aggregation: sum, max: 2}")),
            "line 23: scorecard.gates[0].metric: missing required field");
}

TEST(ProgramSpecError, UnknownTimeZone) {
  EXPECT_EQ(ErrorOf(FullExampleWith("time_zone: Europe/Stockholm", "time_zone: Europe/Atlantis")),
            "line 4: time_zone: unknown time zone \"Europe/Atlantis\"");
}

TEST(ProgramSpecParse, ReadsEveryCadence) {
  const std::pair<const char*, Cadence> cases[] = {{"daily", Cadence::kDaily},
                                                   {"weekly", Cadence::kWeekly},
                                                   {"monthly", Cadence::kMonthly},
                                                   {"quarterly", Cadence::kQuarterly},
                                                   {"yearly", Cadence::kYearly}};
  for (const auto& [word, cadence] : cases) {
    absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
        FullExampleWith("cadence: monthly", std::string("cadence: ") + word), kRewardTypes);
    ASSERT_TRUE(program.ok()) << word << ": " << program.status();
    EXPECT_EQ(program->cadence, cadence) << word;
  }
}

TEST(ProgramSpecError, UnknownCadence) {
  EXPECT_EQ(ErrorOf(FullExampleWith("cadence: monthly", "cadence: fortnightly")),
            "line 3: cadence: unknown cadence \"fortnightly\" (expected daily, weekly, monthly, "
            "quarterly or yearly)");
}

TEST(ProgramSpecError, UnknownRule) {
  EXPECT_EQ(ErrorOf(FullExampleWith("rule: top_n", "rule: lottery")),
            "line 25: award.rule: unknown rule \"lottery\" (expected top_n, threshold, tiers, "
            "target, most_improved or streak)");
}

TEST(ProgramSpecError, SmoothingNeedsMean) {
  EXPECT_EQ(ErrorOf(FullExampleWith("      aggregation: mean          # sum",
                                    "      aggregation: max          # sum")),
            "line 15: scorecard.metrics[0].smoothing: smoothing needs aggregation mean, not max");
  // The default aggregation is sum.
  EXPECT_EQ(
      ErrorOf(MinimalWith("- metric: calls_handled",
                          "- metric: csat\n      smoothing: {prior_mean: 4, prior_weight: 1}")),
      "line 6: scorecard.metrics[0].smoothing: smoothing needs aggregation mean, not sum");
  EXPECT_EQ(ErrorOf(FullExampleWith("prior_weight: 10}", "prior_weight: 0}")),
            "line 15: scorecard.metrics[0].smoothing.prior_weight: must be greater than 0, "
            "got 0");
}

TEST(ProgramSpecError, NegativeOrAllZeroWeights) {
  EXPECT_EQ(ErrorOf(FullExampleWith("weight: 0.4", "weight: -0.4")),
            "line 13: scorecard.metrics[0].weight: must not be negative, got -0.4");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(
                kFullExample, {{"weight: 0.4", "weight: 0"}, {"weight: 0.3", "weight: 0.0"}})),
            "line 11: scorecard.metrics: all weights are 0; at least one must be positive");
}

TEST(ProgramSpecError, GateMinAboveMax) {
  EXPECT_EQ(ErrorOf(FullExampleWith("max: 2}", "min: 3, max: 2}")),
            "line 23: scorecard.gates[0]: min 3 is greater than max 2");
}

TEST(ProgramSpecError, InvalidId) {
  for (const char* id : {"Employee", "-eotm", "_eotm", "eotm!", "e otm", "\"\"", "émp"}) {
    EXPECT_THAT(ErrorOf(MinimalWith("id: eotm", std::string("id: ") + id)),
                StartsWith("line 1: id: invalid id"))
        << id;
  }
  absl::StatusOr<ProgramSpec> program =
      ParseProgramYaml(MinimalWith("id: eotm", "id: 2026_eotm-v2"), kRewardTypes);
  EXPECT_TRUE(program.ok()) << program.status();
}

TEST(ProgramSpecError, NonScalarRewardParam) {
  EXPECT_EQ(ErrorOf(FullExampleWith("hours: 8}", "hours: [8]}")),
            "line 30: award.rewards[1].hours: expected a scalar value, got a list");
}

TEST(ProgramSpecError, MalformedYamlNamesTheLine) {
  EXPECT_THAT(ErrorOf(FullExampleWith("smoothing: {prior_mean: 4.2, prior_weight: 10}",
                                      "smoothing: {prior_mean: 4.2, prior_weight: 10")),
              StartsWith("line 16: malformed YAML: "));
  EXPECT_THAT(ErrorOf("id: eotm\nname: [x\nscorecard: 1\n"), StartsWith("line 3: malformed YAML"));
}

TEST(ProgramSpecError, EmptyDocument) {
  EXPECT_EQ(ErrorOf(""), "line 1: program: empty document");
  EXPECT_EQ(ErrorOf("# nothing here\n\n"), "line 1: program: empty document");
  EXPECT_EQ(ErrorOf("~\n"), "line 1: program: empty document");
}

TEST(ProgramSpecError, MoreThanOneDocument) {
  EXPECT_EQ(ErrorOf(std::string(kMinimal) + "---\nid: other\n"),
            "line 9: program: expected a single YAML document");
}

TEST(ProgramSpecError, NeverCrashes) {
  // A self-referencing alias is a cycle in yaml-cpp's node graph.
  EXPECT_THAT(ErrorOf("id: &a [*a]\n"), HasSubstr("id: expected a string, got a list"));
  EXPECT_THAT(ErrorOf(MinimalWith("- metric: calls_handled", "- &m [*m]")),
              HasSubstr("scorecard.metrics[0]: expected a map, got a list"));
  EXPECT_THAT(ErrorOf(std::string(100000, '[')), StartsWith("line 1: malformed YAML"));
  EXPECT_THAT(ErrorOf(std::string("id: \0x", 6)), StartsWith("line "));
  // Every prefix of a valid program either parses or fails cleanly.
  const std::string full = kFullExample;
  for (size_t length = 0; length <= full.size(); ++length) {
    absl::StatusOr<ProgramSpec> program = ParseProgramYaml(full.substr(0, length), kRewardTypes);
    if (!program.ok()) {
      EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument) << length;
      EXPECT_THAT(std::string(program.status().message()), StartsWith("line ")) << length;
    }
  }
}

TEST(ProgramSpecAggregationName, NamesEachAggregation) {
  EXPECT_EQ(AggregationName(Aggregation::kSum), "sum");
  EXPECT_EQ(AggregationName(Aggregation::kCount), "count");
  EXPECT_EQ(AggregationName(Aggregation::kMean), "mean");
  EXPECT_EQ(AggregationName(Aggregation::kMin), "min");
  EXPECT_EQ(AggregationName(Aggregation::kMax), "max");
  EXPECT_EQ(AggregationName(Aggregation::kRatio), "ratio");
  EXPECT_EQ(AggregationName(Aggregation::kTopBox), "top_box");
}

TEST(ProgramSpecRatio, NumeratorOverDenominatorPer100) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      MinimalWith("- metric: calls_handled",
                  "- {aggregation: ratio, numerator: complaints, denominator: calls_handled, "
                  "per: 100}"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  const ScorecardMetric& metric = program->metrics[0];
  EXPECT_EQ(metric.aggregation, Aggregation::kRatio);
  EXPECT_EQ(metric.metric, "complaints");
  ASSERT_TRUE(metric.ratio.has_value());
  EXPECT_EQ(metric.ratio->denominator, "calls_handled");
  EXPECT_EQ(metric.ratio->per, 100);
  // The numerator's catalogue direction.
  EXPECT_EQ(metric.direction, Direction::kLowerIsBetter);
  EXPECT_EQ(MeasureLabel(metric), "complaints/calls_handled");
}

TEST(ProgramSpecRatio, AllowedInGatesWithPerDefaultingTo1) {
  absl::StatusOr<ProgramSpec> program =
      ParseProgramYaml(FullExampleWith("{metric: complaints, aggregation: sum, max: 2}",
                                       "{aggregation: ratio, numerator: repeat_contacts, "
                                       "denominator: calls_handled, max: 0.1}"),
                       kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_EQ(program->gates.size(), 1u);
  ASSERT_TRUE(program->gates[0].ratio.has_value());
  EXPECT_EQ(program->gates[0].metric, "repeat_contacts");
  EXPECT_EQ(program->gates[0].ratio->denominator, "calls_handled");
  EXPECT_EQ(program->gates[0].ratio->per, 1);
}

TEST(ProgramSpecRatioError, StrictAboutItsFields) {
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- {aggregation: ratio, numerator: complaints}")),
            "line 5: scorecard.metrics[0].denominator: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- {aggregation: ratio, denominator: calls_handled}")),
            "line 5: scorecard.metrics[0].numerator: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- {metric: complaints, aggregation: ratio, "
                                "numerator: complaints, denominator: calls_handled}")),
            "line 5: scorecard.metrics[0].metric: aggregation ratio takes numerator and "
            "denominator, not metric");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- {metric: complaints, denominator: calls_handled}")),
            "line 5: scorecard.metrics[0].denominator: only used with aggregation ratio");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- {aggregation: ratio, numerator: complaints, "
                                "denominator: calls_handled, per: 0}")),
            "line 5: scorecard.metrics[0].per: must be greater than 0, got 0");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- {aggregation: ratio, numerator: complaints, "
                                "denominator: bananas}")),
            "line 5: scorecard.metrics[0].denominator: unknown metric \"bananas\"");
}

TEST(ProgramSpecRatioError, NoSmoothingWithRatio) {
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- {aggregation: ratio, numerator: complaints, "
                                "denominator: calls_handled, "
                                "smoothing: {prior_mean: 1, prior_weight: 1}}")),
            "line 5: scorecard.metrics[0].smoothing: smoothing needs aggregation mean, not ratio");
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST(ProgramSpecError, RewardParamWithAControlCharacter) {
  EXPECT_THAT(ErrorOf(MinimalWith("- type: certificate", "- {type: certificate, note: \"a\\tb\"}")),
              testing::HasSubstr("line 8: award.rewards[0].note: contains a control character"));
}

// kMinimal with its award block replaced by `award`; the award's keys start on line 7.
std::string MinimalWithAward(const std::string& award) {
  const std::string minimal = kMinimal;
  return minimal.substr(0, minimal.find("award:\n") + 7) + award;
}

TEST(ProgramSpecAward, ThresholdOnTheScore) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      MinimalWithAward("  rule: threshold\n  min_score: 0.75\n  rewards: [{type: certificate}]\n"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->award.rule, "threshold");
  EXPECT_EQ(program->award.min_score, 0.75);
  EXPECT_FALSE(program->award.min_metric.has_value());
}

TEST(ProgramSpecAward, ThresholdOnAMetric) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      MinimalWithAward("  rule: threshold\n"
                       "  min_metric: {metric: csat, aggregation: mean, min: 4.5}\n"
                       "  rewards: [{type: certificate}]\n"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_TRUE(program->award.min_metric.has_value());
  EXPECT_EQ(program->award.min_metric->metric, "csat");
  EXPECT_EQ(program->award.min_metric->aggregation, Aggregation::kMean);
  EXPECT_EQ(program->award.min_metric->min, 4.5);
  EXPECT_FALSE(program->award.min_score.has_value());
}

TEST(ProgramSpecAward, TiersBestFirstWithTheirRewards) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      MinimalWithAward(
          "  rule: tiers\n"
          "  tiers:\n"
          "    - {name: gold, min_score: 0.9, rewards: [{type: leave_credit, hours: 8}]}\n"
          "    - {name: silver, min_score: 0.7}\n"
          "  rewards: [{type: certificate}]\n"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_EQ(program->award.tiers.size(), 2u);
  EXPECT_EQ(program->award.tiers[0].name, "gold");
  EXPECT_EQ(program->award.tiers[0].min_score, 0.9);
  ASSERT_EQ(program->award.tiers[0].rewards.size(), 1u);
  EXPECT_EQ(program->award.tiers[0].rewards[0].type, "leave_credit");
  EXPECT_EQ(program->award.tiers[1].name, "silver");
  EXPECT_THAT(program->award.tiers[1].rewards, IsEmpty());
  ASSERT_EQ(program->award.rewards.size(), 1u);
}

TEST(ProgramSpecAward, TiersWithOwnRewardsNeedNoAwardRewards) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      MinimalWithAward("  rule: tiers\n"
                       "  tiers:\n"
                       "    - {name: gold, min_score: 0.9, rewards: [{type: certificate}]}\n"
                       "    - {name: silver, min_score: 0.7, rewards: [{type: certificate}]}\n"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_THAT(program->award.rewards, IsEmpty());
}

TEST(ProgramSpecAwardError, ThresholdWithoutACriterion) {
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: threshold\n  rewards: [{type: certificate}]\n")),
            "line 7: award.min_score: rule threshold needs min_score or min_metric");
}

TEST(ProgramSpecAwardError, ThresholdWithBothCriteria) {
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: threshold\n  min_score: 0.5\n"
                                     "  min_metric: {metric: csat, aggregation: mean, min: 4}\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 9: award.min_metric: give min_score or min_metric, not both");
}

TEST(ProgramSpecAwardError, MinMetricNeedsMinAndNoMax) {
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: threshold\n"
                                     "  min_metric: {metric: csat, aggregation: mean}\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 8: award.min_metric.min: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: threshold\n"
                                     "  min_metric: {metric: csat, aggregation: mean, min: 4, "
                                     "max: 5}\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 8: award.min_metric: max is not used here: a threshold has only a min");
}

TEST(ProgramSpecAwardError, TiersOutOfOrder) {
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: tiers\n"
                                     "  tiers:\n"
                                     "    - {name: silver, min_score: 0.7}\n"
                                     "    - {name: gold, min_score: 0.9}\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 10: award.tiers[1].min_score: tiers must be ordered best first, by min_score "
            "descending: 0.9 is not below 0.7 of tier \"silver\"");
  EXPECT_THAT(ErrorOf(MinimalWithAward("  rule: tiers\n"
                                       "  tiers:\n"
                                       "    - {name: gold, min_score: 0.7}\n"
                                       "    - {name: silver, min_score: 0.7}\n"
                                       "  rewards: [{type: certificate}]\n")),
              HasSubstr("0.7 is not below 0.7"));
}

TEST(ProgramSpecAwardError, TierWithoutRewardsNeedsAwardRewards) {
  EXPECT_EQ(ErrorOf(MinimalWithAward(
                "  rule: tiers\n"
                "  tiers:\n"
                "    - {name: gold, min_score: 0.9, rewards: [{type: certificate}]}\n"
                "    - {name: silver, min_score: 0.7}\n")),
            "line 10: award.tiers[1].rewards: missing required field (award.rewards is not given "
            "either)");
}

TEST(ProgramSpecAwardError, DuplicateTierName) {
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: tiers\n"
                                     "  tiers:\n"
                                     "    - {name: gold, min_score: 0.9}\n"
                                     "    - {name: gold, min_score: 0.7}\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 10: award.tiers[1].name: duplicate tier name \"gold\"");
}

TEST(ProgramSpecAwardError, TiersRuleNeedsTiers) {
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: tiers\n  rewards: [{type: certificate}]\n")),
            "line 7: award.tiers: missing required field");
}

TEST(ProgramSpecAwardError, KeysOfAnotherRule) {
  EXPECT_EQ(ErrorOf(MinimalWithAward("  tiers: [{name: gold, min_score: 1}]\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 7: award.tiers: only used with rule tiers, not top_n");
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: threshold\n  min_score: 0.5\n  n: 3\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 9: award.n: only used with rule top_n or most_improved, not threshold");
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: tiers\n  min_score: 0.5\n"
                                     "  tiers: [{name: gold, min_score: 1}]\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 8: award.min_score: only used with rule threshold, not tiers");
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST(ProgramSpecTopBox, ShareAtOrAboveAValueWithTheCataloguesDirection) {
  absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
      MinimalWith("- metric: calls_handled",
                  "- {metric: csat, aggregation: top_box, at_least: 4, min_samples: 5}\n"
                  "    - {metric: aht_seconds, aggregation: top_box, at_least: 600}"),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_EQ(program->metrics.size(), 2u);
  const ScorecardMetric& csat = program->metrics[0];
  EXPECT_EQ(csat.aggregation, Aggregation::kTopBox);
  EXPECT_EQ(csat.metric, "csat");
  ASSERT_TRUE(csat.top_box.has_value());
  EXPECT_EQ(csat.top_box->at_least, 4);
  EXPECT_EQ(csat.top_box->confidence, Confidence::kNone);
  EXPECT_EQ(csat.direction, Direction::kHigherIsBetter);
  EXPECT_EQ(csat.min_samples, 5);
  EXPECT_FALSE(csat.ratio.has_value());
  EXPECT_EQ(MeasureLabel(csat), "csat");
  // A share of long calls is as lower-is-better as the calls' handle time.
  EXPECT_EQ(program->metrics[1].direction, Direction::kLowerIsBetter);
  EXPECT_EQ(program->metrics[1].top_box->at_least, 600);
}

TEST(ProgramSpecTopBox, WilsonConfidenceAndAGivenDirection) {
  absl::StatusOr<ProgramSpec> program =
      ParseProgramYaml(MinimalWith("- metric: calls_handled",
                                   "- metric: csat\n"
                                   "      aggregation: top_box\n"
                                   "      at_least: 4.5\n"
                                   "      confidence: wilson_lower_95\n"
                                   "      direction: lower_is_better"),
                       kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  const ScorecardMetric& csat = program->metrics[0];
  ASSERT_TRUE(csat.top_box.has_value());
  EXPECT_EQ(csat.top_box->at_least, 4.5);
  EXPECT_EQ(csat.top_box->confidence, Confidence::kWilsonLower95);
  EXPECT_EQ(csat.direction, Direction::kLowerIsBetter);
}

TEST(ProgramSpecTopBox, AllowedInGatesAndInAThresholdsMinMetric) {
  absl::StatusOr<ProgramSpec> gated =
      ParseProgramYaml(FullExampleWith("{metric: complaints, aggregation: sum, max: 2}",
                                       "{metric: csat, aggregation: top_box, at_least: 4, "
                                       "confidence: wilson_lower_95, min: 0.8}"),
                       kRewardTypes);
  ASSERT_TRUE(gated.ok()) << gated.status();
  ASSERT_EQ(gated->gates.size(), 1u);
  const Gate& gate = gated->gates[0];
  EXPECT_EQ(gate.aggregation, Aggregation::kTopBox);
  ASSERT_TRUE(gate.top_box.has_value());
  EXPECT_EQ(gate.top_box->at_least, 4);
  EXPECT_EQ(gate.top_box->confidence, Confidence::kWilsonLower95);
  EXPECT_EQ(gate.min, 0.8);

  absl::StatusOr<ProgramSpec> threshold = ParseProgramYaml(
      MinimalWithAward("  rule: threshold\n"
                       "  min_metric: {metric: csat, aggregation: top_box, at_least: 5, min: 0.9}\n"
                       "  rewards: [{type: certificate}]\n"),
      kRewardTypes);
  ASSERT_TRUE(threshold.ok()) << threshold.status();
  ASSERT_TRUE(threshold->award.min_metric.has_value());
  ASSERT_TRUE(threshold->award.min_metric->top_box.has_value());
  EXPECT_EQ(threshold->award.min_metric->top_box->at_least, 5);
  EXPECT_EQ(threshold->award.min_metric->top_box->confidence, Confidence::kNone);
  EXPECT_EQ(threshold->award.min_metric->min, 0.9);
}

TEST(ProgramSpecTopBoxError, AtLeastIsRequiredAndANumber) {
  EXPECT_EQ(
      ErrorOf(MinimalWith("- metric: calls_handled", "- {metric: csat, aggregation: top_box}")),
      "line 5: scorecard.metrics[0].at_least: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- metric: csat\n"
                                "      aggregation: top_box\n"
                                "      at_least: \"4\"")),
            "line 7: scorecard.metrics[0].at_least: expected a number, got the quoted string "
            "\"4\"");
  EXPECT_EQ(ErrorOf(FullExampleWith("{metric: complaints, aggregation: sum, max: 2}",
                                    "{metric: csat, aggregation: top_box, min: 0.8}")),
            "line 23: scorecard.gates[0].at_least: missing required field");
  EXPECT_EQ(ErrorOf(MinimalWithAward("  rule: threshold\n"
                                     "  min_metric: {metric: csat, aggregation: top_box, min: 1}\n"
                                     "  rewards: [{type: certificate}]\n")),
            "line 8: award.min_metric.at_least: missing required field");
}

TEST(ProgramSpecTopBoxError, AtLeastAndConfidenceOnlyWithTopBox) {
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled", "- {metric: csat, at_least: 4}")),
            "line 5: scorecard.metrics[0].at_least: only used with aggregation top_box");
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- metric: csat\n"
                                "      aggregation: mean\n"
                                "      confidence: wilson_lower_95")),
            "line 7: scorecard.metrics[0].confidence: only used with aggregation top_box");
  EXPECT_EQ(ErrorOf(FullExampleWith("{metric: complaints, aggregation: sum, max: 2}",
                                    "{metric: complaints, aggregation: sum, at_least: 1, max: 2}")),
            "line 23: scorecard.gates[0].at_least: only used with aggregation top_box");
}

TEST(ProgramSpecTopBoxError, UnknownConfidence) {
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- metric: csat\n"
                                "      aggregation: top_box\n"
                                "      at_least: 4\n"
                                "      confidence: wilson_lower_99")),
            "line 8: scorecard.metrics[0].confidence: unknown confidence \"wilson_lower_99\" "
            "(expected wilson_lower_95)");
}

TEST(ProgramSpecTopBoxError, NoSmoothingWithTopBox) {
  EXPECT_EQ(ErrorOf(MinimalWith("- metric: calls_handled",
                                "- metric: csat\n"
                                "      aggregation: top_box\n"
                                "      at_least: 4\n"
                                "      smoothing: {prior_mean: 4, prior_weight: 10}")),
            "line 8: scorecard.metrics[0].smoothing: smoothing needs aggregation mean, not "
            "top_box");
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST(ProgramSpecCloseAfter, DefaultsToTwoDaysAndTakesDaysHoursMinutes) {
  auto defaulted = ParseProgramYaml(kMinimal, kRewardTypes);
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->close_after, absl::Hours(48));
  auto days = ParseProgramYaml(std::string(kMinimal) + "close_after: 3d\n", kRewardTypes);
  ASSERT_TRUE(days.ok()) << days.status();
  EXPECT_EQ(days->close_after, absl::Hours(72));
  auto minutes = ParseProgramYaml(std::string(kMinimal) + "close_after: 90m\n", kRewardTypes);
  ASSERT_TRUE(minutes.ok());
  EXPECT_EQ(minutes->close_after, absl::Minutes(90));
  EXPECT_EQ(ErrorOf(std::string(kMinimal) + "close_after: 2 days\n"),
            "line 9: close_after: \"2 days\" is not a grace time like 48h, 90m or 2d (at most "
            "3660 of a unit)");
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

// The minimal program with `extra` added at the top level (before award) and `award` as its
// award map's content.
std::string ProgramWith(const std::string& extra, const std::string& award) {
  return "id: p\n"
         "name: P\n"
         "scorecard:\n"
         "  metrics:\n"
         "    - metric: calls_handled\n" +
         extra + "award:\n" + award;
}

constexpr char kRewards[] = "  rewards:\n    - type: certificate\n";

TEST(ProgramSpecHolds, AreReadWithTheirConditions) {
  auto program = ParseProgramYaml(
      ProgramWith("holds:\n"
                  "  - name: fast but repeats\n"
                  "    when:\n"
                  "      - {metric: aht_seconds, aggregation: mean, best_percent: 10}\n"
                  "      - {metric: repeat_contacts, worst_percent: 20}\n"
                  "  - name: complaints\n"
                  "    when:\n"
                  "      - {metric: complaints, min: 2}\n"
                  "      - {metric: csat, aggregation: top_box, at_least: 4, max: 0.5}\n",
                  kRewards),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_EQ(program->holds.size(), 2u);
  const Hold& fast = program->holds[0];
  EXPECT_EQ(fast.name, "fast but repeats");
  ASSERT_EQ(fast.when.size(), 2u);
  EXPECT_EQ(fast.when[0].measure.metric, "aht_seconds");
  EXPECT_EQ(fast.when[0].measure.aggregation, Aggregation::kMean);
  EXPECT_EQ(fast.when[0].direction, Direction::kLowerIsBetter);
  EXPECT_EQ(fast.when[0].kind, HoldCondition::Kind::kBestPercent);
  EXPECT_EQ(fast.when[0].bound, 10);
  EXPECT_EQ(fast.when[1].kind, HoldCondition::Kind::kWorstPercent);
  EXPECT_EQ(program->holds[1].when[0].kind, HoldCondition::Kind::kMin);
  EXPECT_EQ(program->holds[1].when[1].kind, HoldCondition::Kind::kMax);
  EXPECT_EQ(program->holds[1].when[1].measure.top_box->at_least, 4);
}

TEST(ProgramSpecHolds, ErrorsNameTheLineAndField) {
  const std::string head = "holds:\n  - name: h\n    when:\n";
  EXPECT_EQ(
      ErrorOf(ProgramWith(head + "      - {metric: complaints, min: 2, colour: red}\n", kRewards)),
      "line 9: holds[0].when[0].colour: unknown key \"colour\" (expected metric, "
      "aggregation, numerator, denominator, per, at_least, confidence, best_percent, "
      "worst_percent, min or max)");
  EXPECT_EQ(
      ErrorOf(
          ProgramWith(head + "      - {metric: complaints, best_percent: 10, min: 2}\n", kRewards)),
      "line 9: holds[0].when[0].min: give one of best_percent, worst_percent, min or max, not "
      "both best_percent and min");
  EXPECT_EQ(
      ErrorOf(ProgramWith(head + "      - {metric: complaints, worst_percent: 0}\n", kRewards)),
      "line 9: holds[0].when[0].worst_percent: must be in (0, 100], got 0");
  EXPECT_EQ(
      ErrorOf(ProgramWith(head + "      - {metric: complaints, best_percent: 100.5}\n", kRewards)),
      "line 9: holds[0].when[0].best_percent: must be in (0, 100], got 100.5");
  EXPECT_EQ(ErrorOf(ProgramWith(head + "      - {metric: complaints}\n", kRewards)),
            "line 9: holds[0].when[0]: needs one of best_percent, worst_percent, min or max");
  EXPECT_EQ(ErrorOf(ProgramWith("holds:\n  - name: h\n    when: []\n", kRewards)),
            "line 8: holds[0].when: must list at least one condition");
  EXPECT_EQ(ErrorOf(ProgramWith("holds:\n  - {name: h, when: [{metric: complaints, min: 1}]}\n"
                                "  - {name: h, when: [{metric: complaints, min: 2}]}\n",
                                kRewards)),
            "line 8: holds[1].name: duplicate hold name \"h\"");
}

TEST(ProgramSpecRules, TargetReadsItsMeasureAndTarget) {
  auto program =
      ParseProgramYaml(ProgramWith("",
                                   "  rule: target\n  metric: referral_value\n  aggregation: sum\n"
                                   "  at_least: 2000000\n" +
                                       std::string(kRewards)),
                       kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_TRUE(program->award.target.has_value());
  EXPECT_EQ(program->award.target->metric, "referral_value");
  EXPECT_EQ(program->award.target->min, 2000000);

  program = ParseProgramYaml(ProgramWith("",
                                         "  rule: target\n  metric: csat\n  aggregation: top_box\n"
                                         "  at_least: 4\n  share_at_least: 0.9\n" +
                                             std::string(kRewards)),
                             kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->award.target->top_box->at_least, 4);
  EXPECT_EQ(program->award.target->min, 0.9);

  EXPECT_EQ(ErrorOf(ProgramWith(
                "", "  rule: target\n  metric: referral_value\n" + std::string(kRewards))),
            "line 7: award.at_least: missing required field");
  EXPECT_EQ(ErrorOf(ProgramWith("", "  rule: target\n  metric: referral_value\n  at_least: 0\n" +
                                        std::string(kRewards))),
            "line 9: award.at_least: must be greater than 0, got 0");
  EXPECT_EQ(
      ErrorOf(ProgramWith("", "  rule: top_n\n  metric: referral_value\n" + std::string(kRewards))),
      "line 8: award.metric: only used with rule target or most_improved, not top_n");
}

TEST(ProgramSpecRules, MostImprovedTakesAnOptionalMetric) {
  auto program = ParseProgramYaml(
      ProgramWith("", "  rule: most_improved\n  n: 3\n" + std::string(kRewards)), kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->award.n, 3);
  EXPECT_FALSE(program->award.improvement_metric.has_value());
  EXPECT_EQ(EarlierPeriodsNeeded(*program), 1);

  program = ParseProgramYaml(
      ProgramWith("", "  rule: most_improved\n  metric: aht_seconds\n  aggregation: mean\n" +
                          std::string(kRewards)),
      kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_TRUE(program->award.improvement_metric.has_value());
  EXPECT_EQ(program->award.improvement_metric->metric, "aht_seconds");
  EXPECT_EQ(program->award.improvement_direction, Direction::kLowerIsBetter);
}

TEST(ProgramSpecRules, StreakReadsItsBaseRule) {
  auto program =
      ParseProgramYaml(ProgramWith("",
                                   "  rule: streak\n  periods: 3\n"
                                   "  of: {rule: tiers, tiers: [{name: gold, min_score: 0.9}]}\n" +
                                       std::string(kRewards)),
                       kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->award.streak_periods, 3);
  ASSERT_EQ(program->award.streak_of.size(), 1u);
  EXPECT_EQ(program->award.streak_of[0].rule, "tiers");
  EXPECT_EQ(program->award.streak_of[0].tiers[0].name, "gold");
  EXPECT_EQ(EarlierPeriodsNeeded(*program), 2);

  EXPECT_EQ(ErrorOf(ProgramWith("", "  rule: streak\n  periods: 2\n  of: {rule: streak}\n" +
                                        std::string(kRewards))),
            "line 9: award.of.rule: unknown rule \"streak\" (expected top_n, threshold, tiers or "
            "target)");
  EXPECT_EQ(ErrorOf(ProgramWith("",
                                "  rule: streak\n  periods: 2\n"
                                "  of: {rule: top_n, rewards: [{type: certificate}]}\n" +
                                    std::string(kRewards))),
            "line 9: award.of.rewards: unknown key \"rewards\" (expected rule, n, per_peer_group, "
            "min_score, min_metric, tiers, metric, aggregation, numerator, denominator, per, "
            "at_least, confidence, share_at_least, periods or of)");
  EXPECT_EQ(
      ErrorOf(ProgramWith("", "  rule: streak\n  of: {rule: top_n}\n" + std::string(kRewards))),
      "line 7: award.periods: missing required field");
}

TEST(ProgramSpecTeams, ScopeTeamReadsItsSettings) {
  auto program = ParseProgramYaml(ProgramWith("scope: team\nmin_team_size: 3\n",
                                              "  rewards_to: team\n" + std::string(kRewards)),
                                  kRewardTypes);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(program->scope, Scope::kTeam);
  EXPECT_EQ(program->min_team_size, 3);
  EXPECT_EQ(program->award.rewards_to, RewardsTo::kTeam);

  auto defaults = ParseProgramYaml(ProgramWith("scope: team\n", kRewards), kRewardTypes);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->min_team_size, 1);
  EXPECT_EQ(defaults->award.rewards_to, RewardsTo::kMembers);

  EXPECT_EQ(ErrorOf(ProgramWith("min_team_size: 3\n", kRewards)),
            "line 6: min_team_size: only used with scope team");
  EXPECT_EQ(ErrorOf(ProgramWith("", "  rewards_to: team\n" + std::string(kRewards))),
            "line 7: award.rewards_to: only used with scope team");
  EXPECT_EQ(ErrorOf(absl::StrReplaceAll(ProgramWith("scope: team\n", kRewards),
                                        {{"scorecard:\n", "scorecard:\n  peer_group: channel\n"}})),
            "line 4: scorecard.peer_group: scope team needs peer_group all");
}

}  // namespace
}  // namespace plaudit

namespace plaudit {
namespace {

TEST(ProgramSpecExamples, EveryShippedProgramParses) {
  const std::filesystem::path dir = std::filesystem::path(PLAUDIT_SOURCE_DIR) / "examples/programs";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream yaml;
    yaml << in.rdbuf();
    // Every reward type a shipped plugin serves.
    absl::StatusOr<ProgramSpec> program = ParseProgramYaml(
        yaml.str(), {"announce", "certificate", "gift_card", "leave_credit", "manual", "parking"});
    EXPECT_TRUE(program.ok()) << entry.path() << ": " << program.status();
    ++parsed;
  }
  EXPECT_GE(parsed, 4);
}

}  // namespace
}  // namespace plaudit

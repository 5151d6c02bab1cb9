#include "core/program/program_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <initializer_list>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/domain/period.h"

namespace plaudit {
namespace {

// A YAML node together with where it is: its field path ("scorecard.metrics[1].aggregation")
// and the 1-based line to report.
struct Located {
  YAML::Node node;
  std::string path;
  int line = 1;
};

int LineOf(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}

absl::Status FieldError(int line, absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", line, ": ", path.empty() ? "program" : path, ": ", message));
}

absl::Status FieldError(const Located& at, absl::string_view message) {
  return FieldError(at.line, at.path, message);
}

std::string ChildPath(absl::string_view parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

absl::string_view KindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// "a, b or c".
std::string OrList(const std::vector<absl::string_view>& words) {
  if (words.size() <= 1) return absl::StrJoin(words, "");
  std::vector<absl::string_view> head(words.begin(), words.end() - 1);
  return absl::StrCat(absl::StrJoin(head, ", "), " or ", words.back());
}

// Quoted and block scalars carry the non-specific tag "!": they are strings, never numbers.
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

absl::StatusOr<std::string> ReadString(const Located& at) {
  if (!at.node.IsScalar()) {
    return FieldError(at, absl::StrCat("expected a string, got ", KindOf(at.node)));
  }
  return at.node.Scalar();
}

absl::Status WrongScalar(const Located& at, absl::string_view expected) {
  if (!at.node.IsScalar()) {
    return FieldError(at, absl::StrCat("expected ", expected, ", got ", KindOf(at.node)));
  }
  return FieldError(at, absl::StrCat("expected ", expected, ", got ",
                                     IsQuoted(at.node) ? "the quoted string " : "", "\"",
                                     at.node.Scalar(), "\""));
}

absl::StatusOr<double> ReadNumber(const Located& at) {
  double value = 0;
  if (!at.node.IsScalar() || IsQuoted(at.node) || !absl::SimpleAtod(at.node.Scalar(), &value) ||
      !std::isfinite(value)) {
    return WrongScalar(at, "a number");
  }
  return value;
}

absl::StatusOr<int64_t> ReadInteger(const Located& at, int64_t min, int64_t max) {
  int64_t value = 0;
  if (!at.node.IsScalar() || IsQuoted(at.node) || !absl::SimpleAtoi(at.node.Scalar(), &value)) {
    return WrongScalar(at, "a whole number");
  }
  if (value < min) return FieldError(at, absl::StrCat("must be at least ", min, ", got ", value));
  if (value > max) return FieldError(at, absl::StrCat("must be at most ", max, ", got ", value));
  return value;
}

absl::StatusOr<bool> ReadBool(const Located& at) {
  if (at.node.IsScalar() && !IsQuoted(at.node)) {
    const std::string& text = at.node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  return WrongScalar(at, "true or false");
}

template <typename T>
struct Word {
  absl::string_view text;
  T value;
};

// One of a fixed set of words; `what` names the set in the error ("aggregation").
template <typename T>
absl::StatusOr<T> ReadWord(const Located& at, absl::string_view what,
                           std::initializer_list<Word<T>> words) {
  std::vector<absl::string_view> texts;
  for (const Word<T>& word : words) texts.push_back(word.text);
  if (!at.node.IsScalar()) {
    return FieldError(at, absl::StrCat("expected ", OrList(texts), ", got ", KindOf(at.node)));
  }
  for (const Word<T>& word : words) {
    if (at.node.Scalar() == word.text) return word.value;
  }
  return FieldError(at, absl::StrCat("unknown ", what, " \"", at.node.Scalar(), "\" (expected ",
                                     OrList(texts), ")"));
}

absl::StatusOr<Aggregation> ReadAggregation(const Located& at) {
  return ReadWord<Aggregation>(at, "aggregation",
                               {{"sum", Aggregation::kSum},
                                {"count", Aggregation::kCount},
                                {"mean", Aggregation::kMean},
                                {"min", Aggregation::kMin},
                                {"max", Aggregation::kMax},
                                {"ratio", Aggregation::kRatio},
                                {"top_box", Aggregation::kTopBox}});
}

absl::StatusOr<std::vector<Located>> ReadList(const Located& at) {
  if (!at.node.IsSequence()) {
    return FieldError(at, absl::StrCat("expected a list, got ", KindOf(at.node)));
  }
  std::vector<Located> items;
  size_t index = 0;
  for (const YAML::Node& item : at.node) {
    items.push_back(Located{item, absl::StrCat(at.path, "[", index, "]"), LineOf(item, at.line)});
    ++index;
  }
  return items;
}

// The entries of a YAML map, each located; keys are unique strings and, unless the map is
// open, one of an allowed set.
class Fields {
 public:
  static absl::StatusOr<Fields> Read(const Located& at,
                                     const std::vector<absl::string_view>& allowed) {
    return ReadImpl(at, &allowed);
  }
  // Any key is accepted.
  static absl::StatusOr<Fields> ReadOpen(const Located& at) { return ReadImpl(at, nullptr); }

  // The value of `key`, or nullptr when absent.
  const Located* Find(absl::string_view key) const {
    for (const auto& [name, value] : entries_) {
      if (name == key) return &value;
    }
    return nullptr;
  }

  absl::Status Missing(absl::string_view key) const {
    return FieldError(line_, ChildPath(path_, key), "missing required field");
  }

  const std::vector<std::pair<std::string, Located>>& entries() const { return entries_; }

  // The same fields without `key`: lets one map hold a measure beside keys of its own.
  Fields Without(absl::string_view key) const {
    // Copy-constructed entry by entry: assigning a YAML::Node (as erasing from a vector would)
    // rewrites the document node it refers to.
    Fields copy;
    copy.path_ = path_;
    copy.line_ = line_;
    for (const auto& entry : entries_) {
      if (entry.first != key) copy.entries_.push_back(entry);
    }
    return copy;
  }

 private:
  static absl::StatusOr<Fields> ReadImpl(const Located& at,
                                         const std::vector<absl::string_view>* allowed) {
    if (!at.node.IsMap()) {
      return FieldError(at, absl::StrCat("expected a map, got ", KindOf(at.node)));
    }
    Fields fields;
    fields.path_ = at.path;
    fields.line_ = at.line;
    for (auto it = at.node.begin(); it != at.node.end(); ++it) {
      // Copies: the iterator hands out a temporary pair of node handles.
      const YAML::Node key = it->first;
      const int key_line = LineOf(key, at.line);
      if (!key.IsScalar()) {
        return FieldError(key_line, at.path, absl::StrCat("expected a key, got ", KindOf(key)));
      }
      const std::string& name = key.Scalar();
      const std::string path = ChildPath(at.path, name);
      if (allowed != nullptr) {
        bool known = false;
        for (absl::string_view candidate : *allowed) known = known || candidate == name;
        if (!known) {
          return FieldError(
              key_line, path,
              absl::StrCat("unknown key \"", name, "\" (expected ", OrList(*allowed), ")"));
        }
      }
      if (fields.Find(name) != nullptr) return FieldError(key_line, path, "duplicate key");
      // A missing value's mark points past its key; its key's line is the one to report.
      const YAML::Node value = it->second;
      const int value_line = value.IsNull() ? key_line : LineOf(value, key_line);
      fields.entries_.emplace_back(name, Located{value, path, value_line});
    }
    return fields;
  }

  std::string path_;
  int line_ = 1;
  std::vector<std::pair<std::string, Located>> entries_;
};

bool IsValidId(absl::string_view id) {
  if (id.empty()) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    const bool lower_or_digit = absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z');
    if (!lower_or_digit && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

absl::StatusOr<Smoothing> ParseSmoothing(const Located& at) {
  absl::StatusOr<Fields> fields = Fields::Read(at, {"prior_mean", "prior_weight"});
  if (!fields.ok()) return fields.status();
  Smoothing smoothing;
  const Located* prior_mean = fields->Find("prior_mean");
  if (prior_mean == nullptr) return fields->Missing("prior_mean");
  absl::StatusOr<double> mean = ReadNumber(*prior_mean);
  if (!mean.ok()) return mean.status();
  smoothing.prior_mean = *mean;
  const Located* prior_weight = fields->Find("prior_weight");
  if (prior_weight == nullptr) return fields->Missing("prior_weight");
  absl::StatusOr<double> weight = ReadNumber(*prior_weight);
  if (!weight.ok()) return weight.status();
  if (*weight <= 0) {
    return FieldError(*prior_weight, absl::StrCat("must be greater than 0, got ", *weight));
  }
  smoothing.prior_weight = *weight;
  return smoothing;
}

// The metric named at `at`, which must be in the catalogue.
absl::StatusOr<const MetricSpec*> ReadMetricName(const Located& at);

// at_least and confidence of aggregation top_box.
absl::StatusOr<TopBox> ParseTopBox(const Fields& fields) {
  TopBox top_box;
  const Located* at_least = fields.Find("at_least");
  if (at_least == nullptr) return fields.Missing("at_least");
  absl::StatusOr<double> threshold = ReadNumber(*at_least);
  if (!threshold.ok()) return threshold.status();
  top_box.at_least = *threshold;
  if (const Located* field = fields.Find("confidence")) {
    absl::StatusOr<Confidence> confidence = ReadWord<Confidence>(
        *field, "confidence", {{"wilson_lower_95", Confidence::kWilsonLower95}});
    if (!confidence.ok()) return confidence.status();
    top_box.confidence = *confidence;
  }
  return top_box;
}

// The metric (or a ratio's numerator and denominator), the aggregation and a top_box's threshold
// of a scorecard metric, gate or min_metric. Returns the catalogue entry of the metric or
// numerator.
absl::StatusOr<const MetricSpec*> ParseMeasure(const Fields& fields, std::string& metric,
                                               Aggregation& aggregation,
                                               std::optional<Ratio>& ratio,
                                               std::optional<TopBox>& top_box) {
  if (const Located* field = fields.Find("aggregation")) {
    absl::StatusOr<Aggregation> read = ReadAggregation(*field);
    if (!read.ok()) return read.status();
    aggregation = *read;
  }
  if (aggregation == Aggregation::kTopBox) {
    absl::StatusOr<TopBox> read = ParseTopBox(fields);
    if (!read.ok()) return read.status();
    top_box = *read;
  } else {
    for (absl::string_view key : {"at_least", "confidence"}) {
      if (const Located* field = fields.Find(key)) {
        return FieldError(*field, "only used with aggregation top_box");
      }
    }
  }
  if (aggregation != Aggregation::kRatio) {
    for (absl::string_view key : {"numerator", "denominator", "per"}) {
      if (const Located* field = fields.Find(key)) {
        return FieldError(*field, "only used with aggregation ratio");
      }
    }
    const Located* name = fields.Find("metric");
    if (name == nullptr) return fields.Missing("metric");
    absl::StatusOr<const MetricSpec*> spec = ReadMetricName(*name);
    if (!spec.ok()) return spec.status();
    metric = (*spec)->name;
    return spec;
  }
  if (const Located* field = fields.Find("metric")) {
    return FieldError(*field, "aggregation ratio takes numerator and denominator, not metric");
  }
  const Located* numerator = fields.Find("numerator");
  if (numerator == nullptr) return fields.Missing("numerator");
  absl::StatusOr<const MetricSpec*> spec = ReadMetricName(*numerator);
  if (!spec.ok()) return spec.status();
  metric = (*spec)->name;
  const Located* denominator = fields.Find("denominator");
  if (denominator == nullptr) return fields.Missing("denominator");
  absl::StatusOr<const MetricSpec*> denominator_spec = ReadMetricName(*denominator);
  if (!denominator_spec.ok()) return denominator_spec.status();
  ratio = Ratio{(*denominator_spec)->name, 1};
  if (const Located* field = fields.Find("per")) {
    absl::StatusOr<double> per = ReadNumber(*field);
    if (!per.ok()) return per.status();
    if (!(*per > 0)) return FieldError(*field, absl::StrCat("must be greater than 0, got ", *per));
    ratio->per = *per;
  }
  return spec;
}

absl::StatusOr<const MetricSpec*> ReadMetricName(const Located& at) {
  absl::StatusOr<std::string> name = ReadString(at);
  if (!name.ok()) return name.status();
  const MetricSpec* spec = FindMetric(*name);
  if (spec == nullptr) return FieldError(at, absl::StrCat("unknown metric \"", *name, "\""));
  return spec;
}

absl::StatusOr<ScorecardMetric> ParseScorecardMetric(const Located& at) {
  absl::StatusOr<Fields> fields =
      Fields::Read(at, {"metric", "aggregation", "numerator", "denominator", "per", "at_least",
                        "confidence", "direction", "weight", "min_samples", "smoothing"});
  if (!fields.ok()) return fields.status();
  ScorecardMetric metric;
  absl::StatusOr<const MetricSpec*> spec =
      ParseMeasure(*fields, metric.metric, metric.aggregation, metric.ratio, metric.top_box);
  if (!spec.ok()) return spec.status();
  // A ratio's direction defaults to its numerator's: complaints per call are lower-is-better.
  metric.direction = (*spec)->direction;
  if (const Located* field = fields->Find("direction")) {
    absl::StatusOr<Direction> direction =
        ReadWord<Direction>(*field, "direction",
                            {{"higher_is_better", Direction::kHigherIsBetter},
                             {"lower_is_better", Direction::kLowerIsBetter}});
    if (!direction.ok()) return direction.status();
    metric.direction = *direction;
  }
  if (const Located* field = fields->Find("weight")) {
    absl::StatusOr<double> weight = ReadNumber(*field);
    if (!weight.ok()) return weight.status();
    if (*weight < 0) {
      return FieldError(*field, absl::StrCat("must not be negative, got ", *weight));
    }
    metric.weight = *weight;
  }
  if (const Located* field = fields->Find("min_samples")) {
    absl::StatusOr<int64_t> min_samples =
        ReadInteger(*field, 0, std::numeric_limits<int64_t>::max());
    if (!min_samples.ok()) return min_samples.status();
    metric.min_samples = *min_samples;
  }
  if (const Located* field = fields->Find("smoothing")) {
    if (metric.aggregation != Aggregation::kMean) {
      return FieldError(*field, absl::StrCat("smoothing needs aggregation mean, not ",
                                             std::string(AggregationName(metric.aggregation))));
    }
    absl::StatusOr<Smoothing> smoothing = ParseSmoothing(*field);
    if (!smoothing.ok()) return smoothing.status();
    metric.smoothing = *smoothing;
  }
  return metric;
}

absl::StatusOr<Gate> ParseGate(const Located& at) {
  absl::StatusOr<Fields> fields =
      Fields::Read(at, {"metric", "aggregation", "numerator", "denominator", "per", "at_least",
                        "confidence", "min", "max"});
  if (!fields.ok()) return fields.status();
  Gate gate;
  absl::StatusOr<const MetricSpec*> spec =
      ParseMeasure(*fields, gate.metric, gate.aggregation, gate.ratio, gate.top_box);
  if (!spec.ok()) return spec.status();
  if (const Located* field = fields->Find("min")) {
    absl::StatusOr<double> min = ReadNumber(*field);
    if (!min.ok()) return min.status();
    gate.min = *min;
  }
  if (const Located* field = fields->Find("max")) {
    absl::StatusOr<double> max = ReadNumber(*field);
    if (!max.ok()) return max.status();
    gate.max = *max;
  }
  if (gate.min.has_value() && gate.max.has_value() && *gate.min > *gate.max) {
    return FieldError(at, absl::StrCat("min ", *gate.min, " is greater than max ", *gate.max));
  }
  return gate;
}

absl::Status ParseScorecard(const Located& at, ProgramSpec& program) {
  absl::StatusOr<Fields> fields =
      Fields::Read(at, {"peer_group", "normalization", "metrics", "gates"});
  if (!fields.ok()) return fields.status();
  if (const Located* field = fields->Find("peer_group")) {
    absl::StatusOr<PeerGroupBy> peer_group =
        ReadWord<PeerGroupBy>(*field, "peer_group",
                              {{"channel", PeerGroupBy::kChannel},
                               {"team", PeerGroupBy::kTeam},
                               {"all", PeerGroupBy::kAll}});
    if (!peer_group.ok()) return peer_group.status();
    program.peer_group = *peer_group;
  }
  if (const Located* field = fields->Find("normalization")) {
    absl::StatusOr<Normalization> normalization =
        ReadWord<Normalization>(*field, "normalization",
                                {{"percentile", Normalization::kPercentile},
                                 {"zscore", Normalization::kZScore},
                                 {"none", Normalization::kNone}});
    if (!normalization.ok()) return normalization.status();
    program.normalization = *normalization;
  }

  const Located* metrics_field = fields->Find("metrics");
  if (metrics_field == nullptr) return fields->Missing("metrics");
  absl::StatusOr<std::vector<Located>> metrics = ReadList(*metrics_field);
  if (!metrics.ok()) return metrics.status();
  if (metrics->empty()) return FieldError(*metrics_field, "must list at least one metric");
  double total_weight = 0;
  for (size_t i = 0; i < metrics->size(); ++i) {
    const Located& item = (*metrics)[i];
    absl::StatusOr<ScorecardMetric> metric = ParseScorecardMetric(item);
    if (!metric.ok()) return metric.status();
    // The same measure twice would count it double, whatever the aggregations or weights.
    for (size_t earlier = 0; earlier < program.metrics.size(); ++earlier) {
      if (MeasureLabel(program.metrics[earlier]) == MeasureLabel(*metric)) {
        return FieldError(item, absl::StrCat("metric \"", MeasureLabel(*metric),
                                             "\" is already listed as ", (*metrics)[earlier].path,
                                             "; each metric counts once (set its weight instead)"));
      }
    }
    total_weight += metric->weight;
    program.metrics.push_back(*std::move(metric));
  }
  if (!(total_weight > 0)) {
    return FieldError(*metrics_field, "all weights are 0; at least one must be positive");
  }

  if (const Located* gates_field = fields->Find("gates")) {
    absl::StatusOr<std::vector<Located>> gates = ReadList(*gates_field);
    if (!gates.ok()) return gates.status();
    for (const Located& item : *gates) {
      absl::StatusOr<Gate> gate = ParseGate(item);
      if (!gate.ok()) return gate.status();
      program.gates.push_back(*std::move(gate));
    }
  }
  return absl::OkStatus();
}

// A hold's condition: a measure as in a gate, and exactly one of best_percent, worst_percent,
// min and max.
absl::StatusOr<HoldCondition> ParseHoldCondition(const Located& at) {
  absl::StatusOr<Fields> fields =
      Fields::Read(at, {"metric", "aggregation", "numerator", "denominator", "per", "at_least",
                        "confidence", "best_percent", "worst_percent", "min", "max"});
  if (!fields.ok()) return fields.status();
  HoldCondition condition;
  Gate& measure = condition.measure;
  absl::StatusOr<const MetricSpec*> spec =
      ParseMeasure(*fields, measure.metric, measure.aggregation, measure.ratio, measure.top_box);
  if (!spec.ok()) return spec.status();
  condition.direction = (*spec)->direction;
  const Located* chosen = nullptr;
  for (const auto& [key, kind] :
       std::initializer_list<std::pair<absl::string_view, HoldCondition::Kind>>{
           {"best_percent", HoldCondition::Kind::kBestPercent},
           {"worst_percent", HoldCondition::Kind::kWorstPercent},
           {"min", HoldCondition::Kind::kMin},
           {"max", HoldCondition::Kind::kMax}}) {
    const Located* field = fields->Find(key);
    if (field == nullptr) continue;
    if (chosen != nullptr) {
      return FieldError(
          *field, absl::StrCat("give one of best_percent, worst_percent, min or "
                               "max, not both ",
                               chosen->path.substr(chosen->path.rfind('.') + 1), " and ", key));
    }
    chosen = field;
    absl::StatusOr<double> bound = ReadNumber(*field);
    if (!bound.ok()) return bound.status();
    const bool percent =
        kind == HoldCondition::Kind::kBestPercent || kind == HoldCondition::Kind::kWorstPercent;
    if (percent && !(*bound > 0 && *bound <= 100)) {
      return FieldError(*field, absl::StrCat("must be in (0, 100], got ", *bound));
    }
    condition.kind = kind;
    condition.bound = *bound;
  }
  if (chosen == nullptr) {
    return FieldError(at, "needs one of best_percent, worst_percent, min or max");
  }
  return condition;
}

absl::Status ParseHolds(const Located& at, ProgramSpec& program) {
  absl::StatusOr<std::vector<Located>> items = ReadList(at);
  if (!items.ok()) return items.status();
  for (const Located& item : *items) {
    absl::StatusOr<Fields> fields = Fields::Read(item, {"name", "when"});
    if (!fields.ok()) return fields.status();
    Hold hold;
    const Located* name = fields->Find("name");
    if (name == nullptr) return fields->Missing("name");
    absl::StatusOr<std::string> name_text = ReadString(*name);
    if (!name_text.ok()) return name_text.status();
    if (name_text->empty()) return FieldError(*name, "must not be empty");
    for (unsigned char c : *name_text) {
      if (c < 0x20 || c == 0x7f) return FieldError(*name, "contains a control character");
    }
    for (const Hold& earlier : program.holds) {
      if (earlier.name == *name_text) {
        return FieldError(*name, absl::StrCat("duplicate hold name \"", *name_text, "\""));
      }
    }
    hold.name = *name_text;
    const Located* when = fields->Find("when");
    if (when == nullptr) return fields->Missing("when");
    absl::StatusOr<std::vector<Located>> conditions = ReadList(*when);
    if (!conditions.ok()) return conditions.status();
    if (conditions->empty()) return FieldError(*when, "must list at least one condition");
    for (const Located& condition_at : *conditions) {
      absl::StatusOr<HoldCondition> condition = ParseHoldCondition(condition_at);
      if (!condition.ok()) return condition.status();
      hold.when.push_back(*std::move(condition));
    }
    program.holds.push_back(std::move(hold));
  }
  return absl::OkStatus();
}

absl::StatusOr<RewardSpec> ParseReward(const Located& at,
                                       const std::set<std::string>& reward_types) {
  absl::StatusOr<Fields> fields = Fields::ReadOpen(at);
  if (!fields.ok()) return fields.status();
  RewardSpec reward;
  const Located* type = fields->Find("type");
  if (type == nullptr) return fields->Missing("type");
  absl::StatusOr<std::string> type_name = ReadString(*type);
  if (!type_name.ok()) return type_name.status();
  if (!reward_types.contains(*type_name)) {
    return FieldError(
        *type, absl::StrCat("unknown reward type \"", *type_name, "\" (",
                            reward_types.empty()
                                ? std::string("no fulfilment plugin serves any")
                                : absl::StrCat("available: ", absl::StrJoin(reward_types, ", ")),
                            ")"));
  }
  reward.type = *type_name;
  reward.path = at.path;
  reward.line = at.line;
  for (const auto& [key, value] : fields->entries()) {
    if (key == "type") continue;
    if (key == "value") {
      absl::StatusOr<double> cost = ReadNumber(value);
      if (!cost.ok()) return cost.status();
      if (*cost < 0) return FieldError(value, "must not be negative");
      reward.value = *cost;
      continue;
    }
    if (key == "face_value") {
      absl::StatusOr<double> face = ReadNumber(value);
      if (!face.ok()) return face.status();
      if (*face < 0) return FieldError(value, "must not be negative");
      reward.face_value = *face;
      continue;
    }
    if (!value.node.IsScalar()) {
      return FieldError(value, absl::StrCat("expected a scalar value, got ", KindOf(value.node)));
    }
    const std::string& text = value.node.Scalar();
    for (unsigned char c : key + text) {
      if (c < 0x20 || c == 0x7f) return FieldError(value, "contains a control character");
    }
    reward.params[key] = text;
  }
  return reward;
}

absl::StatusOr<std::vector<RewardSpec>> ParseRewards(const Located& at,
                                                     const std::set<std::string>& reward_types) {
  absl::StatusOr<std::vector<Located>> items = ReadList(at);
  if (!items.ok()) return items.status();
  if (items->empty()) return FieldError(at, "must list at least one reward");
  std::vector<RewardSpec> rewards;
  for (const Located& item : *items) {
    absl::StatusOr<RewardSpec> reward = ParseReward(item, reward_types);
    if (!reward.ok()) return reward.status();
    rewards.push_back(*std::move(reward));
  }
  return rewards;
}

// A tiers list, best first. `has_award_rewards` tells whether a tier may omit its rewards.
// `nested`: the tiers of a streak's base rule, whose rewards are the streak's.
absl::StatusOr<std::vector<Tier>> ParseTiers(const Located& at,
                                             const std::set<std::string>& reward_types,
                                             bool has_award_rewards, bool nested) {
  absl::StatusOr<std::vector<Located>> items = ReadList(at);
  if (!items.ok()) return items.status();
  if (items->empty()) return FieldError(at, "must list at least one tier");
  std::vector<Tier> tiers;
  for (const Located& item : *items) {
    absl::StatusOr<Fields> fields = nested ? Fields::Read(item, {"name", "min_score"})
                                           : Fields::Read(item, {"name", "min_score", "rewards"});
    if (!fields.ok()) return fields.status();
    Tier tier;
    const Located* name = fields->Find("name");
    if (name == nullptr) return fields->Missing("name");
    absl::StatusOr<std::string> name_text = ReadString(*name);
    if (!name_text.ok()) return name_text.status();
    if (!IsValidId(*name_text)) {
      return FieldError(*name, absl::StrCat("invalid tier name \"", *name_text,
                                            "\" (expected lowercase letters, digits, - and _)"));
    }
    for (const Tier& earlier : tiers) {
      if (earlier.name == *name_text) {
        return FieldError(*name, absl::StrCat("duplicate tier name \"", *name_text, "\""));
      }
    }
    tier.name = *name_text;
    const Located* min_score = fields->Find("min_score");
    if (min_score == nullptr) return fields->Missing("min_score");
    absl::StatusOr<double> min = ReadNumber(*min_score);
    if (!min.ok()) return min.status();
    if (!tiers.empty() && !(*min < tiers.back().min_score)) {
      return FieldError(*min_score,
                        absl::StrCat("tiers must be ordered best first, by min_score descending: ",
                                     *min, " is not below ", tiers.back().min_score, " of tier \"",
                                     tiers.back().name, "\""));
    }
    tier.min_score = *min;
    if (const Located* rewards_field = fields->Find("rewards")) {
      absl::StatusOr<std::vector<RewardSpec>> rewards = ParseRewards(*rewards_field, reward_types);
      if (!rewards.ok()) return rewards.status();
      tier.rewards = *std::move(rewards);
    } else if (!has_award_rewards) {
      return FieldError(item.line, ChildPath(item.path, "rewards"),
                        "missing required field (award.rewards is not given either)");
    }
    tiers.push_back(std::move(tier));
  }
  return tiers;
}

// Where an award rule reads which keys: each key belongs to the listed rules only, since under
// another it would be silently ignored.
struct RuleKeys {
  absl::string_view key;
  std::vector<std::string> rules;
};

const std::vector<RuleKeys>& AwardRuleKeys() {
  static const auto* const kKeys = new std::vector<RuleKeys>{
      {"n", {"top_n", "most_improved"}},
      {"per_peer_group", {"top_n"}},
      {"min_score", {"threshold"}},
      {"min_metric", {"threshold"}},
      {"tiers", {"tiers"}},
      {"metric", {"target", "most_improved"}},
      {"aggregation", {"target", "most_improved"}},
      {"numerator", {"target", "most_improved"}},
      {"denominator", {"target", "most_improved"}},
      {"per", {"target", "most_improved"}},
      {"at_least", {"target", "most_improved"}},
      {"confidence", {"target", "most_improved"}},
      {"share_at_least", {"target"}},
      {"periods", {"streak"}},
      {"of", {"streak"}},
  };
  return *kKeys;
}

// Rule target's measure and target: at_least, or for top_box (whose at_least is the box)
// share_at_least.
absl::StatusOr<Gate> ParseTarget(const Fields& fields) {
  Gate target;
  const Located* field = nullptr;
  if (const Located* aggregation = fields.Find("aggregation");
      aggregation != nullptr && aggregation->node.IsScalar() &&
      aggregation->node.Scalar() == "top_box") {
    absl::StatusOr<const MetricSpec*> spec =
        ParseMeasure(fields.Without("share_at_least"), target.metric, target.aggregation,
                     target.ratio, target.top_box);
    if (!spec.ok()) return spec.status();
    field = fields.Find("share_at_least");
    if (field == nullptr) return fields.Missing("share_at_least");
  } else {
    if (const Located* share = fields.Find("share_at_least")) {
      return FieldError(*share, "only used with aggregation top_box (otherwise: at_least)");
    }
    absl::StatusOr<const MetricSpec*> spec =
        ParseMeasure(fields.Without("at_least"), target.metric, target.aggregation, target.ratio,
                     target.top_box);
    if (!spec.ok()) return spec.status();
    field = fields.Find("at_least");
    if (field == nullptr) return fields.Missing("at_least");
  }
  absl::StatusOr<double> goal = ReadNumber(*field);
  if (!goal.ok()) return goal.status();
  // Progress is the aggregate divided by the target.
  if (!(*goal > 0)) return FieldError(*field, absl::StrCat("must be greater than 0, got ", *goal));
  target.min = *goal;
  return target;
}

// `nested`: the base rule of a streak, which has no rewards of its own.
absl::Status ParseAwardRule(const Located& at, const std::set<std::string>& reward_types,
                            Scope scope, bool nested, AwardRule& award) {
  std::vector<absl::string_view> allowed = {"rule"};
  for (const RuleKeys& keys : AwardRuleKeys()) allowed.push_back(keys.key);
  if (!nested) {
    allowed.push_back("rewards");
    allowed.push_back("rewards_to");
  }
  absl::StatusOr<Fields> fields = Fields::Read(at, allowed);
  if (!fields.ok()) return fields.status();
  if (const Located* field = fields->Find("rule")) {
    absl::StatusOr<std::string> rule =
        nested ? ReadWord<std::string>(*field, "rule",
                                       {{"top_n", "top_n"},
                                        {"threshold", "threshold"},
                                        {"tiers", "tiers"},
                                        {"target", "target"}})
               : ReadWord<std::string>(*field, "rule",
                                       {{"top_n", "top_n"},
                                        {"threshold", "threshold"},
                                        {"tiers", "tiers"},
                                        {"target", "target"},
                                        {"most_improved", "most_improved"},
                                        {"streak", "streak"}});
    if (!rule.ok()) return rule.status();
    award.rule = *rule;
  }
  for (const RuleKeys& keys : AwardRuleKeys()) {
    const Located* field = fields->Find(keys.key);
    if (field != nullptr &&
        std::find(keys.rules.begin(), keys.rules.end(), award.rule) == keys.rules.end()) {
      std::vector<absl::string_view> rules(keys.rules.begin(), keys.rules.end());
      return FieldError(*field,
                        absl::StrCat("only used with rule ", OrList(rules), ", not ", award.rule));
    }
  }
  if (const Located* field = fields->Find("n")) {
    absl::StatusOr<int64_t> n = ReadInteger(*field, 1, std::numeric_limits<int>::max());
    if (!n.ok()) return n.status();
    award.n = static_cast<int>(*n);
  }
  if (const Located* field = fields->Find("per_peer_group")) {
    absl::StatusOr<bool> per_peer_group = ReadBool(*field);
    if (!per_peer_group.ok()) return per_peer_group.status();
    award.per_peer_group = *per_peer_group;
  }
  if (const Located* field = fields->Find("rewards_to")) {
    if (scope != Scope::kTeam) return FieldError(*field, "only used with scope team");
    absl::StatusOr<RewardsTo> rewards_to = ReadWord<RewardsTo>(
        *field, "rewards_to", {{"members", RewardsTo::kMembers}, {"team", RewardsTo::kTeam}});
    if (!rewards_to.ok()) return rewards_to.status();
    award.rewards_to = *rewards_to;
  }
  if (award.rule == "threshold") {
    const Located* min_score = fields->Find("min_score");
    const Located* min_metric = fields->Find("min_metric");
    if (min_score == nullptr && min_metric == nullptr) {
      return FieldError(at.line, ChildPath(at.path, "min_score"),
                        "rule threshold needs min_score or min_metric");
    }
    if (min_score != nullptr && min_metric != nullptr) {
      return FieldError(*min_metric, "give min_score or min_metric, not both");
    }
    if (min_score != nullptr) {
      absl::StatusOr<double> min = ReadNumber(*min_score);
      if (!min.ok()) return min.status();
      award.min_score = *min;
    } else {
      absl::StatusOr<Gate> gate = ParseGate(*min_metric);
      if (!gate.ok()) return gate.status();
      if (gate->max.has_value()) {
        return FieldError(*min_metric, "max is not used here: a threshold has only a min");
      }
      if (!gate->min.has_value()) {
        return FieldError(min_metric->line, ChildPath(min_metric->path, "min"),
                          "missing required field");
      }
      award.min_metric = *std::move(gate);
    }
  }
  if (award.rule == "target") {
    absl::StatusOr<Gate> target = ParseTarget(*fields);
    if (!target.ok()) return target.status();
    award.target = *std::move(target);
  }
  if (award.rule == "most_improved" &&
      (fields->Find("metric") != nullptr || fields->Find("numerator") != nullptr ||
       fields->Find("aggregation") != nullptr)) {
    Gate measure;
    absl::StatusOr<const MetricSpec*> spec =
        ParseMeasure(*fields, measure.metric, measure.aggregation, measure.ratio, measure.top_box);
    if (!spec.ok()) return spec.status();
    award.improvement_metric = std::move(measure);
    award.improvement_direction = (*spec)->direction;
  }
  if (award.rule == "streak") {
    const Located* periods = fields->Find("periods");
    if (periods == nullptr) return fields->Missing("periods");
    // Each earlier period is recomputed from its events when the streak is decided.
    absl::StatusOr<int64_t> count = ReadInteger(*periods, 1, 60);
    if (!count.ok()) return count.status();
    award.streak_periods = static_cast<int>(*count);
    const Located* of = fields->Find("of");
    if (of == nullptr) return fields->Missing("of");
    AwardRule base;
    if (absl::Status status = ParseAwardRule(*of, reward_types, scope, /*nested=*/true, base);
        !status.ok()) {
      return status;
    }
    award.streak_of.push_back(std::move(base));
  }
  const Located* rewards_field = fields->Find("rewards");
  if (award.rule == "tiers") {
    const Located* tiers_field = fields->Find("tiers");
    if (tiers_field == nullptr) return fields->Missing("tiers");
    absl::StatusOr<std::vector<Tier>> tiers =
        ParseTiers(*tiers_field, reward_types, nested || rewards_field != nullptr, nested);
    if (!tiers.ok()) return tiers.status();
    award.tiers = *std::move(tiers);
    if (rewards_field == nullptr) return absl::OkStatus();
  }
  if (nested) return absl::OkStatus();
  if (rewards_field == nullptr) return fields->Missing("rewards");
  absl::StatusOr<std::vector<RewardSpec>> rewards = ParseRewards(*rewards_field, reward_types);
  if (!rewards.ok()) return rewards.status();
  award.rewards = *std::move(rewards);
  return absl::OkStatus();
}

absl::Status ParseAward(const Located& at, const std::set<std::string>& reward_types, Scope scope,
                        AwardRule& award) {
  return ParseAwardRule(at, reward_types, scope, /*nested=*/false, award);
}

// "48h", "90m", "2d", "0s": a non-negative whole number of days, hours, minutes or seconds.
absl::StatusOr<absl::Duration> ParseGraceDuration(const std::string& text) {
  int64_t amount = 0;
  const std::string digits = text.empty() ? "" : text.substr(0, text.size() - 1);
  const char unit = text.empty() ? ' ' : text.back();
  const absl::Duration scale = unit == 'd'   ? absl::Hours(24)
                               : unit == 'h' ? absl::Hours(1)
                               : unit == 'm' ? absl::Minutes(1)
                               : unit == 's' ? absl::Seconds(1)
                                             : absl::ZeroDuration();
  if (scale == absl::ZeroDuration() || digits.empty() || !absl::SimpleAtoi(digits, &amount) ||
      amount < 0 || amount > 3660) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a grace time like 48h, 90m or 2d (at most 3660 of a unit)"));
  }
  return amount * scale;
}

// approval: auto | manager | admin, or {by: ..., two_approvers_above: VALUE}.
absl::StatusOr<ApprovalPolicy> ParseApproval(const Located& at) {
  auto read_by = [](const Located& field) {
    return ReadWord<ApprovalBy>(field, "approval",
                                {{"auto", ApprovalBy::kAuto},
                                 {"manager", ApprovalBy::kManager},
                                 {"admin", ApprovalBy::kAdmin}});
  };
  ApprovalPolicy policy;
  if (at.node.IsScalar()) {
    absl::StatusOr<ApprovalBy> by = read_by(at);
    if (!by.ok()) return by.status();
    policy.by = *by;
    return policy;
  }
  absl::StatusOr<Fields> fields = Fields::Read(at, {"by", "two_approvers_above"});
  if (!fields.ok()) return fields.status();
  if (const Located* field = fields->Find("by")) {
    absl::StatusOr<ApprovalBy> by = read_by(*field);
    if (!by.ok()) return by.status();
    policy.by = *by;
  }
  if (const Located* field = fields->Find("two_approvers_above")) {
    absl::StatusOr<double> above = ReadNumber(*field);
    if (!above.ok()) return above.status();
    if (*above < 0) return FieldError(*field, "must not be negative");
    policy.two_approvers_above = *above;
  }
  return policy;
}

// budget: {amount: 500, unit: money|hours|items, currency: EUR, mode: fixed|flexible}.
absl::StatusOr<BudgetSpec> ParseBudget(const Located& at) {
  absl::StatusOr<Fields> fields = Fields::Read(at, {"amount", "unit", "currency", "mode"});
  if (!fields.ok()) return fields.status();
  BudgetSpec budget;
  const Located* amount = fields->Find("amount");
  if (amount == nullptr) return fields->Missing("amount");
  absl::StatusOr<double> value = ReadNumber(*amount);
  if (!value.ok()) return value.status();
  if (*value < 0) return FieldError(*amount, "must not be negative");
  budget.amount = *value;
  const Located* unit = fields->Find("unit");
  if (unit == nullptr) return fields->Missing("unit");
  absl::StatusOr<BudgetUnit> unit_word = ReadWord<BudgetUnit>(*unit, "budget unit",
                                                              {{"money", BudgetUnit::kMoney},
                                                               {"hours", BudgetUnit::kHours},
                                                               {"items", BudgetUnit::kItems}});
  if (!unit_word.ok()) return unit_word.status();
  budget.unit = *unit_word;
  const Located* currency = fields->Find("currency");
  if (budget.unit == BudgetUnit::kMoney) {
    if (currency == nullptr) return fields->Missing("currency");
    absl::StatusOr<std::string> code = ReadString(*currency);
    if (!code.ok()) return code.status();
    bool valid = code->size() == 3;
    for (char c : *code) valid = valid && c >= 'A' && c <= 'Z';
    if (!valid) {
      return FieldError(*currency, absl::StrCat("\"", *code,
                                                "\" is not a currency code (three capital letters, "
                                                "such as EUR or USD)"));
    }
    budget.currency = *code;
  } else if (currency != nullptr) {
    return FieldError(*currency, "only used with unit money");
  }
  if (const Located* field = fields->Find("mode")) {
    absl::StatusOr<BudgetMode> mode =
        ReadWord<BudgetMode>(*field, "budget mode",
                             {{"fixed", BudgetMode::kFixed}, {"flexible", BudgetMode::kFlexible}});
    if (!mode.ok()) return mode.status();
    budget.mode = *mode;
  }
  return budget;
}

absl::StatusOr<HoldoutSpec> ParseHoldout(const Located& at, Cadence cadence, absl::TimeZone zone) {
  absl::StatusOr<Fields> fields = Fields::Read(at, {"share", "seed", "until"});
  if (!fields.ok()) return fields.status();
  HoldoutSpec holdout;
  const Located* share = fields->Find("share");
  if (share == nullptr) return fields->Missing("share");
  absl::StatusOr<double> value = ReadNumber(*share);
  if (!value.ok()) return value.status();
  if (!(*value > 0 && *value <= 0.5)) {
    return FieldError(*share, absl::StrCat("must be in (0, 0.5], got ", *value));
  }
  holdout.share = *value;
  const Located* seed = fields->Find("seed");
  if (seed == nullptr) return fields->Missing("seed");
  absl::StatusOr<int64_t> seed_value = ReadInteger(*seed, 0, std::numeric_limits<int64_t>::max());
  if (!seed_value.ok()) return seed_value.status();
  holdout.seed = static_cast<uint64_t>(*seed_value);
  if (const Located* until = fields->Find("until")) {
    absl::StatusOr<std::string> label = ReadString(*until);
    if (!label.ok()) return label.status();
    auto period = ParsePeriod(cadence, *label, zone);
    if (!period.ok()) return FieldError(*until, period.status().message());
    holdout.until = period->label;
  }
  return holdout;
}

// With a budget in money or hours, or a two-approver threshold, every reward must say what it
// costs: a missing value would silently count as free.
absl::Status CheckRewardValues(const ProgramSpec& program) {
  std::string why;
  if (program.budget.has_value() && program.budget->unit != BudgetUnit::kItems) {
    why = program.budget->unit == BudgetUnit::kMoney
              ? absl::StrCat("a budget in money needs each reward's cost in ",
                             program.budget->currency)
              : std::string("a budget in hours needs each reward's hours");
  } else if (program.approval.two_approvers_above.has_value() && !program.budget.has_value()) {
    why =
        "approval.two_approvers_above compares each award's value, the sum of its rewards' values";
  } else {
    return absl::OkStatus();
  }
  std::vector<const RewardSpec*> rewards;
  for (const RewardSpec& reward : program.award.rewards) rewards.push_back(&reward);
  for (const Tier& tier : program.award.tiers) {
    for (const RewardSpec& reward : tier.rewards) rewards.push_back(&reward);
  }
  for (const RewardSpec* reward : rewards) {
    if (!reward->value.has_value()) {
      return FieldError(reward->line, ChildPath(reward->path, "value"),
                        absl::StrCat("missing required field: ", why));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ProgramSpec> ParseProgram(const YAML::Node& root,
                                         const std::set<std::string>& reward_types) {
  const Located at{root, "", LineOf(root, 1)};
  absl::StatusOr<Fields> fields =
      Fields::Read(at, {"id", "name", "cadence", "time_zone", "close_after", "eligibility", "scope",
                        "min_team_size", "scorecard", "holds", "award", "approval", "budget",
                        "holdout", "value_per_unit"});
  if (!fields.ok()) return fields.status();
  ProgramSpec program;

  const Located* id = fields->Find("id");
  if (id == nullptr) return fields->Missing("id");
  absl::StatusOr<std::string> id_text = ReadString(*id);
  if (!id_text.ok()) return id_text.status();
  if (!IsValidId(*id_text)) {
    return FieldError(*id, absl::StrCat("invalid id \"", *id_text,
                                        "\" (expected [a-z0-9][a-z0-9-_]*: lowercase letters, "
                                        "digits, - and _, not starting with - or _)"));
  }
  program.id = *id_text;

  const Located* name = fields->Find("name");
  if (name == nullptr) return fields->Missing("name");
  absl::StatusOr<std::string> name_text = ReadString(*name);
  if (!name_text.ok()) return name_text.status();
  if (name_text->empty()) return FieldError(*name, "must not be empty");
  program.name = *name_text;

  if (const Located* field = fields->Find("cadence")) {
    absl::StatusOr<Cadence> cadence = ReadWord<Cadence>(*field, "cadence",
                                                        {{"daily", Cadence::kDaily},
                                                         {"weekly", Cadence::kWeekly},
                                                         {"monthly", Cadence::kMonthly},
                                                         {"quarterly", Cadence::kQuarterly},
                                                         {"yearly", Cadence::kYearly}});
    if (!cadence.ok()) return cadence.status();
    program.cadence = *cadence;
  }

  if (const Located* field = fields->Find("time_zone")) {
    absl::StatusOr<std::string> time_zone = ReadString(*field);
    if (!time_zone.ok()) return time_zone.status();
    program.time_zone = *time_zone;
  }
  absl::StatusOr<absl::TimeZone> zone = LoadZone(program.time_zone);
  if (!zone.ok()) {
    const Located* field = fields->Find("time_zone");
    return FieldError(field != nullptr ? field->line : at.line, "time_zone",
                      zone.status().message());
  }
  program.zone = *zone;

  if (const Located* field = fields->Find("close_after")) {
    absl::StatusOr<std::string> text = ReadString(*field);
    if (!text.ok()) return text.status();
    absl::StatusOr<absl::Duration> grace = ParseGraceDuration(*text);
    if (!grace.ok()) return FieldError(*field, grace.status().message());
    program.close_after = *grace;
  }

  if (const Located* field = fields->Find("eligibility")) {
    absl::StatusOr<Fields> eligibility = Fields::Read(*field, {"min_tenure_days"});
    if (!eligibility.ok()) return eligibility.status();
    if (const Located* days = eligibility->Find("min_tenure_days")) {
      absl::StatusOr<int64_t> min_tenure =
          ReadInteger(*days, 0, std::numeric_limits<int64_t>::max());
      if (!min_tenure.ok()) return min_tenure.status();
      program.min_tenure_days = *min_tenure;
    }
  }

  if (const Located* field = fields->Find("scope")) {
    absl::StatusOr<Scope> scope =
        ReadWord<Scope>(*field, "scope", {{"agent", Scope::kAgent}, {"team", Scope::kTeam}});
    if (!scope.ok()) return scope.status();
    program.scope = *scope;
  }
  if (const Located* field = fields->Find("min_team_size")) {
    if (program.scope != Scope::kTeam) return FieldError(*field, "only used with scope team");
    absl::StatusOr<int64_t> size = ReadInteger(*field, 1, std::numeric_limits<int>::max());
    if (!size.ok()) return size.status();
    program.min_team_size = *size;
  }

  const Located* scorecard = fields->Find("scorecard");
  if (scorecard == nullptr) return fields->Missing("scorecard");
  if (absl::Status status = ParseScorecard(*scorecard, program); !status.ok()) return status;
  // A team's peer group would be ambiguous by channel (members serve several) and trivial by
  // team, so teams compete as one group.
  if (program.scope == Scope::kTeam && program.peer_group != PeerGroupBy::kAll) {
    int line = scorecard->line;
    // The line is read while the fields it comes from are alive.
    if (absl::StatusOr<Fields> scorecard_fields = Fields::ReadOpen(*scorecard);
        scorecard_fields.ok()) {
      if (const Located* peer_group = scorecard_fields->Find("peer_group")) line = peer_group->line;
    }
    return FieldError(line, "scorecard.peer_group", "scope team needs peer_group all");
  }

  if (const Located* field = fields->Find("holds")) {
    if (absl::Status status = ParseHolds(*field, program); !status.ok()) return status;
  }

  const Located* award = fields->Find("award");
  if (award == nullptr) return fields->Missing("award");
  if (absl::Status status = ParseAward(*award, reward_types, program.scope, program.award);
      !status.ok()) {
    return status;
  }
  if (const Located* field = fields->Find("approval")) {
    absl::StatusOr<ApprovalPolicy> approval = ParseApproval(*field);
    if (!approval.ok()) return approval.status();
    program.approval = *approval;
  }
  if (const Located* field = fields->Find("budget")) {
    absl::StatusOr<BudgetSpec> budget = ParseBudget(*field);
    if (!budget.ok()) return budget.status();
    program.budget = *budget;
  }
  if (const Located* field = fields->Find("holdout")) {
    absl::StatusOr<HoldoutSpec> holdout = ParseHoldout(*field, program.cadence, program.zone);
    if (!holdout.ok()) return holdout.status();
    program.holdout = *holdout;
  }
  if (const Located* field = fields->Find("value_per_unit")) {
    absl::StatusOr<Fields> values = Fields::ReadOpen(*field);
    if (!values.ok()) return values.status();
    for (const auto& [metric, value_at] : values->entries()) {
      const bool scored = std::any_of(program.metrics.begin(), program.metrics.end(),
                                      [&](const ScorecardMetric& m) { return m.metric == metric; });
      if (!scored) {
        return FieldError(value_at,
                          absl::StrCat("\"", metric, "\" is not a metric of the scorecard"));
      }
      absl::StatusOr<double> value = ReadNumber(value_at);
      if (!value.ok()) return value.status();
      program.value_per_unit[metric] = *value;
    }
  }
  if (absl::Status status = CheckRewardValues(program); !status.ok()) return status;
  return program;
}

}  // namespace

std::string_view ApprovalByName(ApprovalBy by) {
  switch (by) {
    case ApprovalBy::kAuto:
      return "auto";
    case ApprovalBy::kManager:
      return "manager";
    case ApprovalBy::kAdmin:
      return "admin";
  }
  return "auto";
}

std::string_view BudgetModeName(BudgetMode mode) {
  return mode == BudgetMode::kFixed ? "fixed" : "flexible";
}

std::string_view BudgetUnitName(BudgetUnit unit) {
  switch (unit) {
    case BudgetUnit::kMoney:
      return "money";
    case BudgetUnit::kHours:
      return "hours";
    case BudgetUnit::kItems:
      return "items";
  }
  return "money";
}

double RewardValue(const RewardSpec& reward, const std::optional<BudgetSpec>& budget) {
  if (reward.value.has_value()) return *reward.value;
  return budget.has_value() && budget->unit == BudgetUnit::kItems ? 1.0 : 0.0;
}

int EarlierPeriodsNeeded(const ProgramSpec& program) {
  if (program.award.rule == "most_improved") return 1;
  if (program.award.rule == "streak") return program.award.streak_periods - 1;
  return 0;
}

std::string_view AggregationName(Aggregation aggregation) {
  switch (aggregation) {
    case Aggregation::kSum:
      return "sum";
    case Aggregation::kCount:
      return "count";
    case Aggregation::kMean:
      return "mean";
    case Aggregation::kMin:
      return "min";
    case Aggregation::kMax:
      return "max";
    case Aggregation::kRatio:
      return "ratio";
    case Aggregation::kTopBox:
      return "top_box";
  }
  return "sum";
}

// The 1-based line of a document marker ("---" or "...") that follows content, or 0 if none.
int SecondDocumentLine(std::string_view yaml) {
  bool seen_content = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(yaml.data(), yaml.size()), '\n')) {
    ++line_number;
    const bool marker = (absl::StartsWith(line, "---") || absl::StartsWith(line, "...")) &&
                        (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
    if (marker && seen_content) return line_number;
    absl::string_view content = absl::StripLeadingAsciiWhitespace(line);
    if (!marker && !content.empty() && content[0] != '#') seen_content = true;
  }
  return 0;
}

absl::StatusOr<ProgramSpec> ParseProgramYaml(std::string_view yaml,
                                             const std::set<std::string>& reward_types) {
  // A second document is found by its marker, not with YAML::LoadAll: yaml-cpp 0.7's LoadAll
  // loops forever, allocating, on some malformed input.
  int second_document_line = SecondDocumentLine(yaml);
  if (second_document_line > 0) {
    return FieldError(second_document_line, "", "expected a single YAML document");
  }
  try {
    const YAML::Node document = YAML::Load(std::string(yaml));
    if (!document.IsDefined() || document.IsNull()) {
      return FieldError(1, "", "empty document");
    }
    return ParseProgram(document, reward_types);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return absl::InvalidArgumentError(absl::StrCat("line ", line, ": malformed YAML: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("program could not be read: ", e.what()));
  }
}

}  // namespace plaudit

#include "core/awards/explain.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/domain/metric_catalogue.h"

namespace plaudit {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// Bisection steps for zscore and none: enough to pin a double down to its last bits.
constexpr int kBisectionSteps = 64;
// Doublings of the search range while no better value has reached the cut-off yet.
constexpr int kExpansionSteps = 64;

// The range an aggregate of this metric can take, or infinite ends.
std::pair<double, double> ValueBounds(const ScorecardMetric& metric) {
  if (metric.aggregation == Aggregation::kTopBox) return {0.0, 1.0};
  const MetricSpec* spec = FindMetric(metric.metric);
  const bool non_negative = spec != nullptr && spec->min >= 0;
  switch (metric.aggregation) {
    case Aggregation::kMean:
    case Aggregation::kMin:
    case Aggregation::kMax:
      if (spec == nullptr) break;
      return {spec->min, spec->max};
    case Aggregation::kCount:
      return {0.0, kInfinity};
    case Aggregation::kSum:
    case Aggregation::kRatio:
      if (non_negative) return {0.0, kInfinity};
      break;
    case Aggregation::kTopBox:
      break;
  }
  return {-kInfinity, kInfinity};
}

// Values are compared "higher is better": a lower-is-better value is negated.
double Directed(Direction direction, double value) {
  return direction == Direction::kLowerIsBetter ? 0.0 - value : value;
}

// Just better than `value`, by more than the 1e-9 relative tolerance under which values tie.
double JustAbove(double value) { return value + std::max(std::fabs(value) * 1e-6, 1e-9); }

// How far the agent got: 0 nothing; 1 won (top_n, threshold); under tiers, 1 the lowest tier up
// to the number of tiers for the highest.
int OutcomeLevel(const AwardRule& award, const std::vector<Winner>& winners,
                 const std::string& agent_id) {
  for (const Winner& winner : winners) {
    if ((winner.agent_id.empty() ? winner.team : winner.agent_id) != agent_id) continue;
    if (award.rule != "tiers") return 1;
    for (size_t i = 0; i < award.tiers.size(); ++i) {
      if (award.tiers[i].name == winner.tier) return static_cast<int>(award.tiers.size() - i);
    }
    return 1;
  }
  return 0;
}

int HighestLevel(const AwardRule& award) {
  return award.rule == "tiers" ? static_cast<int>(award.tiers.size()) : 1;
}

// Re-runs the ranking of `competitors` with one metric value of one agent changed and tells
// whether the agent reaches `target_level`.
class OutcomeProbe {
 public:
  OutcomeProbe(const ProgramSpec& program, const AggregateTable& aggregates,
               std::vector<Standing> competitors, size_t self, int target_level)
      : program_(program),
        aggregates_(aggregates),
        competitors_(std::move(competitors)),
        self_(self),
        target_level_(target_level) {}

  // `directed`: the metric's value, direction applied.
  bool Reaches(size_t metric, double directed) const {
    std::vector<Standing> changed = competitors_;
    changed[self_].metrics[metric].value = Directed(program_.metrics[metric].direction, directed);
    const Evaluation evaluation = RankStandings(program_, std::move(changed), aggregates_);
    return OutcomeLevel(program_.award, evaluation.winners, CompetitorId(competitors_[self_])) >=
           target_level_;
  }

  const std::vector<Standing>& competitors() const { return competitors_; }
  size_t self() const { return self_; }

 private:
  const ProgramSpec& program_;
  const AggregateTable& aggregates_;
  std::vector<Standing> competitors_;
  size_t self_;
  int target_level_;
};

MetricWhatIf NotPossible(std::string reason) {
  MetricWhatIf what_if;
  what_if.reason = std::move(reason);
  return what_if;
}

MetricWhatIf Possible(Direction direction, double value, double directed_target, bool beyond) {
  MetricWhatIf what_if;
  what_if.possible = true;
  what_if.target = Directed(direction, directed_target);
  what_if.beyond = beyond;
  what_if.change = what_if.target - value;
  return what_if;
}

// Percentile scores change only where the value passes another competitor's value: tying it or
// just beating it. Better values never lower the outcome, so the first candidate that reaches it
// is found by bisection.
MetricWhatIf PercentileWhatIf(const OutcomeProbe& probe, size_t metric, Direction direction,
                              double value, double directed_max) {
  struct Candidate {
    double directed;
    // The competitor's value the candidate ties or beats.
    double reference;
    bool beyond;
  };
  const double current = Directed(direction, value);
  const std::string& group = probe.competitors()[probe.self()].peer_group;
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < probe.competitors().size(); ++i) {
    const Standing& other = probe.competitors()[i];
    if (i == probe.self() || other.peer_group != group) continue;
    const double theirs = Directed(direction, other.metrics[metric].value);
    if (theirs > current && theirs <= directed_max) candidates.push_back({theirs, theirs, false});
    const double above = JustAbove(theirs);
    if (above > current && above <= directed_max) candidates.push_back({above, theirs, true});
  }
  if (std::isfinite(directed_max) && directed_max > current) {
    candidates.push_back({directed_max, directed_max, false});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.directed < b.directed; });
  if (candidates.empty()) {
    return NotPossible("already the best value of the peer group; not enough alone");
  }
  if (!probe.Reaches(metric, candidates.back().directed)) {
    return NotPossible("even the best value is not enough");
  }
  size_t low = 0;
  size_t high = candidates.size() - 1;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (probe.Reaches(metric, candidates[mid].directed)) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  const Candidate& found = candidates[low];
  return Possible(direction, value, found.beyond ? found.reference : found.directed, found.beyond);
}

// zscore and none move with the value itself: widen the range until a value reaches the outcome,
// then bisect.
MetricWhatIf ContinuousWhatIf(const OutcomeProbe& probe, size_t metric, Direction direction,
                              double value, double directed_max) {
  const double current = Directed(direction, value);
  double low = current;
  double high;
  if (std::isfinite(directed_max)) {
    if (!(directed_max > current) || !probe.Reaches(metric, directed_max)) {
      return NotPossible("even the best value is not enough");
    }
    high = directed_max;
  } else {
    double spread = 0;
    for (const Standing& other : probe.competitors()) {
      spread =
          std::max(spread, std::fabs(Directed(direction, other.metrics[metric].value) - current));
    }
    double step = std::max({std::fabs(current), spread, 1.0});
    bool reached = false;
    for (int i = 0; i < kExpansionSteps && !reached; ++i) {
      high = current + step;
      reached = probe.Reaches(metric, high);
      if (!reached) {
        low = high;
        step *= 2;
      }
    }
    if (!reached) return NotPossible("no value of this metric alone is enough");
  }
  for (int i = 0; i < kBisectionSteps; ++i) {
    const double mid = low + (high - low) / 2;
    if (!(mid > low && mid < high)) break;
    if (probe.Reaches(metric, mid)) {
      high = mid;
    } else {
      low = mid;
    }
  }
  return Possible(direction, value, high, false);
}

GateExplanation ExplainGate(const Gate& gate, const AggregateTable& aggregates,
                            const std::string& agent_id) {
  GateExplanation out;
  out.label = absl::StrCat("gate ", MeasureLabel(gate), " ",
                           std::string(AggregationName(gate.aggregation)));
  out.value = GateAggregate(gate, aggregates, agent_id);
  out.min = gate.min;
  out.max = gate.max;
  out.passed = out.value.has_value() && (!gate.min.has_value() || *out.value >= *gate.min) &&
               (!gate.max.has_value() || *out.value <= *gate.max);
  return out;
}

std::string GateFix(const GateExplanation& gate) {
  if (!gate.value.has_value()) return absl::StrCat(gate.label, ": needs events");
  if (gate.min.has_value() && *gate.value < *gate.min) {
    return absl::StrCat(gate.label, ": needs at least ", *gate.min, ", has ", *gate.value);
  }
  return absl::StrCat(gate.label, ": needs at most ", gate.max.value_or(0), ", has ", *gate.value);
}

void SetCutoff(const AwardRule& award, const std::vector<const Standing*>& group,
               const std::string& group_name, AwardExplanation& out) {
  out.competitors = static_cast<int>(group.size());
  if (award.rule == "top_n") {
    const std::string among =
        award.per_peer_group ? absl::StrCat("peer group ", group_name) : "all eligible agents";
    if (award.n > 0 && group.size() >= static_cast<size_t>(award.n)) {
      out.cutoff = group[award.n - 1]->score;
      out.cutoff_basis =
          award.n == 1
              ? absl::StrCat("score of the best of ", group.size(), " in ", among)
              : absl::StrCat("score of number ", award.n, " of ", group.size(), " in ", among);
    } else {
      out.cutoff_basis =
          absl::StrCat("fewer than ", award.n, " compete in ", among, ": every eligible one wins");
    }
  } else if (award.rule == "threshold") {
    if (award.min_metric.has_value()) {
      out.cutoff = award.min_metric->min;
      out.cutoff_basis = absl::StrCat("min of ", MeasureLabel(*award.min_metric), " ",
                                      std::string(AggregationName(award.min_metric->aggregation)),
                                      " (that aggregate, not the score)");
    } else {
      out.cutoff = award.min_score;
      out.cutoff_basis = "min_score";
    }
  } else if (award.rule == "target" && award.target.has_value()) {
    out.cutoff = award.target->min;
    out.cutoff_basis = absl::StrCat("target of ", MeasureLabel(*award.target), " ",
                                    std::string(AggregationName(award.target->aggregation)),
                                    " (that aggregate, not the score)");
  } else if (award.rule == "most_improved") {
    out.cutoff_basis = absl::StrCat(
        "the ", award.n, " largest improvements over the previous period of ",
        award.improvement_metric.has_value()
            ? absl::StrCat(MeasureLabel(*award.improvement_metric), " ",
                           std::string(AggregationName(award.improvement_metric->aggregation)))
            : std::string("the score"));
  } else if (award.rule == "streak") {
    out.cutoff_basis =
        absl::StrCat("won by rule ", award.streak_of.empty() ? "" : award.streak_of.front().rule,
                     " in each of the last ", award.streak_periods, " periods");
  } else if (award.rule == "tiers" && !award.tiers.empty()) {
    out.cutoff = award.tiers.back().min_score;
    out.cutoff_basis = absl::StrCat("min_score of the lowest tier, ", award.tiers.back().name);
    size_t reached = award.tiers.size();
    for (size_t i = 0; i < award.tiers.size(); ++i) {
      if (award.tiers[i].name == out.tier) reached = i;
    }
    if (reached > 0) {
      out.next_tier = award.tiers[reached - 1].name;
      out.next_tier_min = award.tiers[reached - 1].min_score;
    }
  }
}

}  // namespace

absl::StatusOr<AwardExplanation> ExplainAward(const ProgramSpec& program,
                                              const PeriodWindow& period,
                                              const std::vector<Agent>& agents,
                                              const AggregateTable& aggregates,
                                              const std::string& agent_id,
                                              const std::vector<EarlierPeriod>& earlier) {
  const Evaluation evaluation = EvaluateProgram(program, period, agents, aggregates, earlier);
  return ExplainAward(program, period, agents, aggregates, agent_id, evaluation.standings,
                      evaluation.winners);
}

absl::StatusOr<AwardExplanation> ExplainAward(
    const ProgramSpec& program, const PeriodWindow& period, const std::vector<Agent>& agents,
    const AggregateTable& aggregates, const std::string& agent_id,
    const std::vector<Standing>& standings, const std::vector<Winner>& winners) {
  const bool teams = program.scope == Scope::kTeam;
  if (std::none_of(agents.begin(), agents.end(), [&](const Agent& agent) {
        return (teams ? agent.team : agent.id) == agent_id;
      })) {
    return absl::NotFoundError(
        absl::StrCat("agent_id: ", teams ? "team" : "agent", " \"", agent_id, "\" not found"));
  }
  const Standing* self = nullptr;
  for (const Standing& standing : standings) {
    if (CompetitorId(standing) == agent_id) self = &standing;
  }
  if (self == nullptr) {
    return absl::NotFoundError(absl::StrCat("agent_id: \"", agent_id, "\" has no standing"));
  }
  const AwardRule& award = program.award;
  const AggregateTable team_aggregates =
      teams ? TeamAggregates(program, period, agents, aggregates) : AggregateTable();
  const AggregateTable& ranked_on = teams ? team_aggregates : aggregates;

  AwardExplanation out;
  out.agent_id = agent_id;
  out.peer_group = self->peer_group;
  out.eligible = self->eligible;
  out.reasons = self->reasons;
  out.rank = self->rank;
  out.score = self->score;
  out.rule = award.rule;
  out.target_progress = self->target_progress;
  out.previous = self->previous;
  out.improvement = self->improvement;
  out.streak = self->streak;
  for (const Winner& winner : winners) {
    if ((winner.agent_id.empty() ? winner.team : winner.agent_id) != agent_id) continue;
    out.won = true;
    out.tier = winner.tier;
    out.holds = winner.holds;
  }

  double total_weight = 0;
  for (const ScorecardMetric& metric : program.metrics) total_weight += metric.weight;
  for (size_t m = 0; m < program.metrics.size(); ++m) {
    const ScorecardMetric& spec = program.metrics[m];
    const MetricStanding& standing = self->metrics[m];
    MetricExplanation& metric = out.metrics.emplace_back();
    metric.metric = standing.metric;
    metric.aggregation = std::string(AggregationName(spec.aggregation));
    metric.direction = spec.direction;
    metric.value = standing.value;
    metric.samples = standing.samples;
    metric.min_samples = spec.min_samples;
    metric.normalized = standing.normalized;
    metric.weight = spec.weight;
    if (self->eligible && total_weight > 0) {
      metric.contribution = spec.weight * standing.normalized / total_weight;
    }
    if (standing.samples < spec.min_samples) {
      out.fixes.push_back(absl::StrCat(standing.metric, ": needs ", spec.min_samples,
                                       " samples, has ", standing.samples, " (",
                                       spec.min_samples - standing.samples, " more)"));
    }
  }
  for (const Gate& gate : program.gates) {
    out.gates.push_back(ExplainGate(gate, ranked_on, agent_id));
    if (!out.gates.back().passed) out.fixes.push_back(GateFix(out.gates.back()));
  }

  // Who the agent competes with for the award: its peer group, unless top_n ranks everyone.
  const bool whole_field = award.rule == "top_n" && !award.per_peer_group;
  std::vector<const Standing*> field;
  std::vector<Standing> competitors;
  size_t self_index = 0;
  for (const Standing& standing : standings) {
    if (!standing.eligible) continue;
    if (!whole_field && standing.peer_group != self->peer_group) continue;
    if (CompetitorId(standing) == agent_id) self_index = competitors.size();
    field.push_back(&standing);
    competitors.push_back(standing);
  }
  SetCutoff(award, field, self->peer_group, out);

  if (!self->eligible) {
    const std::string ineligible = absl::StrCat("ineligible: ", absl::StrJoin(self->reasons, "; "));
    for (size_t m = 0; m < out.metrics.size(); ++m) {
      MetricExplanation& metric = out.metrics[m];
      metric.what_if = NotPossible(metric.samples < metric.min_samples
                                       ? absl::StrCat("needs ", metric.min_samples,
                                                      " samples to count, has ", metric.samples)
                                       : ineligible);
    }
    return out;
  }

  const int level = OutcomeLevel(award, winners, agent_id);
  std::string fixed_reason;
  if (level >= HighestLevel(award)) {
    fixed_reason = award.rule == "tiers" ? "already at the highest tier" : "already winning";
  } else if (award.rule == "threshold" && award.min_metric.has_value()) {
    fixed_reason = absl::StrCat("the award goes by ", MeasureLabel(*award.min_metric),
                                " reaching its min, not by the score");
  } else if (award.rule == "target" && award.target.has_value()) {
    fixed_reason = absl::StrCat("the award goes by ", MeasureLabel(*award.target),
                                " reaching its target, not by the score");
  } else if (award.rule == "most_improved" && award.improvement_metric.has_value()) {
    fixed_reason = absl::StrCat("the award goes by the improvement of ",
                                MeasureLabel(*award.improvement_metric), ", not by the score");
  }
  const OutcomeProbe probe(program, ranked_on, std::move(competitors), self_index, level + 1);
  for (size_t m = 0; m < out.metrics.size(); ++m) {
    MetricExplanation& metric = out.metrics[m];
    if (!fixed_reason.empty()) {
      metric.what_if = NotPossible(fixed_reason);
      continue;
    }
    const auto [low, high] = ValueBounds(program.metrics[m]);
    const double directed_max = metric.direction == Direction::kLowerIsBetter ? 0.0 - low : high;
    metric.what_if = program.normalization == Normalization::kPercentile
                         ? PercentileWhatIf(probe, m, metric.direction, metric.value, directed_max)
                         : ContinuousWhatIf(probe, m, metric.direction, metric.value, directed_max);
  }
  return out;
}

}  // namespace plaudit

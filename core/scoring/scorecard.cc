#include "core/scoring/scorecard.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

namespace plaudit {
namespace {

bool NearlyEqual(double a, double b) { return TiedValues(a, b); }

// An aggregate reduced to one number; no value when the aggregation needs events and there
// are none.
struct Reduced {
  std::optional<double> value;
  int64_t samples = 0;
  // Why there is no value, when it is not simply the lack of events.
  std::string missing;
};

Reduced Reduce(Aggregation aggregation, const std::optional<Smoothing>& smoothing,
               const MetricAggregate* events) {
  const MetricAggregate none;
  const MetricAggregate& a = events != nullptr ? *events : none;
  const bool has_events = a.samples > 0;
  const auto samples = static_cast<double>(a.samples);
  Reduced reduced;
  reduced.samples = a.samples;
  switch (aggregation) {
    case Aggregation::kSum:
      reduced.value = has_events ? a.sum : 0.0;
      break;
    case Aggregation::kCount:
      reduced.value = samples;
      break;
    case Aggregation::kMean:
      if (smoothing.has_value() && samples + smoothing->prior_weight > 0) {
        reduced.value = (a.sum + smoothing->prior_mean * smoothing->prior_weight) /
                        (samples + smoothing->prior_weight);
      } else if (has_events) {
        reduced.value = a.sum / samples;
      }
      break;
    case Aggregation::kMin:
      if (has_events) reduced.value = a.min;
      break;
    case Aggregation::kMax:
      if (has_events) reduced.value = a.max;
      break;
    case Aggregation::kRatio:
    case Aggregation::kTopBox:
      // Need more than the aggregate: see ReduceMeasure().
      break;
  }
  return reduced;
}

const MetricAggregate* FindEvents(
    const absl::flat_hash_map<std::string, MetricAggregate>* agent_events,
    const std::string& metric) {
  if (agent_events == nullptr) return nullptr;
  auto it = agent_events->find(metric);
  return it == agent_events->end() ? nullptr : &it->second;
}

using AgentEvents = absl::flat_hash_map<std::string, MetricAggregate>;

// The share of events at or above the threshold, or its Wilson lower bound; no value without
// events.
Reduced ReduceTopBox(const TopBox& top_box, const MetricAggregate* events) {
  Reduced reduced;
  if (events == nullptr || events->samples <= 0) return reduced;
  reduced.samples = events->samples;
  auto it = events->at_least.find(top_box.at_least);
  const int64_t successes =
      it == events->at_least.end() ? 0 : std::clamp<int64_t>(it->second, 0, events->samples);
  reduced.value = top_box.confidence == Confidence::kWilsonLower95
                      ? WilsonLower95(successes, events->samples)
                      : static_cast<double>(successes) / static_cast<double>(events->samples);
  return reduced;
}

// A scorecard metric's or gate's aggregate for one agent.
template <typename MetricOrGate>
Reduced ReduceMeasure(const MetricOrGate& m, const std::optional<Smoothing>& smoothing,
                      const AgentEvents* agent_events) {
  if (m.aggregation == Aggregation::kTopBox && m.top_box.has_value()) {
    return ReduceTopBox(*m.top_box, FindEvents(agent_events, m.metric));
  }
  if (m.aggregation != Aggregation::kRatio || !m.ratio.has_value()) {
    return Reduce(m.aggregation, smoothing, FindEvents(agent_events, m.metric));
  }
  const MetricAggregate* numerator = FindEvents(agent_events, m.metric);
  const MetricAggregate* denominator = FindEvents(agent_events, m.ratio->denominator);
  Reduced reduced;
  reduced.samples = denominator != nullptr ? denominator->samples : 0;
  const double numerator_sum = numerator != nullptr && numerator->samples > 0 ? numerator->sum : 0;
  const double denominator_sum =
      denominator != nullptr && denominator->samples > 0 ? denominator->sum : 0;
  if (denominator_sum == 0) {
    reduced.missing = absl::StrCat("denominator ", m.ratio->denominator, " sums to 0");
    return reduced;
  }
  reduced.value = numerator_sum / denominator_sum * m.ratio->per;
  return reduced;
}

std::string PeerGroupOf(PeerGroupBy peer_group, const Agent& agent) {
  switch (peer_group) {
    case PeerGroupBy::kChannel:
      return std::string(ChannelName(agent.channel));
    case PeerGroupBy::kTeam:
      return agent.team;
    case PeerGroupBy::kAll:
      break;
  }
  return "all";
}

// Why an agent cannot compete (or count towards its team), in a readable sentence each.
std::vector<std::string> AgentReasons(const ProgramSpec& program, const PeriodWindow& period,
                                      const Agent& agent) {
  std::vector<std::string> reasons;
  if (!agent.active) reasons.push_back("inactive");
  const int64_t tenure_days = period.day_after_last - agent.hire_date;
  if (tenure_days < program.min_tenure_days) {
    // A negative tenure ("tenure -4 days") reads as a bug; say what it means.
    reasons.push_back(
        agent.hire_date >= period.day_after_last
            ? std::string("hired after the period")
            : absl::StrCat("tenure ", tenure_days, " days < ", program.min_tenure_days));
  }
  return reasons;
}

// The metric values and gates of one competitor from its events; adds the reasons they give.
void AssessMeasures(const ProgramSpec& program, const AgentEvents* agent_events,
                    Standing& standing) {
  for (const ScorecardMetric& metric : program.metrics) {
    const Reduced reduced = ReduceMeasure(metric, metric.smoothing, agent_events);
    MetricStanding& out = standing.metrics.emplace_back();
    out.metric = MeasureLabel(metric);
    out.samples = reduced.samples;
    if (reduced.samples < metric.min_samples) {
      standing.reasons.push_back(absl::StrCat(out.metric, ": ", reduced.samples,
                                              " samples < min_samples ", metric.min_samples));
    }
    if (!reduced.value.has_value()) {
      standing.reasons.push_back(
          reduced.missing.empty() ? absl::StrCat(out.metric, ": no events for ",
                                                 std::string(AggregationName(metric.aggregation)))
                                  : absl::StrCat(out.metric, ": ", reduced.missing));
    } else if (!std::isfinite(*reduced.value)) {
      // Ranking needs ordinary numbers; an infinite or NaN aggregate cannot be placed.
      standing.reasons.push_back(absl::StrCat(out.metric, ": value is not finite"));
    } else {
      out.value = *reduced.value;
    }
  }

  for (const Gate& gate : program.gates) {
    const Reduced reduced = ReduceMeasure(gate, std::nullopt, agent_events);
    const std::string label = absl::StrCat("gate ", MeasureLabel(gate), " ",
                                           std::string(AggregationName(gate.aggregation)));
    if (!reduced.value.has_value()) {
      standing.reasons.push_back(
          absl::StrCat(label, ": ", reduced.missing.empty() ? "no events" : reduced.missing));
      continue;
    }
    const double value = *reduced.value;
    if (gate.min.has_value() && !(value >= *gate.min)) {
      standing.reasons.push_back(absl::StrCat(label, " ", value, " < min ", *gate.min));
    } else if (gate.max.has_value() && !(value <= *gate.max)) {
      standing.reasons.push_back(absl::StrCat(label, " ", value, " > max ", *gate.max));
    }
  }
}

const AgentEvents* EventsOf(const AggregateTable& aggregates, const std::string& id) {
  auto it = aggregates.find(id);
  return it == aggregates.end() ? nullptr : &it->second;
}

// Everything about one agent that does not depend on the other agents: eligibility with all its
// reasons, and the metric values.
Standing Assess(const ProgramSpec& program, const PeriodWindow& period, const Agent& agent,
                const AggregateTable& aggregates) {
  Standing standing;
  standing.agent_id = agent.id;
  standing.peer_group = PeerGroupOf(program.peer_group, agent);
  standing.reasons = AgentReasons(program, period, agent);
  AssessMeasures(program, EventsOf(aggregates, agent.id), standing);
  standing.eligible = standing.reasons.empty();
  return standing;
}

std::vector<double> Normalize(Normalization normalization, std::vector<double> values) {
  switch (normalization) {
    case Normalization::kPercentile:
      return PercentileScores(values);
    case Normalization::kZScore:
      return ZScores(values);
    case Normalization::kNone:
      break;
  }
  return values;
}

// Normalises each metric within each peer group of eligible agents, then sets the weighted score.
void ScoreEligible(const ProgramSpec& program, std::vector<Standing>& standings) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < standings.size(); ++i) {
    if (standings[i].eligible) groups[standings[i].peer_group].push_back(i);
  }
  for (const auto& [group, members] : groups) {
    for (size_t m = 0; m < program.metrics.size(); ++m) {
      const bool lower_is_better = program.metrics[m].direction == Direction::kLowerIsBetter;
      std::vector<double> directed;
      directed.reserve(members.size());
      for (size_t i : members) {
        const double value = standings[i].metrics[m].value;
        // 0.0 - value rather than -value: a value of 0 stays +0.
        directed.push_back(lower_is_better ? 0.0 - value : value);
      }
      const std::vector<double> normalized = Normalize(program.normalization, directed);
      for (size_t k = 0; k < members.size(); ++k) {
        standings[members[k]].metrics[m].normalized = normalized[k];
      }
    }
  }

  double total_weight = 0;
  for (const ScorecardMetric& metric : program.metrics) total_weight += metric.weight;
  if (!(total_weight > 0)) return;
  for (Standing& standing : standings) {
    if (!standing.eligible) continue;
    double weighted = 0;
    for (size_t m = 0; m < program.metrics.size(); ++m) {
      weighted += program.metrics[m].weight * standing.metrics[m].normalized;
    }
    standing.score = weighted / total_weight;
  }
}

// The first metric's normalised value, the tie-breaker of equal scores.
double FirstMetricKey(const Standing& standing) {
  return standing.metrics.empty() ? 0.0 : OrderKey(standing.metrics.front().normalized);
}

// Sorts [begin, end) descending by `key`, then puts each run of keys tied with its first (highest)
// one in the order of `then`. Tolerance is not transitive, so a run is anchored on its first value
// rather than chained from neighbour to neighbour; the result depends only on the values.
template <typename Key, typename Then>
void SortDescendingWithTies(std::vector<Standing>::iterator begin,
                            std::vector<Standing>::iterator end, Key key, Then then) {
  std::sort(begin, end, [&](const Standing& a, const Standing& b) {
    const double key_a = key(a);
    const double key_b = key(b);
    if (key_a != key_b) return key_a > key_b;
    return CompetitorId(a) < CompetitorId(b);
  });
  for (auto run_start = begin; run_start != end;) {
    const double anchor = key(*run_start);
    auto run_end = std::next(run_start);
    while (run_end != end && NearlyEqual(anchor, key(*run_end))) ++run_end;
    then(run_start, run_end);
    run_start = run_end;
  }
}

// Sorts eligible standings by score descending. Scores that tie (TiedValues(): the same score
// reached through different weighted sums can differ in the last bit, 0.3 x 1/3 + 0.3 x 1
// against 0.4 x 1, and rounding must not pick the winner) go by the first metric's normalised
// value, compared with the same tolerance, and then by id ascending.
void RankEligible(std::vector<Standing>::iterator begin, std::vector<Standing>::iterator end) {
  const auto by_id = [](std::vector<Standing>::iterator from, std::vector<Standing>::iterator to) {
    std::sort(from, to, [](const Standing& a, const Standing& b) {
      return CompetitorId(a) < CompetitorId(b);
    });
  };
  const auto by_first_metric = [&by_id](std::vector<Standing>::iterator from,
                                        std::vector<Standing>::iterator to) {
    SortDescendingWithTies(from, to, FirstMetricKey, by_id);
  };
  SortDescendingWithTies(
      begin, end, [](const Standing& standing) { return OrderKey(standing.score); },
      by_first_metric);
}

}  // namespace

void OrderByScore(std::vector<Standing>::iterator begin, std::vector<Standing>::iterator end) {
  RankEligible(begin, end);
}

// A minimum is reached by any value at or above it, or equal to it within the ranking tolerance:
// a score of exactly 0.8 reached through a weighted sum may come out as 0.7999999999999999.
bool TiedValues(double a, double b) {
  if (a == b) return true;
  const double difference = std::fabs(a - b);
  return difference <= 1e-12 || difference <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

double WilsonLower95(int64_t successes, int64_t trials) {
  constexpr double kZ = 1.959963984540054;
  constexpr double kZ2 = kZ * kZ;
  const auto n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double centre = p + kZ2 / (2 * n);
  const double margin = kZ * std::sqrt(p * (1 - p) / n + kZ2 / (4 * n * n));
  // Rounding must not carry 0/n or n/n outside [0, 1].
  return std::clamp((centre - margin) / (1 + kZ2 / n), 0.0, 1.0);
}

std::vector<double> PercentileScores(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<double> scores(n, 1.0);
  if (n <= 1) return scores;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&values](size_t a, size_t b) { return OrderKey(values[a]) < OrderKey(values[b]); });
  // Walk runs of equal values in ascending order: everything before a run is strictly worse.
  // Tolerance is not transitive, so a run holds the values equal to its first (lowest) one.
  size_t run_start = 0;
  while (run_start < n) {
    const double anchor = OrderKey(values[order[run_start]]);
    size_t run_end = run_start + 1;
    while (run_end < n && NearlyEqual(anchor, OrderKey(values[order[run_end]]))) ++run_end;
    const double worse = static_cast<double>(run_start);
    const double equal = static_cast<double>(run_end - run_start - 1);
    const double score = (worse + 0.5 * equal) / static_cast<double>(n - 1);
    for (size_t k = run_start; k < run_end; ++k) scores[order[k]] = score;
    run_start = run_end;
  }
  return scores;
}

std::vector<double> ZScores(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<double> scores(n, 0.0);
  if (n == 0) return scores;
  for (double value : values) {
    if (!std::isfinite(value)) return scores;
  }
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  if (*low == *high) return scores;
  // Z-scores do not change when every value is divided by the same positive number; dividing
  // by the largest magnitude keeps the sums of squares far from overflow.
  const double scale = std::max(std::fabs(*low), std::fabs(*high));
  std::vector<double> scaled;
  scaled.reserve(n);
  for (double value : values) scaled.push_back(value / scale);
  // Summing in sorted order makes the result independent of the order of the input.
  std::vector<double> sorted = scaled;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double value : sorted) sum += value;
  const double mean = sum / static_cast<double>(n);
  double squares = 0;
  for (double value : sorted) squares += (value - mean) * (value - mean);
  const double stddev = std::sqrt(squares / static_cast<double>(n));
  if (!(stddev > 0)) return scores;
  for (size_t i = 0; i < n; ++i) scores[i] = (scaled[i] - mean) / stddev;
  return scores;
}

MetricAggregate MergeAggregates(const MetricAggregate& a, const MetricAggregate& b) {
  if (a.samples <= 0) return b;
  if (b.samples <= 0) return a;
  MetricAggregate merged;
  merged.samples = a.samples + b.samples;
  merged.sum = a.sum + b.sum;
  merged.min = std::min(a.min, b.min);
  merged.max = std::max(a.max, b.max);
  merged.at_least = a.at_least;
  for (const auto& [threshold, count] : b.at_least) merged.at_least[threshold] += count;
  return merged;
}

Field AssessField(const ProgramSpec& program, const PeriodWindow& period,
                  const std::vector<Agent>& agents, const AggregateTable& aggregates) {
  Field field;
  if (program.scope == Scope::kAgent) {
    field.standings.reserve(agents.size());
    for (const Agent& agent : agents) {
      field.standings.push_back(Assess(program, period, agent, aggregates));
    }
    return field;
  }
  // Sorted by team, members by id, so the standings do not depend on the agents' order.
  std::map<std::string, std::vector<const Agent*>> teams;
  for (const Agent& agent : agents) teams[agent.team].push_back(&agent);
  for (auto& [team, roster] : teams) {
    std::sort(roster.begin(), roster.end(),
              [](const Agent* a, const Agent* b) { return a->id < b->id; });
    Standing& standing = field.standings.emplace_back();
    standing.team = team;
    standing.peer_group = "all";
    AgentEvents& pooled = field.team_aggregates[team];
    for (const Agent* member : roster) {
      if (!AgentReasons(program, period, *member).empty()) continue;
      standing.members.push_back(member->id);
      const AgentEvents* events = EventsOf(aggregates, member->id);
      if (events == nullptr) continue;
      for (const auto& [metric, aggregate] : *events) {
        auto [it, inserted] = pooled.try_emplace(metric, aggregate);
        if (!inserted) it->second = MergeAggregates(it->second, aggregate);
      }
    }
    const auto size = static_cast<int64_t>(standing.members.size());
    if (size < program.min_team_size) {
      standing.reasons.push_back(absl::StrCat(
          "team of ", size, " eligible members < min_team_size ", program.min_team_size));
    }
    AssessMeasures(program, &pooled, standing);
    standing.eligible = standing.reasons.empty();
  }
  return field;
}

AggregateTable TeamAggregates(const ProgramSpec& program, const PeriodWindow& period,
                              const std::vector<Agent>& agents, const AggregateTable& aggregates) {
  if (program.scope != Scope::kTeam) return {};
  return AssessField(program, period, agents, aggregates).team_aggregates;
}

void ScoreAndRank(const ProgramSpec& program, std::vector<Standing>& standings) {
  for (Standing& standing : standings) {
    standing.rank = 0;
    standing.score = 0;
    for (MetricStanding& metric : standing.metrics) metric.normalized = 0;
  }
  ScoreEligible(program, standings);
  // Eligible agents by rank first, then ineligible agents by id.
  auto first_ineligible = std::partition(standings.begin(), standings.end(),
                                         [](const Standing& s) { return s.eligible; });
  RankEligible(standings.begin(), first_ineligible);
  std::sort(first_ineligible, standings.end(),
            [](const Standing& a, const Standing& b) { return CompetitorId(a) < CompetitorId(b); });
  int rank = 0;
  for (Standing& standing : standings) {
    if (!standing.eligible) break;
    standing.rank = ++rank;
  }
}

std::optional<double> GateAggregate(const Gate& gate, const AggregateTable& aggregates,
                                    const std::string& agent_id) {
  return ReduceMeasure(gate, std::nullopt, EventsOf(aggregates, agent_id)).value;
}

}  // namespace plaudit

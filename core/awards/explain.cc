#include "core/awards/explain.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
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

// How far a win got: 0 none; 1 won (top_n, threshold); under tiers, 1 the lowest tier up to
// the number of tiers for the highest.
int LevelOf(const AwardRule& award, const Winner* win) {
  if (win == nullptr) return 0;
  if (award.rule != "tiers") return 1;
  for (size_t i = 0; i < award.tiers.size(); ++i) {
    if (award.tiers[i].name == win->tier) return static_cast<int>(award.tiers.size() - i);
  }
  return 1;
}

// The competitor's win among `winners`, or null. `rank`, when known (winners carry their
// standing's rank), spares comparing every winner's id: thousands win a threshold.
const Winner* WinOf(const std::vector<Winner>& winners, const std::string& id,
                    std::optional<int> rank = std::nullopt) {
  for (const Winner& winner : winners) {
    if (rank.has_value() && winner.rank != *rank) continue;
    if ((winner.agent_id.empty() ? winner.team : winner.agent_id) == id) return &winner;
  }
  return nullptr;
}

int OutcomeLevel(const AwardRule& award, const std::vector<Winner>& winners,
                 const std::string& agent_id) {
  return LevelOf(award, WinOf(winners, agent_id));
}

int HighestLevel(const AwardRule& award) {
  return award.rule == "tiers" ? static_cast<int>(award.tiers.size()) : 1;
}

std::atomic<uint64_t> probes_told{0};
std::atomic<uint64_t> probes_ranked{0};

// A value a what-if tries is near a value of the group when they are within 100 times the
// ranking's tolerance without being equal: there the anchored runs of ties could group values
// differently from plain counting, and the probe ranks everyone instead.
bool NearButUnequal(double a, double b) {
  if (a == b) return false;
  const double difference = std::fabs(a - b);
  return difference <= 1e-10 || difference <= 1e-7 * std::max(std::fabs(a), std::fabs(b));
}

// Whether no value of `sorted` is near `value` without being equal to it.
bool Isolated(const std::vector<double>& sorted, double value) {
  const auto low = std::lower_bound(sorted.begin(), sorted.end(), value);
  const auto high = std::upper_bound(low, sorted.end(), value);
  if (low != sorted.begin() && NearButUnequal(*std::prev(low), value)) return false;
  return high == sorted.end() || !NearButUnequal(*high, value);
}

}  // namespace

class ExplainIndex {
 public:
  struct Ranked {
    double score;
    const Standing* standing;
  };
  struct Group {
    // The group's eligible members, in the standings' order (by rank).
    size_t size = 0;
    std::vector<const Standing*> members_in_order;
    // Per scorecard metric, the members' values with direction applied, OrderKey()ed, ascending.
    std::vector<std::vector<double>> values;
    // The members by score, best first.
    std::vector<Ranked> by_score;
    // Per scorecard metric, the mean of `values` and the sum of their squared distances from it:
    // what z-scores are computed from.
    std::vector<double> mean;
    std::vector<double> squares;
    // Per scorecard metric, the mean of the values' magnitudes: what bounds the rounding of sums.
    std::vector<double> magnitude;
    // Under zscore, per scorecard metric: the largest magnitude of `values`, and the running
    // sums of `values` over it in ascending order as ZScores() adds them (prefix[k] is the sum
    // of the first k), so that a sum with one value moved starts where the values differ.
    std::vector<double> scale;
    std::vector<std::vector<double>> prefix;
  };
  absl::flat_hash_map<std::string, Group> groups;
  // Every eligible competitor by score, best first; and in the standings' order.
  std::vector<Ranked> field;
  std::vector<const Standing*> field_in_order;
  // Every eligible competitor with an improvement (most_improved), the largest first; `score`
  // holds the improvement.
  std::vector<Ranked> by_improvement;
  // Each competitor's standing, and (when eligible) where it is in its group's and the field's
  // members_in_order.
  struct Position {
    const Standing* standing;
    size_t in_group = 0;
    size_t in_field = 0;
  };
  absl::flat_hash_map<std::string, Position> positions;
};

ExplainProbeCounts ProbeCounts() {
  return {probes_told.load(std::memory_order_relaxed),
          probes_ranked.load(std::memory_order_relaxed)};
}

std::shared_ptr<const ExplainIndex> BuildExplainIndex(const ProgramSpec& program,
                                                      const std::vector<Standing>& standings) {
  auto index = std::make_shared<ExplainIndex>();
  const auto best_first = [](const ExplainIndex::Ranked& a, const ExplainIndex::Ranked& b) {
    return OrderKey(a.score) > OrderKey(b.score);
  };
  index->positions.reserve(standings.size());
  for (const Standing& standing : standings) {
    ExplainIndex::Position& position = index->positions[CompetitorId(standing)];
    position.standing = &standing;
    if (!standing.eligible) continue;
    ExplainIndex::Group& group = index->groups[standing.peer_group];
    if (group.values.empty()) group.values.resize(program.metrics.size());
    position.in_group = group.members_in_order.size();
    position.in_field = index->field_in_order.size();
    group.members_in_order.push_back(&standing);
    index->field_in_order.push_back(&standing);
    ++group.size;
    for (size_t m = 0; m < program.metrics.size() && m < standing.metrics.size(); ++m) {
      group.values[m].push_back(
          OrderKey(Directed(program.metrics[m].direction, standing.metrics[m].value)));
    }
    group.by_score.push_back({standing.score, &standing});
    index->field.push_back({standing.score, &standing});
    if (standing.improvement.has_value()) {
      index->by_improvement.push_back({*standing.improvement, &standing});
    }
  }
  for (auto& [name, group] : index->groups) {
    for (std::vector<double>& values : group.values) {
      std::sort(values.begin(), values.end());
      double sum = 0;
      for (double value : values) sum += value;
      const double mean = values.empty() ? 0.0 : sum / static_cast<double>(values.size());
      double squares = 0;
      double magnitude = 0;
      for (double value : values) {
        squares += (value - mean) * (value - mean);
        magnitude += std::fabs(value);
      }
      group.mean.push_back(mean);
      group.squares.push_back(squares);
      group.magnitude.push_back(values.empty() ? 0.0
                                               : magnitude / static_cast<double>(values.size()));
      if (program.normalization == Normalization::kZScore && !values.empty()) {
        const double scale = std::max(std::fabs(values.front()), std::fabs(values.back()));
        std::vector<double> prefix;
        prefix.reserve(values.size() + 1);
        double running = 0;
        prefix.push_back(running);
        for (double value : values) {
          running += value / scale;
          prefix.push_back(running);
        }
        group.scale.push_back(scale);
        group.prefix.push_back(std::move(prefix));
      }
    }
    std::sort(group.by_score.begin(), group.by_score.end(), best_first);
  }
  std::sort(index->field.begin(), index->field.end(), best_first);
  std::sort(index->by_improvement.begin(), index->by_improvement.end(), best_first);
  return index;
}

namespace {

// Tells whether the agent reaches `target_level` with one metric value changed. The answer is
// the ranking's: re-run over the competitors with that value. Under percentile normalisation
// and a top_n rule, with an index, most values are told without it: moving the agent's value up
// moves every other competitor's score down by at most one step of that metric's percentile
// (weight / (group size - 1), over the total weight), so only competitors whose scores come
// within a step of the agent's new score need theirs worked out, and only a tie between scores
// falls back to ranking everyone. Under zscore and none, see TellContinuous().
class OutcomeProbe {
 public:
  OutcomeProbe(const ProgramSpec& program, const AggregateTable& aggregates,
               const std::vector<const Standing*>& competitors, size_t self, int target_level,
               const ExplainIndex* index)
      : program_(program),
        aggregates_(aggregates),
        competitors_(competitors),
        self_(self),
        target_level_(target_level) {
    for (const ScorecardMetric& metric : program.metrics) total_weight_ += metric.weight;
    const Standing& me = *competitors_[self_];
    // A streak is won by winning its base rule now after enough periods won before: a value
    // changes only the base rule's outcome (ExplainAward() probes no agent whose streak is too
    // short).
    if (program.award.rule == "streak" && !program.award.streak_of.empty()) {
      rule_ = &program.award.streak_of.front();
    }
    const AwardRule& award = *rule_;
    const bool by_rank = award.rule == "top_n" && award.n > 0;
    const bool by_own_score = (award.rule == "threshold" && !award.min_metric.has_value() &&
                               award.min_score.has_value()) ||
                              (award.rule == "tiers" && !award.tiers.empty());
    const bool by_improvement =
        award.rule == "most_improved" && !award.improvement_metric.has_value() && award.n > 0;
    if (index == nullptr || !(by_rank || by_own_score || by_improvement) || !(total_weight_ > 0) ||
        me.metrics.size() != program.metrics.size()) {
      return;
    }
    auto group = index->groups.find(me.peer_group);
    if (group == index->groups.end() || group->second.size < 2) return;
    group_ = &group->second;
    ranked_ = award.per_peer_group ? &group_->by_score : &index->field;
    by_improvement_ = &index->by_improvement;
    for (size_t m = 0; m < program.metrics.size(); ++m) {
      const double mine = OrderKey(Directed(program.metrics[m].direction, me.metrics[m].value));
      own_.push_back(mine);
      own_isolated_.push_back(Isolated(group_->values[m], mine));
    }
  }

  // `directed`: the metric's value, direction applied.
  bool Reaches(size_t metric, double directed) const {
    if (std::optional<bool> told = Tell(metric, directed); told.has_value()) {
      probes_told.fetch_add(1, std::memory_order_relaxed);
      return *told;
    }
    probes_ranked.fetch_add(1, std::memory_order_relaxed);
    return Rank(metric, directed);
  }

  const std::vector<const Standing*>& competitors() const { return competitors_; }
  size_t self() const { return self_; }
  // The index's sorted values of the agent's peer group for `metric`, or null without one.
  const std::vector<double>* SortedValues(size_t metric) const {
    return group_ == nullptr ? nullptr : &group_->values[metric];
  }

 private:
  // The ranking itself.
  bool Rank(size_t metric, double directed) const {
    std::vector<Standing> changed;
    changed.reserve(competitors_.size());
    for (const Standing* standing : competitors_) changed.push_back(*standing);
    changed[self_].metrics[metric].value = Directed(program_.metrics[metric].direction, directed);
    const Evaluation evaluation = RankStandings(program_, std::move(changed), aggregates_);
    return OutcomeLevel(program_.award, evaluation.winners, CompetitorId(*competitors_[self_])) >=
           target_level_;
  }

  // A competitor's percentile of `metric` and score with the agent's value moved from own_ to
  // `moved` (both OrderKey()ed); nullopt when its value is near another without being equal.
  std::optional<double> ScoreWith(const Standing& standing, bool is_self, size_t metric,
                                  double moved) const {
    const std::vector<double>& values = group_->values[metric];
    const double value = is_self ? moved
                                 : OrderKey(Directed(program_.metrics[metric].direction,
                                                     standing.metrics[metric].value));
    if (!is_self && !Isolated(values, value)) return std::nullopt;
    const double own = own_[metric];
    const auto low = std::lower_bound(values.begin(), values.end(), value);
    const auto high = std::upper_bound(low, values.end(), value);
    // Counted over the group as it is, without the agent's entry at own_; then the competitor's
    // own entry left out and the agent counted at `moved`.
    double worse = static_cast<double>(low - values.begin());
    double equal = static_cast<double>(high - low);
    if (own < value) worse -= 1;
    if (own == value) equal -= 1;
    if (!is_self) {
      equal -= 1;
      if (moved < value) worse += 1;
      if (moved == value) equal += 1;
    }
    const double normalized = (worse + 0.5 * equal) / static_cast<double>(group_->size - 1);
    double weighted = 0;
    for (size_t m = 0; m < program_.metrics.size(); ++m) {
      weighted +=
          program_.metrics[m].weight * (m == metric ? normalized : standing.metrics[m].normalized);
    }
    return weighted / total_weight_;
  }

  std::optional<bool> Tell(size_t metric, double directed) const {
    if (group_ == nullptr) return std::nullopt;
    if (rule_->rule == "most_improved") return TellImprovement(metric, directed);
    if (rule_->rule != "top_n") return TellOwnScore(metric, directed);
    if (program_.normalization != Normalization::kPercentile) {
      return TellContinuous(metric, directed);
    }
    if (!own_isolated_[metric]) return std::nullopt;
    const double moved = OrderKey(directed);
    if (!Isolated(group_->values[metric], moved)) return std::nullopt;
    const Standing& me = *competitors_[self_];
    const std::optional<double> mine = ScoreWith(me, /*is_self=*/true, metric, moved);
    if (!mine.has_value()) return std::nullopt;
    const double step = std::fabs(program_.metrics[metric].weight) /
                        static_cast<double>(group_->size - 1) / total_weight_;
    const double tie = 1e-7 * std::max(1.0, std::fabs(*mine));
    const int places = rule_->n;
    int ahead = 0;
    for (const ExplainIndex::Ranked& other : *ranked_) {
      if (other.standing == &me) continue;
      // Scores only go down as the agent passes competitors: nobody below is ahead.
      if (OrderKey(other.score) < *mine - tie) break;
      if (ahead >= places) break;
      if (OrderKey(other.score) > *mine + 1.5 * step + tie) {
        ++ahead;
        continue;
      }
      double theirs = other.score;
      if (other.standing->peer_group == me.peer_group) {
        const std::optional<double> moved_score =
            ScoreWith(*other.standing, /*is_self=*/false, metric, moved);
        if (!moved_score.has_value()) return std::nullopt;
        theirs = *moved_score;
      }
      // A tie goes by the first metric and the id: the ranking tells.
      if (std::fabs(theirs - *mine) <= tie) return std::nullopt;
      if (theirs > *mine) ++ahead;
    }
    return ahead < places;
  }

  // Z-scores and raw values (none). With none, the agent's value moves its own score only. With
  // z-scores it moves the group's mean and deviation, and with them every member's z-score of
  // that metric, each by an amount linear in its value: a member's score moves by
  // w/W x ((x - mean') / deviation' - z), between the amounts at the group's lowest and highest
  // values. So, best first, a member whose score is clear of the agent's by more than those
  // bounds needs no working out, and the walk ends where nobody below can reach the agent.
  // The agent's value of `metric` moved to `moved` (direction applied, OrderKey()ed) under zscore
  // or none: what a member of value x then gets for the metric, and the agent's new score,
  // computed from the group's sums, with a bound on how far that can be from the ranking's
  // own sums.
  struct Move {
    bool zscore;
    double moved;
    double share;  // the metric's weight over the total weight
    double mean, old_deviation;
    double new_mean = 0, deviation = 1;
    double self_normalized, mine;
    double z_error = 0, error = 0;
    // How far another member's score can move (0 under none): the change is linear in its
    // value, so its extremes lie at the group's lowest and highest values.
    double low_shift = 0, high_shift = 0;
    double NormalizedAt(double x) const { return zscore ? (x - new_mean) / deviation : x; }
  };

  std::optional<Move> MoveOf(size_t metric, double directed) const {
    const Standing& me = *competitors_[self_];
    Move move;
    move.zscore = program_.normalization == Normalization::kZScore;
    move.share = program_.metrics[metric].weight / total_weight_;
    move.moved = OrderKey(directed);
    const double own = own_[metric];
    if (!std::isfinite(move.moved) || !std::isfinite(own)) return std::nullopt;
    const double n = static_cast<double>(group_->size);
    move.mean = group_->mean[metric];
    move.old_deviation = std::sqrt(group_->squares[metric] / n);
    if (move.zscore) {
      const double mean = move.mean;
      move.new_mean = mean + (move.moved - own) / n;
      const double squares = group_->squares[metric] - (own - mean) * (own - mean) +
                             (move.moved - mean) * (move.moved - mean);
      const double variance = squares / n - (move.new_mean - mean) * (move.new_mean - mean);
      // A group of equal values (all z-scores 0), or one the move makes so: the ranking tells.
      if (!(variance > 0) || !(move.old_deviation > 0)) return std::nullopt;
      move.deviation = std::sqrt(variance);
      // Far from rounding's reach only: a deviation this small against the values is not.
      const double magnitude = std::max({std::fabs(mean), std::fabs(move.moved), std::fabs(own)});
      if (move.deviation < 1e-6 * magnitude || move.old_deviation < 1e-6 * magnitude) {
        return std::nullopt;
      }
    }
    move.self_normalized = move.NormalizedAt(move.moved);
    move.mine = me.score + move.share * (move.self_normalized - me.metrics[metric].normalized);
    if (!std::isfinite(move.mine)) return std::nullopt;
    // What is computed here differs from the ranking's own sums by rounding, under `error`: the
    // ranking's z-scores come from a mean and a deviation summed over the group, each off by at
    // most n rounding steps of the values' magnitudes; its scores from a weighted sum of a few
    // terms.
    constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
    if (move.zscore) {
      const std::vector<double>& values = group_->values[metric];
      const double widest = std::max(std::fabs(values.front() - move.new_mean),
                                     std::fabs(values.back() - move.new_mean));
      const double widest_z =
          std::max(widest, std::fabs(move.moved - move.new_mean)) / move.deviation;
      move.z_error = (n + 16) * kEpsilon * (group_->magnitude[metric] / move.deviation + widest_z);
    }
    move.error = std::fabs(move.share) * 2 * move.z_error +
                 16 * kEpsilon * static_cast<double>(program_.metrics.size()) *
                     (1.0 + 2 * std::fabs(move.mine));
    if (move.zscore) {
      const std::vector<double>& values = group_->values[metric];
      for (double x : {values.front(), values.back()}) {
        // Each member's own z-score before the move is its old one.
        const double shift =
            move.share * (move.NormalizedAt(x) - (x - move.mean) / move.old_deviation);
        move.low_shift = std::min(move.low_shift, shift);
        move.high_shift = std::max(move.high_shift, shift);
      }
      // Room for the rounding between this and the ranking's own sums.
      const double slack = 1e-9 * (1.0 + std::fabs(move.low_shift) + std::fabs(move.high_shift));
      move.low_shift -= slack;
      move.high_shift += slack;
    }
    return move;
  }

  // threshold by min_score, and tiers: the outcome is the agent's own score against fixed
  // minimums, which the agent's value moves through its own normalised value alone.
  std::optional<bool> TellOwnScore(size_t metric, double directed) const {
    const AwardRule& award = *rule_;
    const auto level_at = [&award](double score) {
      if (award.rule == "threshold") return ReachesMinimum(score, *award.min_score) ? 1 : 0;
      for (size_t i = 0; i < award.tiers.size(); ++i) {
        if (ReachesMinimum(score, award.tiers[i].min_score)) {
          return static_cast<int>(award.tiers.size() - i);
        }
      }
      return 0;
    };
    const Standing& me = *competitors_[self_];
    if (program_.normalization == Normalization::kPercentile) {
      // Exactly the ranking's percentile and sum: counted, when no value is near the agent's;
      // else walked through the runs of ties as PercentileScores() walks them.
      const double moved = OrderKey(directed);
      if (own_isolated_[metric] && Isolated(group_->values[metric], moved)) {
        const std::optional<double> mine = ScoreWith(me, /*is_self=*/true, metric, moved);
        if (mine.has_value()) return level_at(*mine) >= target_level_;
      }
      Standing moved_me = me;
      moved_me.metrics[metric].normalized = ExactPercentileOf(metric, moved);
      return level_at(WeightedScore(moved_me)) >= target_level_;
    }
    const std::optional<Move> move = MoveOf(metric, directed);
    if (!move.has_value()) return std::nullopt;
    // The level is monotone in the score (tiers are best first): one answer across the
    // rounding's reach is the answer; else the score is worked out as the ranking works it.
    const int low = level_at(move->mine - move->error);
    if (low == level_at(move->mine + move->error)) return low >= target_level_;
    Standing moved_me = me;
    moved_me.metrics[metric].normalized = ExactScaleOf(metric, move->moved).Normalized(move->moved);
    return level_at(WeightedScore(moved_me)) >= target_level_;
  }

  // most_improved by score: the n largest improvements (score now less the previous period's)
  // above 0 win, equal ones (TiedValues()) in rank order. Moving the agent's value moves its own
  // score, and its group's other scores by at most one percentile step, or under zscore by the
  // bounds TellContinuous() uses; so, the largest improvements first, a competitor clear of the
  // agent's by more than that is ahead or behind without working out, and one close to it is
  // worked out as the ranking works it. More than one close: the ranking tells.
  std::optional<bool> TellImprovement(size_t metric, double directed) const {
    const Standing& me = *competitors_[self_];
    if (!me.previous.has_value()) return false;  // no improvement, no award
    const double moved = OrderKey(directed);
    const bool percentile = program_.normalization == Normalization::kPercentile;
    const bool zscore = program_.normalization == Normalization::kZScore;
    // Percentiles of the others are counted (ScoreWith()) only with no value near the agent's.
    const bool counted =
        !percentile || (own_isolated_[metric] && Isolated(group_->values[metric], moved));
    // The agent's new score and how far it and the group's other scores can be from the
    // ranking's own; and how far another member's score can move.
    double mine_score;
    double error;
    double low_shift = 0;
    double high_shift = 0;
    std::optional<Move> move;
    const double share = program_.metrics[metric].weight / total_weight_;
    if (percentile) {
      const double step = std::fabs(share) / static_cast<double>(group_->size - 1);
      const double slack = 1e-9 * (1.0 + 2 * step);
      low_shift = -step - slack;
      high_shift = step + slack;
      // Counted when no value is near the agent's; else walked through the runs of ties.
      const std::optional<double> counted_score =
          counted ? ScoreWith(me, /*is_self=*/true, metric, moved) : std::nullopt;
      if (counted_score.has_value()) {
        mine_score = *counted_score;
      } else {
        Standing moved_me = me;
        moved_me.metrics[metric].normalized = ExactPercentileOf(metric, moved);
        mine_score = WeightedScore(moved_me);
      }
      error = 16 * std::numeric_limits<double>::epsilon() *
              static_cast<double>(program_.metrics.size()) * (1.0 + 2 * std::fabs(mine_score));
    } else {
      move = MoveOf(metric, directed);
      if (!move.has_value()) return std::nullopt;
      mine_score = move->mine;
      error = move->error;
      low_shift = move->low_shift;
      high_shift = move->high_shift;
    }
    // An improvement as SetRuleProgress() takes it.
    const auto improvement = [](double now, double previous) {
      return TiedValues(now, previous) ? 0.0 : now - previous;
    };
    // The exact new score of the agent or of another competitor, or nullopt when the ranking
    // must tell (a percentile near another value).
    const auto exact_score = [&](const Standing& standing) -> std::optional<double> {
      if (&standing == &me) {
        if (percentile) return mine_score;
        Standing moved_me = me;
        moved_me.metrics[metric].normalized = ExactScaleOf(metric, moved).Normalized(moved);
        return WeightedScore(moved_me);
      }
      if (standing.peer_group != me.peer_group || !zscore) {
        if (percentile && standing.peer_group == me.peer_group) {
          if (!counted) return std::nullopt;
          return ScoreWith(standing, /*is_self=*/false, metric, moved);
        }
        return standing.score;
      }
      Standing moved_other = standing;
      moved_other.metrics[metric].normalized =
          ExactScaleOf(metric, moved)
              .Normalized(OrderKey(
                  Directed(program_.metrics[metric].direction, standing.metrics[metric].value)));
      return WeightedScore(moved_other);
    };
    // The agent's own improvement: nothing above 0, no award.
    double mine = mine_score - *me.previous;
    // Improvements tie within 1e-9 of the larger; a score and its previous one likewise.
    const double magnitude =
        std::max({std::fabs(mine), std::fabs(mine_score), std::fabs(*me.previous)});
    const double tolerance = std::max(1e-12, 2e-9 * (magnitude + 1e-6));
    const double link = 2 * (tolerance + 2 * error);
    if (std::fabs(mine) <= 2 * link) {
      const std::optional<double> exact = exact_score(me);
      if (!exact.has_value()) return std::nullopt;
      mine_score = *exact;
      mine = improvement(mine_score, *me.previous);
      if (!(mine > 0)) return false;
    } else if (mine < 0) {
      return false;
    }
    const double wide = 8 * link;
    const int places = rule_->n;
    int ahead = 0;
    const Standing* near = nullptr;
    for (const ExplainIndex::Ranked& other : *by_improvement_) {
      if (other.standing == &me) continue;
      if (ahead >= places) break;
      const bool same_group = other.standing->peer_group == me.peer_group;
      const double was = OrderKey(other.score);
      if (was + high_shift < mine - wide) break;
      if (same_group ? was + low_shift > mine + wide : was > mine + wide) {
        ++ahead;
        continue;
      }
      double now = other.standing->score;
      if (same_group && percentile) {
        if (!counted) return std::nullopt;
        const std::optional<double> moved_score =
            ScoreWith(*other.standing, /*is_self=*/false, metric, moved);
        if (!moved_score.has_value()) return std::nullopt;
        now = *moved_score;
      } else if (same_group && zscore) {
        const double x = OrderKey(
            Directed(program_.metrics[metric].direction, other.standing->metrics[metric].value));
        now += share * (move->NormalizedAt(x) - other.standing->metrics[metric].normalized);
      }
      const double theirs = now - *other.standing->previous;
      if (!std::isfinite(theirs)) return std::nullopt;
      if (std::fabs(theirs - mine) > wide) {
        if (theirs > mine) ++ahead;
        continue;
      }
      if (near != nullptr) return std::nullopt;
      near = other.standing;
    }
    if (ahead >= places || near == nullptr) return ahead < places;
    // One competitor close to the agent: both worked out as the ranking works them; equal
    // improvements go by rank, which their scores decide unless those tie too.
    const std::optional<double> near_score = exact_score(*near);
    const std::optional<double> my_score = exact_score(me);
    if (!near_score.has_value() || !my_score.has_value()) return std::nullopt;
    const double theirs = improvement(*near_score, *near->previous);
    mine = improvement(*my_score, *me.previous);
    if (!(mine > 0)) return false;
    bool near_ahead;
    if (!(theirs > 0)) {
      near_ahead = false;
    } else if (!TiedValues(theirs, mine)) {
      near_ahead = theirs > mine;
    } else {
      if (TiedValues(*near_score, *my_score)) return std::nullopt;
      near_ahead = *near_score > *my_score;
    }
    return ahead + (near_ahead ? 1 : 0) < places;
  }

  std::optional<bool> TellContinuous(size_t metric, double directed) const {
    const Standing& me = *competitors_[self_];
    const std::optional<Move> found = MoveOf(metric, directed);
    if (!found.has_value()) return std::nullopt;
    const Move& move = *found;
    const bool zscore = move.zscore;
    const double share = move.share;
    const double moved = move.moved;
    const double self_normalized = move.self_normalized;
    const double mine = move.mine;
    const double z_error = move.z_error;
    const double error = move.error;
    constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
    const auto normalized_at = [&move](double x) { return move.NormalizedAt(x); };
    const double low_shift = move.low_shift;
    const double high_shift = move.high_shift;
    // Scores tie under TiedValues(): within 1e-9 of the larger, or 1e-12, give or take `error`.
    // Scores within `link` of each other may tie; those within `wide` of the agent's are kept
    // apart, the rest are clearly ahead or behind.
    const double link = 2 * (std::max(1e-12, 1e-9 * (std::fabs(mine) + 1e-6)) + 2 * error);
    const double wide = 8 * link;
    const int places = rule_->n;
    int ahead = 0;
    struct Near {
      double offset;  // its score less the agent's
      const Standing* standing;
    };
    std::vector<Near> near;
    for (const ExplainIndex::Ranked& other : *ranked_) {
      if (other.standing == &me) continue;
      if (ahead >= places) break;
      const double score = OrderKey(other.score);
      // Nobody below can come near the agent.
      if (score + high_shift < mine - wide) break;
      const bool same_group = other.standing->peer_group == me.peer_group;
      if (same_group && score + low_shift > mine + wide) {
        ++ahead;
        continue;
      }
      double theirs = other.score;
      if (same_group && zscore) {
        const double x = OrderKey(
            Directed(program_.metrics[metric].direction, other.standing->metrics[metric].value));
        theirs += share * (normalized_at(x) - other.standing->metrics[metric].normalized);
      }
      if (!std::isfinite(theirs)) return std::nullopt;
      if (std::fabs(theirs - mine) > wide) {
        if (theirs > mine) ++ahead;
      } else {
        near.push_back({theirs - mine, other.standing});
      }
    }
    if (ahead >= places || near.empty()) return ahead < places;
    // The scores chained to the agent's, each within `link` of the next: only among them can
    // a run of ties form. One that reaches the edge of `wide` could chain further: the ranking
    // tells.
    std::sort(near.begin(), near.end(),
              [](const Near& a, const Near& b) { return a.offset < b.offset; });
    const auto first_above =
        std::partition_point(near.begin(), near.end(), [](const Near& n) { return n.offset < 0; });
    auto chain_end = first_above;
    for (double last = 0; chain_end != near.end() && chain_end->offset - last <= link;
         ++chain_end) {
      last = chain_end->offset;
    }
    auto chain_begin = first_above;
    for (double last = 0;
         chain_begin != near.begin() && last - std::prev(chain_begin)->offset <= link;
         --chain_begin) {
      last = std::prev(chain_begin)->offset;
    }
    for (auto it = near.begin(); it != near.end(); ++it) {
      if (it >= chain_begin && it < chain_end) continue;
      if (it->offset > 0) ++ahead;
    }
    if (chain_begin == chain_end) return ahead < places;
    if (std::fabs(chain_begin->offset) > wide - link ||
        std::fabs(std::prev(chain_end)->offset) > wide - link) {
      return std::nullopt;
    }
    std::vector<const Standing*> chained;
    for (auto it = chain_begin; it != chain_end; ++it) chained.push_back(it->standing);
    if (chained.size() == 1) {
      // One competitor: its score and the agent's tie or they do not, and a tie goes by the
      // first metric's normalised value (tied likewise), then by id. Where rounding could
      // decide either, both are worked out as the ranking works them.
      const Standing& other = *chained.front();
      const auto tied = [](double a, double b, double slack) -> std::optional<bool> {
        const double limit = std::max(1e-12, 1e-9 * std::max(std::fabs(a), std::fabs(b)));
        const double difference = std::fabs(a - b);
        if (difference > limit + slack) return false;
        if (difference < limit - slack) return true;
        return std::nullopt;
      };
      const double theirs = mine + chain_begin->offset;
      std::optional<bool> other_ahead;
      if (const std::optional<bool> scores_tie = tied(theirs, mine, 2 * error)) {
        if (!*scores_tie) {
          other_ahead = theirs > mine;
        } else {
          double other_first = OrderKey(other.metrics.front().normalized);
          double my_first = OrderKey(me.metrics.front().normalized);
          double slack = 0;
          if (metric == 0) {
            my_first = self_normalized;
            if (zscore && other.peer_group == me.peer_group) {
              other_first = normalized_at(
                  OrderKey(Directed(program_.metrics[0].direction, other.metrics[0].value)));
            }
            slack =
                2 * z_error + 16 * kEpsilon * (1.0 + std::fabs(my_first) + std::fabs(other_first));
          }
          if (const std::optional<bool> firsts_tie = tied(other_first, my_first, slack)) {
            other_ahead =
                *firsts_tie ? CompetitorId(other) < CompetitorId(me) : other_first > my_first;
          }
        }
      }
      if (other_ahead.has_value()) return ahead + (*other_ahead ? 1 : 0) < places;
    }
    return ahead + RankAmongNear(metric, moved, chained) < places;
  }

  // How the ranking normalises a value of `metric` once the agent's is `moved` (ZScores(): the
  // group's values scaled by the largest magnitude, summed in ascending order; none: as it is).
  struct ExactScale {
    bool zscore = false;
    bool flat = false;  // equal values, or no deviation: every z-score is 0
    double scale = 1, mean = 0, deviation = 0;
    double Normalized(double directed) const {
      if (!zscore) return directed;
      return flat ? 0.0 : (directed / scale - mean) / deviation;
    }
  };

  ExactScale ExactScaleOf(size_t metric, double moved) const {
    ExactScale exact;
    exact.zscore = program_.normalization == Normalization::kZScore;
    if (!exact.zscore) return exact;
    // The group's values in ascending order with the agent's (at `at`) taken out and `moved` put
    // in before `into`, as ZScores() sorts them; walked from position `from` on.
    const std::vector<double>& values = group_->values[metric];
    const size_t n = values.size();
    const size_t at = std::lower_bound(values.begin(), values.end(), own_[metric]) - values.begin();
    const size_t into = std::upper_bound(values.begin(), values.end(), moved) - values.begin();
    const auto walk = [&](size_t from, auto&& add) {
      bool placed = false;
      for (size_t i = from; i < n; ++i) {
        if (i == into && !placed) {
          add(moved);
          placed = true;
        }
        if (i != at) add(values[i]);
      }
      if (!placed) add(moved);
    };
    const double low = std::min(moved, values[at == 0 ? 1 : 0]);
    const double high = std::max(moved, values[at == n - 1 ? n - 2 : n - 1]);
    exact.scale = std::max(std::fabs(low), std::fabs(high));
    if (low == high || !(exact.scale > 0)) {
      exact.flat = true;
      return exact;
    }
    // The sum as ZScores() adds it: the first values are as they were, so is their running sum
    // when the scale is.
    const size_t same = std::min(at, into);
    const bool same_scale = metric < group_->scale.size() && group_->scale[metric] == exact.scale;
    double sum = same_scale ? group_->prefix[metric][same] : 0.0;
    walk(same_scale ? same : 0, [&](double value) { sum += value / exact.scale; });
    exact.mean = sum / static_cast<double>(n);
    double squares = 0;
    walk(0, [&](double value) {
      const double scaled = value / exact.scale;
      squares += (scaled - exact.mean) * (scaled - exact.mean);
    });
    exact.deviation = std::sqrt(squares / static_cast<double>(n));
    exact.flat = !(exact.deviation > 0);
    return exact;
  }

  // The agent's percentile of `metric` with its value `moved`, as PercentileScores() gives it:
  // the group's values ascending, in runs of values tied with each run's first (lowest) one.
  double ExactPercentileOf(size_t metric, double moved) const {
    const std::vector<double>& values = group_->values[metric];
    const size_t n = values.size();
    const size_t at = std::lower_bound(values.begin(), values.end(), own_[metric]) - values.begin();
    const size_t into = std::upper_bound(values.begin(), values.end(), moved) - values.begin();
    // The agent's place among the others' values, and the i-th value with the agent's moved.
    const size_t place = into > at ? into - 1 : into;
    const auto others = [&](size_t j) { return j < at ? values[j] : values[j + 1]; };
    const auto value = [&](size_t i) {
      return i < place ? others(i) : i == place ? moved : others(i - 1);
    };
    size_t run_start = 0;
    for (;;) {
      const double anchor = value(run_start);
      size_t run_end = run_start + 1;
      while (run_end < n && TiedValues(anchor, value(run_end))) ++run_end;
      if (place < run_end) {
        const double worse = static_cast<double>(run_start);
        const double equal = static_cast<double>(run_end - run_start - 1);
        return (worse + 0.5 * equal) / static_cast<double>(n - 1);
      }
      run_start = run_end;
    }
  }

  // The score as ScoreEligible() sums it from the normalised values.
  double WeightedScore(const Standing& standing) const {
    double weighted = 0;
    for (size_t m = 0; m < program_.metrics.size(); ++m) {
      weighted += program_.metrics[m].weight * standing.metrics[m].normalized;
    }
    return weighted / total_weight_;
  }

  // How many of `near` (competitors whose scores come close to the agent's once its value of
  // `metric` is `moved`, with nobody else near them) rank ahead of the agent: their scores and
  // first metrics worked out as the ranking works them out (ZScores() and ScoreEligible(), the
  // same sums in the same order), then ordered as it orders them (OrderByScore()).
  int RankAmongNear(size_t metric, double moved, const std::vector<const Standing*>& near) const {
    const Standing& me = *competitors_[self_];
    const ScorecardMetric& spec = program_.metrics[metric];
    const ExactScale exact = ExactScaleOf(metric, moved);
    const bool zscore = program_.normalization == Normalization::kZScore;
    std::vector<Standing> together;
    together.reserve(near.size() + 1);
    for (const Standing* standing : near) together.push_back(*standing);
    together.push_back(me);
    for (Standing& standing : together) {
      const bool moves = &standing == &together.back();
      if (moves || (zscore && standing.peer_group == me.peer_group)) {
        const double directed =
            moves ? moved : OrderKey(Directed(spec.direction, standing.metrics[metric].value));
        standing.metrics[metric].normalized = exact.Normalized(directed);
      }
      standing.score = WeightedScore(standing);
    }
    OrderByScore(together.begin(), together.end());
    for (size_t i = 0; i < together.size(); ++i) {
      if (CompetitorId(together[i]) == CompetitorId(me)) return static_cast<int>(i);
    }
    return static_cast<int>(together.size());
  }

  const ProgramSpec& program_;
  const AggregateTable& aggregates_;
  // The competitors, in rank order: the caller's, which outlive the probe.
  const std::vector<const Standing*>& competitors_;
  // The rule a value can change the outcome of: the award's, or a streak's base rule.
  const AwardRule* rule_ = &program_.award;
  // most_improved: the field by improvement, the largest first.
  const std::vector<ExplainIndex::Ranked>* by_improvement_ = nullptr;
  size_t self_;
  int target_level_;
  double total_weight_ = 0;
  // With an index (percentile, top_n): the agent's peer group there, who ranks for the places
  // (the group, or every eligible competitor), and the agent's own values and whether each is
  // clear of near values.
  const ExplainIndex::Group* group_ = nullptr;
  const std::vector<ExplainIndex::Ranked>* ranked_ = nullptr;
  std::vector<double> own_;
  std::vector<bool> own_isolated_;
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
  std::vector<Candidate> candidates;
  const auto by_value = [](const Candidate& a, const Candidate& b) {
    return a.directed < b.directed;
  };
  if (const std::vector<double>* sorted = probe.SortedValues(metric); sorted != nullptr) {
    // The group's values, already sorted: each distinct one to tie, and just above each, merged.
    // A value just below the agent's can be beaten by a candidate just above the agent's.
    std::vector<Candidate> ties;
    std::vector<Candidate> beyond;
    auto from = std::lower_bound(sorted->begin(), sorted->end(),
                                 current - 2e-6 * std::fabs(current) - 2e-9);
    for (auto it = from; it != sorted->end(); ++it) {
      const double theirs = *it;
      if (it != from && theirs == *std::prev(it)) continue;
      if (theirs > current && theirs <= directed_max) ties.push_back({theirs, theirs, false});
      // The agent's own value counts only when another competitor has it too.
      if (theirs == current && (std::next(it) == sorted->end() || *std::next(it) != theirs)) {
        continue;
      }
      const double above = JustAbove(theirs);
      if (above > current && above <= directed_max) beyond.push_back({above, theirs, true});
    }
    if (!std::is_sorted(beyond.begin(), beyond.end(), by_value)) {
      std::sort(beyond.begin(), beyond.end(), by_value);
    }
    candidates.reserve(ties.size() + beyond.size() + 1);
    std::merge(ties.begin(), ties.end(), beyond.begin(), beyond.end(),
               std::back_inserter(candidates), by_value);
    if (std::isfinite(directed_max) && directed_max > current) {
      candidates.push_back({directed_max, directed_max, false});
    }
  } else {
    const std::string& group = probe.competitors()[probe.self()]->peer_group;
    for (size_t i = 0; i < probe.competitors().size(); ++i) {
      const Standing& other = *probe.competitors()[i];
      if (i == probe.self() || other.peer_group != group) continue;
      const double theirs = Directed(direction, other.metrics[metric].value);
      if (theirs > current && theirs <= directed_max) candidates.push_back({theirs, theirs, false});
      const double above = JustAbove(theirs);
      if (above > current && above <= directed_max) candidates.push_back({above, theirs, true});
    }
    if (std::isfinite(directed_max) && directed_max > current) {
      candidates.push_back({directed_max, directed_max, false});
    }
    std::sort(candidates.begin(), candidates.end(), by_value);
  }
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
    for (const Standing* other : probe.competitors()) {
      spread =
          std::max(spread, std::fabs(Directed(direction, other->metrics[metric].value) - current));
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
    const std::vector<Standing>& standings, const std::vector<Winner>& winners,
    const ExplainIndex* index) {
  const bool teams = program.scope == Scope::kTeam;
  // A competitor with a standing is among the agents; the index finds it without a search.
  const ExplainIndex::Position* position = nullptr;
  if (index != nullptr) {
    auto found = index->positions.find(agent_id);
    if (found != index->positions.end()) position = &found->second;
  }
  if (position == nullptr && std::none_of(agents.begin(), agents.end(), [&](const Agent& agent) {
        return (teams ? agent.team : agent.id) == agent_id;
      })) {
    return absl::NotFoundError(
        absl::StrCat("agent_id: ", teams ? "team" : "agent", " \"", agent_id, "\" not found"));
  }
  const Standing* self = position != nullptr ? position->standing : nullptr;
  for (size_t i = 0; self == nullptr && i < standings.size(); ++i) {
    if (CompetitorId(standings[i]) == agent_id) self = &standings[i];
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
  const Winner* const win = WinOf(winners, agent_id, self->rank);
  if (win != nullptr) {
    out.won = true;
    out.tier = win->tier;
    out.holds = win->holds;
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

  // Who the agent competes with for the award: its peer group, unless top_n ranks everyone or
  // the rule is most_improved, whose improvements are compared across the whole field. A
  // streak's base rule decides who competes with whom.
  const AwardRule& base_rule =
      award.rule == "streak" && !award.streak_of.empty() ? award.streak_of.front() : award;
  const bool whole_field =
      (base_rule.rule == "top_n" && !base_rule.per_peer_group) || base_rule.rule == "most_improved";
  // The index holds each group's and the whole field's eligible competitors in rank order.
  static const std::vector<const Standing*> kNobody;
  std::vector<const Standing*> listed;
  const std::vector<const Standing*>* field = &listed;
  size_t self_index = 0;
  if (index != nullptr && position != nullptr) {
    if (whole_field) {
      field = &index->field_in_order;
    } else {
      auto group = index->groups.find(self->peer_group);
      field = group == index->groups.end() ? &kNobody : &group->second.members_in_order;
    }
    if (self->eligible) self_index = whole_field ? position->in_field : position->in_group;
  } else {
    for (const Standing& standing : standings) {
      if (!standing.eligible) continue;
      if (!whole_field && standing.peer_group != self->peer_group) continue;
      if (&standing == self) self_index = listed.size();
      listed.push_back(&standing);
    }
  }
  SetCutoff(award, *field, self->peer_group, out);

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

  const int level = LevelOf(award, win);
  std::string fixed_reason;
  if (level >= HighestLevel(award)) {
    fixed_reason = award.rule == "tiers" ? "already at the highest tier" : "already winning";
  } else if (award.rule == "threshold" && award.min_metric.has_value()) {
    fixed_reason = absl::StrCat("the award goes by ", MeasureLabel(*award.min_metric),
                                " reaching its min, not by the score");
  } else if (award.rule == "target" && award.target.has_value()) {
    fixed_reason = absl::StrCat("the award goes by ", MeasureLabel(*award.target),
                                " reaching its target, not by the score");
  } else if (award.rule == "streak" && self->earlier_streak + 1 < award.streak_periods) {
    fixed_reason = absl::StrCat("periods won before this one: ", self->earlier_streak, " of the ",
                                award.streak_periods - 1, " the streak needs");
  } else if (award.rule == "most_improved" && award.improvement_metric.has_value()) {
    fixed_reason = absl::StrCat("the award goes by the improvement of ",
                                MeasureLabel(*award.improvement_metric), ", not by the score");
  }
  const OutcomeProbe probe(program, ranked_on, *field, self_index, level + 1, index);
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

#include "core/reports/program_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "core/domain/metric_catalogue.h"
#include "core/domain/period.h"
#include "core/program/holdout.h"

namespace plaudit {
namespace {

constexpr int kStandingsPage = 5000;
constexpr int kPraisePage = 5000;
constexpr char kUnknownGroup[] = "(unknown)";

struct AgentGroups {
  std::string team;
  std::string channel;
  absl::CivilDay hire_date;
};

// The dimensions fairness is tested on, in report order.
constexpr const char* kDimensions[] = {"channel", "team", "peer group", "tenure", "shift"};

std::string TenureBand(absl::CivilDay hired, absl::CivilDay day) {
  const int64_t days = day - hired;
  if (days < 183) return "under 6 months";
  if (days < 365) return "6-12 months";
  if (days < 730) return "1-2 years";
  if (days < 1826) return "2-5 years";
  return "5 years or more";
}

// Each agent's shift in [start, end): when most of their events happened in `zone`.
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Shifts(Store& store,
                                                                     const PeriodWindow& window,
                                                                     absl::TimeZone zone) {
  static constexpr const char* kShifts[] = {"day (06-14)", "evening (14-22)", "night (22-06)"};
  absl::flat_hash_map<std::string, std::array<int64_t, 3>> counts;
  absl::Status read = store.ForEachEventTime(
      absl::ToUnixMicros(window.start), absl::ToUnixMicros(window.end),
      [&](absl::string_view agent_id, int64_t at_us) {
        const int hour = absl::ToCivilHour(absl::FromUnixMicros(at_us), zone).hour();
        const int shift = hour >= 6 && hour < 14 ? 0 : hour >= 14 && hour < 22 ? 1 : 2;
        ++counts[agent_id][static_cast<size_t>(shift)];
      });
  if (!read.ok()) return read;
  absl::flat_hash_map<std::string, std::string> shifts;
  for (const auto& [agent, count] : counts) {
    shifts[agent] = kShifts[std::max_element(count.begin(), count.end()) - count.begin()];
  }
  return shifts;
}

// An award that still stands: neither rejected nor cancelled, nor a holdout's would-be award.
bool Stands(AwardState state) {
  return state != AwardState::kRejected && state != AwardState::kCancelled &&
         state != AwardState::kHoldout;
}

// Nearest-rank percentile of sorted `values`; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// The spreads of `scores` (peer group -> scores), which are sorted on the way.
std::vector<ScoreSpread> Spreads(std::map<std::string, std::vector<double>>& scores) {
  std::vector<ScoreSpread> spreads;
  for (auto& [group, values] : scores) {
    if (values.empty()) continue;
    std::sort(values.begin(), values.end());
    spreads.push_back({group, static_cast<int64_t>(values.size()), values.front(),
                       Percentile(values, 0.25), Percentile(values, 0.5), Percentile(values, 0.75),
                       values.back()});
  }
  return spreads;
}

void Summarize(Delivery& d) {
  std::sort(d.hours.begin(), d.hours.end());
  d.timed = static_cast<int64_t>(d.hours.size());
  d.median_hours = Percentile(d.hours, 0.5);
  d.p90_hours = Percentile(d.hours, 0.9);
}

std::vector<GroupShare> Sorted(const std::map<std::string, GroupShare>& groups) {
  std::vector<GroupShare> out;
  for (const auto& [name, share] : groups) out.push_back(share);
  return out;
}

void Count(std::map<std::string, GroupShare>& groups, const std::string& group, bool eligible,
           bool rewarded) {
  GroupShare& share = groups[group];
  share.group = group;
  ++share.ranked;
  share.eligible += eligible ? 1 : 0;
  share.rewarded += rewarded ? 1 : 0;
}

// "aht_seconds 312 -> 280 (10% better)".
std::string Move(const std::string& metric, double before, double after, double change) {
  return absl::StrCat(
      metric, " ", absl::StrFormat("%.4g", before), " -> ", absl::StrFormat("%.4g", after), " (",
      absl::StrFormat("%.0f%%", std::abs(change) * 100), change > 0 ? " better)" : " worse)");
}

// The signal of a winner whose metrics moved both ways from `before` to `now`; nullopt when not.
std::optional<GamingSignal> CounterMoves(const Standing& before, const Standing& now) {
  GamingSignal signal;
  for (const MetricStanding& m : now.metrics) {
    const MetricSpec* spec = FindMetric(m.metric);
    const auto earlier =
        std::find_if(before.metrics.begin(), before.metrics.end(),
                     [&](const MetricStanding& b) { return b.metric == m.metric; });
    if (spec == nullptr || earlier == before.metrics.end() || earlier->value == 0) continue;
    double change = (m.value - earlier->value) / std::abs(earlier->value);
    if (spec->direction == Direction::kLowerIsBetter) change = -change;
    if (change >= kGamingChange) {
      signal.improved.push_back(Move(m.metric, earlier->value, m.value, change));
    } else if (change <= -kGamingChange) {
      signal.worsened.push_back(Move(m.metric, earlier->value, m.value, change));
    }
  }
  if (signal.improved.empty() || signal.worsened.empty()) return std::nullopt;
  return signal;
}

std::string HoldOutcome(AwardState state) {
  switch (state) {
    case AwardState::kHeld:
      return "pending review";
    case AwardState::kRejected:
    case AwardState::kCancelled:
      return "upheld";
    case AwardState::kApproved:
    case AwardState::kFulfilling:
    case AwardState::kFulfilled:
    case AwardState::kFailed:
      return "released";
    default:
      return std::string(AwardStateName(state));
  }
}

// The holds raised in a decision and what came of them.
absl::Status AddHolds(Store& store, const DecisionRecord& decision, Gaming& gaming) {
  for (const AwardRecord& award : decision.awards) {
    auto history = store.AwardHistory(award.id);
    if (!history.ok()) return history.status();
    const auto held = std::find_if(history->begin(), history->end(), [](const AwardTransition& t) {
      return t.to_state == AwardStateName(AwardState::kHeld);
    });
    if (held == history->end()) continue;
    HeldAward h{decision.period, award.id, award.agent_id.empty() ? award.team : award.agent_id,
                held->reason, HoldOutcome(award.state)};
    gaming.released += h.outcome == "released" ? 1 : 0;
    gaming.upheld += h.outcome == "upheld" ? 1 : 0;
    gaming.pending += h.outcome == "pending review" ? 1 : 0;
    gaming.holds.push_back(std::move(h));
  }
  return absl::OkStatus();
}

// Settled value per fulfilled reward of the type.
double PerReward(const RewardTypeCount& type) {
  return type.fulfilled > 0 ? type.settled / static_cast<double>(type.fulfilled) : 0;
}

// One decided period: its awards, rewards, standings and budget.
absl::Status AddDecision(Store& store, const DecisionRecord& decision,
                         const absl::flat_hash_map<std::string, AgentGroups>& agents,
                         const PeriodWindow& window, Cadence cadence, absl::TimeZone zone,
                         std::map<std::string, std::vector<double>>& all_scores,
                         PeriodReport& report) {
  std::map<std::string, std::vector<double>> scores;
  auto shifts = Shifts(store, window, zone);
  if (!shifts.ok()) return shifts.status();
  // dimension -> group -> (eligible, winners)
  std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>> fair;
  report.decided = true;
  Participation& p = report.participation;
  Spend& spend = report.spend;
  Delivery& delivery = report.delivery;
  std::set<std::string> rewarded_agents;
  std::set<std::string> rewarded_teams;
  std::map<std::string, RewardTypeCount> types;
  for (const AwardRecord& award : decision.awards) {
    ++p.awards;
    p.holdout_awards += award.state == AwardState::kHoldout ? 1 : 0;
    if (Stands(award.state)) {
      if (!award.agent_id.empty()) rewarded_agents.insert(award.agent_id);
      if (award.agent_id.empty()) rewarded_teams.insert(award.team);
    }
    if (award.state == AwardState::kHeld) ++spend.held_awards;
    if (award.state == AwardState::kOverBudget) ++spend.over_budget_awards;
    if (award.over_flexible_budget) ++spend.flagged_awards;
    if (Stands(award.state) && award.state != AwardState::kOverBudget) {
      spend.awarded += award.value;
      ++spend.standing_awards;
    }
    const bool counted = Stands(award.state) && award.state != AwardState::kOverBudget;
    for (const FulfilmentRecord& f : award.fulfilments) {
      RewardTypeCount& type = types[f.type];
      type.type = f.type;
      ++type.rewards;
      if (!f.value.has_value()) ++type.unknown_value;
      if (counted) type.value += f.value.value_or(0);
      delivery.retries += std::max(0, f.attempts - 1);
      switch (f.state) {
        case FulfilmentState::kFulfilled:
          ++type.fulfilled;
          ++delivery.fulfilled;
          type.settled += f.value.value_or(0);
          type.face_value += f.face_value;
          spend.face_value += f.face_value;
          if (f.redeemed_us != 0) {
            ++type.redeemed;
            ++delivery.redeemed;
          }
          delivery.hours.push_back(static_cast<double>(f.updated_us - award.decided_us) / 3.6e9);
          break;
        case FulfilmentState::kFailed:
          ++delivery.failed;
          break;
        case FulfilmentState::kPending:
          ++delivery.pending;
          break;
        case FulfilmentState::kWaiting:
          ++delivery.waiting;
          break;
        case FulfilmentState::kCancelled:
          ++delivery.cancelled;
          break;
      }
    }
  }
  spend.per_award =
      spend.standing_awards > 0 ? spend.awarded / static_cast<double>(spend.standing_awards) : 0;
  for (auto& [name, count] : types) {
    count.per_reward = PerReward(count);
    spend.reward_types.push_back(count);
  }

  std::map<std::string, GroupShare> teams;
  std::map<std::string, GroupShare> channels;
  std::map<std::string, Standing> winner_standings;
  for (int64_t offset = 0;; offset += kStandingsPage) {
    auto page = store.ListStandings(decision.program_id, decision.period, offset, kStandingsPage);
    if (!page.ok()) return page.status();
    for (const PositionedStanding& positioned : *page) {
      const Standing& s = positioned.standing;
      if (s.eligible) {
        scores[s.peer_group].push_back(s.score);
        all_scores[s.peer_group].push_back(s.score);
      }
      const bool team_standing = s.agent_id.empty();
      const std::vector<std::string> ids =
          team_standing ? s.members : std::vector<std::string>{s.agent_id};
      for (const std::string& id : ids) {
        const auto agent = agents.find(id);
        const bool rewarded =
            team_standing ? rewarded_teams.contains(s.team) : rewarded_agents.contains(id);
        if (rewarded && !team_standing) winner_standings.emplace(id, s);
        ++p.ranked;
        p.eligible += s.eligible ? 1 : 0;
        p.rewarded += rewarded ? 1 : 0;
        const bool known = agent != agents.end();
        const std::string team = known ? agent->second.team : kUnknownGroup;
        const std::string channel = known ? agent->second.channel : kUnknownGroup;
        Count(teams, team, s.eligible, rewarded);
        Count(channels, channel, s.eligible, rewarded);
        if (s.eligible) {
          const auto shift = shifts->find(id);
          const std::string groups[] = {
              channel, team, s.peer_group,
              known ? TenureBand(agent->second.hire_date, window.first_day) : kUnknownGroup,
              shift == shifts->end() ? "no events" : shift->second};
          for (size_t d = 0; d < std::size(kDimensions); ++d) {
            auto& counts = fair[kDimensions[d]][groups[d]];
            ++counts.first;
            counts.second += rewarded ? 1 : 0;
          }
        }
      }
    }
    if (static_cast<int>(page->size()) < kStandingsPage) break;
  }
  p.teams = Sorted(teams);
  p.channels = Sorted(channels);
  report.scores = Spreads(scores);
  for (const char* dimension : kDimensions) {
    std::vector<FairnessGroup> groups;
    for (const auto& [group, counts] : fair[dimension]) {
      FairnessGroup g;
      g.group = group;
      g.eligible = counts.first;
      g.winners = counts.second;
      groups.push_back(g);
    }
    report.fairness.push_back(TestFairness(dimension, std::move(groups)));
  }

  // Gaming signals: each agent winner against their standing in the period before.
  const std::string previous = PreviousPeriod(cadence, window, zone).label;
  for (const AwardRecord& award : decision.awards) {
    const auto now = winner_standings.find(award.agent_id);
    if (award.agent_id.empty() || !Stands(award.state) || now == winner_standings.end()) continue;
    auto before = store.FindStanding(decision.program_id, previous, award.agent_id);
    if (!before.ok()) return before.status();
    if (!before->has_value()) continue;
    std::optional<GamingSignal> signal = CounterMoves((*before)->standing, now->second);
    if (!signal.has_value()) continue;
    signal->period = decision.period;
    signal->award_id = award.id;
    signal->agent_id = award.agent_id;
    report.gaming.signals.push_back(*std::move(signal));
  }
  if (absl::Status holds = AddHolds(store, decision, report.gaming); !holds.ok()) return holds;

  auto budget = store.GetBudget(decision.program_id, decision.period);
  if (!budget.ok()) return budget.status();
  if (budget->has_value()) {
    const BudgetPosition& position = (*budget)->position;
    spend.unit = std::string(BudgetUnitName(position.spec.unit));
    spend.currency = position.spec.currency;
    spend.mode = std::string(BudgetModeName(position.spec.mode));
    spend.budget = position.spec.amount;
    spend.reserved = position.reserved;
    spend.settled = position.settled;
    spend.remaining = position.remaining();
  }
  return absl::OkStatus();
}

absl::Status AddPraise(Store& store, const PeriodWindow& window,
                       const absl::flat_hash_map<std::string, AgentGroups>& agents,
                       PeriodReport& report) {
  ExportScope scope;
  scope.from_us = absl::ToUnixMicros(window.start);
  scope.to_us = absl::ToUnixMicros(window.end);
  std::map<std::string, TeamPraise> teams;
  const auto team_of = [&](const std::string& id) -> std::string {
    const auto agent = agents.find(id);
    return agent == agents.end() ? kUnknownGroup : agent->second.team;
  };
  ExportKey after;
  for (;;) {
    auto page = store.ExportPraise(scope, after, kPraisePage);
    if (!page.ok()) return page.status();
    for (const PraiseRecord& praise : *page) {
      TeamPraise& from = teams[team_of(praise.from_agent_id)];
      from.team = team_of(praise.from_agent_id);
      ++from.given;
      TeamPraise& to = teams[team_of(praise.to_agent_id)];
      to.team = team_of(praise.to_agent_id);
      ++to.received;
    }
    if (static_cast<int>(page->size()) < kPraisePage) break;
    after.started = true;
    after.number = page->back().sent_us;
    after.text = page->back().id;
  }
  for (const auto& [team, praise] : teams) report.participation.praise.push_back(praise);
  return absl::OkStatus();
}

// Adds `from`'s items into `into`: each to the one of the same name (`name_of`) with `add`, or as a
// new one.
template <typename T, typename NameOf, typename Add>
void MergeByName(std::vector<T>& into, const std::vector<T>& from, NameOf name_of, Add add) {
  for (const T& item : from) {
    auto found = std::find_if(into.begin(), into.end(), [&](const T& existing) {
      return name_of(existing) == name_of(item);
    });
    if (found == into.end()) {
      into.push_back(item);
    } else {
      add(*found, item);
    }
  }
}

void AddToOverall(const PeriodReport& period, PeriodReport& overall) {
  overall.decided = overall.decided || period.decided;
  Participation& o = overall.participation;
  const Participation& p = period.participation;
  o.ranked += p.ranked;
  o.eligible += p.eligible;
  o.rewarded += p.rewarded;
  o.awards += p.awards;
  o.holdout_awards += p.holdout_awards;
  const auto group_of = [](const GroupShare& g) { return g.group; };
  const auto add_share = [](GroupShare& into, const GroupShare& item) {
    into.ranked += item.ranked;
    into.eligible += item.eligible;
    into.rewarded += item.rewarded;
  };
  MergeByName(o.teams, p.teams, group_of, add_share);
  MergeByName(o.channels, p.channels, group_of, add_share);
  MergeByName(
      o.praise, p.praise, [](const TeamPraise& t) { return t.team; },
      [](TeamPraise& into, const TeamPraise& item) {
        into.given += item.given;
        into.received += item.received;
      });
  Spend& os = overall.spend;
  const Spend& ps = period.spend;
  if (!ps.unit.empty()) {
    if (os.unit.empty()) {
      os.unit = ps.unit;
      os.currency = ps.currency;
      os.mode = ps.mode;
    } else if (os.unit != ps.unit || os.currency != ps.currency) {
      os.unit = "mixed";
      os.currency.clear();
    }
    if (os.mode != ps.mode) os.mode = "mixed";
  }
  os.budget += ps.budget;
  os.reserved += ps.reserved;
  os.settled += ps.settled;
  os.remaining += ps.remaining;
  os.awarded += ps.awarded;
  os.standing_awards += ps.standing_awards;
  os.held_awards += ps.held_awards;
  os.over_budget_awards += ps.over_budget_awards;
  os.flagged_awards += ps.flagged_awards;
  MergeByName(
      os.reward_types, ps.reward_types, [](const RewardTypeCount& t) { return t.type; },
      [](RewardTypeCount& into, const RewardTypeCount& item) {
        into.rewards += item.rewards;
        into.fulfilled += item.fulfilled;
        into.redeemed += item.redeemed;
        into.value += item.value;
        into.settled += item.settled;
        into.face_value += item.face_value;
        into.unknown_value += item.unknown_value;
      });
  os.face_value += ps.face_value;
  // The groups' counts, tested at the end (Finish).
  for (const FairnessTest& test : period.fairness) {
    auto found = std::find_if(overall.fairness.begin(), overall.fairness.end(),
                              [&](const FairnessTest& t) { return t.dimension == test.dimension; });
    if (found == overall.fairness.end()) {
      overall.fairness.push_back(FairnessTest{});
      found = overall.fairness.end() - 1;
      found->dimension = test.dimension;
    }
    MergeByName(
        found->groups, test.groups, [](const FairnessGroup& g) { return g.group; },
        [](FairnessGroup& into, const FairnessGroup& item) {
          into.eligible += item.eligible;
          into.winners += item.winners;
        });
  }
  Gaming& og = overall.gaming;
  og.signals.insert(og.signals.end(), period.gaming.signals.begin(), period.gaming.signals.end());
  og.holds.insert(og.holds.end(), period.gaming.holds.begin(), period.gaming.holds.end());
  og.released += period.gaming.released;
  og.upheld += period.gaming.upheld;
  og.pending += period.gaming.pending;
  Delivery& od = overall.delivery;
  const Delivery& pd = period.delivery;
  od.fulfilled += pd.fulfilled;
  od.failed += pd.failed;
  od.pending += pd.pending;
  od.waiting += pd.waiting;
  od.cancelled += pd.cancelled;
  od.retries += pd.retries;
  od.redeemed += pd.redeemed;
  od.hours.insert(od.hours.end(), pd.hours.begin(), pd.hours.end());
}

// The value of `aggregation` over an aggregate; nullopt for one the report does not compare.
std::optional<double> AggregateValue(Aggregation aggregation, const MetricAggregate& a) {
  if (a.samples == 0) return std::nullopt;
  switch (aggregation) {
    case Aggregation::kSum:
      return a.sum;
    case Aggregation::kCount:
      return static_cast<double>(a.samples);
    case Aggregation::kMean:
      return a.sum / static_cast<double>(a.samples);
    case Aggregation::kMin:
      return a.min;
    case Aggregation::kMax:
      return a.max;
    default:
      return std::nullopt;
  }
}

std::pair<double, double> Ordered(double a, double b) {
  return a <= b ? std::pair{a, b} : std::pair{b, a};
}

absl::StatusOr<EffectSection> BuildEffect(
    Store& store, const EffectRequest& request, const std::string& program_id,
    const std::vector<PeriodWindow>& windows, Cadence cadence, absl::TimeZone zone,
    const absl::flat_hash_map<std::string, AgentGroups>& agents, const Spend& spend) {
  EffectSection e;
  auto started = store.ProgramFirstAppliedUs(program_id);
  if (!started.ok()) return started.status();
  e.started_us = started->value_or(0);
  // The control group: agents held out in any decided period after the start.
  std::set<std::string> control;
  for (const PeriodWindow& window : windows) {
    if (!request.holdout.has_value() || absl::ToUnixMicros(window.start) < e.started_us ||
        !HoldoutApplies(*request.holdout, cadence, zone, window.start)) {
      continue;
    }
    std::vector<HoldoutCandidate> candidates;
    for (int64_t offset = 0;; offset += kStandingsPage) {
      auto page = store.ListStandings(program_id, window.label, offset, kStandingsPage);
      if (!page.ok()) return page.status();
      for (const PositionedStanding& p : *page) {
        if (p.standing.eligible)
          candidates.push_back({CompetitorId(p.standing), p.standing.peer_group});
      }
      if (static_cast<int>(page->size()) < kStandingsPage) break;
    }
    const std::set<std::string> members = HoldoutMembers(*request.holdout, candidates);
    control.insert(members.begin(), members.end());
  }
  // metric -> agent -> {sum before, periods before, sum after, periods after}
  std::map<std::string, absl::flat_hash_map<std::string, std::array<double, 4>>> values;
  for (const PeriodWindow& window : windows) {
    const int64_t start_us = absl::ToUnixMicros(window.start);
    const int64_t end_us = absl::ToUnixMicros(window.end);
    const bool before = end_us <= e.started_us;
    const bool after = start_us >= e.started_us;
    if (!before && !after) continue;
    (before ? e.before : e.after).push_back(window.label);
    auto rows = store.Aggregate(start_us, end_us);
    if (!rows.ok()) return rows.status();
    for (const AggregateRow& row : *rows) {
      for (const ScorecardMetric& m : request.metrics) {
        if (m.metric != row.metric) continue;
        const std::optional<double> value = AggregateValue(m.aggregation, row.aggregate);
        if (!value.has_value()) continue;
        std::array<double, 4>& v = values[m.metric][row.agent_id];
        v[before ? 0 : 2] += *value;
        v[before ? 1 : 3] += 1;
      }
    }
  }
  bool any_value = false;
  for (const ScorecardMetric& m : request.metrics) {
    MetricEffect effect;
    effect.metric = m.metric;
    effect.aggregation = std::string(AggregationName(m.aggregation));
    if (!AggregateValue(m.aggregation, MetricAggregate{1, 1, 1, 1, {}}).has_value()) {
      effect.skipped = absl::StrCat("a ", effect.aggregation,
                                    " is not compared before and after (sum, count, mean, min and "
                                    "max are)");
      e.metrics.push_back(std::move(effect));
      continue;
    }
    std::vector<AgentChange> panel;
    double after_agent_periods = 0;
    for (const auto& [agent_id, v] : values[m.metric]) {
      if (v[1] == 0 || v[3] == 0) continue;
      const auto agent = agents.find(agent_id);
      const bool treated = !control.contains(agent_id);
      panel.push_back({agent_id, agent == agents.end() ? kUnknownGroup : agent->second.team,
                       treated, v[0] / v[1], v[2] / v[3]});
      // The value is created by the treated agents alone.
      if (treated) after_agent_periods += v[3];
    }
    std::sort(panel.begin(), panel.end(),
              [](const AgentChange& a, const AgentChange& b) { return a.agent_id < b.agent_id; });
    effect.estimate = control.empty() ? BeforeAfter(panel) : DifferenceInDifferences(panel);
    const double sign = m.direction == Direction::kHigherIsBetter ? 1 : -1;
    effect.improvement = effect.estimate.estimate * sign;
    std::tie(effect.improvement_low, effect.improvement_high) =
        Ordered(effect.estimate.ci_low * sign, effect.estimate.ci_high * sign);
    const auto per_unit = request.value_per_unit.find(m.metric);
    if (per_unit != request.value_per_unit.end() && effect.estimate.estimated) {
      const double scale = per_unit->second * after_agent_periods;
      effect.value_created = effect.improvement * scale;
      std::tie(effect.value_low, effect.value_high) =
          Ordered(effect.improvement_low * scale, effect.improvement_high * scale);
      e.value_created += *effect.value_created;
      e.value_low += effect.value_low;
      e.value_high += effect.value_high;
      any_value = true;
    }
    e.metrics.push_back(std::move(effect));
  }
  // Hours and items are not money: only a budget in money counts, beside the face values.
  e.cost_budget = spend.unit == "money" ? spend.settled : 0;
  e.cost_face_value = spend.face_value;
  e.cost = e.cost_budget + e.cost_face_value;
  e.cost_unit = spend.unit == "money" ? spend.currency : "";
  if (any_value && e.cost > 0) {
    e.return_ratio = e.value_created / e.cost;
    e.return_low = e.value_low / e.cost;
    e.return_high = e.value_high / e.cost;
  }
  if (e.before.empty()) {
    e.caveat = "no period of the report ends before the program started: give an earlier --from";
  } else if (e.after.empty()) {
    e.caveat = "no period of the report starts after the program started: give a later --to";
  } else if (any_value && e.cost <= 0) {
    e.caveat = spend.unit == "money" || spend.unit.empty()
                   ? "nothing settled in the budget and no face value yet: no return can be "
                     "worked out"
                   : absl::StrCat("the budget is in ", spend.unit,
                                  ", not money: give the rewards a face_value to work out a "
                                  "return");
  }
  return e;
}

}  // namespace

absl::StatusOr<ProgramReport> BuildProgramReport(Store& store, const std::string& program_id,
                                                 const std::string& from, const std::string& to,
                                                 const std::optional<EffectRequest>& effect) {
  auto program = store.GetProgram(program_id);
  if (!program.ok()) return program.status();
  if (!program->has_value()) {
    return absl::NotFoundError(absl::StrCat("program_id: program \"", program_id, "\" not found"));
  }
  const std::optional<Cadence> cadence = CadenceFromName((*program)->cadence);
  auto zone = LoadZone((*program)->time_zone);
  if (!cadence.has_value() || !zone.ok()) {
    return absl::InternalError(
        absl::StrCat("program \"", program_id, "\" has an unreadable cadence or zone"));
  }
  auto first = ParsePeriod(*cadence, from, *zone);
  if (!first.ok())
    return absl::InvalidArgumentError(absl::StrCat("from: ", first.status().message()));
  auto last = ParsePeriod(*cadence, to, *zone);
  if (!last.ok()) return absl::InvalidArgumentError(absl::StrCat("to: ", last.status().message()));
  if (last->start < first->start) {
    return absl::InvalidArgumentError(absl::StrCat("to: ", to, " is before from (", from, ")"));
  }
  auto agent_list = store.ListAgents();
  if (!agent_list.ok()) return agent_list.status();
  absl::flat_hash_map<std::string, AgentGroups> agents;
  for (const Agent& a : *agent_list) {
    agents[a.id] = {a.team, std::string(ChannelName(a.channel)), a.hire_date};
  }

  ProgramReport report;
  report.program_id = program_id;
  report.name = (*program)->name;
  report.from = first->label;
  report.to = last->label;
  report.overall.period = "overall";
  PeriodWindow window = *first;
  std::vector<PeriodWindow> windows;
  std::map<std::string, std::vector<double>> all_scores;
  for (int n = 0; window.start <= last->start; ++n) {
    if (n == kMaxReportPeriods) {
      return absl::InvalidArgumentError(
          absl::StrCat("to: more than ", kMaxReportPeriods, " periods from ", from, " to ", to));
    }
    PeriodReport period;
    period.period = window.label;
    auto decision = store.GetDecision(program_id, window.label, /*with_standings=*/false);
    if (!decision.ok()) return decision.status();
    if (decision->has_value()) {
      if (absl::Status added =
              AddDecision(store, **decision, agents, window, *cadence, *zone, all_scores, period);
          !added.ok()) {
        return added;
      }
    }
    if (absl::Status praise = AddPraise(store, window, agents, period); !praise.ok()) {
      return praise;
    }
    Summarize(period.delivery);
    AddToOverall(period, report.overall);
    report.periods.push_back(std::move(period));
    windows.push_back(window);
    window = NextPeriod(*cadence, window, *zone);
  }
  PeriodReport& overall = report.overall;
  std::sort(overall.participation.teams.begin(), overall.participation.teams.end(),
            [](const GroupShare& a, const GroupShare& b) { return a.group < b.group; });
  std::sort(overall.participation.channels.begin(), overall.participation.channels.end(),
            [](const GroupShare& a, const GroupShare& b) { return a.group < b.group; });
  std::sort(overall.participation.praise.begin(), overall.participation.praise.end(),
            [](const TeamPraise& a, const TeamPraise& b) { return a.team < b.team; });
  std::sort(overall.spend.reward_types.begin(), overall.spend.reward_types.end(),
            [](const RewardTypeCount& a, const RewardTypeCount& b) { return a.type < b.type; });
  for (RewardTypeCount& type : overall.spend.reward_types) type.per_reward = PerReward(type);
  overall.spend.per_award =
      overall.spend.standing_awards > 0
          ? overall.spend.awarded / static_cast<double>(overall.spend.standing_awards)
          : 0;
  Summarize(overall.delivery);
  overall.scores = Spreads(all_scores);
  for (FairnessTest& test : overall.fairness) {
    std::sort(test.groups.begin(), test.groups.end(),
              [](const FairnessGroup& a, const FairnessGroup& b) { return a.group < b.group; });
    test = TestFairness(test.dimension, std::move(test.groups));
  }
  if (effect.has_value()) {
    auto section =
        BuildEffect(store, *effect, program_id, windows, *cadence, *zone, agents, overall.spend);
    if (!section.ok()) return section.status();
    report.effect = *std::move(section);
  }
  return report;
}

}  // namespace plaudit

#include "bench/synthetic_contact_centre.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace plaudit::bench {
namespace {

struct MetricShare {
  const char* name;
  double share;
};

// Of every 100 events: 35 handle times, 20 surveys, 20 repeat-contact flags, 15 complaint flags
// and 10 QA reviews.
constexpr MetricShare kShares[] = {{"aht_seconds", 35},
                                   {"csat", 20},
                                   {"repeat_contacts", 20},
                                   {"complaints", 15},
                                   {"qa_score", 10}};

// Team t works one channel: about half the teams phone, then chat, email and a few social.
Channel TeamChannel(int team) {
  static constexpr Channel kRota[] = {
      Channel::kPhone, Channel::kChat,  Channel::kPhone, Channel::kEmail, Channel::kPhone,
      Channel::kChat,  Channel::kPhone, Channel::kEmail, Channel::kPhone, Channel::kSocial};
  return kRota[team % 10];
}

std::string TeamName(int team) { return absl::StrFormat("Team %03d", team + 1); }

}  // namespace

const std::vector<std::string>& SyntheticMetrics() {
  static const auto* metrics = [] {
    auto* names = new std::vector<std::string>;
    for (const MetricShare& m : kShares) names->push_back(m.name);
    return names;
  }();
  return *metrics;
}

absl::Status CheckSpec(const DatasetSpec& spec) {
  if (spec.agents <= 0 || spec.agents > 9'999'999) {
    return absl::InvalidArgumentError("agents: 1 to 9999999");
  }
  if (spec.teams <= 0) return absl::InvalidArgumentError("teams: at least 1");
  if (spec.events < 0) return absl::InvalidArgumentError("events: 0 or more");
  if (spec.end <= spec.start) return absl::InvalidArgumentError("the time window is empty");
  if (spec.metrics.empty()) return absl::InvalidArgumentError("metrics: at least one");
  for (const std::string& metric : spec.metrics) {
    const auto& known = SyntheticMetrics();
    if (std::find(known.begin(), known.end(), metric) == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics: \"", metric,
                       "\" is not one of aht_seconds, csat, repeat_contacts, "
                       "complaints, qa_score"));
    }
  }
  return absl::OkStatus();
}

std::string SyntheticAgentId(const DatasetSpec& spec, int n) {
  return absl::StrFormat("%s%06d", spec.agent_prefix, n);
}

std::vector<Agent> SyntheticAgents(const DatasetSpec& spec) {
  // Its own generator: the roster does not depend on how many events follow.
  std::mt19937_64 rng(spec.seed ^ 0x5eed0a6e17ULL);
  std::uniform_int_distribution<int> team(0, spec.teams - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  const absl::CivilDay first_day = absl::ToCivilDay(spec.start, absl::UTCTimeZone());
  std::vector<Agent> agents;
  agents.reserve(spec.agents);
  for (int n = 1; n <= spec.agents; ++n) {
    Agent agent;
    agent.id = SyntheticAgentId(spec, n);
    agent.display_name = absl::StrCat("Agent ", n);
    agent.email = absl::StrCat(agent.id, "@example.com");
    const int t = team(rng);
    agent.team = TeamName(t);
    agent.channel = TeamChannel(t);
    // 3% started during the window (short tenure); the others 2 months to 8 years before it.
    const bool new_starter = unit(rng) < 0.03;
    const int days_before =
        new_starter ? -static_cast<int>(unit(rng) * 20) : 60 + static_cast<int>(unit(rng) * 2860);
    agent.hire_date = first_day - days_before;
    agents.push_back(std::move(agent));
  }
  return agents;
}

SyntheticEventStream::SyntheticEventStream(const DatasetSpec& spec)
    : spec_(spec), rng_(spec.seed), metrics_(spec.metrics) {
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<double> activity;
  profiles_.reserve(spec.agents);
  for (int n = 0; n < spec.agents; ++n) {
    // Some agents work part time or on quieter queues: a spread of about 2x either way.
    activity.push_back(std::exp(0.35 * normal(rng_)));
    Profile p;
    p.csat_mean = std::clamp(4.2 + 0.3 * normal(rng_), 2.5, 4.9);
    p.aht_mean_s = std::clamp(360 + 70 * normal(rng_), 150.0, 900.0);
    p.repeat_rate = 0.05 + 0.20 * unit(rng_);
    p.complaint_rate = 0.001 + 0.02 * unit(rng_) * unit(rng_);
    p.qa_mean = std::clamp(85 + 6 * normal(rng_), 50.0, 99.0);
    profiles_.push_back(p);
  }
  pick_agent_ = std::discrete_distribution<int>(activity.begin(), activity.end());
  std::vector<double> shares;
  for (const std::string& metric : metrics_) {
    for (const MetricShare& m : kShares) {
      if (metric == m.name) shares.push_back(m.share);
    }
  }
  pick_metric_ = std::discrete_distribution<int>(shares.begin(), shares.end());
  start_us_ = absl::ToUnixMicros(spec.start);
  const int64_t span_us = absl::ToUnixMicros(spec.end) - start_us_;
  step_us_ = spec.events > 0 ? static_cast<double>(span_us) / static_cast<double>(spec.events) : 0;
}

bool SyntheticEventStream::Next(StoredEvent* event) {
  if (next_ >= spec_.events) return false;
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> normal(0, 1);
  const int agent = pick_agent_(rng_);
  const Profile& p = profiles_[agent];
  const std::string& metric = metrics_[pick_metric_(rng_)];
  double value = 0;
  if (metric == "aht_seconds") {
    value =
        std::round(std::clamp(p.aht_mean_s * std::exp(0.4 * normal(rng_)), 20.0, 7200.0) * 10) / 10;
  } else if (metric == "csat") {
    value = std::clamp(std::round(p.csat_mean + 0.9 * normal(rng_)), 1.0, 5.0);
  } else if (metric == "repeat_contacts") {
    value = unit(rng_) < p.repeat_rate ? 1 : 0;
  } else if (metric == "complaints") {
    value = unit(rng_) < p.complaint_rate ? 1 : 0;
  } else {
    value = std::clamp(std::round(p.qa_mean + 5 * normal(rng_)), 0.0, 100.0);
  }
  // Evenly spread and in time order, to the whole second as platforms report them.
  const auto offset_us = static_cast<int64_t>((static_cast<double>(next_) + unit(rng_)) * step_us_);
  event->event_id = absl::StrFormat("%s-%09d", spec_.event_prefix, next_);
  event->agent_id = SyntheticAgentId(spec_, agent + 1);
  event->metric = metric;
  event->value = value;
  event->occurred_at_us = (start_us_ + offset_us) / 1'000'000 * 1'000'000;
  if (event->occurred_at_us < start_us_) event->occurred_at_us = start_us_;
  ++next_;
  return true;
}

}  // namespace plaudit::bench

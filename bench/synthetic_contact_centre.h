// A synthetic contact centre for benchmarks: a roster of agents in teams (each team on one
// channel), and a stream of metric events spread evenly over a time window, in time order, as a
// platform would deliver them. Every agent has a profile of their own (how busy, how satisfied
// their customers are, how long their calls take, how often customers call back or complain,
// their QA scores), so that standings spread out as they would in a real centre.
//
// Everything follows from the DatasetSpec and its seed: the same spec gives the same agents and
// the same events, in the same order, every time (the raw insert baseline replays the stream).
#ifndef PLAUDIT_BENCH_SYNTHETIC_CONTACT_CENTRE_H_
#define PLAUDIT_BENCH_SYNTHETIC_CONTACT_CENTRE_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/domain/agent.h"
#include "core/store/store.h"

namespace plaudit::bench {

struct DatasetSpec {
  int agents = 1000;
  int teams = 40;
  int64_t events = 1'700'000;
  // Events occur in [start, end).
  absl::Time start;
  absl::Time end;
  // Which metrics events carry, a subset of SyntheticMetrics(); each keeps its share of events.
  std::vector<std::string> metrics;
  uint64_t seed = 1;
  // Agent n (1-based) is <agent_prefix><n padded to 6 digits>.
  std::string agent_prefix = "a";
  // Event i (0-based) is <event_prefix>-<i padded to 9 digits>.
  std::string event_prefix = "ev";
};

// The metrics the generator knows, with their share of events: aht_seconds (one a contact),
// csat (a survey, 1 to 5), repeat_contacts (0/1: the customer called back, first-contact
// resolution failed), complaints (0/1 per contact) and qa_score (0 to 100, a QA review).
const std::vector<std::string>& SyntheticMetrics();

// INVALID_ARGUMENT naming what is wrong (no agents, an unknown metric, an empty window...).
absl::Status CheckSpec(const DatasetSpec& spec);

// The id of agent n (1-based).
std::string SyntheticAgentId(const DatasetSpec& spec, int n);

// The roster: ids 1..agents, teams "Team 001".., channels by team, hire dates mostly years
// before the window (a few hired in it, who are not eligible yet).
std::vector<Agent> SyntheticAgents(const DatasetSpec& spec);

class SyntheticEventStream {
 public:
  // `spec` must pass CheckSpec.
  explicit SyntheticEventStream(const DatasetSpec& spec);

  // The next event in time order; false after the last.
  bool Next(StoredEvent* event);
  int64_t produced() const { return next_; }

 private:
  struct Profile {
    double csat_mean;
    double aht_mean_s;
    double repeat_rate;
    double complaint_rate;
    double qa_mean;
  };

  DatasetSpec spec_;
  std::mt19937_64 rng_;
  std::vector<Profile> profiles_;
  std::discrete_distribution<int> pick_agent_;
  std::vector<std::string> metrics_;
  std::discrete_distribution<int> pick_metric_;
  int64_t next_ = 0;
  int64_t start_us_ = 0;
  double step_us_ = 0;
};

}  // namespace plaudit::bench

#endif  // PLAUDIT_BENCH_SYNTHETIC_CONTACT_CENTRE_H_

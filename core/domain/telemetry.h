// plauditd's own measurements, for Prometheus: counters and histograms that the stages update as
// they work, and figures read when scraped (queue depth, budgets), rendered in Prometheus's text
// exposition format (version 0.0.4).
//
// Written here rather than taken from a library: prometheus-cpp, the usual one, is not packaged
// for Debian 12, and what plauditd needs of it (labelled counters and histograms, and the text
// format) is small. Thread-safe; each family has a lock of its own, held only to add.
#ifndef PLAUDIT_CORE_DOMAIN_TELEMETRY_H_
#define PLAUDIT_CORE_DOMAIN_TELEMETRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace plaudit {

class Telemetry {
 public:
  // Label values, in the order of the family's label names.
  using Labels = std::vector<std::string>;

  // Counts that only go up, one per set of label values.
  class Counter {
   public:
    void Add(const Labels& labels, double amount = 1);
    // The count for `labels` (0 when never added to): for tests and figures.
    double Value(const Labels& labels) const;

   private:
    friend class Telemetry;
    Counter(std::string name, std::string help, std::vector<std::string> label_names);
    void Render(std::string& out) const;

    const std::string name_, help_;
    const std::vector<std::string> label_names_;
    mutable absl::Mutex mu_;
    std::map<Labels, double> values_ ABSL_GUARDED_BY(mu_);
  };

  // Observations counted into buckets (upper bounds, ascending), with their sum.
  class Histogram {
   public:
    void Observe(const Labels& labels, double value);
    // Observations made with `labels`.
    uint64_t Count(const Labels& labels) const;

   private:
    friend class Telemetry;
    Histogram(std::string name, std::string help, std::vector<std::string> label_names,
              std::vector<double> bounds);
    void Render(std::string& out) const;

    struct Series {
      std::vector<uint64_t> buckets;  // Not cumulative: one per bound, and one past the last.
      uint64_t count = 0;
      double sum = 0;
    };
    const std::string name_, help_;
    const std::vector<std::string> label_names_;
    const std::vector<double> bounds_;
    mutable absl::Mutex mu_;
    std::map<Labels, Series> series_ ABSL_GUARDED_BY(mu_);
  };

  // Figures read at each scrape: a family of samples of one name, gauge or counter.
  struct Sample {
    Labels labels;
    double value = 0;
  };
  struct Family {
    std::string name;
    std::string help;
    bool counter = false;  // A gauge otherwise.
    std::vector<std::string> label_names;
    std::vector<Sample> samples;
  };
  // Called at each scrape, on the scraping thread. A collector that cannot read its figures logs
  // why and returns none of them, rather than figures that are wrong.
  using Collector = std::function<std::vector<Family>()>;

  Telemetry() = default;
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  // Registers a family; the pointer lives as long as this object. Names follow Prometheus's
  // conventions (`plaudit_..._total` for counters, a unit suffix such as `_seconds`).
  Counter* AddCounter(std::string name, std::string help, std::vector<std::string> label_names);
  Histogram* AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                          std::vector<double> bounds);
  void AddCollector(Collector collector);

  // Every family, in the text exposition format.
  std::string Render() const;

  // Bucket bounds for durations of a millisecond to a minute.
  static std::vector<double> LatencyBounds();

 private:
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Counter>> counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Histogram>> histograms_ ABSL_GUARDED_BY(mu_);
  std::vector<Collector> collectors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_TELEMETRY_H_

#include "core/domain/telemetry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace plaudit {
namespace {

void AppendValue(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char text[32];
    const auto [end, error] = std::to_chars(text, text + sizeof(text), value);
    out.append(text, error == std::errc() ? end : text);
  }
}

// Backslash and line feed escaped, and with `in_quotes` (a label value) the double quote too;
// HELP text keeps its quotes.
void AppendEscaped(std::string_view text, bool in_quotes, std::string& out) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && in_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendHeader(std::string_view name, std::string_view help, std::string_view type,
                  std::string& out) {
  out.append("# HELP ").append(name).append(" ");
  AppendEscaped(help, /*in_quotes=*/false, out);
  out.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

// name{a="x",b="y",extra="..."} value
void AppendSample(std::string_view name, const std::vector<std::string>& label_names,
                  const Telemetry::Labels& labels, std::string_view extra_name,
                  std::string_view extra_value, double value, std::string& out) {
  out.append(name);
  const size_t count = std::min(label_names.size(), labels.size());
  if (count > 0 || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (size_t i = 0; i < count; ++i) {
      if (!first) out += ',';
      first = false;
      out.append(label_names[i]).append("=\"");
      AppendEscaped(labels[i], /*in_quotes=*/true, out);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out.append(extra_name).append("=\"").append(extra_value).append("\"");
    }
    out += '}';
  }
  out += ' ';
  AppendValue(value, out);
  out += '\n';
}

}  // namespace

Telemetry::Counter::Counter(std::string name, std::string help,
                            std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void Telemetry::Counter::Add(const Labels& labels, double amount) {
  absl::MutexLock lock(&mu_);
  values_[labels] += amount;
}

double Telemetry::Counter::Value(const Labels& labels) const {
  absl::MutexLock lock(&mu_);
  const auto found = values_.find(labels);
  return found == values_.end() ? 0 : found->second;
}

void Telemetry::Counter::Render(std::string& out) const {
  AppendHeader(name_, help_, "counter", out);
  absl::MutexLock lock(&mu_);
  for (const auto& [labels, value] : values_) {
    AppendSample(name_, label_names_, labels, "", "", value, out);
  }
}

Telemetry::Histogram::Histogram(std::string name, std::string help,
                                std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

void Telemetry::Histogram::Observe(const Labels& labels, double value) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  absl::MutexLock lock(&mu_);
  Series& series = series_[labels];
  if (series.buckets.empty()) series.buckets.resize(bounds_.size() + 1);
  ++series.buckets[bucket];
  ++series.count;
  series.sum += value;
}

uint64_t Telemetry::Histogram::Count(const Labels& labels) const {
  absl::MutexLock lock(&mu_);
  const auto found = series_.find(labels);
  return found == series_.end() ? 0 : found->second.count;
}

void Telemetry::Histogram::Render(std::string& out) const {
  AppendHeader(name_, help_, "histogram", out);
  const std::string bucket_name = name_ + "_bucket";
  absl::MutexLock lock(&mu_);
  for (const auto& [labels, series] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += series.buckets[i];
      std::string bound;
      AppendValue(bounds_[i], bound);
      AppendSample(bucket_name, label_names_, labels, "le", bound, static_cast<double>(cumulative),
                   out);
    }
    AppendSample(bucket_name, label_names_, labels, "le", "+Inf", static_cast<double>(series.count),
                 out);
    AppendSample(name_ + "_sum", label_names_, labels, "", "", series.sum, out);
    AppendSample(name_ + "_count", label_names_, labels, "", "", static_cast<double>(series.count),
                 out);
  }
}

Telemetry::Counter* Telemetry::AddCounter(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  counters_.push_back(std::unique_ptr<Counter>(
      new Counter(std::move(name), std::move(help), std::move(label_names))));
  return counters_.back().get();
}

Telemetry::Histogram* Telemetry::AddHistogram(std::string name, std::string help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> bounds) {
  std::sort(bounds.begin(), bounds.end());
  absl::MutexLock lock(&mu_);
  histograms_.push_back(std::unique_ptr<Histogram>(
      new Histogram(std::move(name), std::move(help), std::move(label_names), std::move(bounds))));
  return histograms_.back().get();
}

void Telemetry::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

std::string Telemetry::Render() const {
  std::vector<Collector> collectors;
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& counter : counters_) counter->Render(out);
    for (const auto& histogram : histograms_) histogram->Render(out);
    collectors = collectors_;
  }
  // Outside the lock: a collector may read the store.
  for (const Collector& collector : collectors) {
    for (const Family& family : collector()) {
      AppendHeader(family.name, family.help, family.counter ? "counter" : "gauge", out);
      for (const Sample& sample : family.samples) {
        AppendSample(family.name, family.label_names, sample.labels, "", "", sample.value, out);
      }
    }
  }
  return out;
}

std::vector<double> Telemetry::LatencyBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace plaudit

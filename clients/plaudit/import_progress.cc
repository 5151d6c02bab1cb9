#include "clients/plaudit/import_progress.h"

#include <cstdio>

namespace plaudit::cli {

std::string ImportProgress::Describe(int64_t rows, int64_t bytes, const std::string& verb) {
  char megabytes[32];
  std::snprintf(megabytes, sizeof(megabytes), "%.1f", static_cast<double>(bytes) / 1e6);
  return verb + " " + std::to_string(rows) + " rows (" + megabytes + " MB)";
}

void ImportProgress::Update(int64_t rows, int64_t bytes, Clock::time_point now) {
  if (!enabled_) return;
  if (last_drawn_.has_value() && now - *last_drawn_ < min_interval_) return;
  last_drawn_ = now;
  std::string text = Describe(rows, bytes, verb_);
  // Pad over a longer previous line rather than rely on terminal escape sequences.
  std::string padding(shown_width_ > text.size() ? shown_width_ - text.size() : 0, ' ');
  out_ << '\r' << text << padding << std::flush;
  shown_width_ = text.size();
}

void ImportProgress::Clear() {
  if (!enabled_ || shown_width_ == 0) return;
  out_ << '\r' << std::string(shown_width_, ' ') << '\r' << std::flush;
  shown_width_ = 0;
}

}  // namespace plaudit::cli

// The progress line a long import keeps rewriting on stderr, "sent 120000 rows (12.3 MB)", so an
// administrator sees a big file moving. Drawn only on a terminal (the caller says whether stderr
// is one) and at most once per `min_interval`; logs and pipes never see it. Not thread-safe.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_IMPORT_PROGRESS_H_
#define PLAUDIT_CLIENTS_PLAUDIT_IMPORT_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace plaudit::cli {

class ImportProgress {
 public:
  using Clock = std::chrono::steady_clock;

  ImportProgress(std::ostream& out, bool enabled,
                 std::chrono::milliseconds min_interval = std::chrono::milliseconds(200))
      : out_(out), enabled_(enabled), min_interval_(min_interval) {}

  // Reports the totals sent so far; redraws the line unless it was drawn less than
  // `min_interval` before `now`.
  void Update(int64_t rows, int64_t bytes, Clock::time_point now);

  // Erases the line, if one is showing, and leaves the cursor at the start of it.
  void Clear();

  // What the line says was done with the rows ("sent" unless set: "exported").
  void set_verb(std::string verb) { verb_ = std::move(verb); }

  // "sent 120000 rows (12.3 MB)"; megabytes are 10^6 bytes.
  static std::string Describe(int64_t rows, int64_t bytes, const std::string& verb = "sent");

 private:
  std::ostream& out_;
  const bool enabled_;
  const std::chrono::milliseconds min_interval_;
  std::optional<Clock::time_point> last_drawn_;
  size_t shown_width_ = 0;
  std::string verb_ = "sent";
};

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_IMPORT_PROGRESS_H_

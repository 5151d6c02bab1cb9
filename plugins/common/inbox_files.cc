#include "plugins/common/inbox_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <system_error>

namespace plaudit::inbox {
namespace {

namespace fs = std::filesystem;

constexpr auto kMinFileAge = std::chrono::seconds(1);
constexpr int64_t kMaxPollIntervalMs = 24 * 60 * 60 * 1000;

std::string ErrnoText(int err) { return std::generic_category().message(err); }

// Writes `text` to `file`, flushes and syncs it, and closes it: 0, or the first errno.
int WriteSyncClose(std::FILE* file, const std::string& text) {
  int err = 0;
  if (std::fwrite(text.data(), 1, text.size(), file) != text.size() || std::fflush(file) != 0 ||
      ::fsync(::fileno(file)) != 0) {
    err = errno;
  }
  if (std::fclose(file) != 0 && err == 0) err = errno;
  return err;
}

}  // namespace

std::string ScanInterval::Parse(const std::string& text) {
  int64_t millis = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), millis);
  if (ec != std::errc() || end != text.data() + text.size() || millis < 0 ||
      millis > kMaxPollIntervalMs) {
    return "config poll_interval_ms must be a whole number of milliseconds from 0 to " +
           std::to_string(kMaxPollIntervalMs) + "; got \"" + text + "\"";
  }
  interval_micros_ = millis * 1000;
  return {};
}

bool ScanInterval::Due(int64_t now_micros) {
  if (interval_micros_ <= 0) return true;
  if (last_micros_ && now_micros >= *last_micros_ &&
      now_micros - *last_micros_ < interval_micros_) {
    return false;
  }
  last_micros_ = now_micros;
  return true;
}

bool AppendSynced(const fs::path& path, const std::string& text, std::string* error) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::FILE* file = std::fopen(path.c_str(), "ab");
  if (file == nullptr) {
    *error = "cannot open " + path.string() + ": " + ErrnoText(errno);
    return false;
  }
  const int err = WriteSyncClose(file, text);
  if (err == 0) return true;
  *error = "cannot write " + path.string() + ": " + ErrnoText(err);
  return false;
}

void SyncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::vector<std::string> ReadyFiles(const fs::path& dir, const std::string& extension,
                                    std::string* error) {
  std::vector<std::string> names;
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.' || !name.ends_with(extension)) continue;
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec)) continue;
    const auto modified = it->last_write_time(entry_ec);
    if (entry_ec) continue;
    // A file stamped in the future is not being written now: a write would restamp it.
    const auto age = now - modified;
    if (age < kMinFileAge && age > -kMinFileAge) continue;
    names.push_back(name);
  }
  if (ec) *error = "cannot list " + dir.string() + ": " + ec.message();
  std::sort(names.begin(), names.end());
  return names;
}

bool WriteWhole(const fs::path& path, const std::string& text, std::string* error) {
  const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) {
    *error = "cannot create " + temp.string() + ": " + ErrnoText(errno);
    return false;
  }
  int err = WriteSyncClose(file, text);
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err == 0) return true;
  *error = "cannot write " + path.string() + ": " + ErrnoText(err);
  std::error_code ec;
  fs::remove(temp, ec);
  return false;
}

bool MoveFile(const fs::path& from, const fs::path& to, std::string* error) {
  if (::rename(from.c_str(), to.c_str()) == 0) {
    SyncDirectory(to.parent_path());
    return true;
  }
  if (errno != EXDEV) {
    *error = "cannot move to " + to.string() + ": " + ErrnoText(errno);
    return false;
  }
  const fs::path temp = to.parent_path() / ("." + to.filename().string() + ".tmp");
  std::error_code ec;
  fs::copy_file(from, temp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(temp, to, ec);
  if (!ec) fs::remove(from, ec);
  if (ec) {
    *error = "cannot move to " + to.string() + ": " + ec.message();
    fs::remove(temp, ec);
    return false;
  }
  SyncDirectory(to.parent_path());
  return true;
}

std::string UnusedName(const fs::path& dir, const std::string& name, const std::string& extension,
                       const std::string& companion_suffix) {
  const std::string stem = name.substr(0, name.size() - extension.size());
  std::string candidate = name;
  for (int n = 1;; ++n) {
    std::error_code ec;
    if (!fs::exists(dir / candidate, ec) && !fs::exists(dir / (candidate + companion_suffix), ec)) {
      return candidate;
    }
    candidate = stem + "-" + std::to_string(n) + extension;
  }
}

}  // namespace plaudit::inbox

// The file handling of plugins that take files dropped into an inbox folder (csv_dir,
// contact_dir): which files are ready, writing a file whole, moving one durably, and a free name
// in the folder a finished file moves to.
//
// Thread-compatible: plain functions over the filesystem.
#ifndef PLAUDIT_PLUGINS_COMMON_INBOX_FILES_H_
#define PLAUDIT_PLUGINS_COMMON_INBOX_FILES_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace plaudit::inbox {

// The least time between two scans of an inbox (the poll_interval_ms setting), by the host's
// clock. Not thread-safe: a plugin holds it under its poll lock.
class ScanInterval {
 public:
  // Reads the setting's text (whole milliseconds, 0 to a day): "" when good, else the problem.
  std::string Parse(const std::string& text);
  // Whether a scan is due at `now_micros`; if so it counts as done. A clock that went backwards
  // counts as time passed, so that a scan is never held up.
  bool Due(int64_t now_micros);

 private:
  int64_t interval_micros_ = 0;
  std::optional<int64_t> last_micros_;
};

// Appends `text` to the file at `path` (created with its folder when missing) and syncs it.
bool AppendSynced(const std::filesystem::path& path, const std::string& text, std::string* error);

// Flushes a directory's entries (renames into or out of it) to disk; best effort.
void SyncDirectory(const std::filesystem::path& dir);

// The names in `dir` ending in `extension` that are ready to take, in name order: regular files,
// not hidden (a leading '.': temporary files), and not modified within the last second by the
// filesystem's clock (probably still being written). *error says why `dir` could not be listed.
std::vector<std::string> ReadyFiles(const std::filesystem::path& dir, const std::string& extension,
                                    std::string* error);

// Writes `text` to `path` whole: to a hidden temporary file, synced, then renamed into place.
bool WriteWhole(const std::filesystem::path& path, const std::string& text, std::string* error);

// Renames `from` to `to` and syncs the folder, copying when they are on different filesystems.
bool MoveFile(const std::filesystem::path& from, const std::filesystem::path& to,
              std::string* error);

// `name`, or "<stem>-N<extension>" for the smallest N, such that neither it nor its companion
// (name + `companion_suffix`) exists in `dir`, so that a companion always belongs to the file
// beside it. `name` ends in `extension`.
std::string UnusedName(const std::filesystem::path& dir, const std::string& name,
                       const std::string& extension, const std::string& companion_suffix);

}  // namespace plaudit::inbox

#endif  // PLAUDIT_PLUGINS_COMMON_INBOX_FILES_H_

#include "core/api/private_data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/domain/log.h"

namespace plaudit::api {
namespace {

// Narrows an existing path to `mode` when group or others have access and this user owns it.
absl::Status Tighten(const std::string& path, const struct stat& info, mode_t mode,
                     const char* what) {
  const mode_t current = info.st_mode & 07777;
  if ((current & 077) == 0) return absl::OkStatus();
  if (info.st_uid != ::geteuid()) {
    LogWarning("server", absl::StrFormat("%s %s has mode %04o and belongs to another user: "
                                         "group or others may read it",
                                         what, path, current));
    return absl::OkStatus();
  }
  if (::chmod(path.c_str(), mode) != 0) {
    return absl::UnavailableError(
        absl::StrFormat("%s %s: cannot chmod %04o: %s", what, path, mode, std::strerror(errno)));
  }
  LogInfo("server", absl::StrFormat("%s %s had mode %04o; now %04o (plauditd's data is private)",
                                    what, path, current, mode));
  return absl::OkStatus();
}

}  // namespace

absl::Status MakePrivateDataDir(const std::string& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode)) {
      return absl::UnavailableError(absl::StrCat("data_dir: ", dir, " is not a directory"));
    }
    return Tighten(dir, info, 0700, "data_dir");
  }
  const std::filesystem::path path(dir);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec || (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)) {
    return absl::UnavailableError(absl::StrCat("data_dir: cannot create ", dir, ": ",
                                               ec ? ec.message() : std::strerror(errno)));
  }
  // mkdir's mode passes through the umask, which may take bits away but never adds any.
  if (::stat(dir.c_str(), &info) != 0) {
    return absl::UnavailableError(
        absl::StrCat("data_dir: cannot read ", dir, ": ", std::strerror(errno)));
  }
  return Tighten(dir, info, 0700, "data_dir");
}

absl::Status MakePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("data_dir: cannot create ", path, ": ", std::strerror(errno)));
  }
  ::close(fd);
  return TightenIfPresent(path);
}

absl::Status TightenIfPresent(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return absl::OkStatus();
  return Tighten(path, info, 0600, "data file");
}

}  // namespace plaudit::api

#include "core/store/secrets_key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace plaudit {
namespace {

absl::Status CannotUse(const std::string& path, const std::string& what) {
  return absl::UnavailableError(
      absl::StrCat("secrets key file ", path, ": cannot ", what, ": ", std::strerror(errno)));
}

absl::Status Create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return CannotUse(path, "create it");
  const std::string key = StateCipher::RandomKey();
  const bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    absl::Status status = CannotUse(path, "write it");
    ::unlink(path.c_str());
    return status;
  }
  // The new name is durable too: a key lost in a crash would leave sealed state unreadable.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StateCipher> LoadOrCreateSecretsKey(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return CannotUse(path, "read it");
    if (absl::Status created = Create(path); !created.ok()) return created;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CannotUse(path, "read it");
  // Checked on the file that was opened, not on whatever the name pointed at before.
  if (::fstat(fd, &info) != 0) {
    absl::Status status = CannotUse(path, "read it");
    ::close(fd);
    return status;
  }
  const unsigned mode = info.st_mode & 07777;
  if (!S_ISREG(info.st_mode) || (mode & 077) != 0) {
    ::close(fd);
    if (!S_ISREG(info.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("secrets key file ", path, " is not a regular file"));
    }
    return absl::FailedPreconditionError(
        absl::StrFormat("secrets key file %s has mode %04o: group or others may use it; chmod "
                        "600 it",
                        path, mode));
  }
  std::string key(StateCipher::kKeyBytes + 1, '\0');
  size_t size = 0;
  while (size < key.size()) {
    const ssize_t n = ::read(fd, key.data() + size, key.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status status = CannotUse(path, "read it");
      ::close(fd);
      return status;
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  ::close(fd);
  if (size != StateCipher::kKeyBytes || info.st_size != static_cast<off_t>(size)) {
    return absl::FailedPreconditionError(
        absl::StrCat("secrets key file ", path, " holds ", info.st_size, " bytes; expected ",
                     StateCipher::kKeyBytes, " (a key plauditd made)"));
  }
  key.resize(size);
  return StateCipher::FromKey(key);
}

}  // namespace plaudit

// plauditd's data directory holds the database, its key and the plugins' files: only plauditd's
// user may read it. The directory is kept at mode 0700 and the files plauditd makes in it at
// 0600, whatever the umask of whoever started it.
#ifndef PLAUDIT_CORE_API_PRIVATE_DATA_DIR_H_
#define PLAUDIT_CORE_API_PRIVATE_DATA_DIR_H_

#include <string>

#include "absl/status/status.h"

namespace plaudit::api {

// Creates `dir` (and missing parents) with mode 0700. An existing one that this user owns and
// that group or others may use is tightened to 0700, with a logged notice; one owned by someone
// else is left as it is, with a warning. UNAVAILABLE when it cannot be created.
absl::Status MakePrivateDataDir(const std::string& dir);

// Creates `path` empty with mode 0600 when it does not exist, so that whatever opens it next
// (SQLite, which gives its -wal and -shm files the database file's mode) keeps it private; an
// existing file this user owns is tightened to 0600. UNAVAILABLE when it cannot be created.
absl::Status MakePrivateFile(const std::string& path);

// MakePrivateFile for a file that may or may not exist, creating nothing.
absl::Status TightenIfPresent(const std::string& path);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_PRIVATE_DATA_DIR_H_

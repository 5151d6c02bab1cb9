// The secrets key that seals plugin state (StateCipher) lives in a file of its own, outside the
// database, so that a copy of the database alone reveals no plugin secret. Back it up apart from
// the database: without it the plugin state cannot be read.
#ifndef PLAUDIT_CORE_STORE_SECRETS_KEY_FILE_H_
#define PLAUDIT_CORE_STORE_SECRETS_KEY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/store/state_cipher.h"

namespace plaudit {

// Reads the key file at `path`, or, when there is none, creates it with mode 0600 holding
// StateCipher::kKeyBytes random bytes. FAILED_PRECONDITION naming the file when group or others
// have any access to it (with its mode) or when it does not hold exactly kKeyBytes bytes;
// UNAVAILABLE when it cannot be read or created.
absl::StatusOr<StateCipher> LoadOrCreateSecretsKey(const std::string& path);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_SECRETS_KEY_FILE_H_

// What plauditd's `auth:` settings make of the issuer: its keys, and the checks a token of it
// must pass. Shared by the access gate (bearer tokens) and the pages' sign-in (ID tokens).
#ifndef PLAUDIT_CORE_API_ISSUER_TOKENS_H_
#define PLAUDIT_CORE_API_ISSUER_TOKENS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/auth/key_set.h"
#include "core/auth/token_validator.h"
#include "core/config/server_config.h"

namespace plaudit::api {

// The issuer's keys from auth.jwks_file or auth.jwks_url; FAILED_PRECONDITION naming the setting
// when they cannot be read.
absl::StatusOr<std::unique_ptr<auth::KeySet>> IssuerKeys(const AuthConfig& auth);

// The issuer, audience, claim names and clock skew of `auth`.
auth::TokenSettings TokenSettingsOf(const AuthConfig& auth);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_ISSUER_TOKENS_H_

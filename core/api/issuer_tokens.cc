#include "core/api/issuer_tokens.h"

#include "absl/strings/str_cat.h"

namespace plaudit::api {

absl::StatusOr<std::unique_ptr<auth::KeySet>> IssuerKeys(const AuthConfig& auth) {
  auto keys = auth.jwks_file.empty() ? auth::KeySet::FromUrl(auth.jwks_url, auth.jwks_ca_file)
                                     : auth::KeySet::FromFile(auth.jwks_file);
  if (!keys.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "auth.", auth.jwks_file.empty() ? "jwks_url" : "jwks_file", ": ", keys.status().message()));
  }
  return keys;
}

auth::TokenSettings TokenSettingsOf(const AuthConfig& auth) {
  auth::TokenSettings settings;
  settings.issuer = auth.issuer;
  settings.audience = auth.audience;
  settings.roles_claim = auth.roles_claim;
  settings.agent_claim = auth.agent_claim;
  settings.teams_claim = auth.teams_claim;
  settings.clock_skew = auth.clock_skew;
  return settings;
}

}  // namespace plaudit::api

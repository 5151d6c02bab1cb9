#include "core/auth/token_validator.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/auth/base64url.h"
#include "core/auth/signing_key.h"
#include "nlohmann/json.hpp"

namespace plaudit::auth {
namespace {

using nlohmann::json;

// Far above any real ID or access token; bounds the base64 and JSON work a stranger can ask for.
constexpr size_t kMaxTokenSize = 16 * 1024;

absl::Status Refused(absl::string_view reason) { return absl::UnauthenticatedError(reason); }

absl::Status Malformed(absl::string_view detail) {
  return absl::UnauthenticatedError(absl::StrCat("malformed token: ", detail));
}

// A base64url segment holding a JSON object.
absl::StatusOr<json> DecodeObject(std::string_view segment, const char* name) {
  std::optional<std::string> text = Base64UrlDecode(segment);
  if (!text.has_value()) return Malformed(absl::StrCat(name, " is not base64url"));
  json object = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    return Malformed(absl::StrCat(name, " is not a JSON object"));
  }
  return object;
}

// A NumericDate claim; nullopt if absent.
absl::StatusOr<std::optional<absl::Time>> TimeClaim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::nullopt;
  if (!it->is_number()) return Malformed(absl::StrCat("claim ", name, " is not a number"));
  return absl::UnixEpoch() + absl::Seconds(it->get<double>());
}

// A claim that is a string or an array of strings; empty if absent.
absl::StatusOr<std::vector<std::string>> StringsClaim(const json& payload,
                                                      const std::string& name) {
  std::vector<std::string> values;
  auto it = payload.find(name);
  if (it == payload.end()) return values;
  if (it->is_string()) {
    values.push_back(it->get<std::string>());
    return values;
  }
  if (it->is_array()) {
    for (const json& value : *it) {
      if (!value.is_string()) break;
      values.push_back(value.get<std::string>());
    }
    if (values.size() == it->size()) return values;
  }
  return Malformed(absl::StrCat("claim ", name, " is not a string or an array of strings"));
}

absl::StatusOr<std::string> StringClaim(const json& payload, const std::string& name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::string();
  if (!it->is_string()) return Malformed(absl::StrCat("claim ", name, " is not a string"));
  return it->get<std::string>();
}

}  // namespace

TokenValidator::TokenValidator(TokenSettings settings, std::shared_ptr<const KeySet> keys)
    : settings_(std::move(settings)), keys_(std::move(keys)) {}

absl::StatusOr<TokenClaims> TokenValidator::Validate(std::string_view compact_jws,
                                                     absl::Time now) const {
  if (compact_jws.size() > kMaxTokenSize) {
    return Malformed(absl::StrCat("longer than ", kMaxTokenSize, " bytes"));
  }
  std::vector<std::string_view> segments;
  for (size_t start = 0;;) {
    const size_t dot = compact_jws.find('.', start);
    segments.push_back(compact_jws.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (segments.size() != 3) return Malformed("not three dot-separated segments");

  absl::StatusOr<json> header = DecodeObject(segments[0], "header");
  if (!header.ok()) return header.status();
  auto alg_field = header->find("alg");
  if (alg_field == header->end() || !alg_field->is_string()) {
    return Malformed("header has no alg");
  }
  const std::string alg_name = alg_field->get<std::string>();
  std::optional<JwsAlgorithm> algorithm = ParseJwsAlgorithm(alg_name);
  if (!algorithm.has_value()) return Refused(absl::StrCat("unsupported algorithm ", alg_name));
  // RFC 7515 4.1.11: extensions we do not understand must not be ignored.
  if (header->contains("crit")) return Malformed("header has crit extensions");
  std::string kid;
  if (auto it = header->find("kid"); it != header->end()) {
    if (!it->is_string()) return Malformed("header kid is not a string");
    kid = it->get<std::string>();
  }

  absl::StatusOr<json> payload = DecodeObject(segments[1], "payload");
  if (!payload.ok()) return payload.status();
  std::optional<std::string> signature = Base64UrlDecode(segments[2]);
  if (!signature.has_value()) return Malformed("signature is not base64url");

  absl::StatusOr<std::shared_ptr<const SigningKey>> key = keys_->Find(kid);
  if (!key.ok()) return Refused(absl::StrCat("unknown signing key ", kid));
  if ((*key)->algorithm() != *algorithm) {
    return Refused(absl::StrCat("unsupported algorithm ", alg_name, " for key ", kid));
  }
  const std::string_view signing_input =
      compact_jws.substr(0, segments[0].size() + 1 + segments[1].size());
  if (!(*key)->Verify(signing_input, *signature)) return Refused("bad signature");

  absl::StatusOr<std::optional<absl::Time>> expires = TimeClaim(*payload, "exp");
  if (!expires.ok()) return expires.status();
  if (!expires->has_value()) return Malformed("no exp claim");
  if (now > **expires + settings_.clock_skew) return Refused("token expired");
  absl::StatusOr<std::optional<absl::Time>> not_before = TimeClaim(*payload, "nbf");
  if (!not_before.ok()) return not_before.status();
  if (not_before->has_value() && now < **not_before - settings_.clock_skew) {
    return Refused("token not yet valid");
  }

  auto issuer = payload->find("iss");
  if (issuer == payload->end() || !issuer->is_string() ||
      issuer->get<std::string>() != settings_.issuer) {
    return Refused("wrong issuer");
  }
  bool audience_matches = false;
  if (auto aud = payload->find("aud"); aud != payload->end()) {
    if (aud->is_string()) audience_matches = aud->get<std::string>() == settings_.audience;
    if (aud->is_array()) {
      for (const json& entry : *aud) {
        if (entry.is_string() && entry.get<std::string>() == settings_.audience) {
          audience_matches = true;
        }
      }
    }
  }
  if (!audience_matches) return Refused("wrong audience");

  TokenClaims claims;
  absl::StatusOr<std::string> subject = StringClaim(*payload, "sub");
  if (!subject.ok()) return subject.status();
  if (subject->empty()) return Refused("token has no subject");
  claims.subject = *std::move(subject);
  absl::StatusOr<std::vector<std::string>> roles = StringsClaim(*payload, settings_.roles_claim);
  if (!roles.ok()) return roles.status();
  claims.roles = *std::move(roles);
  absl::StatusOr<std::vector<std::string>> teams = StringsClaim(*payload, settings_.teams_claim);
  if (!teams.ok()) return teams.status();
  claims.teams = *std::move(teams);
  absl::StatusOr<std::string> agent = StringClaim(*payload, settings_.agent_claim);
  if (!agent.ok()) return agent.status();
  claims.agent = *std::move(agent);
  // Only an ID token's nonce matters, and only to the sign-in: any other shape is not one.
  if (auto nonce = payload->find("nonce"); nonce != payload->end() && nonce->is_string()) {
    claims.nonce = nonce->get<std::string>();
  }
  claims.expires = **expires;
  return claims;
}

}  // namespace plaudit::auth

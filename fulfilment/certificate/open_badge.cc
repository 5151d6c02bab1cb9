#include "fulfilment/certificate/open_badge.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "plugins/common/http_client.h"

namespace plaudit::fulfilment {
namespace {

// Plaudit's namespace for certificate credential ids (a random version 4 UUID, fixed forever:
// changing it would change every credential id).
constexpr std::array<unsigned char, 16> kCredentialNamespace = {
    0x5b, 0x0f, 0x3c, 0x2e, 0x8d, 0x1a, 0x4f, 0x6e, 0x9b, 0x7c, 0x2a, 0x4d, 0x6e, 0x8f, 0x0a, 0x13};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json::Json Strings(std::initializer_list<const char*> values) {
  json::Json array = json::Json::array();
  for (const char* value : values) array.push_back(value);
  return array;
}

// The member's string, or "" when it is absent or not a string (a number does not count: the
// credential's fields are checked for their type as well as their text).
std::string StringAt(const json::Json& object, std::string_view key) {
  const json::Json* member = json::Find(object, key);
  return member != nullptr && member->is_string() ? member->get<std::string>() : std::string();
}

// Whether `value` is `name` or an array holding it (VC allows either for `type`).
bool HasType(const json::Json* value, std::string_view name) {
  if (value == nullptr) return false;
  if (value->is_string()) return value->get_ref<const std::string&>() == name;
  if (!value->is_array()) return false;
  for (const json::Json& item : *value) {
    if (item.is_string() && item.get_ref<const std::string&>() == name) return true;
  }
  return false;
}

}  // namespace

bool IsUri(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos ||
      !std::isalpha(static_cast<unsigned char>(text[0])))
    return false;
  for (char c : text.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ') return false;
  }
  return true;
}

std::string CredentialIdForKey(std::string_view idempotency_key) {
  std::string input(reinterpret_cast<const char*>(kCredentialNamespace.data()),
                    kCredentialNamespace.size());
  input.append(idempotency_key);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &size, EVP_sha1(), nullptr);
  digest[6] = (digest[6] & 0x0F) | 0x50;  // version 5
  digest[8] = (digest[8] & 0x3F) | 0x80;  // RFC 4122 variant
  const std::string hex = Hex(std::string_view(reinterpret_cast<const char*>(digest.data()), 16));
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string_view UuidOf(std::string_view credential_id) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (credential_id.starts_with(kPrefix)) credential_id.remove_prefix(kPrefix.size());
  return credential_id;
}

std::string SubjectIdForAgent(std::string_view agent_id) {
  return "urn:plaudit:agent:" + http::PercentEncode(agent_id);
}

std::string FormatUtc(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

bool ParseUtc(std::string_view text, int64_t* unix_seconds) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", std::string(text), absl::UTCTimeZone(), &time,
                       &error)) {
    return false;
  }
  *unix_seconds = absl::ToUnixSeconds(time);
  return true;
}

json::Json BuildOpenBadge(const BadgeAward& award, const BadgeIssuer& issuer) {
  const std::string program = !award.program_name.empty()
                                  ? award.program_name
                                  : (!award.program_id.empty() ? award.program_id : "Recognition");
  const std::string when = award.period_words.empty() ? "" : " for " + award.period_words;
  const std::string subject_id = SubjectIdForAgent(award.agent_id);

  std::string description = program + when;
  if (!award.award_id.empty()) description += " (award " + award.award_id + ")";
  description += ".";
  std::string narrative =
      "Decided by Plaudit under the published rules of the " + program + " program";
  if (!award.period.empty()) narrative += " for the period " + award.period;
  narrative += ": the winning agent received this award.";

  json::Json achievement = json::Json::object();
  achievement["id"] = "urn:plaudit:program:" +
                      http::PercentEncode(award.program_id.empty() ? program : award.program_id);
  achievement["type"] = Strings({"Achievement"});
  achievement["name"] = program;
  achievement["description"] = description;
  achievement["criteria"] = {{"narrative", narrative}};

  json::Json subject = json::Json::object();
  subject["id"] = subject_id;
  subject["type"] = Strings({"AchievementSubject"});
  if (!award.agent_email.empty()) {
    // Salted so the hash alone does not reveal the address; the salt is per credential.
    const std::string salt =
        Hex(Sha256("plaudit-identity-salt:" + award.credential_id)).substr(0, 16);
    json::Json identity = json::Json::object();
    identity["type"] = "IdentityObject";
    identity["identityHash"] = "sha256$" + Hex(Sha256(Lower(award.agent_email) + salt));
    identity["identityType"] = "emailAddress";
    identity["hashed"] = true;
    identity["salt"] = salt;
    subject["identifier"] = json::Json::array({std::move(identity)});
  }
  subject["achievement"] = std::move(achievement);

  const std::string uuid(UuidOf(award.credential_id));
  json::Json status = json::Json::object();
  status["id"] = award.verification_url.empty() ? "urn:plaudit:revocation:" + uuid
                                                : award.verification_url + "#revocation";
  status["type"] = kRevocationStatusType;
  status["statusPurpose"] = "revocation";

  json::Json issuer_profile = json::Json::object();
  issuer_profile["id"] = issuer.id;
  issuer_profile["type"] = Strings({"Profile"});
  issuer_profile["name"] = issuer.name;

  json::Json credential = json::Json::object();
  credential["@context"] = Strings({kVcContextV2, kOpenBadgesContext});
  credential["id"] = award.credential_id;
  credential["type"] = Strings({"VerifiableCredential", "OpenBadgeCredential"});
  credential["name"] = program + when;
  credential["issuer"] = std::move(issuer_profile);
  credential["validFrom"] = FormatUtc(award.valid_from);
  credential["credentialSubject"] = std::move(subject);
  credential["credentialStatus"] = std::move(status);
  credential["iss"] = issuer.id;
  credential["sub"] = subject_id;
  credential["jti"] = award.credential_id;
  credential["nbf"] = award.valid_from;
  return credential;
}

std::string SignVcJwt(const json::Json& credential, const IssuerKey& key) {
  json::Json header = json::Json::object();
  header["alg"] = "EdDSA";
  header["typ"] = kVcJwtType;
  header["kid"] = key.kid();
  const std::string signing_input = absl::WebSafeBase64Escape(json::Serialize(header)) + "." +
                                    absl::WebSafeBase64Escape(json::Serialize(credential));
  const std::string signature = key.Sign(signing_input);
  if (signature.empty()) return {};
  return signing_input + "." + absl::WebSafeBase64Escape(signature);
}

std::optional<ParsedVcJwt> ParseVcJwt(std::string_view token, std::string* error) {
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    *error = "not a compact JWS (expected three base64url parts separated by '.')";
    return std::nullopt;
  }
  std::string header_bytes;
  std::string payload_bytes;
  ParsedVcJwt parsed;
  if (!DecodeBase64Url(token.substr(0, first), &header_bytes)) {
    *error = "the header is not base64url";
    return std::nullopt;
  }
  if (!DecodeBase64Url(token.substr(first + 1, second - first - 1), &payload_bytes)) {
    *error = "the payload is not base64url";
    return std::nullopt;
  }
  if (!DecodeBase64Url(token.substr(second + 1), &parsed.signature)) {
    *error = "the signature is not base64url";
    return std::nullopt;
  }
  std::string json_error;
  std::optional<json::Json> header = json::ParseStrict(header_bytes, &json_error);
  if (!header || !header->is_object()) {
    *error = "the header is not a JSON object" + (json_error.empty() ? "" : ": " + json_error);
    return std::nullopt;
  }
  std::optional<json::Json> payload = json::ParseStrict(payload_bytes, &json_error);
  if (!payload || !payload->is_object()) {
    *error = "the payload is not a JSON object" + (json_error.empty() ? "" : ": " + json_error);
    return std::nullopt;
  }
  parsed.header = std::move(*header);
  parsed.payload = std::move(*payload);
  parsed.signing_input = std::string(token.substr(0, second));
  return parsed;
}

std::vector<std::string> OpenBadgeProblems(const json::Json& payload) {
  std::vector<std::string> problems;
  const json::Json* context = json::Find(payload, "@context");
  if (context == nullptr || !context->is_array() || context->empty() ||
      !(*context)[0].is_string() || (*context)[0].get<std::string>() != kVcContextV2) {
    problems.push_back(std::string("@context does not start with ") + kVcContextV2);
  } else {
    bool open_badges = false;
    for (const json::Json& item : *context) {
      open_badges =
          open_badges || (item.is_string() && item.get_ref<const std::string&>().starts_with(
                                                  "https://purl.imsglobal.org/spec/ob/v3p0/"));
    }
    if (!open_badges) problems.push_back("@context lacks the Open Badges 3.0 context");
  }
  const json::Json* type = json::Find(payload, "type");
  if (!HasType(type, "VerifiableCredential") ||
      !(HasType(type, "OpenBadgeCredential") || HasType(type, "AchievementCredential"))) {
    problems.push_back("type is not [VerifiableCredential, OpenBadgeCredential]");
  }
  const std::string id = StringAt(payload, "id");
  if (!id.starts_with("urn:uuid:")) problems.push_back("id is not a urn:uuid");
  if (StringAt(payload, "jti") != id) problems.push_back("jti differs from the credential id");

  const json::Json* issuer = json::Find(payload, "issuer");
  const std::string issuer_id = issuer != nullptr && issuer->is_string()
                                    ? issuer->get<std::string>()
                                    : (issuer != nullptr ? StringAt(*issuer, "id") : "");
  if (!IsUri(issuer_id)) problems.push_back("issuer has no id URI");
  if (StringAt(payload, "iss") != issuer_id) problems.push_back("iss differs from issuer.id");

  int64_t valid_from = 0;
  if (!ParseUtc(StringAt(payload, "validFrom"), &valid_from)) {
    problems.push_back("validFrom is not an RFC 3339 UTC time");
  } else if (const json::Json* nbf = json::Find(payload, "nbf");
             nbf != nullptr &&
             (!nbf->is_number() || nbf->get<double>() != static_cast<double>(valid_from))) {
    problems.push_back("nbf differs from validFrom");
  }

  const json::Json* subject = json::Find(payload, "credentialSubject");
  if (subject == nullptr || !subject->is_object()) {
    problems.push_back("credentialSubject is missing");
    return problems;
  }
  if (!HasType(json::Find(*subject, "type"), "AchievementSubject")) {
    problems.push_back("credentialSubject.type is not AchievementSubject");
  }
  const std::string subject_id = StringAt(*subject, "id");
  const json::Json* identifier = json::Find(*subject, "identifier");
  if (subject_id.empty() &&
      (identifier == nullptr || !identifier->is_array() || identifier->empty())) {
    problems.push_back("credentialSubject has neither id nor identifier");
  }
  if (!subject_id.empty() && !IsUri(subject_id))
    problems.push_back("credentialSubject.id is not a URI");
  if (json::Find(payload, "sub") != nullptr && StringAt(payload, "sub") != subject_id) {
    problems.push_back("sub differs from credentialSubject.id");
  }
  const json::Json* achievement = json::Find(*subject, "achievement");
  if (achievement == nullptr || !achievement->is_object()) {
    problems.push_back("credentialSubject.achievement is missing");
    return problems;
  }
  if (!IsUri(StringAt(*achievement, "id"))) problems.push_back("achievement has no id URI");
  if (!HasType(json::Find(*achievement, "type"), "Achievement")) {
    problems.push_back("achievement.type is not Achievement");
  }
  if (StringAt(*achievement, "name").empty()) problems.push_back("achievement has no name");
  if (StringAt(*achievement, "description").empty()) {
    problems.push_back("achievement has no description");
  }
  const json::Json* criteria = json::Find(*achievement, "criteria");
  if (criteria == nullptr ||
      (StringAt(*criteria, "narrative").empty() && StringAt(*criteria, "id").empty())) {
    problems.push_back("achievement has no criteria");
  }
  return problems;
}

}  // namespace plaudit::fulfilment

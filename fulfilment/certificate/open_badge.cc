#include "fulfilment/certificate/open_badge.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace plaudit::fulfilment {
namespace {

// Plaudit's namespace for certificate credential ids (a random version 4 UUID, fixed forever:
// changing it would change every credential id).
constexpr std::array<unsigned char, 16> kCredentialNamespace = {
    0x5b, 0x0f, 0x3c, 0x2e, 0x8d, 0x1a, 0x4f, 0x6e, 0x9b, 0x7c, 0x2a, 0x4d, 0x6e, 0x8f, 0x0a, 0x13};

std::string PercentEncode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 15]);
    }
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json::Value Strings(std::initializer_list<const char*> values) {
  json::Value array = json::Value::Array();
  for (const char* value : values) array.Append(json::Value::String(value));
  return array;
}

// The member's string, or "" when it is absent or not a string (a number does not count: the
// credential's fields are checked for their type as well as their text).
std::string StringAt(const json::Value& object, std::string_view key) {
  const json::Value* member = object.Find(key);
  return member != nullptr && member->is_string() ? member->text() : std::string();
}

// A number's value, read from its literal; NaN when it is not a number or out of range.
double NumberOf(const json::Value& value) {
  double number = 0;
  const std::string& literal = value.text();
  const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), number);
  if (!value.is_number() || ec != std::errc() || end != literal.data() + literal.size()) {
    return std::nan("");
  }
  return number;
}

// Whether `value` is `name` or an array holding it (VC allows either for `type`).
bool HasType(const json::Value* value, std::string_view name) {
  if (value == nullptr) return false;
  if (value->is_string()) return value->text() == name;
  if (!value->is_array()) return false;
  for (const json::Value& item : value->items()) {
    if (item.is_string() && item.text() == name) return true;
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
  return "urn:plaudit:agent:" + PercentEncode(agent_id);
}

std::string FormatUtc(int64_t unix_seconds) {
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&time, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

bool ParseUtc(std::string_view text, int64_t* unix_seconds) {
  // YYYY-MM-DDTHH:MM:SS, an optional fraction, Z.
  if (text.size() < 20 || text.back() != 'Z') return false;
  const std::string_view fraction = text.substr(19, text.size() - 20);
  if (!fraction.empty()) {
    if (fraction[0] != '.' || fraction.size() < 2) return false;
    for (char c : fraction.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
  }
  static constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd";
  for (size_t i = 0; i < kPattern.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(text[i]));
    if (kPattern[i] == 'd' ? !digit : text[i] != kPattern[i]) return false;
  }
  auto number = [&](size_t pos, size_t len) {
    int value = 0;
    for (size_t i = pos; i < pos + len; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(5, 2) - 1;
  tm.tm_mday = number(8, 2);
  tm.tm_hour = number(11, 2);
  tm.tm_min = number(14, 2);
  tm.tm_sec = number(17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return false;
  }
  *unix_seconds = static_cast<int64_t>(timegm(&tm));
  return true;
}

json::Value BuildOpenBadge(const BadgeAward& award, const BadgeIssuer& issuer) {
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

  json::Value achievement = json::Value::Object();
  achievement
      .Set("id", json::Value::String(
                     "urn:plaudit:program:" +
                     PercentEncode(award.program_id.empty() ? program : award.program_id)))
      .Set("type", Strings({"Achievement"}))
      .Set("name", json::Value::String(program))
      .Set("description", json::Value::String(description))
      .Set("criteria", json::Value::Object().Set("narrative", json::Value::String(narrative)));

  json::Value subject = json::Value::Object();
  subject.Set("id", json::Value::String(subject_id)).Set("type", Strings({"AchievementSubject"}));
  if (!award.agent_email.empty()) {
    // Salted so the hash alone does not reveal the address; the salt is per credential.
    const std::string salt =
        Hex(Sha256("plaudit-identity-salt:" + award.credential_id)).substr(0, 16);
    json::Value identity = json::Value::Object();
    identity.Set("type", json::Value::String("IdentityObject"))
        .Set("identityHash",
             json::Value::String("sha256$" + Hex(Sha256(Lower(award.agent_email) + salt))))
        .Set("identityType", json::Value::String("emailAddress"))
        .Set("hashed", json::Value::Bool(true))
        .Set("salt", json::Value::String(salt));
    subject.Set("identifier", json::Value::Array().Append(std::move(identity)));
  }
  subject.Set("achievement", std::move(achievement));

  const std::string uuid(UuidOf(award.credential_id));
  json::Value status = json::Value::Object();
  status
      .Set("id", json::Value::String(award.verification_url.empty()
                                         ? "urn:plaudit:revocation:" + uuid
                                         : award.verification_url + "#revocation"))
      .Set("type", json::Value::String(kRevocationStatusType))
      .Set("statusPurpose", json::Value::String("revocation"));

  json::Value credential = json::Value::Object();
  credential.Set("@context", Strings({kVcContextV2, kOpenBadgesContext}))
      .Set("id", json::Value::String(award.credential_id))
      .Set("type", Strings({"VerifiableCredential", "OpenBadgeCredential"}))
      .Set("name", json::Value::String(program + when))
      .Set("issuer", json::Value::Object()
                         .Set("id", json::Value::String(issuer.id))
                         .Set("type", Strings({"Profile"}))
                         .Set("name", json::Value::String(issuer.name)))
      .Set("validFrom", json::Value::String(FormatUtc(award.valid_from)))
      .Set("credentialSubject", std::move(subject))
      .Set("credentialStatus", std::move(status))
      .Set("iss", json::Value::String(issuer.id))
      .Set("sub", json::Value::String(subject_id))
      .Set("jti", json::Value::String(award.credential_id))
      .Set("nbf", json::Value::Number(award.valid_from));
  return credential;
}

std::string SignVcJwt(const json::Value& credential, const IssuerKey& key) {
  json::Value header = json::Value::Object();
  header.Set("alg", json::Value::String("EdDSA"))
      .Set("typ", json::Value::String(kVcJwtType))
      .Set("kid", json::Value::String(key.kid()));
  const std::string signing_input =
      Base64UrlEncode(header.Serialize()) + "." + Base64UrlEncode(credential.Serialize());
  const std::string signature = key.Sign(signing_input);
  if (signature.empty()) return {};
  return signing_input + "." + Base64UrlEncode(signature);
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
  if (!Base64UrlDecode(token.substr(0, first), &header_bytes)) {
    *error = "the header is not base64url";
    return std::nullopt;
  }
  if (!Base64UrlDecode(token.substr(first + 1, second - first - 1), &payload_bytes)) {
    *error = "the payload is not base64url";
    return std::nullopt;
  }
  if (!Base64UrlDecode(token.substr(second + 1), &parsed.signature)) {
    *error = "the signature is not base64url";
    return std::nullopt;
  }
  std::string json_error;
  std::optional<json::Value> header = json::Parse(header_bytes, &json_error);
  if (!header || !header->is_object()) {
    *error = "the header is not a JSON object" + (json_error.empty() ? "" : ": " + json_error);
    return std::nullopt;
  }
  std::optional<json::Value> payload = json::Parse(payload_bytes, &json_error);
  if (!payload || !payload->is_object()) {
    *error = "the payload is not a JSON object" + (json_error.empty() ? "" : ": " + json_error);
    return std::nullopt;
  }
  parsed.header = std::move(*header);
  parsed.payload = std::move(*payload);
  parsed.signing_input = std::string(token.substr(0, second));
  return parsed;
}

std::vector<std::string> OpenBadgeProblems(const json::Value& payload) {
  std::vector<std::string> problems;
  const json::Value* context = payload.Find("@context");
  if (context == nullptr || !context->is_array() || context->items().empty() ||
      !context->items()[0].is_string() || context->items()[0].text() != kVcContextV2) {
    problems.push_back(std::string("@context does not start with ") + kVcContextV2);
  } else {
    bool open_badges = false;
    for (const json::Value& item : context->items()) {
      open_badges =
          open_badges ||
          (item.is_string() && item.text().starts_with("https://purl.imsglobal.org/spec/ob/v3p0/"));
    }
    if (!open_badges) problems.push_back("@context lacks the Open Badges 3.0 context");
  }
  const json::Value* type = payload.Find("type");
  if (!HasType(type, "VerifiableCredential") ||
      !(HasType(type, "OpenBadgeCredential") || HasType(type, "AchievementCredential"))) {
    problems.push_back("type is not [VerifiableCredential, OpenBadgeCredential]");
  }
  const std::string id = StringAt(payload, "id");
  if (!id.starts_with("urn:uuid:")) problems.push_back("id is not a urn:uuid");
  if (StringAt(payload, "jti") != id) problems.push_back("jti differs from the credential id");

  const json::Value* issuer = payload.Find("issuer");
  const std::string issuer_id = issuer != nullptr && issuer->is_string()
                                    ? issuer->text()
                                    : (issuer != nullptr ? StringAt(*issuer, "id") : "");
  if (!IsUri(issuer_id)) problems.push_back("issuer has no id URI");
  if (StringAt(payload, "iss") != issuer_id) problems.push_back("iss differs from issuer.id");

  int64_t valid_from = 0;
  if (!ParseUtc(StringAt(payload, "validFrom"), &valid_from)) {
    problems.push_back("validFrom is not an RFC 3339 UTC time");
  } else if (const json::Value* nbf = payload.Find("nbf");
             nbf != nullptr &&
             (!nbf->is_number() || NumberOf(*nbf) != static_cast<double>(valid_from))) {
    problems.push_back("nbf differs from validFrom");
  }

  const json::Value* subject = payload.Find("credentialSubject");
  if (subject == nullptr || !subject->is_object()) {
    problems.push_back("credentialSubject is missing");
    return problems;
  }
  if (!HasType(subject->Find("type"), "AchievementSubject")) {
    problems.push_back("credentialSubject.type is not AchievementSubject");
  }
  const std::string subject_id = StringAt(*subject, "id");
  const json::Value* identifier = subject->Find("identifier");
  if (subject_id.empty() &&
      (identifier == nullptr || !identifier->is_array() || identifier->items().empty())) {
    problems.push_back("credentialSubject has neither id nor identifier");
  }
  if (!subject_id.empty() && !IsUri(subject_id))
    problems.push_back("credentialSubject.id is not a URI");
  if (payload.Find("sub") != nullptr && StringAt(payload, "sub") != subject_id) {
    problems.push_back("sub differs from credentialSubject.id");
  }
  const json::Value* achievement = subject->Find("achievement");
  if (achievement == nullptr || !achievement->is_object()) {
    problems.push_back("credentialSubject.achievement is missing");
    return problems;
  }
  if (!IsUri(StringAt(*achievement, "id"))) problems.push_back("achievement has no id URI");
  if (!HasType(achievement->Find("type"), "Achievement")) {
    problems.push_back("achievement.type is not Achievement");
  }
  if (StringAt(*achievement, "name").empty()) problems.push_back("achievement has no name");
  if (StringAt(*achievement, "description").empty()) {
    problems.push_back("achievement has no description");
  }
  const json::Value* criteria = achievement->Find("criteria");
  if (criteria == nullptr ||
      (StringAt(*criteria, "narrative").empty() && StringAt(*criteria, "id").empty())) {
    problems.push_back("achievement has no criteria");
  }
  return problems;
}

}  // namespace plaudit::fulfilment

// The Open Badges 3.0 credential a certificate carries, and its VC-JWT form.
//
// The credential is an OpenBadgeCredential in the W3C Verifiable Credentials 2.0 data model:
// issuer Profile, validFrom, credentialSubject (an AchievementSubject whose `id` is
// urn:plaudit:agent:<agent id>, plus a salted SHA-256 email IdentityObject when the agent's
// email is known) and its Achievement (the program), and a credentialStatus pointing at
// plauditd's revocation record. Its id is urn:uuid:<name-based UUID (v5) of the idempotency key>,
// so every retry of a reward issues the same id.
//
// The VC-JWT is a compact JWS: header {"alg":"EdDSA","typ":"vc+jwt","kid":<key thumbprint>},
// payload the credential itself plus the JWT claims iss, sub, jti and nbf, Ed25519 signature.
// Every function here is pure and thread-safe.
#ifndef PLAUDIT_FULFILMENT_CERTIFICATE_OPEN_BADGE_H_
#define PLAUDIT_FULFILMENT_CERTIFICATE_OPEN_BADGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulfilment/certificate/issuer_key.h"
#include "plugins/common/json_text.h"

namespace plaudit::fulfilment {

inline constexpr char kVcContextV2[] = "https://www.w3.org/ns/credentials/v2";
inline constexpr char kOpenBadgesContext[] =
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
inline constexpr char kVcJwtType[] = "vc+jwt";
// The credentialStatus type: revocation as recorded by plauditd's certificate plugin and
// reported by its `verify` query.
inline constexpr char kRevocationStatusType[] = "PlauditRevocationStatus";

struct BadgeIssuer {
  std::string id;  // a URI
  std::string name;
};

// What one certificate says, in the words the credential needs.
struct BadgeAward {
  std::string credential_id;  // CredentialIdForKey(idempotency key)
  std::string agent_id;
  std::string agent_email;  // may be empty
  std::string program_id;
  std::string program_name;
  std::string period;        // the label, e.g. "2026-10"
  std::string period_words;  // as printed, e.g. "October 2026"
  std::string award_id;
  int64_t valid_from = 0;        // Unix seconds
  std::string verification_url;  // where the credential is checked; "" when none is configured
};

// Whether `text` reads as an absolute URI: a scheme, ':', and no spaces or control characters.
bool IsUri(std::string_view text);

// "urn:uuid:" and the name-based (SHA-1, version 5) UUID of `idempotency_key` in Plaudit's
// certificate namespace.
std::string CredentialIdForKey(std::string_view idempotency_key);
// The UUID of a "urn:uuid:" id (or the text itself when it has no such prefix).
std::string_view UuidOf(std::string_view credential_id);
// "urn:plaudit:agent:" and the agent id, percent-encoded outside [A-Za-z0-9._~-].
std::string SubjectIdForAgent(std::string_view agent_id);

// RFC 3339 UTC with seconds: "2026-11-02T09:00:00Z".
std::string FormatUtc(int64_t unix_seconds);
// Reads FormatUtc's form (a fraction of a second is allowed and dropped).
bool ParseUtc(std::string_view text, int64_t* unix_seconds);

// The credential (with its JWT claims) as it will be signed.
json::Json BuildOpenBadge(const BadgeAward& award, const BadgeIssuer& issuer);

// The compact VC-JWT of `credential`, signed by `key`; "" when signing failed.
std::string SignVcJwt(const json::Json& credential, const IssuerKey& key);

struct ParsedVcJwt {
  json::Json header;
  json::Json payload;
  std::string signing_input;  // header.payload, as received
  std::string signature;      // raw bytes
};

// Splits a compact JWS and decodes its parts; nullopt with *error saying what is malformed.
// Says nothing about the signature.
std::optional<ParsedVcJwt> ParseVcJwt(std::string_view token, std::string* error);

// What keeps `payload` from being a well-formed OpenBadgeCredential with consistent JWT claims;
// empty when nothing does.
std::vector<std::string> OpenBadgeProblems(const json::Json& payload);

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_CERTIFICATE_OPEN_BADGE_H_

#include "tools/dev_issuer/dev_issuer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tools/dev_issuer/dev_certificates.h"
#include "tools/dev_issuer/jws_signer.h"

namespace plaudit::dev_issuer {
namespace {

using nlohmann::json;

constexpr mode_t kPrivate = 0600;
constexpr mode_t kPublic = 0644;
constexpr absl::Duration kExpiredAgo = absl::Hours(1);

std::string SigningKeyPath(const std::string& dir) { return dir + "/signing-key.pem"; }
std::string TlsDir(const std::string& dir) { return dir + "/tls"; }

// Writes the whole file with exactly `mode`, also when it replaces an older file.
absl::Status WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  bool ok = fchmod(fd, mode) == 0;
  for (size_t written = 0; ok && written < content.size();) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  const int saved_errno = errno;
  ok = close(fd) == 0 && ok;
  if (!ok) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(saved_errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status MakeDirectory(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status WriteCertificate(const std::string& tls_dir, const std::string& name,
                              const CertificateAndKey& issued) {
  if (absl::Status s =
          WriteFile(absl::StrCat(tls_dir, "/", name, ".key"), issued.key_pem, kPrivate);
      !s.ok()) {
    return s;
  }
  return WriteFile(absl::StrCat(tls_dir, "/", name, ".pem"), issued.certificate_pem, kPublic);
}

absl::StatusOr<CertificateAndKey> ReadCertificateAuthority(const std::string& dir) {
  absl::StatusOr<std::string> certificate = ReadFile(TlsDir(dir) + "/ca.pem");
  if (!certificate.ok()) return certificate.status();
  absl::StatusOr<std::string> key = ReadFile(TlsDir(dir) + "/ca.key");
  if (!key.ok()) return key.status();
  return CertificateAndKey{*std::move(certificate), *std::move(key)};
}

bool IsCertificateName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status InitIssuer(const IssuerOptions& options, absl::Time now) {
  if (options.dir.empty()) return absl::InvalidArgumentError("no issuer directory given");
  if (options.issuer.empty()) return absl::InvalidArgumentError("the issuer URL is empty");
  const std::string key_path = SigningKeyPath(options.dir);
  std::error_code error;
  if (!options.force && std::filesystem::exists(key_path, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat(key_path, " exists; pass --force to replace the issuer's keys"));
  }
  if (absl::Status s = MakeDirectory(TlsDir(options.dir)); !s.ok()) return s;

  absl::StatusOr<PrivateKey> key = GenerateSigningKey(options.algorithm);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> key_pem = PrivateKeyPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<json> jwk = PublicJwk(key->get());
  if (!jwk.ok()) return jwk.status();
  const json jwks = {{"keys", json::array({*jwk})}};

  absl::StatusOr<CertificateAndKey> ca = MakeCertificateAuthority(now, kCertificateValidity);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<CertificateAndKey> server =
      IssueCertificate(*ca, "localhost", CertificateRole::kServer,
                       {"DNS:localhost", "IP:127.0.0.1", "IP:::1"}, now, kCertificateValidity);
  if (!server.ok()) return server.status();

  if (absl::Status s = WriteCertificate(TlsDir(options.dir), "ca", *ca); !s.ok()) return s;
  if (absl::Status s = WriteCertificate(TlsDir(options.dir), "server", *server); !s.ok()) return s;
  if (absl::Status s = WriteFile(options.dir + "/jwks.json", jwks.dump(2) + "\n", kPublic);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFile(options.dir + "/issuer.txt", options.issuer + "\n", kPublic);
      !s.ok()) {
    return s;
  }
  return WriteFile(key_path, *key_pem, kPrivate);
}

absl::StatusOr<std::string> MintToken(const std::string& dir, const MintOptions& options,
                                      absl::Time now) {
  if (options.subject.empty()) return absl::InvalidArgumentError("a token needs a subject");
  if (options.ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the ttl must be positive");
  }
  absl::StatusOr<std::string> key_pem = ReadFile(SigningKeyPath(dir));
  if (!key_pem.ok()) return key_pem.status();
  absl::StatusOr<std::string> issuer = ReadFile(dir + "/issuer.txt");
  if (!issuer.ok()) return issuer.status();
  absl::StatusOr<PrivateKey> key = ReadPrivateKeyPem(*key_pem);
  if (!key.ok()) return key.status();
  absl::StatusOr<json> jwk = PublicJwk(key->get());
  if (!jwk.ok()) return jwk.status();

  const absl::Time expires = options.expired ? now - kExpiredAgo : now + options.ttl;
  const absl::Time issued = options.expired ? expires - options.ttl : now;
  json payload = {
      {"iss", std::string(absl::StripAsciiWhitespace(*issuer))},
      {"sub", options.subject},
      {"aud", options.audience},
      {"iat", absl::ToUnixSeconds(issued)},
      {"nbf", absl::ToUnixSeconds(issued + options.not_before_in)},
      {"exp", absl::ToUnixSeconds(expires)},
  };
  if (!options.roles.empty()) payload["roles"] = options.roles;
  if (!options.teams.empty()) payload["teams"] = options.teams;
  for (const auto& [name, value] : options.claims) {
    json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
    payload[name] = parsed.is_discarded() ? json(value) : parsed;
  }
  const json header = {{"alg", (*jwk)["alg"]}, {"kid", (*jwk)["kid"]}, {"typ", "JWT"}};
  return SignCompactJws(key->get(), header, payload);
}

absl::Status WriteClientCertificate(const std::string& dir, const std::string& name,
                                    absl::Time now) {
  if (!IsCertificateName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate name \"", name,
                     "\": use letters, digits, '.', '_' and '-', not a leading '.'"));
  }
  if (name == "ca" || name == "server") {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate name \"", name, "\" is taken by the dev CA's own files"));
  }
  absl::StatusOr<CertificateAndKey> ca = ReadCertificateAuthority(dir);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<CertificateAndKey> client =
      IssueCertificate(*ca, name, CertificateRole::kClient, {}, now, kCertificateValidity);
  if (!client.ok()) return client.status();
  return WriteCertificate(TlsDir(dir), name, *client);
}

}  // namespace plaudit::dev_issuer

#include "core/api/server_credentials.h"

#include <grpcpp/security/server_credentials.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace plaudit::api {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& setting, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.", setting, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// OpenSSL's reason for the last failure, e.g. "bad decrypt"; clears the error queue.
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  return reason == nullptr ? "not PEM" : reason;
}

// Never asks for a passphrase: plauditd runs unattended, and a prompt would hang its start.
int NoPassphrase(char*, int, int, void*) { return -1; }

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioDeleter> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

absl::StatusOr<std::unique_ptr<X509, X509Deleter>> FirstCertificate(const std::string& setting,
                                                                    const std::string& path,
                                                                    const std::string& pem) {
  auto bio = MemoryBio(pem);
  std::unique_ptr<X509, X509Deleter> cert(
      PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat("tls.", setting, ": ", path, " holds no PEM certificate"));
  }
  return cert;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerConfig& config) {
  // Other machines may reach plauditd only over TLS and only when callers must prove who they
  // are (auth, or services known by client certificates).
  const bool authenticated = config.auth.has_value() || !config.services.empty();
  if (!IsLoopbackListen(config.listen) && (!config.tls.has_value() || !authenticated)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to listen on ", config.listen,
        !config.tls.has_value() ? " without tls" : " without auth",
        !authenticated ? ": every caller would be trusted" : ": tokens would travel in clear",
        " (configure tls and auth, or listen on 127.0.0.1)"));
  }
  if (!config.services.empty() && (!config.tls.has_value() || config.tls->client_ca_file.empty())) {
    return absl::FailedPreconditionError(
        "services: known by client certificates, which need tls.client_ca_file");
  }
  if (!config.tls.has_value()) return grpc::InsecureServerCredentials();
  const TlsConfig& tls = *config.tls;
  auto cert_pem = ReadFile("cert_file", tls.cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadFile("key_file", tls.key_file);
  if (!key_pem.ok()) return key_pem.status();
  auto cert = FirstCertificate("cert_file", tls.cert_file, *cert_pem);
  if (!cert.ok()) return cert.status();
  auto key_bio = MemoryBio(*key_pem);
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.key_file: ", tls.key_file,
        " holds no usable PEM private key (an encrypted key is not supported): ", OpenSslReason()));
  }
  if (X509_check_private_key(cert->get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(
        "tls.key_file: ", tls.key_file, " is not the key of the certificate in ", tls.cert_file));
  }
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({*key_pem, *cert_pem});
  if (!tls.client_ca_file.empty()) {
    auto ca_pem = ReadFile("client_ca_file", tls.client_ca_file);
    if (!ca_pem.ok()) return ca_pem.status();
    if (auto ca = FirstCertificate("client_ca_file", tls.client_ca_file, *ca_pem); !ca.ok()) {
      return ca.status();
    }
    options.pem_root_certs = *ca_pem;
    // With tokens, people call without certificates and services may present one; without
    // them, every caller must.
    options.client_certificate_request =
        config.auth.has_value() ? GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY
                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace plaudit::api

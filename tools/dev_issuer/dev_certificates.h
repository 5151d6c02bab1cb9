// A throwaway certificate authority for development TLS: a self-signed CA, and server and client
// certificates it signs. EC P-256 keys and SHA-256 signatures throughout; every certificate is
// valid from five minutes before `now` (for clock skew) for `validity`.
#ifndef PLAUDIT_TOOLS_DEV_ISSUER_DEV_CERTIFICATES_H_
#define PLAUDIT_TOOLS_DEV_ISSUER_DEV_CERTIFICATES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace plaudit::dev_issuer {

// A certificate and its private key, both PEM.
struct CertificateAndKey {
  std::string certificate_pem;
  std::string key_pem;
};

// CN=Plaudit dev CA; CA:TRUE with path length 0, for signing leaf certificates only.
absl::StatusOr<CertificateAndKey> MakeCertificateAuthority(absl::Time now, absl::Duration validity);

enum class CertificateRole { kServer, kClient };

// CN=`common_name`, signed by `ca`, with extended key usage for `role`; `subject_alt_names` in
// OpenSSL's notation ("DNS:localhost", "IP:::1"), none for an empty list.
absl::StatusOr<CertificateAndKey> IssueCertificate(
    const CertificateAndKey& ca, const std::string& common_name, CertificateRole role,
    const std::vector<std::string>& subject_alt_names, absl::Time now, absl::Duration validity);

}  // namespace plaudit::dev_issuer

#endif  // PLAUDIT_TOOLS_DEV_ISSUER_DEV_CERTIFICATES_H_

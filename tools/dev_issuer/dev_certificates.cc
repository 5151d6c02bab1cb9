#include "tools/dev_issuer/dev_certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/dev_issuer/jws_signer.h"

namespace plaudit::dev_issuer {
namespace {

constexpr char kCaCommonName[] = "Plaudit dev CA";
constexpr int kSerialBits = 127;
constexpr absl::Duration kBackdate = absl::Minutes(5);

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Certificate = std::unique_ptr<X509, X509Deleter>;
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};

absl::Status OpenSslFailure(const std::string& what) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  return absl::InternalError(absl::StrCat(what, ": ", reason ? reason : "failed"));
}

// An unsigned certificate for `key`, named CN=`common_name`, with issuer still to be set.
absl::StatusOr<Certificate> NewCertificate(EVP_PKEY* key, const std::string& common_name,
                                           absl::Time now, absl::Duration validity) {
  Certificate cert(X509_new());
  std::unique_ptr<BIGNUM, BignumDeleter> serial(BN_new());
  if (cert == nullptr || serial == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), absl::ToTimeT(now - kBackdate)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), absl::ToTimeT(now + validity)) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1) {
    return OpenSslFailure(absl::StrCat("certificate for ", common_name));
  }
  return cert;
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  const bool added = extension != nullptr && X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  if (!added) return OpenSslFailure(absl::StrCat("extension ", OBJ_nid2sn(nid), " ", value));
  return absl::OkStatus();
}

absl::StatusOr<CertificateAndKey> SignAndEncode(X509* cert, EVP_PKEY* signer, EVP_PKEY* key) {
  if (X509_sign(cert, signer, EVP_sha256()) == 0) return OpenSslFailure("signing a certificate");
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslFailure("writing a certificate");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  absl::StatusOr<std::string> key_pem = PrivateKeyPem(key);
  if (!key_pem.ok()) return key_pem.status();
  return CertificateAndKey{std::string(data, static_cast<size_t>(size)), *std::move(key_pem)};
}

}  // namespace

absl::StatusOr<CertificateAndKey> MakeCertificateAuthority(absl::Time now,
                                                           absl::Duration validity) {
  absl::StatusOr<PrivateKey> key = GenerateSigningKey(auth::JwsAlgorithm::kES256);
  if (!key.ok()) return key.status();
  absl::StatusOr<Certificate> cert = NewCertificate(key->get(), kCaCommonName, now, validity);
  if (!cert.ok()) return cert.status();
  X509* x509 = cert->get();
  if (X509_set_issuer_name(x509, X509_get_subject_name(x509)) != 1) {
    return OpenSslFailure("CA issuer name");
  }
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (absl::Status added = AddExtension(x509, x509, nid, value); !added.ok()) return added;
  }
  return SignAndEncode(x509, key->get(), key->get());
}

absl::StatusOr<CertificateAndKey> IssueCertificate(
    const CertificateAndKey& ca, const std::string& common_name, CertificateRole role,
    const std::vector<std::string>& subject_alt_names, absl::Time now, absl::Duration validity) {
  std::unique_ptr<BIO, BioDeleter> ca_bio(
      BIO_new_mem_buf(ca.certificate_pem.data(), static_cast<int>(ca.certificate_pem.size())));
  Certificate ca_cert(PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr));
  if (ca_cert == nullptr) return OpenSslFailure("reading the CA certificate");
  absl::StatusOr<PrivateKey> ca_key = ReadPrivateKeyPem(ca.key_pem);
  if (!ca_key.ok()) return ca_key.status();
  if (X509_check_private_key(ca_cert.get(), ca_key->get()) != 1) {
    return OpenSslFailure("the CA key does not belong to the CA certificate");
  }

  absl::StatusOr<PrivateKey> key = GenerateSigningKey(auth::JwsAlgorithm::kES256);
  if (!key.ok()) return key.status();
  absl::StatusOr<Certificate> cert = NewCertificate(key->get(), common_name, now, validity);
  if (!cert.ok()) return cert.status();
  X509* x509 = cert->get();
  if (X509_set_issuer_name(x509, X509_get_subject_name(ca_cert.get())) != 1) {
    return OpenSslFailure("issuer name");
  }
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, role == CertificateRole::kServer ? "serverAuth" : "clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
  };
  if (!subject_alt_names.empty()) {
    extensions.emplace_back(NID_subject_alt_name, absl::StrJoin(subject_alt_names, ","));
  }
  for (const auto& [nid, value] : extensions) {
    if (absl::Status added = AddExtension(x509, ca_cert.get(), nid, value); !added.ok()) {
      return added;
    }
  }
  return SignAndEncode(x509, ca_key->get(), key->get());
}

}  // namespace plaudit::dev_issuer

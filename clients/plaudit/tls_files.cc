#include "clients/plaudit/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace plaudit::cli {
namespace {

// The text of a file named by `option`; false (and `problem` set) when it cannot be read.
bool ReadOptionFile(const std::string& option, const std::string& path, std::string* text,
                    std::string* problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *problem = "cannot read " + option + " " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream content;
  content << in.rdbuf();
  *text = content.str();
  return true;
}

// Never asks for a passphrase: a prompt from inside a command would surprise.
int NoPassphrase(char*, int, int, void*) { return -1; }

std::unique_ptr<BIO, decltype(&BIO_free)> MemoryBio(const std::string& pem) {
  return {BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
}

}  // namespace

std::string LoadTlsFiles(const std::string& ca_file, const std::string& cert_file,
                         const std::string& key_file, TlsFiles* files) {
  std::string problem;
  if ((!ca_file.empty() && !ReadOptionFile("--ca-file", ca_file, &files->ca_pem, &problem)) ||
      (!cert_file.empty() && !ReadOptionFile("--cert", cert_file, &files->cert_pem, &problem)) ||
      (!key_file.empty() && !ReadOptionFile("--key", key_file, &files->key_pem, &problem))) {
    return problem;
  }
  if (cert_file.empty() || key_file.empty()) return "";
  auto cert_bio = MemoryBio(files->cert_pem);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, NoPassphrase, nullptr), &X509_free);
  auto key_bio = MemoryBio(files->key_pem);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr), &EVP_PKEY_free);
  if (cert == nullptr)
    problem = "--cert " + cert_file + " holds no PEM certificate";
  else if (key == nullptr) {
    problem = "--key " + key_file +
              " holds no usable PEM private key (an encrypted key is not supported)";
  } else if (X509_check_private_key(cert.get(), key.get()) != 1) {
    problem = "--key " + key_file + " is not the key of the certificate in --cert " + cert_file;
  }
  ERR_clear_error();
  return problem;
}

}  // namespace plaudit::cli

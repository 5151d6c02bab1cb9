#include "fulfilment/certificate/issuer_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/escaping.h"
#include "plaudit/errno_message.h"

namespace plaudit::fulfilment {
namespace {

namespace fs = std::filesystem;

constexpr size_t kSignatureSize = 64;

// Never prompts on a terminal for a passphrase: an encrypted key simply fails to load.
int NoPassphrase(char*, int, int, void*) { return -1; }

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string MemoryBioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

}  // namespace

bool DecodeBase64Url(std::string_view text, std::string* bytes) {
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &decoded)) {
    return false;
  }
  // Abseil also accepts padding and non-zero spare bits; a signature must have one spelling only.
  if (absl::WebSafeBase64Escape(decoded) != text) return false;
  *bytes = std::move(decoded);
  return true;
}

std::string Sha256(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

IssuerKey::IssuerKey(EVP_PKEY* key) : key_(key) {
  std::array<unsigned char, 32> raw;
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key_, raw.data(), &size) == 1) {
    public_raw_.assign(reinterpret_cast<const char*>(raw.data()), size);
  }
  BioPtr pem(BIO_new(BIO_s_mem()));
  if (pem && PEM_write_bio_PUBKEY(pem.get(), key_) == 1) public_pem_ = MemoryBioContents(pem.get());
  // RFC 7638: the required members, sorted, without spaces.
  kid_ = absl::WebSafeBase64Escape(Sha256(R"({"crv":"Ed25519","kty":"OKP","x":")" +
                                          absl::WebSafeBase64Escape(public_raw_) + "\"}"));
}

IssuerKey::~IssuerKey() { EVP_PKEY_free(key_); }

std::unique_ptr<IssuerKey> IssuerKey::Load(const std::string& path, std::string* error) {
  BioPtr file(BIO_new_file(path.c_str(), "r"));
  if (!file) {
    const int err = errno;
    ERR_clear_error();
    *error = "cannot read issuer key " + path + ": " + ErrnoMessage(err);
    return nullptr;
  }
  EVP_PKEY* key = PEM_read_bio_PrivateKey(file.get(), nullptr, &NoPassphrase, nullptr);
  ERR_clear_error();
  if (key == nullptr) {
    *error = "issuer key " + path +
             " is not an unencrypted PEM private key (expected an Ed25519 key, e.g. from "
             "`openssl genpkey -algorithm ed25519`)";
    return nullptr;
  }
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(key);
    *error = "issuer key " + path + " is a " + (type != nullptr ? type : "non-Ed25519") +
             " key; certificates are signed with Ed25519 (EdDSA) only";
    EVP_PKEY_free(key);
    return nullptr;
  }
  std::unique_ptr<IssuerKey> issuer_key(new IssuerKey(key));
  if (issuer_key->public_raw_.size() != 32 || issuer_key->public_pem_.empty()) {
    *error = "cannot read the public half of issuer key " + path;
    return nullptr;
  }
  return issuer_key;
}

std::unique_ptr<IssuerKey> IssuerKey::LoadOrCreate(const std::string& path, bool* created,
                                                   std::string* error) {
  *created = false;
  std::error_code ec;
  if (fs::exists(path, ec)) return Load(path, error);
  const fs::path dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) {
      *error = "cannot create " + dir.string() + " for the issuer key: " + ec.message();
      return nullptr;
    }
    fs::permissions(dir, fs::perms::owner_all, ec);
  }

  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) {
    ERR_clear_error();
    *error = "cannot generate an Ed25519 issuer key";
    return nullptr;
  }
  std::unique_ptr<IssuerKey> issuer_key(new IssuerKey(key));

  // Written under a temporary name and linked into place: link() never replaces a key another
  // start wrote meanwhile, and a crash never leaves a truncated key under the final name.
  std::string temp_path = path + ".XXXXXX";
  const int fd = ::mkstemp(temp_path.data());  // mode 0600
  if (fd < 0) {
    *error = "cannot create the issuer key " + path + ": " + ErrnoMessage(errno);
    return nullptr;
  }
  ::fchmod(fd, 0600);
  std::string failure;
  {
    BioPtr out(BIO_new_fd(fd, BIO_NOCLOSE));
    if (!out ||
        PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
        BIO_flush(out.get()) != 1) {
      ERR_clear_error();
      failure = "cannot write the issuer key to " + temp_path;
    }
  }
  if (failure.empty() && ::fsync(fd) != 0) failure = "cannot sync " + temp_path;
  ::close(fd);
  if (failure.empty() && ::link(temp_path.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path.c_str());
    if (err == EEXIST) return Load(path, error);
    failure = "cannot create the issuer key " + path + ": " + ErrnoMessage(err);
  }
  ::unlink(temp_path.c_str());
  if (!failure.empty()) {
    *error = failure;
    return nullptr;
  }
  if (!dir.empty()) {
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }
  *created = true;
  return issuer_key;
}

std::string IssuerKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::array<unsigned char, kSignatureSize> signature;
  size_t size = signature.size();
  // Ed25519 hashes internally: no digest is named.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    ERR_clear_error();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(signature.data()), size);
}

bool IssuerKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool valid =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  ERR_clear_error();
  return valid;
}

std::string IssuerKey::PublicJwk() const {
  return R"({"kty":"OKP","crv":"Ed25519","x":")" + absl::WebSafeBase64Escape(public_raw_) +
         R"(","kid":")" + kid_ + R"(","alg":"EdDSA","use":"sig"})";
}

}  // namespace plaudit::fulfilment

// The certificate issuer's Ed25519 signing key (OpenSSL 3), and the JOSE encodings a VC-JWT
// needs: strict base64url decoding, SHA-256, the public key as PEM and as a JWK, and the key id
// (the RFC 7638 JWK thumbprint, so anyone holding the public key can compute it).
//
// An IssuerKey is immutable once loaded; Sign() and Verify() may be called from several threads.
#ifndef PLAUDIT_FULFILMENT_CERTIFICATE_ISSUER_KEY_H_
#define PLAUDIT_FULFILMENT_CERTIFICATE_ISSUER_KEY_H_

#include <memory>
#include <string>
#include <string_view>

// OpenSSL's key type, kept out of this header.
typedef struct evp_pkey_st EVP_PKEY;

namespace plaudit::fulfilment {

// Reads RFC 4648 §5 base64url as JOSE writes it (absl::WebSafeBase64Escape's form): false for
// padding, the other alphabet or non-zero spare bits, so each byte string has one encoding only.
bool DecodeBase64Url(std::string_view text, std::string* bytes);

// The 32-byte SHA-256 digest of `bytes`.
std::string Sha256(std::string_view bytes);
// Lower-case hex of `bytes`.
std::string Hex(std::string_view bytes);

class IssuerKey {
 public:
  ~IssuerKey();
  IssuerKey(const IssuerKey&) = delete;
  IssuerKey& operator=(const IssuerKey&) = delete;

  // Reads an unencrypted PEM private key; nullptr with *error set when the file cannot be read
  // or does not hold an Ed25519 private key.
  static std::unique_ptr<IssuerKey> Load(const std::string& path, std::string* error);

  // Load(path) when the file exists; otherwise generates a key and writes it to `path` with
  // mode 0600 (creating the folder with 0700), atomically, so two starts never write different
  // keys. *created says which happened.
  static std::unique_ptr<IssuerKey> LoadOrCreate(const std::string& path, bool* created,
                                                 std::string* error);

  // The 64-byte Ed25519 signature of `message`; "" when OpenSSL failed.
  std::string Sign(std::string_view message) const;
  // Whether `signature` is this key's Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;

  // The RFC 7638 thumbprint of the public JWK, base64url.
  const std::string& kid() const { return kid_; }
  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----" ...).
  const std::string& public_key_pem() const { return public_pem_; }
  // {"kty":"OKP","crv":"Ed25519","x":...,"kid":...,"alg":"EdDSA","use":"sig"}
  std::string PublicJwk() const;

 private:
  explicit IssuerKey(EVP_PKEY* key);

  EVP_PKEY* key_;
  std::string public_raw_;  // 32 bytes
  std::string public_pem_;
  std::string kid_;
};

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_CERTIFICATE_ISSUER_KEY_H_

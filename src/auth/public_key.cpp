#include "auth/public_key.hpp"

#include <array>
#include <memory>
#include <string>
#include <utility>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace hearth::auth {
namespace {

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* c) const noexcept { X509_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

constexpr std::size_t kMaxPemSize = std::size_t{64} * 1024;  // a certificate chain is a few KB
constexpr int kMinRsaBits = 2048;

BioPtr read_bio(std::string_view pem) { return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

PkeyPtr read_key(std::string_view pem) {
  auto bio = read_bio(pem);
  if (!bio) return nullptr;
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key) return key;
  bio = read_bio(pem);
  if (!bio) return nullptr;
  const std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return nullptr;
  return PkeyPtr(X509_get_pubkey(cert.get()));
}

Result<std::string> to_spki_pem(EVP_PKEY* key) {
  const BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PUBKEY(out.get(), key) != 1)
    return make_error(errc::internal, "Could not re-encode the JWT public key");
  char* data = nullptr;
  // BIO_get_mem_data is a macro with a C cast; call what it expands to.
  const long len = BIO_ctrl(out.get(), BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  if (len <= 0 || data == nullptr) return make_error(errc::internal, "Could not re-encode the JWT public key");
  return std::string(data, static_cast<std::size_t>(len));
}

Result<std::string> algorithm_for(EVP_PKEY* key) {
  const int type = EVP_PKEY_get_base_id(key);
  if (type == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(key) < kMinRsaBits)
      return make_error(errc::invalid_argument, "JWT public key: RSA keys must have at least 2048 bits");
    return std::string("RS256");
  }
  if (type == EVP_PKEY_EC) {
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &len) != 1 ||
        std::string_view(group.data(), len) != "prime256v1")
      return make_error(errc::invalid_argument, "JWT public key: EC keys must be on curve P-256 (ES256)");
    return std::string("ES256");
  }
  return make_error(errc::invalid_argument, "JWT public key: only RSA (RS256) and EC P-256 (ES256) keys are supported");
}

Result<PublicKey> load(std::string_view pem) {
  if (pem.empty()) return make_error(errc::invalid_argument, "JWT public key is empty");
  if (pem.size() > kMaxPemSize) return make_error(errc::invalid_argument, "JWT public key file is too large");
  const PkeyPtr key = read_key(pem);
  if (!key) {
    if (pem.find("PRIVATE KEY-----") != std::string_view::npos)
      return make_error(errc::invalid_argument,
                        "JWT public key file holds a private key; give the public key (openssl pkey -pubout)");
    return make_error(errc::invalid_argument,
                      "JWT public key is not a PEM public key (BEGIN PUBLIC KEY) or certificate");
  }
  auto alg = algorithm_for(key.get());
  if (!alg) return std::move(alg).error();
  auto spki = to_spki_pem(key.get());
  if (!spki) return std::move(spki).error();
  return PublicKey{std::move(*alg), std::move(*spki)};
}

}  // namespace

Result<PublicKey> load_public_key(std::string_view pem) {
  auto result = load(pem);
  ERR_clear_error();  // failed PEM reads leave entries on this thread's OpenSSL error queue
  return result;
}

}  // namespace hearth::auth

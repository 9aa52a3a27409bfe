#include "unit/auth/test_keys.hpp"

#include <array>
#include <stdexcept>
#include <vector>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/base64url.hpp"

namespace hearth::auth::test {
namespace {

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct X509Free {
  void operator()(X509* c) const noexcept { X509_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

template <class Write>
std::string to_pem(Write write) {
  const std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  check(bio && write(bio.get()) == 1, "PEM write failed");
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  return std::string(data, static_cast<std::size_t>(len));
}

// ECDSA signatures come out DER-encoded; JWS wants r and s as fixed-width big-endian integers.
std::string der_to_raw(const std::string& der, int width) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  check(sig != nullptr, "d2i_ECDSA_SIG failed");
  std::string raw(static_cast<std::size_t>(2 * width), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  check(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, width) == width, "r too large");
  check(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + width, width) == width, "s too large");
  return raw;
}

}  // namespace

TestKeyPair::TestKeyPair(EVP_PKEY* key) : key_(key, Free{}) { check(key != nullptr, "key generation failed"); }

TestKeyPair TestKeyPair::rsa(int bits) {
  return TestKeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
}

TestKeyPair TestKeyPair::ec_p256() { return TestKeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

TestKeyPair TestKeyPair::ec_p384() { return TestKeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")); }

std::string TestKeyPair::public_pem() const {
  return to_pem([&](BIO* b) { return PEM_write_bio_PUBKEY(b, key_.get()); });
}

std::string TestKeyPair::private_pem() const {
  return to_pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, key_.get(), nullptr, nullptr, 0, nullptr, nullptr); });
}

std::string TestKeyPair::self_signed_cert_pem() const {
  const std::unique_ptr<X509, X509Free> cert(X509_new());
  check(cert != nullptr, "X509_new failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("hearth-test"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), subject);
  check(X509_set_pubkey(cert.get(), key_.get()) == 1, "X509_set_pubkey failed");
  check(X509_sign(cert.get(), key_.get(), EVP_sha256()) > 0, "X509_sign failed");
  return to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
}

std::string TestKeyPair::sign(std::string_view data) const {
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  check(ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1, "sign init");
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t len = 0;
  check(EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) == 1, "sign size");
  std::string sig(len, '\0');
  check(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) == 1, "sign");
  sig.resize(len);
  if (EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_EC) return der_to_raw(sig, (EVP_PKEY_get_bits(key_.get()) + 7) / 8);
  return sig;
}

const TestKeyPair& shared_rsa_key() {
  static const TestKeyPair key = TestKeyPair::rsa();
  return key;
}

const TestKeyPair& shared_ec_key() {
  static const TestKeyPair key = TestKeyPair::ec_p256();
  return key;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  check(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &len) != nullptr,
        "HMAC failed");
  return std::string(reinterpret_cast<const char*>(mac.data()), len);
}

std::string signing_input(std::string_view header_json, std::string_view payload_json) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json);
}

std::string hs256_token(std::string_view secret, std::string_view payload_json, std::string_view header_json) {
  const std::string input = signing_input(header_json, payload_json);
  return input + "." + base64url_encode(hmac_sha256(secret, input));
}

std::string signed_token(const TestKeyPair& key, std::string_view alg, std::string_view payload_json) {
  const std::string input = signing_input(R"({"alg":")" + std::string(alg) + R"(","typ":"JWT"})", payload_json);
  return input + "." + base64url_encode(key.sign(input));
}

}  // namespace hearth::auth::test

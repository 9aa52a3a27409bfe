#include "webhooks/signature.hpp"

#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace hearth::webhooks {

namespace {

std::string to_hex(const unsigned char* data, unsigned int size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(std::size_t{size} * 2, '0');
  for (unsigned int i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4U];
    out[2 * i + 1] = digits[data[i] & 0x0FU];
  }
  return out;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return to_hex(mac, size);
}

std::string sign(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string message;
  message.reserve(t.size() + 1 + body.size());
  message.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + hmac_sha256_hex(secret, message);
}

}  // namespace hearth::webhooks

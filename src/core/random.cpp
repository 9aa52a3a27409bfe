#include "core/random.hpp"

#include <array>
#include <stdexcept>

#include <openssl/rand.h>

namespace hearth {
namespace {
void fill(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}
}  // namespace

std::string random_base36(std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(n);
  std::array<unsigned char, 64> buf{};
  while (out.size() < n) {
    fill(buf.data(), buf.size());
    for (unsigned char b : buf) {
      if (b >= 252) continue;  // rejection sampling: 252 = 7 * 36 keeps the digits uniform
      out.push_back(kDigits[b % 36]);
      if (out.size() == n) break;
    }
  }
  return out;
}

std::string random_hex(std::size_t n_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string raw(n_bytes, '\0');
  fill(reinterpret_cast<unsigned char*>(raw.data()), n_bytes);
  std::string out;
  out.reserve(2 * n_bytes);
  for (unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

}  // namespace hearth

#include "core/random.hpp"

#include <array>
#include <stdexcept>

#include <openssl/rand.h>

namespace hearth {
namespace {
void fill(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

// Ids are drawn on I/O threads for every call, socket and session: RAND_bytes costs about a microsecond per call
// whatever the size, so each thread takes the CSPRNG's output 512 bytes at a time and hands it out once each.
// (The process never forks, so no two processes can share a pool.)
class BytePool {
 public:
  unsigned char next() {
    if (used_ == pool_.size()) {
      fill(pool_.data(), pool_.size());
      used_ = 0;
    }
    const unsigned char b = pool_[used_];
    pool_[used_++] = 0;  // handed out once, not kept
    return b;
  }

 private:
  std::array<unsigned char, 512> pool_{};
  std::size_t used_ = pool_.size();
};
}  // namespace

std::string random_base36(std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  thread_local BytePool pool;
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    const unsigned char b = pool.next();
    if (b >= 252) continue;  // rejection sampling: 252 = 7 * 36 keeps the digits uniform
    out.push_back(kDigits[b % 36]);
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

#include "hearth_bench/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hearth::bench {

// v < 256: bucket v. Else, with msb the top bit (>= 8) and shift = msb - 7: the top 8 bits m = v >> shift lie in
// [128, 255], and the bucket is 256 + (shift - 1) * 128 + (m - 128).
std::size_t Histogram::index(std::uint64_t v) noexcept {
  if (v < 256) return static_cast<std::size_t>(v);
  const int msb = 63 - std::countl_zero(v);
  const int shift = msb - kSubBits;
  const auto m = static_cast<std::size_t>(v >> shift);
  return 256 + static_cast<std::size_t>(shift - 1) * 128 + (m - 128);
}

std::uint64_t Histogram::upper_bound(std::size_t i) noexcept {
  if (i < 256) return i;
  const std::size_t shift = (i - 256) / 128 + 1;
  const std::uint64_t m = (i - 256) % 128 + 128;
  return ((m + 1) << shift) - 1;
}

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

void Histogram::clear() noexcept {
  counts_.fill(0);
  count_ = 0;
  max_ = 0;
}

std::uint64_t Histogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_bound(i), max_);
  }
  return max_;
}

void Errors::add(const std::string& kind, const std::string& message) {
  ++total_;
  ++by_kind_[kind];
  if (samples_.size() < kMaxSamples) samples_.push_back(kind + ": " + message);
}

}  // namespace hearth::bench

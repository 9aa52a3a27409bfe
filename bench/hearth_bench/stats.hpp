#pragma once
// Latency histogram and error accounting.
// Histogram: log-linear buckets (exact below 256, then 128 per power of two: < 0.8 % relative error), fixed
// 58 KiB, O(1) record — cheap enough for every relayed message. Values are nanoseconds.
// Errors: every error is counted by kind, and the first few messages are kept to show; nothing is hidden.
// Thread safety: none; the load generator is single-threaded.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hearth::bench {

class Histogram {
 public:
  void record(std::uint64_t value) noexcept {
    ++counts_[index(value)];
    ++count_;
    if (value > max_) max_ = value;
  }
  void merge(const Histogram& other) noexcept;
  void clear() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }
  // The value at quantile q (0..1]: the upper bound of its bucket, capped at max(); 0 when empty.
  std::uint64_t quantile(double q) const noexcept;

 private:
  static constexpr int kSubBits = 7;
  static constexpr std::size_t kBuckets = 256 + 56 * 128;
  static std::size_t index(std::uint64_t v) noexcept;
  static std::uint64_t upper_bound(std::size_t index) noexcept;

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

class Errors {
 public:
  void add(const std::string& kind, const std::string& message);
  std::uint64_t total() const noexcept { return total_; }
  const std::map<std::string, std::uint64_t>& by_kind() const noexcept { return by_kind_; }
  const std::vector<std::string>& samples() const noexcept { return samples_; }

 private:
  static constexpr std::size_t kMaxSamples = 8;
  std::uint64_t total_ = 0;
  std::map<std::string, std::uint64_t> by_kind_;
  std::vector<std::string> samples_;
};

}  // namespace hearth::bench

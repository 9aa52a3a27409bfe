#pragma once
// A token bucket: `rate` tokens per millisecond, holding at most `capacity`, starting full. The one rule for every
// rate limit of the server (REST per user, failed authentications per address, Engine.IO handshakes per address,
// Socket.IO events per socket): a clock stepping backwards grants nothing, and the interval is not granted twice.
// Thread safety: none; the owner serialises access.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "core/clock.hpp"

namespace hearth {

class TokenBucket {
 public:
  TokenBucket(double capacity, TimePoint now) : tokens_(capacity), updated_(now) {}

  // Takes one token. nullopt if there was one; otherwise how long until there will be.
  std::optional<Millis> take(TimePoint now, double per_ms, double capacity) {
    refill(now, per_ms, capacity);
    // The refill is summed in floating point: allow for its rounding, so a token due exactly now is there.
    constexpr double kEpsilon = 1e-9;
    if (tokens_ + kEpsilon >= 1.0) {
      tokens_ = std::max(0.0, tokens_ - 1.0);
      return std::nullopt;
    }
    return Millis(static_cast<std::int64_t>(std::ceil((1.0 - tokens_) / per_ms)));
  }

  // True if the bucket would be full at `now`: forgetting it changes nothing.
  bool full_at(TimePoint now, double per_ms, double capacity) const {
    const auto elapsed = static_cast<double>((now - updated_).count());
    return tokens_ + std::max(0.0, elapsed) * per_ms >= capacity;
  }

 private:
  void refill(TimePoint now, double per_ms, double capacity) {
    const auto elapsed = static_cast<double>((now - updated_).count());
    if (elapsed > 0) {
      tokens_ = std::min(capacity, tokens_ + elapsed * per_ms);
      updated_ = now;
    }
  }

  double tokens_;
  TimePoint updated_;
};

}  // namespace hearth

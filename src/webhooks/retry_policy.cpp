#include "webhooks/retry_policy.hpp"

#include <algorithm>

namespace hearth::webhooks {

std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, int failed_attempts,
                                                     std::chrono::milliseconds age, double unit_random) noexcept {
  if (policy.max_attempts > 0 && failed_attempts >= policy.max_attempts) return std::nullopt;
  const auto cap = std::max(policy.max, policy.initial).count();
  long long base = std::max<long long>(policy.initial.count(), 1);
  for (int i = 1; i < failed_attempts && base < cap; ++i) base *= 2;  // no overflow: stops at the cap
  base = std::min<long long>(base, cap);
  const double jitter = std::clamp(unit_random, 0.0, 1.0);
  const auto delay =
      std::chrono::milliseconds(base / 2 + static_cast<long long>(static_cast<double>(base - base / 2) * jitter));
  if (age + delay > policy.give_up_after) return std::nullopt;
  return delay;
}

}  // namespace hearth::webhooks

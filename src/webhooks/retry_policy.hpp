#pragma once
// When to try a failed webhook delivery again, and when to give it up (docs/webhooks.md, "Retries").
// Exponential backoff with jitter: the n-th failed attempt waits a base of initial * 2^(n-1), capped at `max`, of
// which the second half is random ("equal jitter": from base/2 to base), so receivers coming back are not hit by
// every sender at once. A delivery is given up (dropped and counted) once its next attempt would fall later than
// `give_up_after` from when the event was written, or after `max_attempts` failed attempts (0: no such limit).
// Thread safety: pure functions over values.
#include <chrono>
#include <optional>

namespace hearth::webhooks {

struct RetryPolicy {
  std::chrono::milliseconds initial{1'000};
  std::chrono::milliseconds max{300'000};  // 5 min
  std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
  int max_attempts = 0;
};

// The wait before the next attempt after `failed_attempts` (>= 1) failures of a delivery written `age` ago, or
// nullopt when it is to be given up. `unit_random` in [0, 1) picks the jitter.
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, int failed_attempts,
                                                     std::chrono::milliseconds age, double unit_random) noexcept;

}  // namespace hearth::webhooks

#include "metrics/usage_counters.hpp"

#include <chrono>
#include <string>

namespace hearth::metrics {

void UsageCounters::rest_answered(int http_status) noexcept {
  rest_requests_.fetch_add(1, std::memory_order_relaxed);
  if (http_status >= 400 && http_status < kStatuses)
    rest_errors_[static_cast<std::size_t>(http_status)].fetch_add(1, std::memory_order_relaxed);
}

void UsageCounters::signaling_event() noexcept { signaling_events_.fetch_add(1, std::memory_order_relaxed); }

void UsageCounters::signaling_error(errc code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  if (i < kCodes) signaling_errors_[i].fetch_add(1, std::memory_order_relaxed);
}

UsageCounts UsageCounters::take(TimePoint now, CodeName signaling_code) {
  UsageCounts out;
  out.hour = std::chrono::floor<std::chrono::hours>(now);
  out.rest_requests = rest_requests_.exchange(0, std::memory_order_relaxed);
  out.signaling_events = signaling_events_.exchange(0, std::memory_order_relaxed);
  for (int s = 400; s < kStatuses; ++s)
    if (const auto n = rest_errors_[static_cast<std::size_t>(s)].exchange(0, std::memory_order_relaxed))
      out.rest_errors[std::to_string(s)] = n;
  for (int c = 0; c < kCodes; ++c)
    if (const auto n = signaling_errors_[static_cast<std::size_t>(c)].exchange(0, std::memory_order_relaxed))
      out.signaling_errors[std::string(signaling_code(static_cast<errc>(c)))] += n;
  return out;
}

}  // namespace hearth::metrics

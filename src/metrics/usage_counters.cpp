#include "metrics/usage_counters.hpp"

#include <chrono>
#include <string>

namespace hearth::metrics {

UsageCounters::Lane& UsageCounters::lane(std::array<Lane, kLanes>& lanes) noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kLanes;
  return lanes[mine];
}

void UsageCounters::rest_answered(int http_status) noexcept {
  lane(lanes_).rest_requests.fetch_add(1, std::memory_order_relaxed);
  if (http_status >= 400 && http_status < kStatuses)
    rest_errors_[static_cast<std::size_t>(http_status)].fetch_add(1, std::memory_order_relaxed);
}

void UsageCounters::signaling_event() noexcept {
  lane(lanes_).signaling_events.fetch_add(1, std::memory_order_relaxed);
}

void UsageCounters::signaling_error(errc code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  if (i < kCodes) signaling_errors_[i].fetch_add(1, std::memory_order_relaxed);
}

UsageCounts UsageCounters::take(TimePoint now, CodeName signaling_code) {
  UsageCounts out;
  out.hour = std::chrono::floor<std::chrono::hours>(now);
  for (auto& l : lanes_) {
    out.rest_requests += l.rest_requests.exchange(0, std::memory_order_relaxed);
    out.signaling_events += l.signaling_events.exchange(0, std::memory_order_relaxed);
  }
  for (int s = 400; s < kStatuses; ++s)
    if (const auto n = rest_errors_[static_cast<std::size_t>(s)].exchange(0, std::memory_order_relaxed))
      out.rest_errors[std::to_string(s)] = n;
  for (int c = 0; c < kCodes; ++c)
    if (const auto n = signaling_errors_[static_cast<std::size_t>(c)].exchange(0, std::memory_order_relaxed))
      out.signaling_errors[std::string(signaling_code(static_cast<errc>(c)))] += n;
  return out;
}

}  // namespace hearth::metrics

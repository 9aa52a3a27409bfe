#pragma once
// Requests, events and errors counted as they happen (REST answers, Socket.IO events and call_error codes), taken
// every few seconds by the app and added to the store's hourly usage table (usage analytics' error rates).
// Counting is a relaxed atomic increment on a fixed slot: no lock, no allocation on the hot path. The two counts made
// per event and per request live in per-thread cache lines, so I/O threads do not bounce one line between them.
// Thread safety: every member may be called from any thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/errors.hpp"

namespace hearth::metrics {

// Counts of one interval, attributed to the hour (UTC) that `hour` starts.
struct UsageCounts {
  TimePoint hour{};
  std::int64_t rest_requests = 0;                        // REST requests answered
  std::int64_t signaling_events = 0;                     // Socket.IO events handled
  std::map<std::string, std::int64_t> rest_errors;       // by HTTP status ("400", "429", ...)
  std::map<std::string, std::int64_t> signaling_errors;  // by call_error code ("forbidden", ...)
  bool empty() const {
    return rest_requests == 0 && signaling_events == 0 && rest_errors.empty() && signaling_errors.empty();
  }
};

class UsageCounters {
 public:
  void rest_answered(int http_status) noexcept;  // every REST answer; >= 400 also counts as an error
  void signaling_event() noexcept;               // every Socket.IO event a client sent
  void signaling_error(errc code) noexcept;      // every call_error sent

  // Everything counted since the last take, attributed to the hour `now` is in; the counters restart at zero.
  // `signaling_code` names an errc as call_error does (signaling/errors.hpp), which this layer cannot see.
  using CodeName = std::string_view (*)(errc) noexcept;
  UsageCounts take(TimePoint now, CodeName signaling_code);

 private:
  static constexpr int kStatuses = 600;
  static constexpr int kCodes = 16;
  static constexpr std::size_t kLanes = 8;  // threads share a lane beyond this; still correct, just contended
  struct alignas(64) Lane {
    std::atomic<std::int64_t> rest_requests{0};
    std::atomic<std::int64_t> signaling_events{0};
  };
  static Lane& lane(std::array<Lane, kLanes>& lanes) noexcept;
  std::array<Lane, kLanes> lanes_{};
  std::array<std::atomic<std::int64_t>, kStatuses> rest_errors_{};
  std::array<std::atomic<std::int64_t>, kCodes> signaling_errors_{};
};

}  // namespace hearth::metrics

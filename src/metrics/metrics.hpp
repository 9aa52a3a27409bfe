#pragma once
// The counters, gauges and histograms of GET /metrics (names and label values: metrics/names.hpp), counted without
// a lock or a shared atomic read-modify-write: every thread that counts gets its own lane (a block of slots, found
// through a thread_local pointer), writes only its own lane with plain relaxed stores, and a scrape sums the lanes.
// Gauges kept here (connections, rooms, participants) are sums of per-lane deltas, so a +1 on one thread and its -1
// on another still add up. A lane lives as long as the Metrics object (the server's threads are fixed).
// Thread safety: every member may be called from any thread; snapshot() may run concurrently with counting (each
// value it reads is one that was counted; counters never go down between two snapshots).
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "metrics/names.hpp"

namespace hearth::metrics {

// Histograms and their series (a label value each); bounds in names.hpp.
enum class Histogram { http, setup, relay, batch_size, commit, mos };
inline constexpr std::size_t kHttpSeries = kRoutes.size();
inline constexpr std::size_t kHistogramSeries = kHttpSeries + 5;
std::span<const double> bounds_of(Histogram h) noexcept;
std::size_t series_of(Histogram h, std::size_t label) noexcept;  // index into the series arrays

// Everything summed over the lanes at one moment.
struct Snapshot {
  struct HistogramValues {
    std::array<std::uint64_t, kMaxBuckets + 1> buckets{};  // per bucket, not cumulative; the last one is +Inf
    double sum = 0;
  };
  std::array<std::uint64_t, kCallTypes.size()> calls_initiated{};
  std::array<std::array<std::uint64_t, kEndReasons.size()>, kCallTypes.size()> calls_ended{};
  std::array<std::uint64_t, kSignalingEvents.size()> signaling_events{};
  std::array<std::uint64_t, kRelayKinds.size()> relays{};
  std::array<std::uint64_t, kErrorStatuses> rest_errors{};    // [status - 400]
  std::array<std::uint64_t, kErrorCodes> signaling_errors{};  // [errc]
  std::array<std::uint64_t, kRateLimits.size()> rate_limited{};
  std::array<std::uint64_t, kAuthTransports.size()> auth_failures{};
  std::array<std::uint64_t, kSetupOutcomes.size()> call_setups{};
  std::array<std::uint64_t, kCandidateTypes.size()> quality_links{};
  std::array<std::uint64_t, 1> socket_moves{};
  std::array<std::int64_t, kTransports.size()> connected_sockets{};
  std::array<std::int64_t, kCallTypes.size()> calls_active{};
  std::int64_t participants_active = 0;
  std::array<HistogramValues, kHistogramSeries> histograms{};
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Indexes are those of the label arrays in names.hpp; out of range ones are ignored.
  void call_initiated(std::size_t type) noexcept { bump(lane().calls_initiated, type); }
  void call_ended(std::size_t type, std::size_t reason) noexcept {
    if (type < kCallTypes.size()) bump(lane().calls_ended[type], reason);
  }
  void signaling_event(std::size_t event) noexcept { bump(lane().signaling_events, event); }
  void relayed(RelayKind kind) noexcept { bump(lane().relays, static_cast<std::size_t>(kind)); }
  void rest_error(int status) noexcept {
    bump(lane().rest_errors, static_cast<std::size_t>(status - kFirstErrorStatus));
  }
  void signaling_error(errc code) noexcept { bump(lane().signaling_errors, static_cast<std::size_t>(code)); }
  void rate_limited(RateLimit limit) noexcept { bump(lane().rate_limited, static_cast<std::size_t>(limit)); }
  void auth_failed(AuthTransport t) noexcept { bump(lane().auth_failures, static_cast<std::size_t>(t)); }
  void call_setup(SetupOutcome o) noexcept { bump(lane().call_setups, static_cast<std::size_t>(o)); }
  void quality_link(std::size_t candidate) noexcept {
    bump(lane().quality_links, std::min(candidate, kCandidateTypes.size() - 1));
  }

  void socket_moved() noexcept { bump(lane().socket_moves, 0); }
  void sockets_changed(Transport t, std::int64_t delta) noexcept {
    add(lane().connected_sockets, static_cast<std::size_t>(t), delta);
  }
  void calls_active_changed(std::size_t type, std::int64_t delta) noexcept { add(lane().calls_active, type, delta); }
  void participants_changed(std::int64_t delta) noexcept { add(lane().participants, 0, delta); }

  void observe(Histogram h, std::size_t label, double value) noexcept;
  void observe(Histogram h, double value) noexcept { observe(h, 0, value); }

  // True for one call in kRelaySampleEvery per thread: the relays whose time is measured.
  bool sample_relay() noexcept {
    auto& n = lane().relay_samples;
    const auto v = n.load(std::memory_order_relaxed);
    n.store(v + 1, std::memory_order_relaxed);
    return (v & (kRelaySampleEvery - 1)) == 0;
  }

  Snapshot snapshot() const;

 private:
  using Cell = std::atomic<std::uint64_t>;
  using GaugeCell = std::atomic<std::int64_t>;
  struct HistogramCells {
    std::array<Cell, kMaxBuckets + 1> buckets{};
    std::atomic<double> sum{0};
  };
  struct Lane {
    std::thread::id owner;
    std::array<Cell, kCallTypes.size()> calls_initiated{};
    std::array<std::array<Cell, kEndReasons.size()>, kCallTypes.size()> calls_ended{};
    std::array<Cell, kSignalingEvents.size()> signaling_events{};
    std::array<Cell, kRelayKinds.size()> relays{};
    std::array<Cell, kErrorStatuses> rest_errors{};
    std::array<Cell, kErrorCodes> signaling_errors{};
    std::array<Cell, kRateLimits.size()> rate_limited{};
    std::array<Cell, kAuthTransports.size()> auth_failures{};
    std::array<Cell, kSetupOutcomes.size()> call_setups{};
    std::array<Cell, kCandidateTypes.size()> quality_links{};
    std::array<Cell, 1> socket_moves{};
    std::array<GaugeCell, kTransports.size()> connected_sockets{};
    std::array<GaugeCell, kCallTypes.size()> calls_active{};
    std::array<GaugeCell, 1> participants{};
    std::array<HistogramCells, kHistogramSeries> histograms{};
    Cell relay_samples{0};
  };
  // Which lane this thread uses for which Metrics (trivial, so the thread_local needs no guard).
  struct LaneRef {
    std::uint64_t owner_id;
    Lane* lane;
  };

  // Only the lane's thread writes it: a load and a store, no locked instruction.
  template <std::size_t N>
  static void bump(std::array<Cell, N>& cells, std::size_t i) noexcept {
    if (i >= N) return;
    cells[i].store(cells[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  template <std::size_t N>
  static void add(std::array<GaugeCell, N>& cells, std::size_t i, std::int64_t delta) noexcept {
    if (i >= N) return;
    cells[i].store(cells[i].load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  Lane& lane() noexcept {
    thread_local LaneRef ref{0, nullptr};
    if (ref.owner_id == id_) [[likely]]
      return *ref.lane;
    return attach(ref);
  }
  Lane& attach(LaneRef& ref) noexcept;

  const std::uint64_t id_;  // unique per Metrics object: a thread's cached lane never belongs to another one
  mutable std::mutex lanes_mutex_;
  std::vector<std::unique_ptr<Lane>> lanes_;
};

// Seconds since `start`, for observe().
inline double seconds_since(std::chrono::steady_clock::time_point start) noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace hearth::metrics

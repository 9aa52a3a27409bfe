#include "metrics/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::metrics {

namespace {

std::atomic<std::uint64_t> next_metrics_id{1};

template <std::size_t N, class Cells>
void add_into(std::array<std::uint64_t, N>& out, const Cells& cells) {
  for (std::size_t i = 0; i < N; ++i) out[i] += cells[i].load(std::memory_order_relaxed);
}
template <std::size_t N, class Cells>
void add_into(std::array<std::int64_t, N>& out, const Cells& cells) {
  for (std::size_t i = 0; i < N; ++i) out[i] += cells[i].load(std::memory_order_relaxed);
}

}  // namespace

std::span<const double> bounds_of(Histogram h) noexcept {
  switch (h) {
    case Histogram::http:
      return kHttpBuckets;
    case Histogram::setup:
      return kSetupBuckets;
    case Histogram::relay:
      return kRelayBuckets;
    case Histogram::batch_size:
      return kBatchBuckets;
    case Histogram::commit:
      return kCommitBuckets;
    case Histogram::mos:
      return kMosBuckets;
  }
  return {};
}

std::size_t series_of(Histogram h, std::size_t label) noexcept {
  if (h == Histogram::http) return std::min(label, kHttpSeries - 1);
  return kHttpSeries + static_cast<std::size_t>(h) - 1;
}

Metrics::Metrics() : id_(next_metrics_id.fetch_add(1, std::memory_order_relaxed)) {}
Metrics::~Metrics() = default;

Metrics::Lane& Metrics::attach(LaneRef& ref) noexcept {
  const auto me = std::this_thread::get_id();
  std::lock_guard lock(lanes_mutex_);
  auto it = std::find_if(lanes_.begin(), lanes_.end(), [&](const auto& l) { return l->owner == me; });
  if (it == lanes_.end()) {
    lanes_.push_back(std::make_unique<Lane>());
    lanes_.back()->owner = me;
    it = lanes_.end() - 1;
  }
  ref = LaneRef{id_, it->get()};
  return **it;
}

void Metrics::observe(Histogram h, std::size_t label, double value) noexcept {
  if (std::isnan(value)) return;
  const auto bounds = bounds_of(h);
  // The first bucket whose bound is >= value (le semantics); past the last bound: the +Inf bucket.
  const auto b = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
  auto& cells = lane().histograms[series_of(h, label)];
  const auto slot = b < bounds.size() ? b : kMaxBuckets;
  cells.buckets[slot].store(cells.buckets[slot].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  cells.sum.store(cells.sum.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
}

Snapshot Metrics::snapshot() const {
  Snapshot s;
  std::lock_guard lock(lanes_mutex_);  // only against a lane being added; the counting goes on meanwhile
  for (const auto& l : lanes_) {
    add_into(s.calls_initiated, l->calls_initiated);
    for (std::size_t t = 0; t < kCallTypes.size(); ++t) add_into(s.calls_ended[t], l->calls_ended[t]);
    add_into(s.signaling_events, l->signaling_events);
    add_into(s.relays, l->relays);
    add_into(s.rest_errors, l->rest_errors);
    add_into(s.signaling_errors, l->signaling_errors);
    add_into(s.rate_limited, l->rate_limited);
    add_into(s.auth_failures, l->auth_failures);
    add_into(s.call_setups, l->call_setups);
    add_into(s.quality_links, l->quality_links);
    add_into(s.socket_moves, l->socket_moves);
    add_into(s.connected_sockets, l->connected_sockets);
    add_into(s.calls_active, l->calls_active);
    s.participants_active += l->participants[0].load(std::memory_order_relaxed);
    for (std::size_t h = 0; h < kHistogramSeries; ++h) {
      add_into(s.histograms[h].buckets, l->histograms[h].buckets);
      s.histograms[h].sum += l->histograms[h].sum.load(std::memory_order_relaxed);
    }
  }
  return s;
}

}  // namespace hearth::metrics

#pragma once
// The webhook outbox (docs/webhooks.md): the events of committed changes (calls/call_events_diff.hpp), written by
// the repository in the same transaction as the change they report, one delivery row per configured webhook URL
// ("target"); the dispatcher (webhooks/dispatcher.hpp) reads and removes them through the Store.
// A delivery stream is one (target, session): its rows go out in row order, one at a time.
// Thread safety: the value types are plain values; OutboxSignal may be used from any thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_events_diff.hpp"
#include "core/clock.hpp"

namespace hearth::store {

// Tells the dispatcher that a commit wrote outbox rows (called on the store thread right after COMMIT).
class OutboxSignal {
 public:
  void set(std::function<void()> fn) {
    const std::lock_guard lock(mutex_);
    fn_ = std::move(fn);
  }
  void notify() const {
    std::function<void()> fn;
    {
      const std::lock_guard lock(mutex_);
      fn = fn_;
    }
    if (fn) fn();
  }

 private:
  mutable std::mutex mutex_;
  std::function<void()> fn_;
};

// What a repository needs to keep an outbox. No targets: webhooks are off and nothing is written.
struct OutboxOptions {
  std::vector<std::string> targets;      // webhook URLs, in configuration order
  std::shared_ptr<OutboxSignal> signal;  // may be null
  // PostgreSQL: how far due_deliveries() pushes the next attempt of the deliveries it claims, so no other node
  // posts them meanwhile; retry_delivery() or remove_delivery() then set the real state. It must outlast one
  // attempt (the app sets twice the webhook timeout); a node that dies holding a claim delays those deliveries
  // this long. SQLite (one node) ignores it.
  std::chrono::milliseconds claim_lease{20'000};
  bool enabled() const noexcept { return !targets.empty(); }
};

// One delivery of one event to one target.
struct OutboxDelivery {
  std::int64_t id = 0;  // row id; increases with every event written, so it orders a stream
  std::string target;
  std::string session_id;
  std::string event_id;
  std::int64_t sequence = 0;
  std::string body;  // the JSON document POSTed
  int attempts = 0;  // failed attempts so far
  TimePoint created_at{};
  TimePoint next_attempt_at{};
  friend bool operator==(const OutboxDelivery&, const OutboxDelivery&) = default;
};

struct DueDeliveries {
  std::vector<OutboxDelivery> due;   // the oldest delivery of each stream whose next attempt is due
  std::optional<TimePoint> next_at;  // the earliest next attempt of a stream head not due yet
  std::int64_t pending = 0;          // deliveries in the outbox
};

// "evt_" and 24 random base-36 characters.
std::string new_event_id();

// The webhook body {id, type, sessionId, sequence, timestamp, data} of `event` (docs/webhooks.md lists each data).
std::string event_body(const calls::CallEvent& event, std::string_view event_id, std::string_view session_id,
                       std::int64_t sequence);

}  // namespace hearth::store

#pragma once
// What the webhook dispatcher counts, for GET /metrics (hearth_webhook_deliveries_total{outcome=...} and the
// outbox gauge). Written by the dispatcher, read on scrape; relaxed atomics, off every hot path.
// Thread safety: any thread.
#include <atomic>
#include <cstdint>

namespace hearth::webhooks {

struct WebhookStats {
  std::atomic<std::uint64_t> delivered{0};  // a receiver answered 2xx
  std::atomic<std::uint64_t> failed{0};     // one attempt failed (non-2xx, refused, timed out); it will be retried
  std::atomic<std::uint64_t> dropped{0};    // the retry budget ran out; the event is given up
  std::atomic<std::int64_t> pending{0};     // deliveries waiting in the outbox (last known)
};

}  // namespace hearth::webhooks

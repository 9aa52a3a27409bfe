#pragma once
// Every metric of GET /metrics in one place: its name, type, help text, labels and the fixed sets of label values
// (docs/operations.md lists the same). Names follow Prometheus' rules: the hearth_ prefix, base units (_seconds),
// _total on counters. Label values are fixed at compile time, so a metric is a slot in a per-thread array
// (metrics/metrics.hpp) and a scrape can never grow without bound.
// Thread safety: constants only.
#include <array>
#include <cstddef>
#include <string_view>

namespace hearth::metrics {

struct MetricInfo {
  std::string_view name;
  std::string_view type;  // counter, gauge or histogram
  std::string_view help;
};

// --- label values (the index is what the instrumented code passes) ---------------------------------------------------

// calls::SessionType and calls::EndReason, in their enum order (checked by tests/unit/metrics/names_test).
inline constexpr std::array<std::string_view, 3> kCallTypes = {"one-to-one", "group", "therapy"};
inline constexpr std::array<std::string_view, 6> kEndReasons = {"none",    "ended_by_user", "missed",
                                                                "timeout", "all_left",      "declined"};
// Client events of the signaling namespace; anything else counts as "unknown".
inline constexpr std::array<std::string_view, 18> kSignalingEvents = {
    "webrtc_ice_candidate", "webrtc_offer",         "webrtc_answer", "join_call_session",   "leave_call_session",
    "media_state_changed",  "decline_call",         "authenticate",  "call_quality_report", "get_ice_servers",
    "admit_participant",    "deny_participant",     "moderate",      "chat_message",        "open_breakout_rooms",
    "join_breakout_room",   "close_breakout_rooms", "unknown"};
inline constexpr std::size_t kUnknownEvent = kSignalingEvents.size() - 1;

enum class RelayKind { offer, answer, ice_candidate };
inline constexpr std::array<std::string_view, 3> kRelayKinds = {"offer", "answer", "ice_candidate"};

enum class RateLimit { rest_requests, auth_failures, socket_events, quality_reports, sockets_per_user, handshakes };
inline constexpr std::array<std::string_view, 6> kRateLimits = {
    "rest_requests", "auth_failures", "socket_events", "quality_reports", "sockets_per_user", "engineio_handshakes"};

enum class AuthTransport { rest, socketio };
inline constexpr std::array<std::string_view, 2> kAuthTransports = {"rest", "socketio"};

enum class SetupOutcome { established, failed };
inline constexpr std::array<std::string_view, 2> kSetupOutcomes = {"established", "failed"};

enum class Transport { polling, websocket };
inline constexpr std::array<std::string_view, 2> kTransports = {"polling", "websocket"};

// calls::CandidateType in its enum order, then "unknown" (a report that did not say).
inline constexpr std::array<std::string_view, 5> kCandidateTypes = {"host", "srflx", "prflx", "relay", "unknown"};

enum class WebhookOutcome { delivered, failed, dropped };
inline constexpr std::array<std::string_view, 3> kWebhookOutcomes = {"delivered", "failed", "dropped"};

// REST routes, by their pattern (each pattern has one method); "unmatched": unknown paths, wrong methods.
inline constexpr std::array<std::string_view, 10> kRoutes = {"/api/video-call/initiate",
                                                             "/api/video-call/join/:sessionId",
                                                             "/api/video-call/session/:sessionId",
                                                             "/api/video-call/session/:sessionId/media",
                                                             "/api/video-call/session/:sessionId/end",
                                                             "/api/video-call/history",
                                                             "/api/video-call/session/:sessionId/quality",
                                                             "/api/video-call/analytics",
                                                             "/api/video-call/ice-servers",
                                                             "unmatched"};
// The index of a route pattern in kRoutes; "unmatched" for anything else.
constexpr std::size_t route_index(std::string_view pattern) noexcept {
  for (std::size_t i = 0; i + 1 < kRoutes.size(); ++i)
    if (kRoutes[i] == pattern) return i;
  return kRoutes.size() - 1;
}
// The index of a client event name in kSignalingEvents; kUnknownEvent for anything else.
constexpr std::size_t event_index(std::string_view event) noexcept {
  for (std::size_t i = 0; i < kUnknownEvent; ++i)
    if (kSignalingEvents[i] == event) return i;
  return kUnknownEvent;
}

// REST error answers are counted by HTTP status (400-599), call_error codes by the project's errc.
inline constexpr int kFirstErrorStatus = 400;
inline constexpr std::size_t kErrorStatuses = 200;
inline constexpr std::size_t kErrorCodes = 16;  // errc values are below this

// --- counters --------------------------------------------------------------------------------------------------------

inline constexpr MetricInfo kCallsInitiated{"hearth_calls_initiated_total", "counter", "Calls initiated, by type."};
inline constexpr MetricInfo kCallsEnded{"hearth_calls_ended_total", "counter", "Calls ended, by type and end reason."};
inline constexpr MetricInfo kSignalingEventsTotal{"hearth_signaling_events_total", "counter",
                                                  "Socket.IO events received from clients, by event name."};
inline constexpr MetricInfo kRelays{"hearth_relays_total", "counter",
                                    "Offers, answers and ICE candidates delivered to their target socket."};
inline constexpr MetricInfo kErrors{
    "hearth_errors_total", "counter",
    "Error answers: REST by HTTP status (source=\"rest\"), call_error events by code (source=\"signaling\")."};
inline constexpr MetricInfo kRateLimited{"hearth_rate_limited_total", "counter",
                                         "Requests, events and connections refused by a rate or count limit."};
inline constexpr MetricInfo kAuthFailures{"hearth_auth_failures_total", "counter",
                                          "Failed authentications (missing, bad or expired token), by transport."};
inline constexpr MetricInfo kCallSetups{
    "hearth_call_setups_total", "counter",
    "Participants' connection set-ups: established (an answer relayed) or failed (left a call with others in it "
    "before any answer)."};
inline constexpr MetricInfo kSocketMoves{
    "hearth_socket_moves_total", "counter",
    "WebSocket sessions moved to the shard of the call they joined, so that its relays stay on one shard."};
inline constexpr MetricInfo kQualityLinks{
    "hearth_quality_links_total", "counter",
    "Links scored from participants' quality reports, by the type of the reporter's selected local candidate "
    "(relay: through TURN)."};
inline constexpr MetricInfo kWebhookDeliveries{
    "hearth_webhook_deliveries_total", "counter",
    "Webhook delivery attempts: delivered (2xx), failed (will be retried), dropped (retry budget spent)."};

// --- gauges ----------------------------------------------------------------------------------------------------------

inline constexpr MetricInfo kConnectedSockets{"hearth_connected_sockets", "gauge",
                                              "Open client connections (Engine.IO sessions), by current transport."};
inline constexpr MetricInfo kEngineioSessions{"hearth_engineio_sessions", "gauge",
                                              "Engine.IO sessions in the session registry (any state)."};
inline constexpr MetricInfo kAuthenticatedUsers{"hearth_authenticated_users", "gauge",
                                                "Distinct users with at least one authenticated socket."};
inline constexpr MetricInfo kCallsActive{
    "hearth_calls_active", "gauge", "Calls with a live room on this node (a participant joined, not ended), by type."};
inline constexpr MetricInfo kParticipantsActive{
    "hearth_participants_active", "gauge",
    "Participants in the live rooms of this node (connected or within the reconnect grace)."};
inline constexpr MetricInfo kStoreQueueDepth{"hearth_store_queue_depth", "gauge",
                                             "Store operations queued and not yet taken into a batch."};
inline constexpr MetricInfo kStoreQueueCapacity{"hearth_store_queue_capacity", "gauge",
                                                "Store operations that may be queued before new ones are refused."};
inline constexpr MetricInfo kShards{"hearth_shards", "gauge",
                                    "Shards: I/O threads, each with its own event loop, connections and calls."};
inline constexpr MetricInfo kShardHandoffs{
    "hearth_shard_handoffs_total", "counter",
    "Tasks a shard handed to other shards (relays, answers, announcements to their sockets and calls)."};
inline constexpr MetricInfo kShardHandoffBatches{
    "hearth_shard_handoff_batches_total", "counter",
    "Batches those tasks went in: one per event-loop turn and destination shard."};
inline constexpr MetricInfo kShardWakeups{"hearth_shard_wakeups_total", "counter",
                                          "Batches that found their destination's inbox empty and woke it."};
inline constexpr MetricInfo kWebhookOutboxPending{"hearth_webhook_outbox_pending", "gauge",
                                                  "Webhook events waiting in the outbox (last known)."};

// --- histograms (bucket upper bounds; +Inf is added) -----------------------------------------------------------------

inline constexpr MetricInfo kHttpDuration{"hearth_http_request_duration_seconds", "histogram",
                                          "REST answer time, from the request read to the answer handed over."};
inline constexpr std::array<double, 13> kHttpBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,    0.25,  0.5,    1,     2.5,  5};
inline constexpr MetricInfo kCallSetupDuration{
    "hearth_call_setup_duration_seconds", "histogram",
    "Connection set-up: from the later of two participants' joins to the first answer relayed between them."};
inline constexpr std::array<double, 11> kSetupBuckets = {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60};
inline constexpr MetricInfo kRelayDuration{
    "hearth_relay_duration_seconds", "histogram",
    "Time of a relay inside the server, from its handler to the target's send buffer (one relay in 16 per thread "
    "is timed)."};
inline constexpr std::array<double, 12> kRelayBuckets = {0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
                                                         0.0005,   0.001,   0.0025,   0.005,   0.01,   0.025};
inline constexpr std::size_t kRelaySampleEvery = 16;  // a power of two
inline constexpr MetricInfo kStoreBatchSize{"hearth_store_batch_size", "histogram",
                                            "Operations per store transaction (group commit)."};
inline constexpr std::array<double, 9> kBatchBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256};
inline constexpr MetricInfo kStoreCommitDuration{"hearth_store_commit_duration_seconds", "histogram",
                                                 "Time of a store transaction's commit (its fsync)."};
inline constexpr std::array<double, 12> kCommitBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1,    2.5};
inline constexpr MetricInfo kQualityMos{
    "hearth_call_quality_mos", "histogram",
    "Participants' quality scores (MOS, 1 to 4.5) as computed on each of their quality reports; the bounds 3.1, "
    "3.6 and 4 separate the levels poor, fair, good and excellent."};
inline constexpr std::array<double, 8> kMosBuckets = {1.5, 2, 2.5, 3, 3.1, 3.6, 4, 4.5};

inline constexpr std::size_t kMaxBuckets = 13;  // the most bounds of any histogram above

}  // namespace hearth::metrics

#pragma once
// Inside SignalingService (service.cpp, cross_node.cpp): one client event being handled, how a refusal is sent, and
// how a server event is encoded once for many sockets. Not for other users.
// Thread safety: a Context is used by one thread at a time (copied into continuations).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/errors.hpp"
#include "metrics/metrics.hpp"
#include "metrics/usage_counters.hpp"
#include "realtime/socketio/data.hpp"
#include "signaling/errors.hpp"
#include "signaling/payloads.hpp"
#include "signaling/service.hpp"

namespace hearth::signaling {

// The Engine.IO packet of a server event with one JSON argument, shared by every socket it is sent to.
inline std::shared_ptr<const std::string> packet(std::string_view event, const boost::json::value& payload) {
  const std::string arg = boost::json::serialize(payload);
  std::string out = "4";
  const std::string_view args[] = {arg};
  realtime::socketio::append_event(out, "/", event, args);
  return std::make_shared<const std::string>(std::move(out));
}

// The literal spelling of a known client event, so a Context can outlive the packet it came in; an unknown event
// keeps the packet's own text, which is only used before on_event returns (it is refused at once).
inline std::string_view canonical_event(std::string_view name) {
  static constexpr std::string_view kKnown[] = {
      "webrtc_ice_candidate", "webrtc_offer",        "webrtc_answer", "join_call_session",   "leave_call_session",
      "media_state_changed",  "decline_call",        "authenticate",  "call_quality_report", "get_ice_servers",
      "admit_participant",    "deny_participant",    "moderate",      "chat_message",        "open_breakout_rooms",
      "join_breakout_room",   "close_breakout_rooms"};
  for (const auto known : kKnown)
    if (known == name) return known;
  return name;
}

// A refused client event: call_error {event, message, code}, and the failure ack when one was asked for.
inline void send_failure(const realtime::socketio::Socket& socket, std::string_view event,
                         std::optional<std::uint64_t> ack_id, const Error& e, metrics::UsageCounters* usage,
                         metrics::Metrics* metrics = nullptr) {
  if (usage) usage->signaling_error(e.code);
  if (metrics) metrics->signaling_error(e.code);
  socket.emit("call_error", {call_error_json(event, e)});
  if (ack_id) socket.ack(*ack_id, {failure_ack_json(e)});
}

// One client event being handled. Copied into asynchronous continuations (payload is only valid before).
struct SignalingService::Context {
  using SocketPtr = std::shared_ptr<realtime::socketio::Socket>;
  SocketPtr socket;
  std::shared_ptr<Peer> peer;
  std::string_view event;  // a literal for known events (see canonical_event), so detached copies stay valid
  std::optional<std::uint64_t> ack_id;
  std::string_view payload;                          // raw JSON of the first argument; valid only during on_event
  std::shared_ptr<const auth::Principal> principal;  // set for authenticated events (shared: no copy per event)
  metrics::UsageCounters* usage = nullptr;           // where refusals are counted; may be null
  metrics::Metrics* metrics = nullptr;               // the same, for GET /metrics; may be null

  const auth::Principal& who() const { return *principal; }

  void fail(const Error& e) const { send_failure(*socket, event, ack_id, e, usage, metrics); }
  void succeed(std::string_view message, std::string_view data_json = {}) const {
    if (ack_id) socket->ack(*ack_id, {success_ack_json(message, data_json)});
  }
  Context detached() const {
    Context c = *this;
    c.payload = {};
    return c;
  }
};

}  // namespace hearth::signaling

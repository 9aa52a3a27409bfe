#pragma once
// A Socket.IO v5 client over Engine.IO v4 on the lean WebSocket, for the main namespace only, as much as the
// load generator needs: CONNECT with {"token"} auth, events in both directions, acknowledgements for the events
// it asks them of, and the heartbeat (answers every Engine.IO ping "2" with "3").
// Events arrive as the raw packet text ("42[...]") so scenarios can read only what they need from it.
// Ownership: shared_ptr (see WsClient); the callbacks object is owned by the scenario and outlives the loop run.
// Thread safety: single-threaded (the Loop's).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hearth_bench/json_scan.hpp"
#include "hearth_bench/ws_client.hpp"

namespace hearth::bench {

class SioClient;

struct SioCallbacks {
  std::function<void(SioClient&)> on_connected;  // the CONNECT answer arrived; sid() is known
  std::function<void(SioClient&, std::string_view name, std::string_view packet)> on_event;
  std::function<void(SioClient&, std::string_view why)> on_closed;  // refused, closed by either side, or failed
};

class SioClient final : public WsClient {
 public:
  SioClient(Loop& loop, std::string token, const SioCallbacks& callbacks, std::uint32_t tag = 0);

  // `call`: named in the handshake (?callId=), which places the socket on the call's shard.
  void start(const Endpoint& endpoint, std::string_view call = {});
  // A ready Socket.IO packet, e.g. 2["name",{...}] (the Engine.IO "4" is added).
  void emit_packet(std::string_view packet);
  // 42<id>["name",<json>]; on_ack receives the ack's data array text ("[...]").
  void emit_with_ack(std::string_view name, std::string_view json, std::function<void(std::string_view)> on_ack);

  const std::string& sid() const noexcept { return sid_; }
  bool connected() const noexcept { return connected_; }
  std::uint32_t tag() const noexcept { return tag_; }  // the scenario's own index
  std::uint64_t pings() const noexcept { return pings_; }

 private:
  void on_open() override;
  void on_message(std::string_view data, bool binary) override;
  void on_closed(std::string_view why) override;
  void on_socketio(std::string_view packet);
  void report_closed(std::string_view why);

  std::string token_;
  const SioCallbacks& callbacks_;
  std::uint32_t tag_;
  std::string sid_;
  std::string scratch_;
  bool connected_ = false;
  bool closed_reported_ = false;
  std::uint64_t next_ack_ = 1;
  std::uint64_t pings_ = 0;
  std::vector<std::pair<std::uint64_t, std::function<void(std::string_view)>>> acks_;
};

}  // namespace hearth::bench

#include "hearth_bench/sio_client.hpp"

#include <algorithm>

namespace hearth::bench {

SioClient::SioClient(Loop& loop, std::string token, const SioCallbacks& callbacks, std::uint32_t tag)
    : WsClient(loop), token_(std::move(token)), callbacks_(callbacks), tag_(tag) {}

void SioClient::start(const Endpoint& endpoint, std::string_view call) {
  std::string path = "/socket.io/?EIO=4&transport=websocket";
  if (!call.empty()) path.append("&callId=").append(call);  // a session id needs no escaping
  connect(endpoint, std::move(path));
}

void SioClient::emit_packet(std::string_view packet) {
  scratch_.assign("4");
  scratch_.append(packet);
  send_text(scratch_);
}

void SioClient::emit_with_ack(std::string_view name, std::string_view json,
                              std::function<void(std::string_view)> on_ack) {
  const std::uint64_t id = next_ack_++;
  acks_.emplace_back(id, std::move(on_ack));
  scratch_.assign("42");
  scratch_ += std::to_string(id);
  scratch_ += "[\"";
  scratch_ += name;
  scratch_ += "\",";
  scratch_ += json;
  scratch_ += ']';
  send_text(scratch_);
}

void SioClient::on_open() {}  // the server speaks first: the Engine.IO open packet

void SioClient::on_message(std::string_view data, bool binary) {
  if (binary || data.empty()) return;
  switch (data[0]) {
    case '0':  // Engine.IO open: connect to the main namespace with our token
      send_text("40{\"token\":\"" + token_ + "\"}");
      return;
    case '2':  // ping
      ++pings_;
      send_text("3");
      return;
    case '4':
      return on_socketio(data.substr(1));
    case '1':
      close();
      return;
    default:
      return;  // noop, pong, upgrade: nothing to do
  }
}

void SioClient::on_socketio(std::string_view packet) {
  if (packet.empty()) return;
  switch (packet[0]) {
    case '2': {  // EVENT 2["name",...]
      if (packet.size() < 4 || packet[1] != '[' || packet[2] != '"') return;
      const auto end = packet.find('"', 3);
      if (end == std::string_view::npos) return;
      if (callbacks_.on_event) callbacks_.on_event(*this, packet.substr(3, end - 3), packet);
      return;
    }
    case '3': {  // ACK 3<id>[...]
      std::size_t i = 1;
      std::uint64_t id = 0;
      while (i < packet.size() && packet[i] >= '0' && packet[i] <= '9')
        id = id * 10 + static_cast<std::uint64_t>(packet[i++] - '0');
      auto it = std::find_if(acks_.begin(), acks_.end(), [id](const auto& a) { return a.first == id; });
      if (it == acks_.end()) return;
      auto fn = std::move(it->second);
      acks_.erase(it);
      fn(packet.substr(i));
      return;
    }
    case '0':  // CONNECT answer {"sid":"..."}
      sid_ = std::string(find_string_member(packet, "sid"));
      connected_ = true;
      if (callbacks_.on_connected) callbacks_.on_connected(*this);
      return;
    case '4':  // CONNECT_ERROR
      connected_ = false;
      report_closed("connect refused: " + std::string(packet.substr(1)));
      close();
      return;
    case '1':  // DISCONNECT by the server
      close();
      return;
    default:
      return;
  }
}

void SioClient::on_closed(std::string_view why) {
  connected_ = false;
  acks_.clear();
  report_closed(why);
}

void SioClient::report_closed(std::string_view why) {
  if (closed_reported_) return;
  closed_reported_ = true;
  if (callbacks_.on_closed) callbacks_.on_closed(*this, why);
}

}  // namespace hearth::bench

#include "app/conformance.hpp"

#include "net/shards.hpp"
#include "realtime/socketio/packet.hpp"

namespace hearth::app {
namespace sio = realtime::socketio;

void EchoSession::on_message(std::string_view data, bool binary) {
  auto s = session_.lock();
  if (!s) return;
  if (binary) {
    s->send_binary(std::string(data));
  } else {
    s->send_message(std::string(data));
  }
}

Result<void> ConformanceNamespace::on_connect(const std::shared_ptr<sio::Socket>& socket, std::string_view auth) {
  // After the CONNECT answer, which is queued when this returns.
  net::post(socket->executor(),
            [socket, auth = std::string(auth.empty() ? "{}" : auth)] { socket->emit("auth", {auth}); });
  return {};
}

void ConformanceNamespace::on_event(const std::shared_ptr<sio::Socket>& socket, const sio::IncomingEvent& ev) {
  const std::string_view args[] = {ev.args};
  if (ev.name == "message") {
    if (ev.attachments.empty()) return socket->emit("message-back", args);
    std::string out;
    sio::append_binary_event(out, socket->nsp(), "message-back", args, ev.attachments.size());
    std::vector<std::string_view> buffers(ev.attachments.begin(), ev.attachments.end());
    socket->send_with_attachments(std::move(out), buffers);
  } else if (ev.name == "message-with-ack" && ev.ack_id) {
    if (ev.attachments.empty()) {
      std::string out = "4";
      sio::append_ack(out, socket->nsp(), *ev.ack_id, args);
      return socket->send_encoded(std::make_shared<const std::string>(std::move(out)));
    }
    std::string out;
    sio::append_binary_ack(out, socket->nsp(), *ev.ack_id, args, ev.attachments.size());
    std::vector<std::string_view> buffers(ev.attachments.begin(), ev.attachments.end());
    socket->send_with_attachments(std::move(out), buffers);
  }
}

}  // namespace hearth::app

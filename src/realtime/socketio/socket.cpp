#include "realtime/socketio/socket.hpp"

#include <vector>

#include "net/shards.hpp"
#include "realtime/socketio/client.hpp"
#include "realtime/socketio/packet.hpp"

namespace hearth::realtime::socketio {

Socket::Socket(std::string id, std::string nsp, std::weak_ptr<engineio::Session> session)
    : id_(std::move(id)), nsp_(std::move(nsp)), session_(std::move(session)) {}

boost::asio::any_io_executor Socket::executor() const {
  auto s = session_.lock();
  return s ? s->home() : boost::asio::any_io_executor{};
}

std::shared_ptr<const std::string> make_engine_packet(std::string_view sio_packet) {
  std::string out;
  out.reserve(sio_packet.size() + 1);
  out.push_back('4');
  out.append(sio_packet);
  return std::make_shared<const std::string>(std::move(out));
}

void Socket::emit(std::string_view event, std::initializer_list<std::string_view> args) const {
  emit(event, std::span<const std::string_view>(args.begin(), args.size()));
}

void Socket::emit(std::string_view event, std::span<const std::string_view> args) const {
  std::string out = "4";
  append_event(out, nsp_, event, args);
  send_encoded(std::make_shared<const std::string>(std::move(out)));
}

void Socket::ack(std::uint64_t ack_id, std::initializer_list<std::string_view> args) const {
  std::string out = "4";
  append_ack(out, nsp_, ack_id, std::span<const std::string_view>(args.begin(), args.size()));
  send_encoded(std::make_shared<const std::string>(std::move(out)));
}

void Socket::send_encoded(std::shared_ptr<const std::string> engine_packet) const {
  if (auto s = session_.lock()) s->send(engineio::Outgoing{std::move(engine_packet), false});
}

void Socket::send_encoded(std::string_view engine_packet) const {
  if (auto s = session_.lock()) s->send_text_packet(engine_packet);
}

void Socket::send_with_attachments(std::string sio_packet, std::span<const std::string_view> attachments) const {
  auto s = session_.lock();
  if (!s) return;
  // One hop to the session's shard for the packet and its attachments (where send() enqueues at once), so a
  // packet sent from another thread cannot come between them.
  auto packet = make_engine_packet(sio_packet);
  std::vector<std::string> buffers(attachments.begin(), attachments.end());
  s->run([s, packet = std::move(packet), buffers = std::move(buffers)]() mutable {
    s->send(engineio::Outgoing{std::move(packet), false});
    for (auto& b : buffers) s->send_binary(std::move(b));
  });
}

void Socket::move_to(const boost::asio::any_io_executor& to) const {
  if (auto s = session_.lock()) s->move_to(to);
}

void Socket::disconnect(bool close_transport) const {
  auto s = session_.lock();
  if (!s) return;
  s->with_handler([nsp = nsp_](engineio::SessionHandler& handler) {
    // The only SessionHandler of a Socket.IO session is its Client.
    static_cast<Client&>(handler).disconnect_socket(nsp, "server namespace disconnect", true);
  });
  if (close_transport) s->close("server disconnect");  // after the DISCONNECT: both go through the executor in order
}

std::string Socket::client() const {
  auto s = session_.lock();
  return s ? s->client() : std::string();
}

void Socket::mark_authenticated() const {
  if (auto s = session_.lock()) s->run([s] { s->mark_authenticated(); });
}

}  // namespace hearth::realtime::socketio

#include "realtime/engineio/session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "core/buffers.hpp"
#include "metrics/metrics.hpp"
#include "net/shards.hpp"

namespace hearth::realtime::engineio {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

net::Response text_response(std::string body, std::string_view content_type = "text/plain; charset=UTF-8") {
  net::Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

Outgoing control_packet(PacketType type, std::string_view data = {}) {
  return Outgoing{std::make_shared<const std::string>(encode_text_frame(type, data)), false};
}

}  // namespace

Session::Session(asio::any_io_executor executor, std::string sid, const Options& options, OnClosed on_closed,
                 std::string client, net::ConnectionSlot unauthenticated)
    : executor_(std::move(executor)),
      sid_(std::move(sid)),
      client_(std::move(client)),
      unauthenticated_(std::move(unauthenticated)),
      options_(options),
      on_closed_(std::move(on_closed)),
      heartbeat_(executor_) {}

// A session that never opened (its upgrade failed before it started) leaves the registry here.
Session::~Session() {
  if (state_ != State::closed && on_closed_) on_closed_(sid_);
}

// hearth_connected_sockets: +1 when the session opens on a transport, -1 when it leaves it (upgrade, close).
void Session::count_transport(int delta) {
  if (!options_.metrics || (delta < 0 && !counted_)) return;
  counted_ = delta > 0;
  options_.metrics->sockets_changed(
      transport_ == Transport::polling ? metrics::Transport::polling : metrics::Transport::websocket, delta);
}

void Session::set_handler(std::unique_ptr<SessionHandler> handler) { handler_ = std::move(handler); }

std::string Session::open_packet(bool upgrades) const {
  return fmt::format(R"(0{{"sid":"{}","upgrades":[{}],"pingInterval":{},"pingTimeout":{},"maxPayload":{}}})", sid_,
                     upgrades ? R"("websocket")" : "", options_.ping_interval.count(), options_.ping_timeout.count(),
                     options_.max_payload);
}

// --- sending ---------------------------------------------------------------------------------------------------

void Session::send_message(std::string message) {
  message.insert(message.begin(), '4');
  send(Outgoing{std::make_shared<const std::string>(std::move(message)), false});
}

void Session::send_binary(std::string bytes) {
  send(Outgoing{std::make_shared<const std::string>(std::move(bytes)), true});
}

void Session::send(Outgoing packet) {
  run([self = shared_from_this(), packet = std::move(packet)]() mutable { self->enqueue(std::move(packet)); });
}

void Session::send_text_packet(std::string_view packet) {
  // On the session's thread, a closed session drops it as enqueue() would; otherwise it is copied into the
  // connection now.
  if (acts_here() && (state_ == State::closed || send_here(packet, false))) return;
  send(Outgoing{std::make_shared<const std::string>(packet), false});
}

bool Session::send_here(std::string_view data, bool binary) {
  return transport_ == Transport::websocket && ws_ && ws_->try_send_here(data, binary);
}

void Session::close(std::string reason) {
  run([self = shared_from_this(), reason = std::move(reason)] {
    if (self->state_ == State::closed) return;
    // Tell the client, so it does not reconnect as if the network failed.
    if (self->transport_ == Transport::websocket && self->ws_) {
      self->ws_->send_text(encode_text_frame(PacketType::close));
      self->ws_->close(1000, "");
    } else if (self->pending_get_) {
      self->answer_poll(encode_text_frame(PacketType::close));
    } else if (!self->queue_.empty() && !self->closing_) {
      // Polling with packets the client has not fetched yet (the reason it is closed, say): its next poll takes
      // them, the one after it the close packet, as the reference server drains before closing (in one answer,
      // socket.io-client would act on the close before the packets); ping_timeout at the latest.
      self->closing_ = true;
      self->heartbeat_.expires_after(self->options_.ping_timeout);
      return self->wait_heartbeat();
    }
    self->close_now(reason, false);
  });
}

void Session::with_handler(std::function<void(SessionHandler&)> fn) {
  run([self = shared_from_this(), fn = std::move(fn)] {
    if (self->handler_) fn(*self->handler_);
  });
}

void Session::enqueue(Outgoing packet) {
  if (state_ == State::closed || closing_) return;
  if (send_here(*packet.data, packet.binary)) return;
  if (transport_ == Transport::websocket && ws_) {
    ws_->send(std::move(packet.data), packet.binary);  // the connection bounds its own queue
    return;
  }
  queued_bytes_ += packet.data->size();
  queue_.push_back(std::move(packet));
  if (queued_bytes_ > options_.max_queued_bytes) return close_now("transport buffer overflow", false);
  if (pending_get_) flush();
}

// Answers the pending GET with as much of the queue as fits in max_payload (at least one packet).
void Session::flush() {
  if (!pending_get_ || queue_.empty()) return;
  std::vector<Packet> packets;
  std::size_t size = 0, taken = 0;
  for (const auto& out : queue_) {
    Packet p = out.binary ? Packet{PacketType::message, *out.data, true}
                          : Packet{static_cast<PacketType>((*out.data)[0] - '0'), std::string_view(*out.data).substr(1),
                                   false};
    const std::size_t n = encoded_payload_size(p) + (taken ? 1 : 0);
    if (taken && size + n > options_.max_payload) break;
    size += n;
    packets.push_back(p);
    ++taken;
  }
  std::string body = encode_payload(packets);
  for (std::size_t i = 0; i < taken; ++i) queued_bytes_ -= queue_[i].data->size();
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
  answer_poll(std::move(body));
}

void Session::answer_poll(std::string body) {
  auto respond = std::move(*pending_get_);
  pending_get_.reset();
  respond(text_response(std::move(body)));
}

// --- polling ---------------------------------------------------------------------------------------------------

void Session::open_polling(const net::Responder& respond) {
  transport_ = Transport::polling;
  count_transport(+1);
  schedule_ping();  // counts from before the answer
  respond(text_response(open_packet(options_.allow_upgrades)));
}

void Session::on_poll_get(const net::Responder& respond) {
  expire_if_pong_overdue();
  if (state_ == State::closed || transport_ != Transport::polling) {
    respond(net::Response{bhttp::status::bad_request, 11});
    return;
  }
  if (pending_get_) {
    // Two long-polls at once: a broken client. The reference server closes the session.
    respond(net::Response{bhttp::status::bad_request, 11});
    answer_poll(encode_text_frame(PacketType::close));
    return close_now("overlapping poll", false);
  }
  pending_get_ = respond;
  std::weak_ptr<Session> weak = shared_from_this();
  respond.on_abort([weak] {
    if (auto self = weak.lock())
      self->run([self] {
        self->pending_get_.reset();
        self->close_now("transport close", false);
      });
  });
  if (upgrading_ && queue_.empty()) return answer_poll(encode_text_frame(PacketType::noop));
  if (closing_ && queue_.empty()) return close_now("server close", false);  // answers the poll with "close"
  flush();
}

void Session::on_poll_post(std::string body, const net::Responder& respond) {
  expire_if_pong_overdue();
  if (state_ == State::closed || transport_ != Transport::polling) {
    respond(net::Response{bhttp::status::bad_request, 11});
    return;
  }
  if (closing_) return respond(text_response("ok", "text/html"));  // nobody listens any more
  auto packets = decoder_.decode(body, options_.max_payload);
  if (!packets) {
    decoder_.release();
    respond(net::Response{
        packets.error().code == errc::payload_too_large ? bhttp::status::payload_too_large : bhttp::status::bad_request,
        11});
    return close_now("parse error", false);
  }
  respond(text_response("ok", "text/html"));
  for (const auto& p : *packets) {
    if (state_ == State::closed) break;
    handle_packet(p);
  }
  decoder_.release();  // a large POST must not leave its buffers behind
}

// --- websocket -------------------------------------------------------------------------------------------------

void Session::open_websocket(std::shared_ptr<net::WebSocketConnection> ws) {
  transport_ = Transport::websocket;
  count_transport(+1);
  ws_ = std::move(ws);
  ws_->start(weak_from_this());
  schedule_ping();
  ws_->send_text(open_packet(false));
}

void Session::on_upgrade_request(std::shared_ptr<net::WebSocketConnection> ws) {
  if (state_ == State::closed || transport_ != Transport::polling || upgrading_ || !options_.allow_upgrades) {
    ws->close(1008, "upgrade refused");
    return;
  }
  upgrading_ = true;
  ws_ = std::move(ws);
  ws_->start(weak_from_this());
  upgrade_timer_.emplace(executor_);
  upgrade_timer_->expires_after(options_.upgrade_timeout);
  upgrade_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec && self->upgrading_) self->cancel_upgrade();
  });
}

void Session::on_message(std::string_view data, bool binary) {
  expire_if_pong_overdue();
  if (state_ == State::closed) return;
  if (upgrading_) return on_probe_message(data, binary);
  if (binary) {
    auto p = decode_binary_frame(data, options_.max_payload);
    if (!p) return close_now("parse error", false);
    return handle_packet(*p);
  }
  auto p = decode_text_frame(data, options_.max_payload, scratch_);
  if (!p) {
    if (ws_) ws_->close(1002, "invalid packet");
    return close_now("parse error", false);
  }
  handle_packet(*p);
  clear_and_shrink(scratch_);
}

void Session::on_probe_message(std::string_view data, bool binary) {
  if (!binary && data == "2probe") {
    ws_->send_text(encode_text_frame(PacketType::pong, "probe"));
    // Make the client's pending long-poll return, so it can pause polling and send "5" (a later one gets its noop
    // from on_poll_get). Never queued: the queue moves to the WebSocket, where a noop has no business.
    if (pending_get_) answer_poll(encode_text_frame(PacketType::noop));
  } else if (!binary && data == "5") {
    finish_upgrade();
  } else {
    cancel_upgrade();
  }
}

void Session::finish_upgrade() {
  upgrading_ = false;
  upgrade_timer_.reset();
  count_transport(-1);
  transport_ = Transport::websocket;
  count_transport(+1);
  if (pending_get_) answer_poll(encode_text_frame(PacketType::noop));
  for (auto& out : queue_) ws_->send(std::move(out.data), out.binary);
  queue_.clear();
  queued_bytes_ = 0;
  if (wanted_) {  // asked to move while polling: now it can (after this read, whose handler is still running)
    asio::post(executor_,
               [self = shared_from_this(), to = *std::exchange(wanted_, std::nullopt)] { self->begin_move(to); });
  }
}

void Session::cancel_upgrade() {
  upgrading_ = false;
  upgrade_timer_.reset();
  if (ws_) ws_->close(1002, "upgrade failed");
  ws_.reset();
}

void Session::on_close(net::CloseReason) {
  if (state_ == State::closed) return;
  if (upgrading_) return cancel_upgrade();  // the probe went away; polling goes on
  if (transport_ == Transport::websocket) close_now("transport close", false);
}

// --- packets and heartbeat ---------------------------------------------------------------------------------------

void Session::handle_packet(const Packet& p) {
  switch (p.type) {
    case PacketType::message:
      if (handler_) handler_->on_message(p.data, p.binary);
      break;
    case PacketType::pong:
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        schedule_ping();
      }
      break;
    case PacketType::ping:  // clients of older protocols ping; answer so they stay happy
      enqueue(control_packet(PacketType::pong, p.data));
      break;
    case PacketType::close:
      close_now("transport close", true);
      break;
    case PacketType::noop:
      break;
    case PacketType::open:
    case PacketType::upgrade:
      close_now("parse error", false);
      break;
  }
}

void Session::schedule_ping() {
  heartbeat_.expires_after(options_.ping_interval);
  pong_deadline_ = heartbeat_.expiry() + options_.ping_timeout;
  wait_heartbeat();
}

void Session::wait_heartbeat() {
  heartbeat_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->on_own_thread()) self->on_heartbeat();  // not a timer the session left behind when it moved
  });
}

void Session::on_heartbeat() {
  if (state_ == State::closed) return;
  if (closing_) return close_now("server close", false);  // the client did not come for its last packets
  if (awaiting_pong_) return close_now("ping timeout", false);
  awaiting_pong_ = true;
  enqueue(control_packet(PacketType::ping));
  if (state_ == State::closed) return;
  heartbeat_.expires_at(pong_deadline_);
  wait_heartbeat();
}

// The deadline counts from when the ping was due, and timers fire late on a busy machine: a client heard from
// after it has timed out all the same, as the client itself would have given up by then.
void Session::expire_if_pong_overdue() {
  if (state_ == State::open && std::chrono::steady_clock::now() >= pong_deadline_) close_now("ping timeout", false);
}

void Session::close_now(std::string_view reason, bool answer_poll_with_noop) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  count_transport(-1);
  spdlog::debug("engine.io session {} closed: {}", sid_, reason);
  heartbeat_.cancel();
  upgrade_timer_.reset();
  if (pending_get_) answer_poll(encode_text_frame(answer_poll_with_noop ? PacketType::noop : PacketType::close));
  if (ws_) {
    ws_->close(1000, "");
    ws_.reset();
  }
  queue_.clear();
  queued_bytes_ = 0;
  unauthenticated_ = {};
  if (on_closed_) on_closed_(sid_);
  if (handler_) {
    std::shared_ptr<SessionHandler> handler = std::move(handler_);
    handler->on_close(reason);
    // Destroyed in a later handler, not here: the session may be closing from inside one of the handler's own
    // calls (an event whose answer overflows the send queue), which must not find its object gone on return.
    asio::post(home(), [handler = std::move(handler)] {});
  }
}

// --- moving to another shard -----------------------------------------------------------------------------------

asio::any_io_executor Session::home() const {
  if (net::Shard* live = moved_to_.load(std::memory_order_acquire)) return live->executor();
  return executor_;
}

bool Session::on_own_thread() const noexcept {
  net::Shard* live = moved_to_.load(std::memory_order_acquire);
  return live == nullptr || net::Shards::current() == live;
}

void Session::move_to(asio::any_io_executor to) {
  // Always a later handler of the mailbox's shard: never from inside the connection's own read callbacks.
  net::post(executor_, [self = shared_from_this(), to = std::move(to)] { self->begin_move(to); });
}

void Session::begin_move(asio::any_io_executor to) {
  if (moved_to_.load(std::memory_order_relaxed) != nullptr) return;  // once
  net::Shard* here = net::Shards::current();
  net::Shard* dest = here ? here->shards().find(to) : nullptr;
  if (dest == nullptr || dest == here || state_ != State::open || closing_) return;
  if (transport_ == Transport::polling || upgrading_) {
    wanted_ = std::move(to);  // finish_upgrade() moves it
    return;
  }
  if (!ws_ || !handler_ || !handler_->may_move()) return;
  auto released = ws_->release();
  if (!released) return;  // ending, or a peer that does not read: it stays
  ws_.reset();
  heartbeat_.cancel();
  const auto heartbeat_at = heartbeat_.expiry();
  // From here on this shard forwards what reaches the session (at_mailbox), behind the adoption.
  moved_to_.store(dest, std::memory_order_release);
  if (options_.metrics) options_.metrics->socket_moved();
  spdlog::debug("engine.io session {} moves to shard {}", sid_, dest->index());
  net::post(dest->executor(), [self = shared_from_this(), r = std::move(*released), heartbeat_at]() mutable {
    self->adopt(std::move(r), heartbeat_at);
  });
}

void Session::adopt(net::WebSocketConnection::Released connection, std::chrono::steady_clock::time_point heartbeat_at) {
  adopted_ = true;
  fenced_ = true;
  ws_ = std::make_shared<net::WebSocketConnection>(home(), std::move(connection));
  ws_->start(weak_from_this());
  heartbeat_ = asio::steady_timer(home());
  heartbeat_.expires_at(heartbeat_at);
  wait_heartbeat();
  // The fence: what this shard handed the mailbox for the session before now is forwarded back before this
  // round trip returns; until then this shard's own calls wait in held_.
  net::post(executor_, [self = shared_from_this()] { net::post(self->home(), [self] { self->unfence(); }); });
}

void Session::unfence() {
  fenced_ = false;
  for (auto& task : std::exchange(held_, {})) task->run();
}

}  // namespace hearth::realtime::engineio

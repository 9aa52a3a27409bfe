#include "realtime/socketio/client.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/buffers.hpp"
#include "core/random.hpp"
#include "realtime/socketio/data.hpp"
#include "realtime/socketio/json_text.hpp"

namespace hearth::realtime::socketio {

Client::Client(std::weak_ptr<engineio::Session> session, const Options& options, NamespaceLookup lookup)
    : session_(std::move(session)),
      options_(options),
      lookup_(std::move(lookup)),
      reassembler_(BinaryReassembler::Limits{options.max_attachments, options.max_binary_bytes}) {
  arm_connect_timer();
}

// A session with no namespace socket (new, or whose last socket left) is closed after connect_timeout.
void Client::arm_connect_timer() {
  auto s = session_.lock();
  if (!s) return;
  connect_timer_.emplace(s->home());
  connect_timer_->expires_after(options_.connect_timeout);
  connect_timer_->async_wait([weak = session_](boost::system::error_code ec) {
    // The timer belongs to the Client, which the session owns: reach it through the session.
    if (ec) return;
    if (auto owner = weak.lock()) owner->close("connect timeout");
  });
}

Client::~Client() {
  if (connect_timer_) connect_timer_->cancel();
}

Client::Entry* Client::find(std::string_view nsp) {
  auto it = std::find_if(sockets_.begin(), sockets_.end(), [&](const Entry& e) { return e.socket->nsp() == nsp; });
  return it == sockets_.end() ? nullptr : &*it;
}

void Client::fail(std::string_view reason) {
  if (auto s = session_.lock()) s->close(std::string(reason));
}

void Client::on_message(std::string_view data, bool binary) {
  if (binary) {
    if (!reassembler_.collecting()) return fail("parse error");
    auto done = reassembler_.add(data);
    if (!done) return fail("parse error");
    if (*done) {
      const Header h = reassembler_.header();
      dispatch_event(h, reassembler_.attachments());
      reassembler_.reset();  // frees what a large packet left
    }
    return;
  }
  if (reassembler_.collecting()) return fail("parse error");  // attachments were due
  on_text(data);
}

void Client::on_text(std::string_view packet) {
  auto h = decode_header(packet, DecodeLimits{options_.max_attachments, kDefaultMaxDepth});
  if (!h) return fail("parse error");
  switch (h->type) {
    case PacketType::connect:
      return on_connect(*h);
    case PacketType::disconnect:
      return disconnect_socket(h->nsp, "client namespace disconnect", false);
    case PacketType::event:
      return dispatch_event(*h, {});
    case PacketType::binary_event: {
      auto complete = reassembler_.start(*h);
      if (!complete) return fail("parse error");
      if (*complete) {
        dispatch_event(reassembler_.header(), reassembler_.attachments());
        reassembler_.reset();
      }
      return;
    }
    case PacketType::ack:
    case PacketType::binary_ack:
      return;  // the server asks no acknowledgements of clients
    case PacketType::connect_error:
      return fail("parse error");  // only servers send it
  }
}

void Client::on_connect(const Header& h) {
  auto session = session_.lock();
  if (!session) return;
  NamespaceHandler* handler = lookup_ ? lookup_(h.nsp) : nullptr;
  if (!handler) {
    session->send(engineio::Outgoing{make_engine_packet(encode_connect_error(h.nsp, "Invalid namespace")), false});
    return;
  }
  if (find(h.nsp)) return;  // already connected to it: nothing to do
  // The socket id carries the node and shard prefix of its Engine.IO sid ("n1.0-…", net/shards.hpp): who holds a
  // socket is read from its id.
  const std::string_view sid = session->sid();
  const auto dot = sid.find('.');
  const auto dash = sid.find('-', dot == std::string_view::npos ? 0 : dot + 1);  // node ids may hold dashes too
  const auto prefix = dash != std::string_view::npos ? dash + 1 : dot == std::string_view::npos ? 0 : dot + 1;
  std::string id(sid.substr(0, prefix));
  id += random_base36(20);
  auto socket = std::make_shared<Socket>(std::move(id), std::string(h.nsp), session_);
  auto accepted = handler->on_connect(socket, h.data);
  if (!accepted) {
    std::string data;
    session->send(engineio::Outgoing{make_engine_packet(encode_connect_error(h.nsp, accepted.error().message)), false});
    return;
  }
  sockets_.push_back(Entry{socket, handler});
  if (connect_timer_) {
    connect_timer_->cancel();
    connect_timer_.reset();
  }
  session->send(engineio::Outgoing{make_engine_packet(encode_connect(h.nsp, socket->id())), false});
}

void Client::dispatch_event(const Header& h, std::span<const std::string> attachments) {
  Entry* entry = find(h.nsp);
  if (!entry) return;  // events for a namespace the client has not joined are ignored, as the reference does
  auto ev = split_event(h.data, scratch_);
  if (!ev) return fail("parse error");
  const auto socket = entry->socket;  // keep it alive across the handler call
  entry->handler->on_event(socket, IncomingEvent{ev->name, ev->args, h.data, h.ack_id, attachments});
  clear_and_shrink(scratch_);
}

void Client::disconnect_socket(std::string_view nsp, std::string_view reason, bool notify_client) {
  auto it = std::find_if(sockets_.begin(), sockets_.end(), [&](const Entry& e) { return e.socket->nsp() == nsp; });
  if (it == sockets_.end()) return;
  Entry entry = std::move(*it);
  sockets_.erase(it);
  if (notify_client)
    if (auto s = session_.lock()) s->send(engineio::Outgoing{make_engine_packet(encode_disconnect(nsp)), false});
  if (sockets_.empty()) arm_connect_timer();  // a session must not outlive its last namespace for long
  entry.handler->on_disconnect(entry.socket, reason);
}

void Client::on_close(std::string_view reason) {
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& e : sockets) e.handler->on_disconnect(e.socket, reason);
}

}  // namespace hearth::realtime::socketio

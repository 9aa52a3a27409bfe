// SignalingService across nodes (docs/architecture.md, "Several nodes"). Each node keeps the rooms of its own
// sockets; the durable state is the shared store. What one node's sockets must hear from another's travels over the
// bus (bus_messages.hpp): a relay goes to the one node that holds its target (named by the socket id's prefix), in
// the order sent; what a whole call hears (joins, leaves, media, disconnects, the end) goes to every node, each
// delivering it to the members it holds; invitations and declines to the nodes of the users' sockets the same way.
#include <algorithm>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "calls/controls.hpp"
#include "net/shards.hpp"
#include "signaling/event_context.hpp"
#include "signaling/relay.hpp"
#include "signaling/service.hpp"

namespace hearth::signaling {

namespace {
constexpr std::string_view kNotInCall = "Both sockets must be active participants of this call";
constexpr std::string_view kBusDown = "The other participant is on another node, which cannot be reached right now";

// In a store operation: the waiting places of the sockets `gone` names are left; true if there was any.
template <class Gone>
bool leave_gone_waiting(calls::CallSession& s, const Gone& gone) {
  std::vector<std::pair<std::string, std::string>> left;  // user, socket
  for (const auto& w : s.waiting)
    if (gone(w.socket_id)) left.emplace_back(w.user_id, w.socket_id);
  for (const auto& [user_id, socket_id] : left) calls::leave_waiting(s, user_id, socket_id);
  return !left.empty();
}
}  // namespace

void SignalingService::set_bus(cluster::Bus* bus) {
  bus_ = bus;
  if (!bus_) return;
  node_id_ = bus_->node_id();
  bus_->on_message([this](std::string_view from, std::string_view text) { on_bus_message(from, text); });
  nodes_timer_.emplace(ioc_);
  // The seats a previous run of this node held (killed, restarted within the heartbeat's expiry: nobody noticed).
  net::post(nodes_timer_->get_executor(), [this] {
    take_over_later(node_id_);
    watch_nodes();
  });
}

bool SignalingService::is_remote(std::string_view socket_id) const noexcept {
  if (!bus_) return false;
  const auto node = node_of(socket_id);
  return !node.empty() && node != node_id_;
}

void SignalingService::tell_nodes(BusKind kind, std::initializer_list<std::string_view> fields,
                                  const std::vector<std::string>& more) {
  if (!bus_) return;
  if (!bus_->broadcast(encode_bus_message(kind, fields, more)))
    spdlog::debug("bus down: '{}' not told to the other nodes", static_cast<char>(kind));
}

// --- seats of nodes that died ---------------------------------------------------------------------------------------

namespace {
constexpr std::size_t kTakeBatch = 500;
constexpr auto kWatchEvery = std::chrono::seconds(2);

std::string seat_item(std::string_view session_id, std::string_view user_id, std::string_view socket_id) {
  std::string item;
  item.reserve(session_id.size() + user_id.size() + socket_id.size() + 2);
  item.append(session_id).append(1, '\n').append(user_id).append(1, '\n').append(socket_id);
  return item;
}
}  // namespace

void SignalingService::hold_seat(std::string_view session_id, std::string_view user_id, std::string_view socket_id,
                                 bool hold) {
  if (!bus_ || is_remote(socket_id)) return;
  auto item = seat_item(session_id, user_id, socket_id);
  if (hold)
    bus_->hold(std::move(item));
  else
    bus_->release(std::move(item));
}

void SignalingService::watch_nodes() {
  nodes_timer_->expires_after(kWatchEvery);
  nodes_timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) check_nodes();
  });
}

void SignalingService::check_nodes() {
  if (draining_.load(std::memory_order_relaxed)) return;
  // Only a bus that is up knows who is alive (while it is down every node looks gone).
  if (bus_->up()) {
    auto alive = bus_->alive_nodes();
    std::sort(alive.begin(), alive.end());
    for (const auto& node : known_nodes_)
      if (!std::binary_search(alive.begin(), alive.end(), node)) {
        spdlog::warn("node {} stopped its heartbeat: its sockets' seats end in {} s unless it comes back", node,
                     std::chrono::duration_cast<std::chrono::seconds>(options_.reconnect_grace).count());
        take_over_later(node);
      }
    known_nodes_ = std::move(alive);
  }
  watch_nodes();
}

void SignalingService::take_over_later(std::string node) {
  auto timer = std::make_shared<boost::asio::steady_timer>(nodes_timer_->get_executor(), options_.reconnect_grace);
  timer->async_wait([this, timer, node = std::move(node)](boost::system::error_code ec) mutable {
    if (ec || draining_.load(std::memory_order_relaxed)) return;
    if (!bus_->up()) return take_over_later(std::move(node));  // asked again a grace later
    const auto alive = bus_->alive_nodes();
    if (node != node_id_ && std::find(alive.begin(), alive.end(), node) != alive.end()) return;  // it came back
    if (node != node_id_) expire_seats_in_rooms(node);
    take_over(std::move(node));
  });
}

// A node killed between answering a join and its bus flush (which runs after the turn) never put that seat in its
// held set; the calls this node has rooms for are read from the store for such seats. expire_grace() checks again
// in its transaction, so a seat the held set also names, or that another survivor ends first, ends once. Their
// waiting rooms lose the dead node's sockets here too (waiting sockets hold no seat); a user who came back through
// another socket keeps their place (leave_waiting matches the socket).
void SignalingService::expire_seats_in_rooms(const std::string& node) {
  std::vector<std::string> sessions;
  {
    const std::lock_guard lock(rooms_mutex_);
    sessions.reserve(rooms_.size());
    for (const auto& entry : rooms_) sessions.push_back(entry.first);
  }
  expire_seats(std::move(sessions),
               [prefix = node + '.'](std::string_view socket) { return socket.starts_with(prefix); });
}

void SignalingService::expire_seats(std::vector<std::string> sessions, SocketTest gone) {
  struct Found {
    std::vector<std::pair<std::string, std::string>> seats;  // user, socket
    std::optional<calls::CallSession> waiting_changed;
  };
  for (auto& session_id : sessions)
    store_.execute<Found>(
        session_id,
        [session_id, gone](store::Repository& repo) -> Result<Found> {
          Found found;
          auto s = repo.find(session_id, true);
          if (!s) return found;
          for (const auto& p : s->participants)
            if (p.is_active && !p.socket_id.empty() && gone(p.socket_id))
              found.seats.emplace_back(p.user_id, p.socket_id);
          if (leave_gone_waiting(*s, gone)) {
            repo.update(*s);
            found.waiting_changed = std::move(*s);
          }
          return found;
        },
        [this, session_id](Result<Found> found) {
          if (!found) return;
          if (found->waiting_changed) announce_waiting(*found->waiting_changed);
          for (const auto& [user_id, socket_id] : found->seats) expire_grace(session_id, user_id, socket_id);
        });
}

// --- seats of this node's previous run (a node alone)
// ------------------------------------------------------------------

// At start every seat and waiting place in the store is held by a socket of the previous run (none of this run's
// exists yet, and no other node shares the database: app/server.cpp asks store/node_lock), so the live
// sessions are read now, page by page, and what they hold then ends a reconnect grace later (10 s at least) — as a
// disconnected socket's seat would — one store operation per call that checks each seat again: a user who came back
// and joined again through a socket of this run holds the seat with that socket and keeps it. The calls go to the
// store a chunk at a time (the next once the last has answered), so that thousands of them neither fill its queue
// nor delay other requests for long; one the store refused anyway (its queue full) is tried again 200 ms later.
void SignalingService::expire_previous_run() { read_previous_run({}); }

namespace {
constexpr int kPreviousRunPage = 200;
constexpr std::size_t kMostPreviousRunSockets = 1'000'000;   // beyond, the calls' timeouts end the rest (logged)
constexpr std::size_t kPreviousRunChunk = 64;                // calls whose operations are in the store at once
constexpr std::chrono::milliseconds kPreviousRunRetry{200};  // after the store refused some (its queue full)

// The store refused an operation for now (its queue full) rather than failing it. (Not inlined: GCC 12 then sees the
// error of a Result of a large type as maybe uninitialized.)
[[gnu::noinline]] bool busy(const Error& e) { return e.code == errc::unavailable; }
}  // namespace

void SignalingService::read_previous_run(store::LiveCursor after) {
  struct Page {
    std::vector<std::pair<std::string, std::vector<std::string>>> held;  // session, its seats' and places' sockets
    store::LiveCursor last;
    bool more = false;
  };
  store_.execute<Page>(
      [after = std::move(after)](store::Repository& repo) -> Result<Page> {
        Page page;
        const auto live = repo.live_after(after, kPreviousRunPage);
        page.more = live.size() == static_cast<std::size_t>(kPreviousRunPage);
        if (!live.empty()) page.last = live.back();
        for (const auto& cursor : live) {
          auto s = repo.find(cursor.session_id, false);
          if (!s) continue;
          std::vector<std::string> sockets;
          for (const auto& p : s->participants)
            if (p.is_active && !p.socket_id.empty()) sockets.push_back(p.socket_id);
          for (const auto& w : s->waiting) sockets.push_back(w.socket_id);
          if (!sockets.empty()) page.held.emplace_back(cursor.session_id, std::move(sockets));
        }
        return page;
      },
      // On the store's thread, one page after the other: previous_run_ has one user at a time.
      [this](Result<Page> page) {
        if (!page) return spdlog::warn("seats of the previous run not read: {}", page.error().message);
        for (auto& [session_id, sockets] : page->held) {
          if (previous_run_sockets_ + sockets.size() > kMostPreviousRunSockets) {
            spdlog::warn("more than {} seats of the previous run: the rest end with their calls",
                         kMostPreviousRunSockets);
            page->more = false;
            break;
          }
          previous_run_sockets_ += sockets.size();
          previous_run_.emplace_back(std::move(session_id),
                                     std::set<std::string, std::less<>>(std::make_move_iterator(sockets.begin()),
                                                                        std::make_move_iterator(sockets.end())));
        }
        if (page->more) return read_previous_run(std::move(page->last));
        if (previous_run_.empty()) return;
        // Never shorter than least_previous_run_grace (10 s): after a restart the clients must first find the server
        // again (socket.io-client backs off up to 5 s between attempts by default), and a grace of 0 (a drain never
        // ends calls) must not end them at once.
        const auto grace = std::max(options_.reconnect_grace, options_.least_previous_run_grace);
        spdlog::info("{} seat(s) or waiting place(s) of the previous run in {} call(s) end in {} s unless taken back",
                     previous_run_sockets_, previous_run_.size(),
                     std::chrono::duration_cast<std::chrono::seconds>(grace).count());
        net::post(ioc_.get_executor(), [this, grace] {
          previous_run_timer_.emplace(ioc_, grace);
          previous_run_timer_->async_wait([this](boost::system::error_code ec) {
            if (!ec) expire_previous_run_calls();
          });
        });
      });
}

void SignalingService::expire_previous_run_calls() {
  if (draining_.load(std::memory_order_relaxed) || previous_run_.empty()) return;
  const std::size_t n = std::min(kPreviousRunChunk, previous_run_.size());
  struct Chunk {
    std::size_t pending = 0;
    bool refused = false;
  };
  auto chunk = std::make_shared<Chunk>(Chunk{n, false});
  for (std::size_t i = 0; i < n; ++i) {
    auto call = std::move(previous_run_.back());
    previous_run_.pop_back();
    expire_previous_run_call(std::move(call), [this, chunk](std::optional<PreviousRunCall> refused) {
      net::post(ioc_.get_executor(), [this, chunk, refused = std::move(refused)]() mutable {  // to shard 0
        if (refused) {
          chunk->refused = true;
          previous_run_.push_back(std::move(*refused));
        }
        if (--chunk->pending > 0) return;
        if (!chunk->refused) return expire_previous_run_calls();
        previous_run_timer_->expires_after(kPreviousRunRetry);
        previous_run_timer_->async_wait([this](boost::system::error_code ec) {
          if (!ec) expire_previous_run_calls();
        });
      });
    });
  }
}

void SignalingService::expire_previous_run_call(PreviousRunCall call,
                                                std::function<void(std::optional<PreviousRunCall>)> done) {
  struct Ended {
    std::optional<calls::CallSession> session;               // when anything changed
    std::vector<std::pair<std::string, std::string>> seats;  // user, socket: left the call
    bool waiting_changed = false;
  };
  const auto now = clock_.now();
  const std::string session_id = call.first;
  auto sockets = std::make_shared<PreviousRunCall>(std::move(call));
  store_.execute<Ended>(
      session_id,
      [sockets, now](store::Repository& repo) -> Result<Ended> {
        Ended out;
        auto s = repo.find(sockets->first, true);
        if (!s) return out;
        for (const auto& p : s->participants)
          if (p.is_active && sockets->second.contains(p.socket_id)) out.seats.emplace_back(p.user_id, p.socket_id);
        for (const auto& [user_id, socket_id] : out.seats)
          calls::deactivate(*s, user_id, now, calls::LeaveReason::disconnected);
        out.waiting_changed =
            leave_gone_waiting(*s, [&](std::string_view socket) { return sockets->second.contains(socket); });
        if (out.seats.empty() && !out.waiting_changed) return out;
        repo.update(*s);
        out.session = std::move(*s);
        return out;
      },
      [this, sockets, done = std::move(done)](Result<Ended> res) {
        if (res) {
          if (res->session) {
            if (res->waiting_changed) announce_waiting(*res->session);
            for (std::size_t i = 0; i < res->seats.size(); ++i)
              announce_left(*res->session, res->seats[i].first, res->seats[i].second, i + 1 == res->seats.size());
          }
          return done(std::nullopt);
        }
        if (busy(res.error()) && !draining_.load(std::memory_order_relaxed)) return done(std::move(*sockets));
        spdlog::warn("seats of the previous run in {} not ended: {}", sockets->first, res.error().message);
        done(std::nullopt);
      });
}

void SignalingService::take_over(std::string node) {
  bus_->take_held(node, kTakeBatch, [this, node](std::vector<std::string> items) {
    for (const auto& item : items) {
      const auto a = item.find('\n');
      const auto b = a == std::string::npos ? a : item.find('\n', a + 1);
      if (b == std::string::npos) continue;
      std::string session_id = item.substr(0, a), user_id = item.substr(a + 1, b - a - 1),
                  socket_id = item.substr(b + 1);
      // This node's own seats from a previous run: a socket of this run still connected keeps its seat.
      if (registry_.find(socket_id)) {
        bus_->hold(item);
        continue;
      }
      expire_grace(session_id, user_id, socket_id);  // nothing if the user came back meanwhile (another socket)
    }
    if (items.size() == kTakeBatch) take_over(node);
  });
}

// --- relays ----------------------------------------------------------------------------------------------------------

void SignalingService::relay_remote(Context& ctx, const std::shared_ptr<CallRoom>& r, std::string_view session_id,
                                    std::string_view target, std::span<const std::string> attachments,
                                    metrics::RelayKind kind) {
  if (!bus_->up()) return ctx.fail(make_error(errc::unavailable, std::string(kBusDown)));
  std::vector<std::string> binary_parts;
  std::string pkt;
  if (attachments.empty()) {
    pkt = encode_relay(ctx.event, ctx.payload, ctx.socket->id(), ctx.who().user_id);
  } else {
    if (!ctx.peer->in_session(session_id)) return ctx.fail(make_error(errc::forbidden, std::string(kNotInCall)));
    auto b = encode_binary_relay(ctx.event, ctx.payload, ctx.socket->id(), ctx.who().user_id, attachments);
    if (!b) return ctx.fail(b.error());
    pkt = std::move(b->text);
    binary_parts = std::move(b->attachments);
  }
  const std::string to_node(node_of(target));
  auto message = std::make_shared<std::string>(
      encode_bus_message(BusKind::relay, {session_id, target, ctx.socket->id(), ctx.event, pkt}, binary_parts));
  // The sender must be in the call, which its room here knows; the target's node checks the target.
  auto send = [this, c = ctx.detached(), to_node, message, kind, target = std::string(target)](CallRoom& rm) {
    const Member* from = rm.find_socket(c.socket->id());
    if (!from) return c.fail(make_error(errc::forbidden, std::string(kNotInCall)));
    if (const auto* to = rm.find_remote(target); to && !rm.same_breakout(from->user_id, to->user_id))
      return c.fail(make_error(errc::forbidden, "The other participant is in another room"));
    if (!bus_->send(to_node, std::move(*message))) return c.fail(make_error(errc::unavailable, std::string(kBusDown)));
    if (metrics_) metrics_->relayed(kind);
    c.succeed("Delivered");
  };
  if (r->runs_here()) return send(*r);
  r->run(std::move(send));
}

void SignalingService::deliver_remote_relay(const BusMessage& m) {
  // session, target socket, sender socket, event, packet, attachments…
  auto refuse = [this](std::string_view sender, std::string_view event) {
    if (!bus_->send(node_of(sender), encode_bus_message(BusKind::refused, {sender, event, kNotInCall})))
      spdlog::debug("bus: a relay refusal for {} is lost", sender);
  };
  // On the room's shard; the views are the message's (inline) or the copies' (posted).
  auto deliver = [refuse](CallRoom& rm, std::string_view target, std::string_view sender, std::string_view event,
                          std::string_view pkt, std::span<const std::string_view> parts) {
    Member* to = rm.find_socket(target);
    if (!to) return refuse(sender, event);
    if (const auto* from = rm.find_remote(sender); from && !rm.same_breakout(from->user_id, to->user_id))
      return refuse(sender, event);
    auto s = to->socket.lock();
    if (!s) return;
    if (parts.empty()) return s->send_encoded(pkt);
    s->send_with_attachments(std::string(pkt), parts);
  };
  const auto& f = m.fields;
  auto r = room(f[0], false);
  if (!r) return refuse(f[2], f[3]);
  const std::span<const std::string_view> parts(f.begin() + 5, f.end());
  if (r->runs_here()) return deliver(*r, f[1], f[2], f[3], f[4], parts);  // one I/O thread: no copy
  r->run([deliver, copies = std::vector<std::string>(f.begin() + 1, f.end())](CallRoom& rm) {
    const std::vector<std::string_view> v(copies.begin(), copies.end());
    deliver(rm, v[0], v[1], v[2], v[3], std::span<const std::string_view>(v.begin() + 4, v.end()));
  });
}

// --- what the other nodes tell ---------------------------------------------------------------------------------------

void SignalingService::on_joined_elsewhere(const BusMessage& m) {
  // session, user, new socket, packet
  auto r = room(m.fields[0], false);
  if (!r) return;
  r->run([this, user = std::string(m.fields[1]), socket_id = std::string(m.fields[2]),
          pkt = std::make_shared<const std::string>(m.fields[3])](CallRoom& rm) {
    if (Member* old = rm.find_user(user); old && old->socket_id != socket_id) {
      // The user's newer socket took the seat on another node: a second tab, or a client that came back there.
      if (old->connected)
        if (auto s = old->socket.lock()) s->emit("call_error", {replaced_json(rm.session_id())});
      count_leaving(rm, *old);
      hold_seat(rm.session_id(), user, old->socket_id, false);
      rm.remove_user(user);  // cancels its reconnect grace: the seat is no longer this node's
    }
    rm.set_remote(socket_id, user);
    rm.broadcast(pkt, socket_id);
  });
}

void SignalingService::on_bus_message(std::string_view from_node, std::string_view text) {
  auto m = decode_bus_message(text);
  if (!m) {
    spdlog::warn("bus: malformed message from node {} ignored ({} bytes)", from_node, text.size());
    return;
  }
  const auto& f = m->fields;
  switch (m->kind) {
    case BusKind::relay:
      return deliver_remote_relay(*m);
    case BusKind::refused:
      if (auto peer = registry_.find(std::string(f[0])))
        if (auto s = peer->socket())
          send_failure(*s, canonical_event(f[1]), std::nullopt, make_error(errc::forbidden, std::string(f[2])), usage_,
                       metrics_);
      return;
    case BusKind::room:
      if (auto r = room(f[0], false))
        r->run([pkt = std::make_shared<const std::string>(f[2]), except = std::string(f[1])](CallRoom& rm) {
          rm.broadcast(pkt, except);
        });
      return;
    case BusKind::joined:
      return on_joined_elsewhere(*m);
    case BusKind::left:
      if (auto r = room(f[0], false))
        r->run([this, user = std::string(f[1]), socket_id = std::string(f[2]),
                pkt = std::make_shared<const std::string>(f[3])](CallRoom& rm) {
          rm.drop_remote(user, socket_id);
          drop_member(rm, user, socket_id, pkt, false);
        });
      return;
    case BusKind::users: {
      const std::vector<std::string> users(f.begin() + 1, f.end());
      if (const auto peers = online_peers(users); !peers.empty())
        send_to(peers, std::make_shared<const std::string>(f[0]));
      return;
    }
    case BusKind::ended:
      return close_locally(std::string(f[0]), f[1], std::vector<std::string>(f.begin() + 2, f.end()));
    case BusKind::quality:
      return on_quality_elsewhere(*m);
    case BusKind::admitted:
      return admitted_here(std::string(f[0]), std::string(f[1]));
    case BusKind::breakout: {
      std::vector<std::pair<std::string, std::string>> rooms;
      for (std::size_t i = 1; i + 1 < f.size(); i += 2) rooms.emplace_back(f[i], f[i + 1]);
      if (auto r = room(f[0], false))
        r->run([rooms = std::move(rooms)](CallRoom& rm) mutable { rm.set_breakout(std::move(rooms)); });
      return;
    }
  }
}

// --- quality ---------------------------------------------------------------------------------------------------------
// Every node holding members of a call keeps the call's whole quality state: a member's report (user ids resolved)
// goes to the nodes of the call's other members, and each applies it as its own, so every member hears
// connection_quality_changed and quality_bottleneck_changed from its own node, and a member joining anywhere gets the
// current state. One of them, the smallest node id (keeps_quality), stores the summary and raises the alerts, so
// neither is written twice; when it loses its last member, the next one takes over with the same state.

bool SignalingService::keeps_quality(const CallRoom& rm) const {
  if (!bus_) return true;
  return std::none_of(rm.remote().begin(), rm.remote().end(),
                      [this](const CallRoom::Remote& r) { return node_of(r.socket_id) < node_id_; });
}

void SignalingService::share_quality(const CallRoom& rm, const calls::QualityReport& report) {
  if (!bus_ || rm.remote().empty()) return;
  std::vector<std::string_view> nodes;
  for (const auto& r : rm.remote())
    if (const auto node = node_of(r.socket_id); std::find(nodes.begin(), nodes.end(), node) == nodes.end())
      nodes.push_back(node);
  const std::string message = encode_quality_message(rm.session_id(), report);
  for (const auto node : nodes)
    if (!bus_->send(node, message)) spdlog::debug("bus down: a quality report of {} not shared", rm.session_id());
}

void SignalingService::on_quality_elsewhere(const BusMessage& m) {
  auto report = decode_quality_report(m);
  if (!report) {
    spdlog::warn("bus: malformed quality report ignored");
    return;
  }
  auto r = room(m.fields[0], false);
  if (!r) return;  // no member here (any more)
  r->run([this, report = std::move(*report)](CallRoom& rm) {
    if (rm.ended) return;
    announce_quality(rm, rm.tracker().report(report));
    rm.quality_unsaved = true;
    save_quality(rm, false);
  });
}

}  // namespace hearth::signaling

#include "signaling/service.hpp"

#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "calls/breakout.hpp"
#include "calls/call_events_diff.hpp"
#include "calls/controls.hpp"
#include "calls/policy.hpp"
#include "core/ids.hpp"
#include "core/query.hpp"
#include "core/time_format.hpp"
#include "ice/ice_json.hpp"
#include "net/shards.hpp"
#include "realtime/socketio/data.hpp"
#include "signaling/errors.hpp"
#include "signaling/event_context.hpp"
#include "signaling/payloads.hpp"
#include "signaling/relay.hpp"
#include "store/session_json.hpp"

namespace hearth::signaling {
namespace json = boost::json;
using calls::CallSession;
using realtime::socketio::IncomingEvent;
using store::Repository;

namespace {
inline constexpr std::size_t kMaxEventBytes = 64 * 1024;  // an SDP offer is a few KiB; ICE candidates far less

Error not_authenticated() { return make_error(errc::unauthenticated, "Not authenticated: send authenticate first"); }
}  // namespace

SignalingService::SignalingService(boost::asio::io_context& ioc, store::Store& store, const auth::JwtVerifier& verifier,
                                   RateLimiter& auth_failures, const ice::IceServers& ice, const Clock& clock,
                                   calls::Limits limits, SignalingOptions options)
    : ioc_(ioc),
      store_(store),
      verifier_(verifier),
      auth_failures_(auth_failures),
      ice_(ice),
      clock_(clock),
      limits_(limits),
      options_(options),
      expiry_timer_(ioc) {}

// --- connection lifecycle ----------------------------------------------------------------------------------------

Result<void> SignalingService::on_connect(const SocketPtr& socket, std::string_view auth) {
  auto peer = std::make_shared<Peer>(socket);
  socket->set_context(peer);  // on_event finds it there
  auto token = token_from_auth(auth);
  if (!token) return refuse_sign_in(socket, "Authentication failed: " + token.error().message);
  if (*token) {
    auto principal = verifier_.verify(**token, clock_.now());
    if (!principal) return refuse_sign_in(socket, "Authentication failed: " + principal.error().message);
    registry_.add(peer);
    if (auto signed_in = sign_in(peer, *principal); !signed_in) {
      registry_.remove(socket->id());
      return signed_in.error();
    }
    // After the CONNECT answer, which the Socket.IO client queues right after this returns.
    net::post(socket->executor(), [socket, p = *principal] { socket->emit("authenticated", {user_json(p)}); });
    return {};
  }
  registry_.add(peer);
  peer->auth_timer.emplace(socket->executor());
  peer->auth_timer->expires_after(options_.auth_timeout);
  peer->auth_timer->async_wait([weak_peer = std::weak_ptr<Peer>(peer)](boost::system::error_code ec) {
    auto p = weak_peer.lock();
    if (ec || !p || p->principal()) return;
    if (auto s = p->socket()) {
      s->emit("authentication_error", {R"({"message":"Authentication timeout"})"});
      s->disconnect(true);  // the whole session: an unauthenticated client holds nothing after the timeout
    }
  });
  return {};
}

Error SignalingService::refuse_sign_in(const SocketPtr& socket, std::string message) {
  if (metrics_) metrics_->auth_failed(metrics::AuthTransport::socketio);
  if (auth_failures_.acquire(socket->client(), clock_.now())) {
    if (metrics_) metrics_->rate_limited(metrics::RateLimit::auth_failures);
    // Over the failed-authentication limit of its address (shared with REST): the connection ends after the
    // refusal, so one connection cannot go on guessing.
    net::post(socket->executor(), [socket] { socket->disconnect(true); });
    return make_error(errc::rate_limited, "Too many failed authentications from this address, retry later");
  }
  return make_error(errc::unauthenticated, std::move(message));
}

Result<void> SignalingService::sign_in(const std::shared_ptr<Peer>& peer, const auth::Principal& principal) {
  if (!registry_.bind_user(principal.user_id, peer->socket_id(), options_.max_sockets_per_user)) {
    if (metrics_) metrics_->rate_limited(metrics::RateLimit::sockets_per_user);
    return make_error(errc::rate_limited,
                      fmt::format("Too many connections for this user (limit {})", options_.max_sockets_per_user));
  }
  peer->set_principal(principal);
  if (auto s = peer->socket()) s->mark_authenticated();
  peer->auth_timer.reset();  // cancels the authentication timeout, and frees the timer
  // A socket lives no longer than its token: at exp (plus the verifier's leeway) it is told and disconnected,
  // unless it has authenticated again with a newer token meanwhile.
  if (expiries_.add(principal.expires_at + verifier_.leeway(), peer))
    net::post(expiry_timer_.get_executor(), [this] { on_expiry_tick(); });
  return {};
}

// Once a second while some socket's token is due to expire.
void SignalingService::on_expiry_tick() {
  const auto now = clock_.now();
  bool idle = false;
  for (const auto& weak : expiries_.take_due(now, idle)) {
    auto peer = weak.lock();
    if (!peer || peer->closed()) continue;
    auto who = peer->principal();
    if (!who || !expired(*who, now)) continue;  // authenticated again: the newer token has its own entry
    if (auto s = peer->socket()) net::post(s->executor(), [s] { disconnect_expired(*s); });
  }
  if (idle) return;
  expiry_timer_.expires_after(std::chrono::seconds(1));
  expiry_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_expiry_tick();
  });
}

bool SignalingService::expired(const auth::Principal& principal, TimePoint now) const {
  return now >= principal.expires_at + verifier_.leeway();
}

void SignalingService::disconnect_expired(const realtime::socketio::Socket& socket) {
  socket.emit("authentication_error", {R"({"message":"Token expired"})"});
  socket.disconnect(true);
}

void SignalingService::on_disconnect(const SocketPtr& socket, std::string_view) {
  auto peer = registry_.remove(socket->id());
  if (!peer) return;
  peer->mark_closed();
  if (peer->auth_timer) peer->auth_timer->cancel();
  if (auto p = peer->principal()) registry_.unbind_user(p->user_id, socket->id());
  leave_waiting_rooms(peer);
  on_socket_lost(peer);
}

void SignalingService::on_event(const SocketPtr& socket, const IncomingEvent& ev) {
  // The socket's own Peer (on_connect), not the registry: no map shared by the shards on the way of every event.
  auto peer = std::static_pointer_cast<Peer>(socket->context());
  if (!peer || peer->closed()) return;
  Context ctx{socket, peer, canonical_event(ev.name), ev.ack_id, {}, {}, usage_, metrics_};
  if (usage_) usage_->signaling_event();
  if (metrics_) metrics_->signaling_event(metrics::event_index(ctx.event));
  const auto now = clock_.now();
  if (!peer->take_event_token(now, options_.events_per_second, options_.event_burst)) {
    if (metrics_) metrics_->rate_limited(metrics::RateLimit::socket_events);
    return ctx.fail(make_error(errc::rate_limited, "Too many events, slow down"));
  }
  std::size_t size = ev.data.size();
  for (const auto& a : ev.attachments) size += a.size();
  if (size > kMaxEventBytes)
    return ctx.fail(
        make_error(errc::payload_too_large, fmt::format("Event too large (limit {} bytes)", kMaxEventBytes)));
  auto first = first_argument(ev.args);
  ctx.payload = first;

  if (ctx.event == "authenticate") return authenticate(ctx);
  auto who = peer->principal();
  if (!who) return ctx.fail(not_authenticated());
  if (expired(*who, now)) return disconnect_expired(*socket);  // the timer may not have fired yet
  ctx.principal = std::move(who);
  if (ctx.event == "webrtc_offer" || ctx.event == "webrtc_answer" || ctx.event == "webrtc_ice_candidate")
    return relay(ctx, ev.attachments);
  if (ctx.event == "join_call_session") return join(ctx);
  if (ctx.event == "leave_call_session") return leave(ctx);
  if (ctx.event == "media_state_changed") return media(ctx);
  if (ctx.event == "decline_call") return decline(ctx);
  if (ctx.event == "call_quality_report") return quality_report(ctx);
  if (ctx.event == "get_ice_servers") return ice_servers(ctx);
  if (ctx.event == "chat_message") return chat(ctx);
  if (ctx.event == "moderate") return moderate(ctx);
  if (ctx.event == "admit_participant") return admit_participant(ctx);
  if (ctx.event == "deny_participant") return deny_participant(ctx);
  if (ctx.event == "open_breakout_rooms") return open_breakout_rooms(ctx);
  if (ctx.event == "join_breakout_room") return join_breakout_room(ctx);
  if (ctx.event == "close_breakout_rooms") return close_breakout_rooms(ctx);
  ctx.fail(make_error(errc::method_not_allowed, fmt::format("Unknown event '{}'", ctx.event)));
}

// --- authenticate --------------------------------------------------------------------------------------------------

void SignalingService::authenticate(Context& ctx) {
  auto token = token_from_argument(ctx.payload);
  auto fail = [&](const Error& e) {
    if (usage_) usage_->signaling_error(e.code);
    if (metrics_) metrics_->signaling_error(e.code);
    ctx.socket->emit("authentication_error", {json::serialize(json::object{{"message", e.message}})});
    if (ctx.ack_id) ctx.socket->ack(*ctx.ack_id, {failure_ack_json(e)});
  };
  if (!token) return fail(refuse_sign_in(ctx.socket, "Authentication failed: a token string or {token} is required"));
  auto principal = verifier_.verify(*token, clock_.now());
  if (!principal) return fail(refuse_sign_in(ctx.socket, "Authentication failed: " + principal.error().message));
  if (auto current = ctx.peer->principal(); current && current->user_id != principal->user_id)
    return fail(
        make_error(errc::unauthenticated, "Authentication failed: this socket is authenticated as another user"));
  if (auto signed_in = sign_in(ctx.peer, *principal); !signed_in) return fail(signed_in.error());
  const std::string user = user_json(*principal);
  ctx.socket->emit("authenticated", {user});
  ctx.succeed("Authenticated", user);
}

// --- join ------------------------------------------------------------------------------------------------------------

void SignalingService::join(Context& ctx) {
  auto req = parse_join(ctx.payload);
  if (!req) return ctx.fail(req.error());
  const auto now = clock_.now();
  const std::string socket_id = ctx.socket->id();
  const std::string peer_id = req->peer_id.empty() ? socket_id : req->peer_id;
  Context c = ctx.detached();
  store_.execute<Joined>(
      req->session_id,
      [id = req->session_id, caller = calls::Caller{ctx.who().user_id, ctx.who().name}, socket_id, peer_id, now,
       limits = limits_](Repository& repo) -> Result<Joined> {
        auto s = repo.find(id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        if (auto ok = calls::check_can_view(*s, caller.user_id); !ok) return ok.error();
        if (s->status == calls::Status::ended || (calls::expire(*s, now, limits) && s->status == calls::Status::ended))
          return make_error(errc::gone, "Call session has ended");
        auto admission = calls::admission(*s, caller.user_id);
        if (!admission) return admission.error();
        if (*admission == calls::Admission::wait) {  // docs/call-controls.md: the waiting room
          const bool changed = !calls::find_waiting(*s, caller.user_id);
          calls::enter_waiting(*s, caller, socket_id, peer_id, now);
          repo.update(*s);
          return Joined{std::move(*s), {}, true, changed, {}};
        }
        std::string previous;  // the socket that held the seat, when it was still taken
        if (const auto* p = s->find_participant(caller.user_id); p && p->is_active) previous = p->socket_id;
        if (auto ok = calls::activate(*s, caller, socket_id, peer_id, now, limits); !ok) return ok.error();
        if (auto* p = s->find_participant(caller.user_id)) p->left_reason = calls::LeaveReason::none;  // back in
        bool waiting_changed = calls::leave_waiting(*s, caller.user_id);  // a host, or one admitted meanwhile
        auto admitted = calls::admit_waiting_for_host(*s, now, limits);
        waiting_changed = waiting_changed || !admitted.empty();
        repo.update(*s);
        return Joined{std::move(*s), std::move(previous), false, waiting_changed, std::move(admitted)};
      },
      [this, c, peer_id](Result<Joined> res) mutable {
        if (!res) return c.fail(res.error());
        if (res->waiting) return on_waiting(c, res->session, res->waiting_changed);
        if (res->waiting_changed) announce_waiting(res->session);
        for (const auto& w : res->admitted) join_admitted(res->session, w);
        auto peer = c.peer;  // not c.peer: c is moved in the same call
        auto who = c.who();
        on_joined(peer, who, std::move(*res), peer_id, std::move(c));
      });
}

void SignalingService::on_joined(const std::shared_ptr<Peer>& peer, const auth::Principal& who, Joined joined,
                                 std::string peer_id, Context c) {
  // A new room lives on the joiner's shard (this runs on the store's thread): where a socket that names the call in
  // its handshake is placed too (placement()), so the call's relays stay on one shard.
  auto r = room(joined.session.session_id, true, c.socket->executor());
  peer->remove_waiting(joined.session.session_id);
  peer->add_session(joined.session.session_id);
  const std::string ice = ice_servers_json(ice_.servers_for(who.user_id, clock_.now()));
  r->run([this, c = std::move(c), joined = std::move(joined), peer_id = std::move(peer_id), ice](CallRoom& rm) {
    if (rm.ended) return c.fail(make_error(errc::gone, "Call session has ended"));
    const CallSession& session = joined.session;
    const auto* p = session.find_participant(c.who().user_id);
    Member* me = rm.find_user(c.who().user_id);
    std::string old_socket;
    const bool existed = me != nullptr;
    if (me && me->socket_id != c.socket->id()) {
      old_socket = me->socket_id;
      if (me->connected)
        if (auto old = me->socket.lock())  // two tabs: the newer join takes over
          old->emit("call_error", {replaced_json(session.session_id)});
    } else if (!me && !joined.previous_socket.empty() && joined.previous_socket != c.socket->id()) {
      old_socket = joined.previous_socket;  // the seat was held by a socket on another node (or one gone before)
    }
    if (!me) me = &rm.add(Member{});
    if (!existed) count_joined(rm, session);
    me->user_id = c.who().user_id;
    me->name = c.who().name;
    me->socket_id = c.socket->id();
    me->socket = c.socket;
    me->peer_id = peer_id;
    me->media = p ? p->media : calls::MediaState{};
    me->joined_at = p && p->joined_at ? *p->joined_at : clock_.now();
    me->join_started = clock_.now();
    me->answered = false;
    me->connected = true;
    me->grace.reset();                                      // cancels a running reconnect grace
    rm.set_breakout(calls::breakout_assignments(session));  // the stored rooms (me->breakout among them)
    if (!existed || !old_socket.empty()) {                  // a new seat here, or a new socket in it
      if (existed) hold_seat(session.session_id, me->user_id, old_socket, false);
      hold_seat(session.session_id, me->user_id, me->socket_id, true);
    }
    if (c.peer->closed()) {
      // The socket went away while the store completed the join: the member gets the reconnect grace like any
      // dropped socket, so the participant is not left active for ever.
      return start_grace(rm, *me, existed);
    }

    if (bus_) {
      rm.drop_remote(me->user_id);  // came here from another node
      for (const auto& other : session.participants)
        if (other.is_active && is_remote(other.socket_id) && !rm.find_user(other.user_id))
          rm.set_remote(other.socket_id, other.user_id);
    }
    const std::string answer = session_joined_json(session, rm, c.socket->id(), ice, bus_ ? &node_id_ : nullptr);
    c.socket->emit("call_session_joined", {answer});
    c.succeed("Joined call session", answer);
    send_quality_state(rm, *c.socket);
    // A socket of another shard moves to the call's (docs/architecture.md, "Moving a socket to its call"): its
    // relays then stay on one shard. At most once per connection; sockets that named the call are here already.
    if (options_.move_sockets) c.socket->move_to(rm.executor());
    std::shared_ptr<const std::string> news;
    if (!old_socket.empty()) {
      json::object o{{"sessionId", session.session_id},
                     {"userId", me->user_id},
                     {"oldSocketId", old_socket},
                     {"socketId", me->socket_id},
                     {"peerId", me->peer_id}};
      news = packet("user_reconnected", o);
    } else if (!existed) {
      auto o = member_json(session.session_id, *me);
      o["role"] = calls::to_string(calls::role_of(session, me->user_id));
      news = packet("user_joined_call", o);
    }
    if (!news) return;
    rm.broadcast(news, me->socket_id);
    tell_nodes(BusKind::joined, {session.session_id, me->user_id, me->socket_id, *news});
  });
}

// --- leave -----------------------------------------------------------------------------------------------------------

void SignalingService::leave(Context& ctx) {
  auto id = parse_session_ref(ctx.payload);
  if (!id) return ctx.fail(id.error());
  const auto now = clock_.now();
  Context c = ctx.detached();
  struct Left {
    CallSession session;
    bool was_waiting = false;  // the socket left the waiting room, not the call
  };
  store_.execute<Left>(
      *id,
      [id = *id, user = ctx.who().user_id, socket_id = ctx.socket->id(), now](Repository& repo) -> Result<Left> {
        auto s = repo.find(id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        const auto* p = s->find_participant(user);
        if (!p || !p->is_active || p->socket_id != socket_id) {
          if (!calls::leave_waiting(*s, user, socket_id))
            return make_error(errc::forbidden, "This socket is not in the call");
          repo.update(*s);
          return Left{std::move(*s), true};
        }
        calls::deactivate(*s, user, now, calls::LeaveReason::left);
        repo.update(*s);
        return Left{std::move(*s), false};
      },
      [this, c](Result<Left> res) {
        if (!res) return c.fail(res.error());
        if (res->was_waiting) {
          c.peer->remove_waiting(res->session.session_id);
          c.succeed("Left the waiting room");
          return announce_waiting(res->session);
        }
        c.peer->remove_session(res->session.session_id);
        c.succeed("Left call session");
        announce_left(res->session, c.who().user_id, c.socket->id());
      });
}

void SignalingService::announce_left(const CallSession& session, const std::string& user_id,
                                     const std::string& socket_id, bool announce_end) {
  json::object o{{"sessionId", session.session_id}, {"userId", user_id}, {"socketId", socket_id}};
  auto pkt = packet("user_left_call", o);
  // A socket of this node leaves through its member here; one of another node (a dead node's participant that the
  // survivors time out) has no member here, and its call is told all the same.
  const bool here = !is_remote(socket_id);
  if (auto r = room(session.session_id, false))
    r->run([this, user_id, socket_id, pkt, here](CallRoom& rm) { drop_member(rm, user_id, socket_id, pkt, here); });
  tell_nodes(BusKind::left, {session.session_id, user_id, socket_id, *pkt});
  if (announce_end && session.status == calls::Status::ended) ended(session);
}

// On the room's shard: `user_id`'s member with `socket_id` leaves, and the call hears `pkt`. `must_match`: nothing is
// announced if the user's member here has another socket (replaced by a newer one meanwhile). A user with no member
// here (a socket of another node, or of this node's previous run) is announced all the same.
void SignalingService::drop_member(CallRoom& rm, const std::string& user_id, const std::string& socket_id,
                                   const std::shared_ptr<const std::string>& pkt, bool must_match) {
  Member* m = rm.find_user(user_id);
  const bool here = m && m->socket_id == socket_id;
  if (m && !here && must_match) return;  // already replaced by a newer socket
  if (here) {
    count_leaving(rm, *m);
    hold_seat(rm.session_id(), user_id, socket_id, false);
    rm.remove_user(user_id);
  }
  rm.broadcast(pkt);
  if (rm.quality) announce_quality(rm, rm.quality->remove(user_id));
}

// --- disconnect and reconnect grace ---------------------------------------------------------------------------------

void SignalingService::on_socket_lost(const std::shared_ptr<Peer>& peer) {
  for (const auto& session_id : peer->sessions()) {
    auto r = room(session_id, false);
    if (!r) continue;
    r->run([this, socket_id = peer->socket_id()](CallRoom& rm) {
      if (Member* m = rm.find_socket(socket_id)) start_grace(rm, *m, true);
    });
  }
}

// On the room's shard: `m`'s socket is gone; it keeps its place for the reconnect grace.
void SignalingService::start_grace(CallRoom& rm, Member& m, bool announce) {
  m.connected = false;
  if (announce) {
    json::object o{{"sessionId", rm.session_id()}, {"userId", m.user_id}, {"socketId", m.socket_id}};
    auto pkt = packet("user_disconnected", o);
    rm.broadcast(pkt);
    tell_nodes(BusKind::room, {rm.session_id(), m.socket_id, *pkt});
  }
  m.grace = std::make_unique<boost::asio::steady_timer>(rm.executor(), options_.reconnect_grace);
  m.grace->async_wait(
      [this, session_id = rm.session_id(), user_id = m.user_id, socket_id = m.socket_id](boost::system::error_code ec) {
        if (!ec) expire_grace(session_id, user_id, socket_id);
      });
}

void SignalingService::expire_grace(const std::string& session_id, const std::string& user_id,
                                    const std::string& socket_id) {
  // Shutting down: the participant's client is reconnecting to another node (or to this one after a restart), where
  // the stored seat is still theirs. Leaving now would end calls that are only moving.
  if (draining_.load(std::memory_order_relaxed)) return;
  const auto now = clock_.now();
  store_.execute<CallSession>(
      session_id,
      [session_id, user_id, socket_id, now](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        const auto* p = s->find_participant(user_id);
        if (!p || !p->is_active || p->socket_id != socket_id) return make_error(errc::conflict, "rejoined");
        calls::deactivate(*s, user_id, now, calls::LeaveReason::disconnected);
        repo.update(*s);
        return std::move(*s);
      },
      [this, user_id, socket_id](Result<CallSession> res) {
        if (res) announce_left(*res, user_id, socket_id);
      });
}

// --- relay -----------------------------------------------------------------------------------------------------------

namespace {

// In the room: checks that both sockets are active members of it and hands the packet to the target.
// `deliver(socket)` sends to the target socket.
// The server's measure of connection set-up: from the later of the two joins to the first answer relayed between
// them, for each of the two sockets that had none since joining.
void note_answer(CallRoom& rm, Member& from, Member& to, TimePoint now, metrics::Metrics* metrics) {
  if (from.answered && to.answered) return;
  const auto start = std::max(from.join_started, to.join_started);
  const auto ms = std::chrono::duration_cast<Millis>(now - start).count();
  for (Member* m : {&from, &to}) {
    if (m->answered) continue;
    m->answered = true;
    if (metrics) metrics->call_setup(metrics::SetupOutcome::established);
    if (metrics) metrics->observe(metrics::Histogram::setup, static_cast<double>(ms) / 1000);
    rm.tracker().server_established(m->user_id, ms);
    rm.quality_unsaved = true;
  }
}

// Where a relay is counted: refusals (usage analytics and GET /metrics), deliveries and, for one relay in
// metrics::kRelaySampleEvery, its time inside the server (two clock reads are too many for every relay).
struct RelayCounting {
  metrics::UsageCounters* usage = nullptr;
  metrics::Metrics* metrics = nullptr;
  metrics::RelayKind kind{};
  std::optional<std::chrono::steady_clock::time_point> started;  // a timed relay
};

// `answered_at`: set for an answer (then the set-up time is noted).
template <class Deliver>
void deliver_relay(CallRoom& rm, const realtime::socketio::Socket& sender, std::string_view event,
                   std::optional<std::uint64_t> ack_id, std::string_view target, const RelayCounting& counting,
                   std::optional<TimePoint> answered_at, Deliver&& deliver) {
  Member* from = rm.find_socket(sender.id());
  Member* to = rm.find_socket(target);
  if (!from || !to || from == to)
    return send_failure(sender, event, ack_id,
                        make_error(errc::forbidden, "Both sockets must be active participants of this call"),
                        counting.usage, counting.metrics);
  if (from->breakout != to->breakout)  // breakout rooms: each room its own mesh
    return send_failure(sender, event, ack_id, make_error(errc::forbidden, "The other participant is in another room"),
                        counting.usage, counting.metrics);
  if (auto s = to->socket.lock()) deliver(*s);
  if (counting.metrics) counting.metrics->relayed(counting.kind);
  if (counting.started) counting.metrics->observe(metrics::Histogram::relay, metrics::seconds_since(*counting.started));
  if (answered_at) note_answer(rm, *from, *to, *answered_at, counting.metrics);
  if (ack_id) sender.ack(*ack_id, {success_ack_json("Delivered", {})});
}

}  // namespace

void SignalingService::relay(Context& ctx, std::span<const std::string> attachments) {
  // The hot path: no copy of the Context, the event name a literal, lookups without temporary strings.
  const bool offer = ctx.event == "webrtc_offer";
  const bool answer = !offer && ctx.event == "webrtc_answer";
  const std::string_view event = offer ? "webrtc_offer" : answer ? "webrtc_answer" : "webrtc_ice_candidate";
  const std::string_view field = offer ? "offer" : answer ? "answer" : "candidate";
  const auto kind = offer ? metrics::RelayKind::offer : metrics::RelayKind::ice_candidate;
  RelayCounting counting{usage_, metrics_, answer ? metrics::RelayKind::answer : kind, {}};
  if (metrics_ && metrics_->sample_relay()) counting.started = std::chrono::steady_clock::now();
  thread_local std::string scratch1, scratch2, packet;
  auto fields = relay_fields(ctx.payload, field, scratch1, scratch2);
  if (!fields) return ctx.fail(fields.error());
  std::shared_ptr<CallRoom> holder;  // set only when the room does not come from this shard's cache
  CallRoom* r = relay_room(fields->session_id, holder);
  if (!r) return ctx.fail(make_error(errc::not_found, "Call session not found or nobody is in it"));
  if (is_remote(fields->target_socket_id))
    return relay_remote(ctx, r->shared_from_this(), fields->session_id, fields->target_socket_id, attachments,
                        counting.kind);
  // The room on this shard: it is ours to use right now, so the relay is delivered inline (text relays encoded into a
  // reused buffer and copied once, into the target's send buffer, or into one task handed to the target's shard).
  // The room on another shard: the relay is handed to it (net/shards.hpp). Either way every relay of a sender takes
  // the same path, so they keep their order, text and binary alike.
  const bool here = r->runs_here();
  const auto answered_at = answer ? std::optional<TimePoint>(clock_.now()) : std::nullopt;
  if (attachments.empty() && here) {
    encode_relay(packet, ctx.event, ctx.payload, ctx.socket->id(), ctx.who().user_id);
    return deliver_relay(*r, *ctx.socket, event, ctx.ack_id, fields->target_socket_id, counting, answered_at,
                         [](const realtime::socketio::Socket& to) { to.send_encoded(std::string_view(packet)); });
  }
  std::shared_ptr<const std::string> frame;
  std::shared_ptr<const BinaryRelay> binary;
  // A binary relay is parsed and its attachments copied: only for a sender who is in the call (the room checks
  // again, as for every relay).
  if (!attachments.empty() && !ctx.peer->in_session(fields->session_id))
    return ctx.fail(make_error(errc::forbidden, "Both sockets must be active participants of this call"));
  if (attachments.empty()) {
    frame =
        std::make_shared<const std::string>(encode_relay(ctx.event, ctx.payload, ctx.socket->id(), ctx.who().user_id));
  } else {
    auto b = encode_binary_relay(ctx.event, ctx.payload, ctx.socket->id(), ctx.who().user_id, attachments);
    if (!b) return ctx.fail(b.error());
    binary = std::make_shared<const BinaryRelay>(std::move(*b));
  }
  auto in_room = [socket = ctx.socket, event, ack_id = ctx.ack_id, frame, binary, counting, answered_at,
                  target = std::string(fields->target_socket_id)](CallRoom& rm) {
    deliver_relay(rm, *socket, event, ack_id, target, counting, answered_at, [&](const realtime::socketio::Socket& to) {
      if (binary) {
        const std::vector<std::string_view> buffers(binary->attachments.begin(), binary->attachments.end());
        to.send_with_attachments(binary->text, buffers);
      } else {
        to.send_encoded(frame);
      }
    });
  };
  if (here) return in_room(*r);  // a binary relay on the room's shard: inline too, in order with the text ones
  r->run(std::move(in_room));
}

// --- media -----------------------------------------------------------------------------------------------------------

void SignalingService::media(Context& ctx) {
  auto req = parse_media(ctx.payload);
  if (!req) return ctx.fail(req.error());
  Context c = ctx.detached();
  store_.execute<CallSession>(
      req->session_id,
      [req = *req, user = ctx.who().user_id, socket_id = ctx.socket->id()](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        const auto* p = s->find_participant(user);
        if (!p || !p->is_active || p->socket_id != socket_id)
          return make_error(errc::forbidden, "This socket is not in the call");
        if (auto ok = calls::update_media(*s, user, req.applied_to(p->media)); !ok) return ok.error();
        repo.update(*s);
        return std::move(*s);
      },
      [this, c](Result<CallSession> res) {
        if (!res) return c.fail(res.error());
        c.succeed("Media state updated");
        media_changed(*res, c.who().user_id);
      });
}

void SignalingService::media_changed(const CallSession& session, const std::string& user_id) {
  const auto* p = session.find_participant(user_id);
  if (!p) return;
  auto r = room(session.session_id, false);
  // socketId as in the session document: null for a member whose socket never joined (a REST change).
  const json::value socket_id = p->socket_id.empty() ? json::value(nullptr) : json::value(p->socket_id);
  json::object o{{"sessionId", session.session_id}, {"userId", user_id},
                 {"socketId", socket_id},           {"hasVideo", p->media.has_video},
                 {"hasAudio", p->media.has_audio},  {"isScreenSharing", p->media.is_screen_sharing}};
  auto pkt = packet("media_state_changed", o);
  if (r)
    r->run([pkt, user_id, media = p->media](CallRoom& rm) {
      Member* m = rm.find_user(user_id);
      if (m) m->media = media;
      rm.broadcast(pkt, m ? std::string_view(m->socket_id) : std::string_view{});
    });
  tell_nodes(BusKind::room, {session.session_id, p->socket_id, *pkt});
}

// --- decline ---------------------------------------------------------------------------------------------------------

void SignalingService::decline(Context& ctx) {
  auto id = parse_session_ref(ctx.payload);
  if (!id) return ctx.fail(id.error());
  const auto now = clock_.now();
  Context c = ctx.detached();
  store_.execute<CallSession>(
      *id,
      [id = *id, user = ctx.who().user_id, now](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        if (auto ok = calls::check_can_view(*s, user); !ok) return ok.error();
        if (user == s->initiator_id)
          return make_error(errc::invalid_argument, "sessionId: the initiator cannot decline; end the call instead");
        if (s->status == calls::Status::ended) return make_error(errc::gone, "Call session has ended");
        if (s->session_type == calls::SessionType::one_to_one) {
          calls::end(*s, calls::EndReason::declined, user, now);
          repo.update(*s);
        }
        return std::move(*s);
      },
      [this, c](Result<CallSession> res) {
        if (!res) return c.fail(res.error());
        c.succeed("Call declined");
        json::object o{{"sessionId", res->session_id}, {"userId", c.who().user_id}, {"name", c.who().name}};
        auto pkt = packet("call_declined", o);
        send_to(online_peers({}, &res->initiator_id), pkt);
        tell_nodes(BusKind::users, {*pkt, res->initiator_id});
        if (res->status == calls::Status::ended) ended(*res);
      });
}

// --- ICE servers -----------------------------------------------------------------------------------------------------

// Fresh TURN credentials for a call that outlives its first ones (the client asks before an ICE restart). Only the
// per-socket event limit applies: minting is one HMAC, and nothing is stored.
void SignalingService::ice_servers(Context& ctx) {
  const auto config = ice_.client_config(ctx.who().user_id, clock_.now());
  ctx.succeed("ICE servers", json::serialize(ice::client_config_json(config)));
}

// --- quality ---------------------------------------------------------------------------------------------------------

namespace {

double rounded(double mos) { return std::round(mos * 100) / 100; }

std::shared_ptr<const std::string> level_packet(const CallRoom& rm, const calls::LevelChange& c) {
  const Member* m = nullptr;
  for (const auto& member : rm.members())
    if (member.user_id == c.user_id) m = &member;
  const auto* remote = m ? nullptr : rm.find_remote_user(c.user_id);
  const json::value socket_id = m        ? json::value(m->socket_id)
                                : remote ? json::value(remote->socket_id)
                                         : json::value(nullptr);
  json::object o{{"sessionId", rm.session_id()},
                 {"userId", c.user_id},
                 {"socketId", socket_id},
                 {"level", calls::to_string(c.level)},
                 {"mos", rounded(c.mos)}};
  return packet("connection_quality_changed", o);
}

std::shared_ptr<const std::string> bottleneck_packet(const CallRoom& rm, const std::optional<std::string>& user) {
  json::object o{{"sessionId", rm.session_id()}, {"userId", user ? json::value(*user) : json::value(nullptr)}};
  return packet("quality_bottleneck_changed", o);
}

}  // namespace

void SignalingService::quality_report(Context& ctx) {
  // Limited before anything grows with the payload: one report a second per socket, with a small burst.
  if (!ctx.peer->take_report_token(clock_.now(), options_.quality_reports_per_second, options_.quality_report_burst)) {
    if (metrics_) metrics_->rate_limited(metrics::RateLimit::quality_reports);
    return ctx.fail(make_error(errc::rate_limited, "Too many quality reports, send one every few seconds"));
  }
  auto req = parse_quality_report(ctx.payload);
  if (!req) return ctx.fail(req.error());
  auto r = ctx.peer->in_session(req->session_id) ? room(req->session_id, false) : nullptr;
  if (!r) return ctx.fail(make_error(errc::forbidden, "This socket is not in the call"));
  r->run([this, c = ctx.detached(), req = std::move(*req)](CallRoom& rm) mutable {
    if (rm.ended) return c.fail(make_error(errc::gone, "Call session has ended"));
    const Member* me = rm.find_socket(c.socket->id());
    if (!me) return c.fail(make_error(errc::forbidden, "This socket is not in the call"));
    calls::QualityReport report{me->user_id, req.connection_established_ms, {}};
    report.links.reserve(req.links.size());
    for (auto& link : req.links) {
      const Member* sender = rm.find_socket(link.socket_id);
      const auto* remote = sender ? nullptr : rm.find_remote(link.socket_id);  // a member on another node
      if ((!sender && !remote) || sender == me) continue;  // a peer that left meanwhile, or nonsense: not scored
      link.report.sender = sender ? sender->user_id : remote->user_id;
      if (metrics_)
        metrics_->quality_link(link.report.local_candidate ? static_cast<std::size_t>(*link.report.local_candidate)
                                                           : metrics::kCandidateTypes.size());
      report.links.push_back(std::move(link.report));
    }
    const std::string user = me->user_id;  // `me` may move when announcing
    share_quality(rm, report);
    announce_quality(rm, rm.tracker().report(report));
    rm.quality_unsaved = true;
    save_quality(rm, false);
    for (const auto& l : rm.quality->levels())
      if (l.user_id == user) {
        if (metrics_) metrics_->observe(metrics::Histogram::mos, l.mos);
        json::object data{{"level", calls::to_string(l.level)}, {"mos", rounded(l.mos)}};
        return c.succeed("Quality report received", json::serialize(data));
      }
    c.succeed("Quality report received");
  });
}

void SignalingService::announce_quality(CallRoom& rm, const calls::QualityChanges& changes) {
  std::vector<calls::CallEvent> alerts;  // quality_alert webhooks: once per change to poor or lost
  for (const auto& change : changes.levels) {
    rm.broadcast(level_packet(rm, change));
    if (auto alert = calls::quality_alert(change.user_id, change.level, change.mos, clock_.now()))
      alerts.push_back(std::move(*alert));
  }
  if (changes.bottleneck_changed) rm.broadcast(bottleneck_packet(rm, rm.quality->bottleneck()));
  if (!changes.levels.empty() || changes.bottleneck_changed) rm.quality_unsaved = true;
  if (alerts.empty() || !keeps_quality(rm)) return;
  store_.execute<bool>(
      rm.session_id(),
      [id = rm.session_id(), alerts = std::move(alerts)](Repository& repo) -> Result<bool> {
        const auto s = repo.find(id, true);
        if (!s || s->status == calls::Status::ended) return false;  // no alert after the call_ended event
        repo.append_events(id, alerts);                             // nothing when webhooks are off
        return true;
      },
      [id = rm.session_id()](Result<bool> res) {
        if (!res) spdlog::warn("quality alert of {} not stored: {}", id, res.error().message);
      });
}

void SignalingService::send_quality_state(CallRoom& rm, const realtime::socketio::Socket& to) {
  if (!rm.quality) return;
  for (const auto& level : rm.quality->levels()) to.send_encoded(level_packet(rm, level));
  if (rm.quality->bottleneck()) to.send_encoded(bottleneck_packet(rm, rm.quality->bottleneck()));
}

void SignalingService::save_quality(CallRoom& rm, bool now) {
  const auto at = clock_.now();
  if (!rm.quality || !rm.quality_unsaved || !keeps_quality(rm)) return;
  if (!now && at - rm.quality_saved_at < options_.quality_save_interval) return;
  rm.quality_saved_at = at;
  rm.quality_unsaved = false;
  store_.execute<bool>(
      rm.session_id(),
      [id = rm.session_id(), summary = rm.quality->summary()](Repository& repo) -> Result<bool> {
        repo.save_quality(id, summary);
        return true;
      },
      [id = rm.session_id()](Result<bool> res) {
        if (!res) spdlog::warn("quality summary of {} not stored: {}", id, res.error().message);
      });
}

// --- announcements (CallEvents) --------------------------------------------------------------------------------------

void SignalingService::initiated(const CallSession& session) {
  if (metrics_) metrics_->call_initiated(static_cast<std::size_t>(session.session_type));
  const auto invited = online_peers(session.invitees);
  if (invited.empty() && !bus_) return;  // nobody to ring: the invitation is not even built
  const auto& initiator = session.participants.front();
  json::object o{{"sessionId", session.session_id},
                 {"sessionType", calls::to_string(session.session_type)},
                 {"initiator", json::object{{"userId", initiator.user_id}, {"name", initiator.name}}},
                 {"callSettings", store::to_json(session.call_settings)},
                 {"metadata", store::to_json(session.metadata)}};
  auto pkt = packet("call_invitation", o);
  send_to(invited, pkt);
  tell_nodes(BusKind::users, {*pkt}, session.invitees);
}

void SignalingService::ended(const CallSession& session) {
  if (metrics_)
    metrics_->call_ended(static_cast<std::size_t>(session.session_type), static_cast<std::size_t>(session.end_reason));
  json::object o{{"sessionId", session.session_id},
                 {"endedBy", session.ended_by.empty() ? json::value(nullptr) : json::value(session.ended_by)},
                 {"reason", calls::to_string(session.end_reason)},
                 {"duration", session.duration_seconds}};
  auto pkt = packet("call_ended", o);
  std::vector<std::string> users{session.initiator_id};
  users.insert(users.end(), session.invitees.begin(), session.invitees.end());
  tell_nodes(BusKind::ended, {session.session_id, *pkt}, users);
  close_locally(session.session_id, *pkt, users);
}

// The call ended (here or on another node): its users' sockets here hear `pkt`, and its room here closes.
void SignalingService::close_locally(const std::string& session_id, std::string_view pkt,
                                     const std::vector<std::string>& users) {
  if (const auto members = online_peers(users); !members.empty())
    send_to(members, std::make_shared<const std::string>(pkt));
  if (auto r = room(session_id, false)) {
    r->run([this](CallRoom& rm) {
      if (rm.quality) save_quality(rm, true);  // the final summary, before the call is recorded for analytics
      rm.ended = true;
      for (const auto& m : rm.members()) {
        count_leaving(rm, m);
        hold_seat(rm.session_id(), m.user_id, m.socket_id, false);
      }
      if (metrics_ && rm.counted_type >= 0)
        metrics_->calls_active_changed(static_cast<std::size_t>(rm.counted_type), -1);
      rm.members().clear();  // cancels reconnect graces
    });
    drop_room(session_id);
  }
}

// --- rooms and users -------------------------------------------------------------------------------------------------

// On the room's shard. hearth_calls_active counts a room from its first member's join until the call ends;
// hearth_participants_active its members, connected or within the reconnect grace.
void SignalingService::count_joined(CallRoom& rm, const CallSession& session) {
  if (!metrics_) return;
  metrics_->participants_changed(1);
  if (rm.counted_type >= 0) return;
  rm.counted_type = static_cast<int>(session.session_type);
  metrics_->calls_active_changed(static_cast<std::size_t>(rm.counted_type), 1);
}

// On the room's shard: `m` leaves the room. A set-up failed if it never had an answer relayed although someone else
// was in the room.
void SignalingService::count_leaving(const CallRoom& rm, const Member& m) {
  if (!metrics_) return;
  metrics_->participants_changed(-1);
  if (!m.answered && rm.members().size() > 1) metrics_->call_setup(metrics::SetupOutcome::failed);
}

std::shared_ptr<CallRoom> SignalingService::room(std::string_view session_id, bool create,
                                                 boost::asio::any_io_executor home) {
  std::lock_guard lock(rooms_mutex_);
  auto it = rooms_.find(session_id);
  if (it != rooms_.end()) return it->second;
  if (!create) return nullptr;
  auto r = std::make_shared<CallRoom>(home ? std::move(home) : net::this_shard_or(ioc_), std::string(session_id));
  rooms_.emplace(session_id, r);
  return r;
}

void SignalingService::drop_room(const std::string& session_id) {
  std::lock_guard lock(rooms_mutex_);
  auto it = rooms_.find(session_id);
  if (it == rooms_.end()) return;
  it->second->dropped.store(true, std::memory_order_release);  // the shards' relay caches let go of it
  rooms_.erase(it);
}

void SignalingService::set_shards(unsigned count) { room_caches_.resize(count); }

boost::asio::any_io_executor SignalingService::placement(std::string_view handshake_target) {
  const net::Shard* here = net::Shards::current();
  if (here == nullptr || here->shards().size() < 2) return {};
  const auto call = query_value(parse_query(query_of(handshake_target)), "callId");
  if (!is_session_id(call)) return {};
  if (auto r = room(call, false)) return r->executor();
  auto& all = here->shards();
  return all[static_cast<unsigned>(std::hash<std::string_view>{}(call) % all.size())].executor();
}

CallRoom* SignalingService::relay_room(std::string_view session_id, std::shared_ptr<CallRoom>& holder) {
  const auto* shard = net::Shards::current();
  if (!shard || shard->index() >= room_caches_.size()) {
    holder = room(session_id, false);
    return holder.get();
  }
  auto& cache = room_caches_[shard->index()];
  if (auto it = cache.rooms.find(session_id); it != cache.rooms.end()) {
    if (!it->second->dropped.load(std::memory_order_acquire)) return it->second.get();
    cache.rooms.erase(it);
  }
  auto r = room(session_id, false);
  if (!r) return nullptr;
  if (cache.rooms.size() >= cache.prune_at) {
    std::erase_if(cache.rooms, [](const auto& e) { return e.second->dropped.load(std::memory_order_acquire); });
    cache.prune_at = std::max<std::size_t>(64, 2 * cache.rooms.size());
  }
  return cache.rooms.emplace(std::string(session_id), std::move(r)).first->second.get();
}

std::vector<std::shared_ptr<Peer>> SignalingService::online_peers(const std::vector<std::string>& users,
                                                                  const std::string* also) const {
  std::vector<std::shared_ptr<Peer>> out;
  const auto add = [&](const std::string& user) {
    for (auto& peer : registry_.peers_of(user)) out.push_back(std::move(peer));
  };
  if (also) add(*also);
  for (const auto& user : users) add(user);
  return out;
}

void SignalingService::send_to(const std::vector<std::shared_ptr<Peer>>& peers,
                               const std::shared_ptr<const std::string>& pkt) {
  for (const auto& peer : peers)
    if (auto s = peer->socket()) s->send_encoded(pkt);
}

}  // namespace hearth::signaling

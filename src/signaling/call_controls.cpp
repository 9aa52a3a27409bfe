// SignalingService: the call controls (docs/call-controls.md) — the waiting room, the hosts' moderation and the
// chat. Every decision is a store operation on the session (calls/controls.hpp), so nodes that share the store agree;
// what follows it is told like the rest of signaling: to the call's sockets (room and bus), or to every socket of some
// users (registry and bus).
#include <boost/json.hpp>

#include "calls/controls.hpp"
#include "net/shards.hpp"
#include "signaling/control_payloads.hpp"
#include "signaling/event_context.hpp"
#include "signaling/service.hpp"
#include "store/chat_json.hpp"

#include <spdlog/spdlog.h>

namespace hearth::signaling {
namespace json = boost::json;
using calls::CallSession;
using store::Repository;

void SignalingService::send_to_users(const std::vector<std::string>& users,
                                     const std::shared_ptr<const std::string>& pkt) {
  if (users.empty()) return;
  send_to(online_peers(users), pkt);
  tell_nodes(BusKind::users, {*pkt}, users);
}

void SignalingService::send_to_call(const std::string& session_id, const std::shared_ptr<const std::string>& pkt) {
  if (auto r = room(session_id, false)) r->run([pkt](CallRoom& rm) { rm.broadcast(pkt); });
  tell_nodes(BusKind::room, {session_id, "", *pkt});
}

// --- the waiting room ------------------------------------------------------------------------------------------------

void SignalingService::on_waiting(Context& c, const CallSession& session, bool changed) {
  c.peer->add_waiting(session.session_id);
  if (c.peer->closed()) leave_waiting_rooms(c.peer);  // went away while the store worked: out again
  json::object o{{"sessionId", session.session_id}};
  c.socket->emit("waiting_room_entered", {json::serialize(o)});
  o["waiting"] = true;
  c.succeed("Waiting for the host to admit you", json::serialize(o));
  if (changed) announce_waiting(session);
}

void SignalingService::announce_waiting(const CallSession& session) {
  json::object o{{"sessionId", session.session_id}, {"waiting", waiting_json(session)}};
  send_to_users(calls::hosts_of(session), packet("waiting_room_updated", o));
}

void SignalingService::leave_waiting_rooms(const std::shared_ptr<Peer>& peer) {
  const auto who = peer->principal();
  if (!who) return;
  for (const auto& session_id : peer->waiting()) {
    peer->remove_waiting(session_id);
    store_.execute<CallSession>(
        session_id,
        [session_id, user = who->user_id, socket_id = peer->socket_id()](Repository& repo) -> Result<CallSession> {
          auto s = repo.find(session_id, true);
          if (!s) return make_error(errc::not_found, "Call session not found");
          if (!calls::leave_waiting(*s, user, socket_id)) return make_error(errc::conflict, "not waiting");
          repo.update(*s);
          return std::move(*s);
        },
        [this](Result<CallSession> res) {
          if (res) announce_waiting(*res);
        });
  }
}

void SignalingService::admit_participant(Context& ctx) {
  auto req = parse_waiting_decision(ctx.payload, false);
  if (!req) return ctx.fail(req.error());
  struct Admitted {
    CallSession session;
    calls::WaitingUser user;
  };
  store_.execute<Admitted>(
      req->session_id,
      [req = *req, by = calls::Actor{ctx.who().user_id, ctx.socket->id()}, now = clock_.now(),
       limits = limits_](Repository& repo) -> Result<Admitted> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        auto admitted = calls::admit(*s, by, req.user_id, now, limits);
        if (!admitted) return admitted.error();
        repo.update(*s);
        return Admitted{std::move(*s), std::move(*admitted)};
      },
      [this, c = ctx.detached()](Result<Admitted> res) {
        if (!res) return c.fail(res.error());
        c.succeed("Participant admitted");
        announce_waiting(res->session);
        join_admitted(res->session, res->user);
      });
}

void SignalingService::deny_participant(Context& ctx) {
  auto req = parse_waiting_decision(ctx.payload, true);
  if (!req) return ctx.fail(req.error());
  store_.execute<CallSession>(
      req->session_id,
      [req = *req, by = calls::Actor{ctx.who().user_id, ctx.socket->id()},
       now = clock_.now()](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        if (auto denied = calls::deny(*s, by, req.user_id, now); !denied) return denied.error();
        repo.update(*s);
        return std::move(*s);
      },
      [this, c = ctx.detached(), user = req->user_id, reason = req->reason](Result<CallSession> res) {
        if (!res) return c.fail(res.error());
        c.succeed("Participant denied");
        for (const auto& peer : online_peers({user})) peer->remove_waiting(res->session_id);
        json::object o{{"sessionId", res->session_id},
                       {"reason", reason.empty() ? json::value(nullptr) : json::value(reason)}};
        send_to_users({user}, packet("waiting_room_denied", o));
        announce_waiting(*res);
      });
}

void SignalingService::join_admitted(const CallSession& session, const calls::WaitingUser& admitted) {
  if (!is_remote(admitted.socket_id)) return complete_admission(session, admitted.socket_id);
  if (!bus_->send(node_of(admitted.socket_id),
                  encode_bus_message(BusKind::admitted, {session.session_id, admitted.socket_id})))
    spdlog::debug("bus down: the admission of {} to {} not told", admitted.user_id, session.session_id);
}

void SignalingService::admitted_here(const std::string& session_id, const std::string& socket_id) {
  store_.execute<CallSession>(
      session_id,
      [session_id](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(session_id, false);
        if (!s) return make_error(errc::not_found, "Call session not found");
        return std::move(*s);
      },
      [this, socket_id](Result<CallSession> res) {
        if (res) complete_admission(*res, socket_id);
      });
}

// On the admitted socket's node: the join completes as if the socket had joined now. A socket gone meanwhile holds
// a seat nobody uses: it is let go at once (as when a reconnect grace runs out).
void SignalingService::complete_admission(const CallSession& session, const std::string& socket_id) {
  const auto* p = [&]() -> const calls::Participant* {
    for (const auto& q : session.participants)
      if (q.is_active && q.socket_id == socket_id) return &q;
    return nullptr;
  }();
  if (!p) return;  // the seat changed hands meanwhile
  auto peer = registry_.find(socket_id);
  auto socket = peer ? peer->socket() : nullptr;
  auto who = peer ? peer->principal() : nullptr;
  if (!peer || !socket || !who || peer->closed()) return expire_grace(session.session_id, p->user_id, socket_id);
  Context c{socket, peer, "join_call_session", std::nullopt, {}, who, usage_, metrics_};
  on_joined(peer, *who, Joined{session, {}, false, false, {}}, p->peer_id, std::move(c));
}

// --- moderation ------------------------------------------------------------------------------------------------------

void SignalingService::moderate(Context& ctx) {
  auto req = parse_moderate(ctx.payload);
  if (!req) return ctx.fail(req.error());
  struct Moderated {
    CallSession session;
    calls::ModerationOutcome outcome;
  };
  store_.execute<Moderated>(
      req->session_id,
      [req = *req, by = calls::Actor{ctx.who().user_id, ctx.socket->id()},
       now = clock_.now()](Repository& repo) -> Result<Moderated> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        auto outcome = calls::moderate(*s, by, req.request, now);
        if (!outcome) return outcome.error();
        repo.update(*s);
        return Moderated{std::move(*s), std::move(*outcome)};
      },
      [this, c = ctx.detached()](Result<Moderated> res) {
        if (!res) return c.fail(res.error());
        c.succeed("Moderation applied");
        const auto& s = res->session;
        const auto& e = res->outcome.entry;
        const std::string& target = e.target_user_id;
        json::object o{{"sessionId", s.session_id},
                       {"action", calls::to_string(e.action)},
                       {"targetUserId", target.empty() ? json::value(nullptr) : json::value(target)},
                       {"byUserId", e.by_user_id}};
        if (e.action == calls::ModerationAction::mute_audio || e.action == calls::ModerationAction::disable_video)
          o["lock"] = e.lock;
        send_to_call(s.session_id, packet("moderation_applied", o));
        if (res->outcome.media_changed) media_changed(s, target);
        switch (e.action) {
          case calls::ModerationAction::remove: {
            json::object removed{{"sessionId", s.session_id}, {"byUserId", e.by_user_id}};
            send_to_users({target}, packet("removed_from_call", removed));
            for (const auto& peer : online_peers({target})) {
              peer->remove_waiting(s.session_id);
              if (peer->socket_id() == res->outcome.removed_socket) peer->remove_session(s.session_id);
            }
            if (!res->outcome.removed_socket.empty()) announce_left(s, target, res->outcome.removed_socket);
            if (res->outcome.was_waiting) announce_waiting(s);
            break;
          }
          case calls::ModerationAction::make_cohost:
            if (!s.waiting.empty()) announce_waiting(s);  // the new co-host learns the list
            break;
          case calls::ModerationAction::end_call:
            ended(s);
            break;
          default:
            break;
        }
      });
}

// --- chat ------------------------------------------------------------------------------------------------------------

void SignalingService::chat(Context& ctx) {
  // Limited before anything grows with the payload or reaches the store.
  if (!ctx.peer->take_chat_token(clock_.now(), options_.chat_messages_per_second, options_.chat_message_burst)) {
    if (metrics_) metrics_->rate_limited(metrics::RateLimit::socket_events);
    return ctx.fail(make_error(errc::rate_limited, "Too many chat messages, slow down"));
  }
  auto req = parse_chat(ctx.payload);
  if (!req) return ctx.fail(req.error());
  struct Sent {
    store::ChatMessage message;
    bool fresh = false;
    std::vector<std::string> audience;  // a direct or waiting-room message's users; empty: the call
  };
  store_.execute<Sent>(
      req->session_id,
      [req = std::move(*req), by = calls::Actor{ctx.who().user_id, ctx.socket->id()}, name = ctx.who().name,
       now = clock_.now()](Repository& repo) -> Result<Sent> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        if (auto ok = calls::check_can_view(*s, by.user_id); !ok) return ok.error();
        if (s->status == calls::Status::ended) return make_error(errc::gone, "Call session has ended");
        const auto* p = s->find_participant(by.user_id);
        const bool in_call = p && p->is_active && p->socket_id == by.socket_id;
        std::vector<std::string> audience;
        const bool to_waiting =
            req.to_waiting_room || (!req.to_user_id.empty() && calls::find_waiting(*s, req.to_user_id));
        if (to_waiting) {
          if (auto ok = calls::check_host_in_call(*s, by); !ok) return ok.error();
          if (req.to_waiting_room)
            for (const auto& w : s->waiting) audience.push_back(w.user_id);
          else
            audience.push_back(req.to_user_id);
          for (auto& h : calls::hosts_of(*s)) audience.push_back(std::move(h));
        } else {
          if (!in_call) return make_error(errc::forbidden, "This socket is not in the call");
          if (!req.to_user_id.empty()) {
            if (!s->is_member(req.to_user_id) || req.to_user_id == by.user_id)
              return make_error(errc::invalid_argument, "toUserId: another member of this call");
            audience = {by.user_id, req.to_user_id};
          }
        }
        store::ChatMessage m;
        m.session_id = req.session_id;
        m.client_message_id = req.client_message_id;
        m.from_user_id = by.user_id;
        m.from_name = name.empty() ? by.user_id : name;
        m.to_user_id = req.to_waiting_room ? std::string() : req.to_user_id;
        m.to_waiting_room = to_waiting;  // to one waiting user too: the hosts read it in the history as they heard it
        m.text = req.text;
        m.created_at = now;
        auto [stored, fresh] = repo.append_chat(std::move(m));
        return Sent{std::move(stored), fresh, std::move(audience)};
      },
      [this, c = ctx.detached()](Result<Sent> res) {
        if (!res) return c.fail(res.error());
        const auto& m = res->message;
        json::object data{
            {"messageId", m.message_id}, {"seq", m.seq}, {"timestamp", store::chat_message_json(m).at("timestamp")}};
        if (!res->fresh) data["duplicate"] = true;
        c.succeed("Message sent", json::serialize(data));
        if (!res->fresh) return;  // a retry: heard the first time
        auto pkt = packet("chat_message_received", store::chat_message_json(m));
        if (res->audience.empty()) return send_to_call(m.session_id, pkt);
        send_to_users(res->audience, pkt);
      });
}

}  // namespace hearth::signaling

// SignalingService: breakout rooms (docs/call-controls.md, "Breakout rooms"). The rounds are stored with the session
// (calls/breakout.hpp); each node's call room holds who is in which room, and relays stay within one (service.cpp,
// deliver_relay; cross_node.cpp for relays between nodes). A round's timer and a closing countdown run on shard 0 of
// the node that was asked.
#include <random>

#include <boost/json.hpp>

#include "calls/breakout.hpp"
#include "core/time_format.hpp"
#include "signaling/control_payloads.hpp"
#include "signaling/event_context.hpp"
#include "signaling/service.hpp"

namespace hearth::signaling {
namespace json = boost::json;
using calls::CallSession;
using store::Repository;

namespace {

json::value time_or_null(const std::optional<TimePoint>& t) {
  return t ? json::value(format_iso8601(*t)) : json::value(nullptr);
}

}  // namespace

void SignalingService::apply_breakout(const CallSession& session) {
  auto rooms = calls::breakout_assignments(session);
  std::vector<std::string> fields;
  for (const auto& [user, room] : rooms) {
    fields.push_back(user);
    fields.push_back(room);
  }
  if (auto r = room(session.session_id, false))
    r->run([rooms = std::move(rooms)](CallRoom& rm) mutable { rm.set_breakout(std::move(rooms)); });
  tell_nodes(BusKind::breakout, {session.session_id}, fields);
}

void SignalingService::open_breakout_rooms(Context& ctx) {
  auto req = parse_open_breakout(ctx.payload);
  if (!req) return ctx.fail(req.error());
  store_.execute<CallSession>(
      req->session_id,
      [req = std::move(*req), by = calls::Actor{ctx.who().user_id, ctx.socket->id()}, now = clock_.now(),
       seed = std::random_device{}()](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        if (auto opened = calls::open_breakout(*s, by, req.request, now, seed); !opened) return opened.error();
        repo.update(*s);
        return std::move(*s);
      },
      [this, c = ctx.detached()](Result<CallSession> res) {
        if (!res) return c.fail(res.error());
        const auto& round = *res->breakout;
        json::object data{{"rooms", breakout_rooms_json(round)}, {"endsAt", time_or_null(round.ends_at)}};
        c.succeed("Breakout rooms opened", json::serialize(data));
        apply_breakout(*res);
        data["sessionId"] = res->session_id;
        send_to_call(res->session_id, packet("breakout_rooms_opened", data));
        for (const auto& r : round.rooms) {
          json::array participants;
          for (const auto& user : r.user_ids) {
            const auto* p = res->find_participant(user);
            participants.emplace_back(json::object{{"userId", user}, {"name", p ? p->name : user}});
          }
          json::object assigned{{"sessionId", res->session_id},
                                {"roomId", r.room_id},
                                {"name", r.name},
                                {"participants", std::move(participants)}};
          send_to_users(r.user_ids, packet("breakout_room_assigned", assigned));
        }
        if (round.ends_at)
          close_breakout_later(res->session_id, round.opened_at,
                               std::chrono::duration_cast<std::chrono::seconds>(*round.ends_at - round.opened_at));
      });
}

void SignalingService::join_breakout_room(Context& ctx) {
  auto req = parse_breakout_move(ctx.payload);
  if (!req) return ctx.fail(req.error());
  store_.execute<CallSession>(
      req->session_id,
      [req = *req, by = calls::Actor{ctx.who().user_id, ctx.socket->id()}](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        if (auto moved = calls::visit_breakout(*s, by, req.room_id); !moved) return moved.error();
        repo.update(*s);
        return std::move(*s);
      },
      [this, c = ctx.detached(), room_id = req->room_id](Result<CallSession> res) {
        if (!res) return c.fail(res.error());
        c.succeed("Breakout room joined");
        apply_breakout(*res);
        json::object o{{"sessionId", res->session_id},
                       {"userId", c.who().user_id},
                       {"roomId", room_id.empty() ? json::value(nullptr) : json::value(room_id)}};
        send_to_call(res->session_id, packet("breakout_room_changed", o));
      });
}

void SignalingService::close_breakout_rooms(Context& ctx) {
  auto req = parse_close_breakout(ctx.payload);
  if (!req) return ctx.fail(req.error());
  store_.execute<CallSession>(
      req->session_id,
      [req = *req, by = calls::Actor{ctx.who().user_id, ctx.socket->id()},
       now = clock_.now()](Repository& repo) -> Result<CallSession> {
        auto s = repo.find(req.session_id, true);
        if (!s) return make_error(errc::not_found, "Call session not found");
        const auto countdown = std::chrono::seconds(req.countdown_seconds);
        if (auto ok = calls::schedule_breakout_close(*s, by, countdown, now); !ok) return ok.error();
        repo.update(*s);  // the sweeper closes the round then, should this node's timer not
        return std::move(*s);
      },
      [this, c = ctx.detached(), countdown = req->countdown_seconds](Result<CallSession> res) {
        if (!res) return c.fail(res.error());
        c.succeed("Breakout rooms closing");
        json::object o{{"sessionId", res->session_id}, {"secondsLeft", countdown}};
        send_to_call(res->session_id, packet("breakout_rooms_closing", o));
        close_breakout_later(res->session_id, res->breakout->opened_at, std::chrono::seconds(countdown));
      });
}

void SignalingService::breakout_closed(const CallSession& session) {
  apply_breakout(session);
  send_to_call(session.session_id, packet("breakout_rooms_closed", json::object{{"sessionId", session.session_id}}));
}

void SignalingService::close_breakout_later(const std::string& session_id, TimePoint opened_at,
                                            std::chrono::seconds after) {
  auto close = [this, session_id, opened_at] {
    store_.execute<CallSession>(
        session_id,
        [session_id, opened_at, now = clock_.now()](Repository& repo) -> Result<CallSession> {
          auto s = repo.find(session_id, true);
          if (!s) return make_error(errc::not_found, "Call session not found");
          if (!calls::close_breakout(*s, opened_at, now)) return make_error(errc::conflict, "closed already");
          repo.update(*s);
          return std::move(*s);
        },
        [this](Result<CallSession> res) {
          if (res) breakout_closed(*res);  // else closed already (a second countdown, the sweeper, the call's end)
        });
  };
  if (after.count() <= 0) return close();
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, after);
  timer->async_wait([timer, close = std::move(close)](boost::system::error_code ec) {
    if (!ec) close();
  });
}

}  // namespace hearth::signaling

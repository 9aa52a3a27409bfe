#include "calls/breakout.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

namespace hearth::calls {
namespace {

Error invalid(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

Result<void> check_breakout_host(const CallSession& s, const Actor& by) {
  if (s.session_type != SessionType::group) return invalid("sessionId: breakout rooms are for group calls");
  return check_host_in_call(s, by);
}

// The rooms of a request by hand, checked: members only, each in one room.
Result<std::vector<BreakoutSpec>> by_hand(const CallSession& s, const BreakoutRequest& req) {
  std::vector<std::string_view> placed;
  for (std::size_t i = 0; i < req.rooms.size(); ++i)
    for (const auto& user : req.rooms[i].user_ids) {
      if (!s.is_member(user))
        return invalid(fmt::format("rooms[{}].userIds: {} is not a member of this call", i, user));
      if (std::find(placed.begin(), placed.end(), user) != placed.end())
        return invalid(fmt::format("rooms[{}].userIds: {} is in another room already", i, user));
      placed.push_back(user);
    }
  return req.rooms;
}

// `count` rooms of the participants in the call now (hosts stay in the main call), shuffled, as even as can be.
Result<std::vector<BreakoutSpec>> at_random(const CallSession& s, int count, std::uint64_t seed) {
  std::vector<std::string> users;
  for (const auto& p : s.participants)
    if (p.is_active && !is_host(s, p.user_id)) users.push_back(p.user_id);
  if (static_cast<std::size_t>(count) > users.size())
    return invalid(fmt::format("count: {} rooms for {} participants in the call", count, users.size()));
  std::mt19937_64 rng(seed);
  std::shuffle(users.begin(), users.end(), rng);
  std::vector<BreakoutSpec> rooms(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < rooms.size(); ++i) rooms[i].name = fmt::format("Room {}", i + 1);
  for (std::size_t i = 0; i < users.size(); ++i) rooms[i % rooms.size()].user_ids.push_back(std::move(users[i]));
  return rooms;
}

}  // namespace

Result<BreakoutRound> open_breakout(CallSession& s, const Actor& by, const BreakoutRequest& req, TimePoint now,
                                    std::uint64_t seed) {
  if (auto ok = check_breakout_host(s, by); !ok) return ok.error();
  if (s.breakout) return invalid("rooms: breakout rooms are open already; close them first");
  auto specs = req.random ? at_random(s, req.count, seed) : by_hand(s, req);
  if (!specs) return specs.error();
  BreakoutRound round;
  round.opened_at = now;
  round.by_user_id = by.user_id;
  if (req.duration_seconds) round.ends_at = now + std::chrono::seconds(*req.duration_seconds);
  if (round.ends_at) s.deadline = std::min(s.deadline, *round.ends_at);
  ++s.breakout_rounds;
  for (std::size_t i = 0; i < specs->size(); ++i)
    round.rooms.push_back(BreakoutRoom{fmt::format("r{}-{}", s.breakout_rounds, i + 1), std::move((*specs)[i].name),
                                       std::move((*specs)[i].user_ids)});
  s.breakout = round;
  return round;
}

Result<void> visit_breakout(CallSession& s, const Actor& by, const std::string& room_id) {
  if (auto ok = check_breakout_host(s, by); !ok) return ok;
  if (!s.breakout) return invalid("sessionId: no breakout rooms are open");
  auto& rooms = s.breakout->rooms;
  if (!room_id.empty() &&
      std::none_of(rooms.begin(), rooms.end(), [&](const BreakoutRoom& r) { return r.room_id == room_id; }))
    return invalid("roomId: no such breakout room");
  auto& visits = s.breakout->visits;
  std::erase_if(visits, [&](const BreakoutVisit& v) { return v.user_id == by.user_id; });
  visits.push_back(BreakoutVisit{by.user_id, room_id});
  return {};
}

Result<void> check_can_close_breakout(const CallSession& s, const Actor& by) {
  if (auto ok = check_breakout_host(s, by); !ok) return ok;
  if (!s.breakout) return invalid("sessionId: no breakout rooms are open");
  return {};
}

Result<BreakoutRound> schedule_breakout_close(CallSession& s, const Actor& by, std::chrono::seconds countdown,
                                              TimePoint now) {
  if (auto ok = check_can_close_breakout(s, by); !ok) return ok.error();
  const auto ends = now + countdown;
  auto& round = *s.breakout;
  if (!round.ends_at || ends < *round.ends_at) round.ends_at = ends;
  s.deadline = std::min(s.deadline, *round.ends_at);
  return round;
}

bool close_due_breakout(CallSession& s, TimePoint now) {
  if (!s.breakout || !s.breakout->ends_at || now < *s.breakout->ends_at) return false;
  return close_breakout(s, s.breakout->opened_at, now);
}

bool close_breakout(CallSession& s, TimePoint opened_at, TimePoint now) {
  if (!s.breakout || s.breakout->opened_at != opened_at) return false;
  for (auto& room : s.breakout->rooms)
    s.breakout_history.push_back(
        BreakoutRecord{std::move(room.room_id), std::move(room.name), std::move(room.user_ids), opened_at, now});
  if (s.breakout_history.size() > CallSession::kMaxBreakoutRecords)
    s.breakout_history.erase(s.breakout_history.begin(),
                             s.breakout_history.end() - static_cast<std::ptrdiff_t>(CallSession::kMaxBreakoutRecords));
  s.breakout.reset();
  return true;
}

std::string_view breakout_room_of(const CallSession& s, std::string_view user_id) noexcept {
  if (!s.breakout) return {};
  for (const auto& v : s.breakout->visits)
    if (v.user_id == user_id) return v.room_id;
  for (const auto& room : s.breakout->rooms)
    if (std::find(room.user_ids.begin(), room.user_ids.end(), user_id) != room.user_ids.end()) return room.room_id;
  return {};
}

std::vector<std::pair<std::string, std::string>> breakout_assignments(const CallSession& s) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!s.breakout) return out;
  for (const auto& p : s.participants)
    if (auto room = breakout_room_of(s, p.user_id); !room.empty()) out.emplace_back(p.user_id, room);
  return out;
}

}  // namespace hearth::calls

#include "signaling/room.hpp"

#include <algorithm>

namespace hearth::signaling {

Member* CallRoom::find_user(std::string_view user_id) {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.user_id == user_id; });
  return it == members_.end() ? nullptr : &*it;
}

Member* CallRoom::find_socket(std::string_view socket_id) {
  auto it = std::find_if(members_.begin(), members_.end(),
                         [&](const Member& m) { return m.connected && m.socket_id == socket_id; });
  return it == members_.end() ? nullptr : &*it;
}

Member& CallRoom::add(Member m) { return members_.emplace_back(std::move(m)); }

void CallRoom::remove_user(std::string_view user_id) {
  std::erase_if(members_, [&](const Member& m) { return m.user_id == user_id; });
}

const CallRoom::Remote* CallRoom::find_remote(std::string_view socket_id) const {
  auto it = std::find_if(remote_.begin(), remote_.end(), [&](const Remote& r) { return r.socket_id == socket_id; });
  return it == remote_.end() ? nullptr : &*it;
}

const CallRoom::Remote* CallRoom::find_remote_user(std::string_view user_id) const {
  auto it = std::find_if(remote_.begin(), remote_.end(), [&](const Remote& r) { return r.user_id == user_id; });
  return it == remote_.end() ? nullptr : &*it;
}

void CallRoom::set_remote(std::string_view socket_id, std::string_view user_id) {
  drop_remote(user_id);
  if (remote_.size() < kMaxRemote) remote_.push_back({std::string(socket_id), std::string(user_id)});
}

void CallRoom::drop_remote(std::string_view user_id, std::string_view socket_id) {
  std::erase_if(remote_, [&](const Remote& r) {
    return r.user_id == user_id && (socket_id.empty() || r.socket_id == socket_id);
  });
}

void CallRoom::set_breakout(std::vector<std::pair<std::string, std::string>> rooms) {
  breakout_ = std::move(rooms);
  for (auto& m : members_) m.breakout = std::string(breakout_of(m.user_id));
}

std::string_view CallRoom::breakout_of(std::string_view user_id) const {
  for (const auto& [user, room] : breakout_)
    if (user == user_id) return room;
  return {};
}

void CallRoom::broadcast(const std::shared_ptr<const std::string>& packet, std::string_view except_socket_id) const {
  for (const auto& m : members_) {
    if (!m.connected || m.socket_id == except_socket_id) continue;
    if (auto s = m.socket.lock()) s->send_encoded(packet);
  }
}

}  // namespace hearth::signaling

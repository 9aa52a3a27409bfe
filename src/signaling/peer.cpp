#include "signaling/peer.hpp"

#include <algorithm>
#include <functional>

namespace hearth::signaling {

Peer::Peer(std::shared_ptr<realtime::socketio::Socket> socket) : socket_id_(socket->id()), socket_(socket) {}

std::shared_ptr<const auth::Principal> Peer::principal() const {
  std::lock_guard lock(mutex_);
  return principal_;
}

void Peer::set_principal(auth::Principal p) {
  std::lock_guard lock(mutex_);
  principal_ = std::make_shared<const auth::Principal>(std::move(p));
}

void Peer::add_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.insert(id);
}

void Peer::remove_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

std::vector<std::string> Peer::sessions() const {
  std::lock_guard lock(mutex_);
  return {sessions_.begin(), sessions_.end()};
}

bool Peer::in_session(std::string_view id) const {
  std::lock_guard lock(mutex_);
  return sessions_.find(id) != sessions_.end();
}

bool Peer::take_event_token(TimePoint now, double per_second, double burst) {
  std::lock_guard lock(mutex_);
  if (!events_) events_.emplace(burst, now);
  return !events_->take(now, per_second / 1000.0, burst);
}

bool Peer::take_report_token(TimePoint now, double per_second, double burst) {
  std::lock_guard lock(mutex_);
  if (!reports_) reports_ = std::make_unique<TokenBucket>(burst, now);
  return !reports_->take(now, per_second / 1000.0, burst);
}

bool Peer::take_chat_token(TimePoint now, double per_second, double burst) {
  std::lock_guard lock(mutex_);
  if (!chats_) chats_ = std::make_unique<TokenBucket>(burst, now);
  return !chats_->take(now, per_second / 1000.0, burst);
}

void Peer::add_waiting(const std::string& id) {
  std::lock_guard lock(mutex_);
  waiting_.insert(id);
}

bool Peer::remove_waiting(const std::string& id) {
  std::lock_guard lock(mutex_);
  return waiting_.erase(id) > 0;
}

std::vector<std::string> Peer::waiting() const {
  std::lock_guard lock(mutex_);
  return {waiting_.begin(), waiting_.end()};
}

Registry::Shard& Registry::shard(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

void Registry::add(const std::shared_ptr<Peer>& peer) {
  auto& s = shard(peer->socket_id());
  std::lock_guard lock(s.mutex);
  s.by_socket[peer->socket_id()] = peer;
}

std::shared_ptr<Peer> Registry::remove(const std::string& socket_id) {
  auto& s = shard(socket_id);
  std::lock_guard lock(s.mutex);
  auto it = s.by_socket.find(socket_id);
  if (it == s.by_socket.end()) return nullptr;
  auto peer = std::move(it->second);
  s.by_socket.erase(it);
  return peer;
}

std::shared_ptr<Peer> Registry::find(const std::string& socket_id) const {
  auto& s = shard(socket_id);
  std::lock_guard lock(s.mutex);
  auto it = s.by_socket.find(socket_id);
  return it == s.by_socket.end() ? nullptr : it->second;
}

bool Registry::bind_user(const std::string& user_id, const std::string& socket_id, std::size_t max_sockets) {
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  auto& ids = s.sockets_by_user[user_id];
  if (std::find(ids.begin(), ids.end(), socket_id) != ids.end()) return true;
  if (ids.size() >= max_sockets) {
    if (ids.empty()) s.sockets_by_user.erase(user_id);
    return false;
  }
  ids.push_back(socket_id);
  return true;
}

void Registry::unbind_user(const std::string& user_id, const std::string& socket_id) {
  auto& s = shard(user_id);
  std::lock_guard lock(s.mutex);
  auto it = s.sockets_by_user.find(user_id);
  if (it == s.sockets_by_user.end()) return;
  std::erase(it->second, socket_id);
  if (it->second.empty()) s.sockets_by_user.erase(it);
}

std::vector<std::shared_ptr<Peer>> Registry::peers_of(const std::string& user_id) const {
  std::vector<std::string> ids;
  {
    auto& s = shard(user_id);
    std::lock_guard lock(s.mutex);
    auto it = s.sockets_by_user.find(user_id);
    if (it != s.sockets_by_user.end()) ids = it->second;
  }
  std::vector<std::shared_ptr<Peer>> out;
  for (const auto& id : ids)
    if (auto p = find(id)) out.push_back(std::move(p));
  return out;
}

std::size_t Registry::size() const {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.by_socket.size();
  }
  return n;
}

std::size_t Registry::users() const {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.sockets_by_user.size();  // a user's sockets live in the user's shard
  }
  return n;
}

}  // namespace hearth::signaling

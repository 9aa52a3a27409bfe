#include "net/connection_limits.hpp"

#include <functional>

namespace hearth::net {

std::string address_key(const boost::asio::ip::address& address) {
  if (address.is_v6()) {
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
    auto bytes = v6.to_bytes();
    for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
  }
  return address.to_string();
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    counter_ = std::move(other.counter_);
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

ConnectionSlot::~ConnectionSlot() { release(); }

void ConnectionSlot::release() noexcept {
  if (counter_ && entry_) counter_->release(*entry_);
  counter_.reset();
  entry_ = nullptr;
}

ConnectionCounter::Shard& ConnectionCounter::shard(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

std::optional<ConnectionSlot> ConnectionCounter::acquire(std::string_view key, Refusal& why) {
  {
    std::lock_guard lock(total_mutex_);
    if (total_ >= max_total_) {
      why = Refusal::total;
      return std::nullopt;
    }
    ++total_;
  }
  Shard& s = shard(key);
  {
    std::lock_guard lock(s.mutex);
    auto it = s.open.find(key);
    if (it == s.open.end()) it = s.open.emplace(std::string(key), 0).first;
    if (it->second < max_per_address_) {
      ++it->second;
      return ConnectionSlot(shared_from_this(), &*it);
    }
  }
  why = Refusal::address;
  std::lock_guard lock(total_mutex_);
  --total_;
  return std::nullopt;
}

void ConnectionCounter::release(ConnectionSlot::Entry& entry) noexcept {
  {
    Shard& s = shard(entry.first);
    std::lock_guard lock(s.mutex);
    if (--entry.second == 0) s.open.erase(entry.first);
  }
  std::lock_guard lock(total_mutex_);
  --total_;
}

std::size_t ConnectionCounter::total() const {
  std::lock_guard lock(total_mutex_);
  return total_;
}

std::size_t ConnectionCounter::from(std::string_view key) const {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.open.find(key);
  return it == s.open.end() ? 0 : it->second;
}

}  // namespace hearth::net

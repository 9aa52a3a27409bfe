#pragma once
// Open connections, counted in total and per client address whatever their protocol: a connection holds a
// ConnectionSlot for as long as it is open, and an HTTP session hands its slot to the WebSocket it upgrades to.
// Thread safety: ConnectionCounter is thread safe (slots are taken on the listener's shard and given back from
// any thread, when their connection is destroyed).
#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <boost/asio/ip/address.hpp>

#include "core/string_hash.hpp"

namespace hearth::net {

// The key every per-address limit counts by: the address itself for IPv4 (and IPv4-mapped IPv6), the /64 prefix
// for IPv6, since one host is usually given a whole /64.
std::string address_key(const boost::asio::ip::address& address);

class ConnectionCounter;

// One open connection's place in the count; given back when destroyed. Movable, not copyable. 24 bytes: every
// WebSocket holds one for its whole life.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;  // counts nothing (tests, the bare relay benchmark)
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : counter_(std::move(other.counter_)), entry_(std::exchange(other.entry_, nullptr)) {}
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot();

 private:
  friend class ConnectionCounter;
  using Entry = std::pair<const std::string, std::size_t>;  // an address and its open connections
  ConnectionSlot(std::shared_ptr<ConnectionCounter> counter, Entry* entry)
      : counter_(std::move(counter)), entry_(entry) {}
  void release() noexcept;

  // Shared: at shutdown the io_context may destroy a pending connection after the listener that counted it.
  std::shared_ptr<ConnectionCounter> counter_;
  Entry* entry_ = nullptr;  // the counter's map entry (node-based: stable while it counts this slot)
};

class ConnectionCounter : public std::enable_shared_from_this<ConnectionCounter> {
 public:
  enum class Refusal { total, address };

  ConnectionCounter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // A slot for a new connection from `key`, or nullopt with the limit that refuses it in `why`.
  std::optional<ConnectionSlot> acquire(std::string_view key, Refusal& why);

  std::size_t total() const;
  std::size_t from(std::string_view key) const;

 private:
  friend class ConnectionSlot;
  void release(ConnectionSlot::Entry& entry) noexcept;

  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> open;  // only keys with connections
  };
  Shard& shard(std::string_view key) const;

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex total_mutex_;
  std::size_t total_ = 0;
  mutable std::array<Shard, 16> shards_;
};

}  // namespace hearth::net

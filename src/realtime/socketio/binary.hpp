#pragma once
// Binary Socket.IO packets. A BINARY_EVENT / BINARY_ACK arrives as a text packet whose JSON holds
// {"_placeholder":true,"num":k} objects, followed by its attachments as Engine.IO binary messages, in order.
// JSON cannot hold bytes, so a parsed value keeps the placeholders and the buffers travel beside it:
//   reconstruct() resolves an incoming packet's placeholders to its buffers;
//   deconstruct() renumbers the placeholders of a value the server sends back and picks the buffers it needs.
// Thread safety: a BinaryReassembler belongs to one connection (its read loop); the functions are stateless.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "core/result.hpp"
#include "realtime/socketio/packet.hpp"

namespace hearth::realtime::socketio {

inline constexpr std::size_t kDefaultMaxBinaryBytes = 1'000'000;

// Collects one binary packet: start() with its decoded header, then add() each attachment. The reassembler
// copies what it keeps (namespace, data, attachments), so the frames' buffers can be reused at once; its own
// buffers keep their capacity from packet to packet up to core/buffers.hpp's kKeptBufferCapacity each, and
// reset() (call it once a completed packet is handled) frees larger ones.
// Thread safety: none; one per connection, used from its read loop.
class BinaryReassembler {
 public:
  struct Limits {
    std::size_t max_attachments = kDefaultMaxAttachments;
    std::size_t max_bytes = kDefaultMaxBinaryBytes;  // namespace + data text + all attachments
  };

  explicit BinaryReassembler(Limits limits) : limits_(limits) {}
  BinaryReassembler() : BinaryReassembler(Limits{}) {}

  // True between start() and the last attachment: text packets are then a protocol error.
  bool collecting() const noexcept { return collecting_; }

  // Begins a packet (the header of a BINARY_EVENT / BINARY_ACK). Returns true when it is already complete (no
  // attachments). Errors: not a binary type or already collecting → invalid_argument; over a limit →
  // payload_too_large. Any error resets the reassembler.
  Result<bool> start(const Header& header);
  // The next attachment; returns true when it was the last one. Errors as start(), and when not collecting.
  Result<bool> add(std::string_view attachment);

  // The completed packet (views into the reassembler, valid until the next start() or reset()).
  Header header() const noexcept;
  std::span<const std::string> attachments() const noexcept { return {attachments_.data(), received_}; }

  void reset() noexcept;

 private:
  Result<bool> fail(Error error);

  Limits limits_;
  bool collecting_ = false;
  PacketType type_ = PacketType::binary_event;
  std::optional<std::uint64_t> ack_id_;
  std::size_t expected_ = 0;
  std::size_t received_ = 0;
  std::size_t bytes_ = 0;
  std::string nsp_;
  std::string data_;
  std::vector<std::string> attachments_;  // first received_ are this packet's; the rest keep capacity
};

// {"_placeholder":true,"num":k} → k. nullopt for anything else (including a placeholder with a bad num).
std::optional<std::size_t> placeholder_index(const boost::json::value& v) noexcept;
boost::json::value make_placeholder(std::size_t num, boost::json::storage_ptr sp = {});

// The buffer of each placeholder in `data`, in document order (arrays by index, objects in key order).
// Every object whose "_placeholder" is true must have an integer num < attachments.size(), and every attachment
// must be named by exactly one placeholder (invalid_argument otherwise, socket.io-parser's "illegal
// attachments"); nesting beyond kMaxJsonDepth is refused.
Result<std::vector<std::string_view>> reconstruct(const boost::json::value& data,
                                                  std::span<const std::string> attachments);
// The buffer a single placeholder stands for.
Result<std::string_view> attachment_of(const boost::json::value& placeholder, std::span<const std::string> attachments);

// Prepares `data` for sending: its placeholders (naming buffers of `incoming`) are renumbered 0, 1, … in
// document order, and the matching buffers are returned in that order. Same validation as reconstruct(), except
// that `data` may leave attachments out (the server echoes part of what it received); none may be named twice.
Result<std::vector<std::string_view>> deconstruct(boost::json::value& data, std::span<const std::string> incoming);

// A complete outgoing binary packet: send `text` as a text message, then each attachment as a binary message.
// The attachments view the `incoming` buffers.
struct OutgoingBinary {
  std::string text;
  std::vector<std::string_view> attachments;
};
// Echo helpers built on deconstruct(): `args` are the event arguments (e.g. taken from a reassembled packet's
// parsed data), serialised once here because the server built or edited them.
Result<OutgoingBinary> make_binary_event(std::string_view nsp, std::string_view name, boost::json::array args,
                                         std::span<const std::string> incoming,
                                         std::optional<std::uint64_t> ack_id = {});
Result<OutgoingBinary> make_binary_ack(std::string_view nsp, std::uint64_t ack_id, boost::json::array args,
                                       std::span<const std::string> incoming);

}  // namespace hearth::realtime::socketio

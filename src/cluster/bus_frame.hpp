#pragma once
// The bytes of one PUBLISH on the bus (cluster/redis_bus.hpp): messages one node queued for another in one turn of
// its event loop, behind a header that lets the receiver drop its own frames and duplicates.
//
//   u8 version (1) | u8 n (1..32) | origin node id [n] | u64 incarnation | u64 sequence | u32 count
//   then `count` times:  u32 length | message [length]
//
// Integers are big-endian; messages are opaque bytes (binary-safe). The incarnation is a random value drawn at
// each start of the origin process, the sequence counts that incarnation's frames to this destination from 1.
// A frame is parsed whole before anything in it is delivered: a bad frame delivers nothing.
// Thread safety: FrameWriter is a plain value; parse_frame is a pure function.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace hearth::cluster {

inline constexpr std::uint8_t frame_version = 1;
// Bytes in front of each message.
inline constexpr std::size_t frame_message_overhead = 4;
// The largest message a frame can carry (its length prefix is 32 bits).
inline constexpr std::size_t max_frame_message = 0xFFFFFFFFu;

// Where a writer puts its frame and how far its buffer grows. The bus sends each frame inside its PUBLISH command,
// written around the frame in the same buffer (cluster/redis_bus.cpp): `headroom` bytes stay free in front of the
// frame for the command's head, `tailroom` are reserved after it for its tail, so neither costs a copy.
struct FrameLayout {
  std::size_t headroom = 0;
  std::size_t tailroom = 0;
  // fits() refuses a message that would take the frame past this (an empty frame takes any message, alone). The
  // buffer grows (doubling) up to headroom + max_frame + tailroom and no further but for such a lone message; clear()
  // gives a buffer that grew past that back.
  std::size_t max_frame = std::numeric_limits<std::size_t>::max();
};

// Builds one frame after another in the same buffer: the header's room is reserved first, messages are appended as
// they are queued, and finish() writes the header once the sequence and count are known (no copy of the messages);
// clear() starts the next frame in the buffer the last one left.
class FrameWriter {
 public:
  // Throws std::invalid_argument for an origin that is not a node id (cluster/node_id.hpp).
  FrameWriter(std::string_view origin, std::uint64_t incarnation, FrameLayout layout = {});

  // Whether a message of `message_size` bytes may still join this frame (always while it is empty).
  bool fits(std::size_t message_size) const noexcept;
  // Throws std::logic_error between finish() and clear().
  void add(std::string_view message);
  bool empty() const noexcept { return count_ == 0; }
  std::uint32_t count() const noexcept { return count_; }
  // Bytes of the frame so far, header included.
  std::size_t size() const noexcept { return size_; }
  // Bytes the buffer holds room for, headroom and tailroom included.
  std::size_t capacity() const noexcept { return buf_.capacity(); }

  // Writes the header and returns the finished frame: a view into the writer, valid until it changes.
  std::string_view finish(std::uint64_t sequence);
  // After finish(): writes `head` (at most headroom bytes) right in front of the frame and `tail` (at most tailroom)
  // after it, and returns head + frame + tail, valid until the writer changes. Throws std::logic_error otherwise.
  std::string_view wrap(std::string_view head, std::string_view tail);
  // Empty again, for the next frame: keeps the buffer, unless one large message grew it past the layout's bound.
  void clear();

 private:
  void grow(std::size_t needed);
  std::size_t bound() const noexcept;

  std::string origin_;
  std::uint64_t incarnation_;
  FrameLayout layout_;
  std::string buf_;  // headroom, then the frame, then (once wrapped) the tail
  std::size_t size_ = 0;
  std::uint32_t count_ = 0;
  bool finished_ = false;
};

// A parsed frame; the views point into the bytes given to parse_frame.
struct FrameView {
  std::string_view origin;
  std::uint64_t incarnation = 0;
  std::uint64_t sequence = 0;
  std::vector<std::string_view> messages;
};

// Errors name what is wrong (errc::invalid_argument); nothing is thrown.
Result<FrameView> parse_frame(std::string_view bytes);

}  // namespace hearth::cluster

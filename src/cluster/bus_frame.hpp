#pragma once
// The bytes of one PUBLISH on the bus (cluster/redis_bus.hpp): every message one node queued for another in one
// turn of its event loop, behind a header that lets the receiver drop its own frames and duplicates.
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

// Builds one frame: the header's room is reserved first, messages are appended as they are queued, and
// finish() writes the header once the sequence and count are known (no copy of the messages).
class FrameWriter {
 public:
  FrameWriter(std::string_view origin, std::uint64_t incarnation);

  void add(std::string_view message);
  bool empty() const noexcept { return count_ == 0; }
  std::uint32_t count() const noexcept { return count_; }
  // Bytes so far, header included.
  std::size_t size() const noexcept { return buf_.size(); }
  // The finished frame; the writer starts over, empty.
  std::string finish(std::uint64_t sequence);

 private:
  std::string origin_;
  std::uint64_t incarnation_;
  std::string buf_;
  std::uint32_t count_ = 0;
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

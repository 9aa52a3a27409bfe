#include "cluster/bus_frame.hpp"

#include <algorithm>
#include <stdexcept>

#include "cluster/node_id.hpp"

namespace hearth::cluster {

namespace {

std::size_t header_size(std::size_t origin_size) { return 2 + origin_size + 8 + 8 + 4; }

void put_be(char* out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
}

std::uint64_t get_be(const char* in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

Error bad(std::string what) { return make_error(errc::invalid_argument, "bus frame: " + std::move(what)); }

}  // namespace

FrameWriter::FrameWriter(std::string_view origin, std::uint64_t incarnation, FrameLayout layout)
    : origin_(origin), incarnation_(incarnation), layout_(layout) {
  if (!valid_node_id(origin)) throw std::invalid_argument("bus frame: invalid origin node id");
  clear();
}

std::size_t FrameWriter::bound() const noexcept {
  const std::size_t rooms = layout_.headroom + layout_.tailroom;
  return layout_.max_frame > std::numeric_limits<std::size_t>::max() - rooms ? std::numeric_limits<std::size_t>::max()
                                                                             : layout_.max_frame + rooms;
}

bool FrameWriter::fits(std::size_t message_size) const noexcept {
  return empty() ||
         (message_size <= layout_.max_frame && size_ + frame_message_overhead <= layout_.max_frame - message_size);
}

void FrameWriter::grow(std::size_t needed) {
  // Doubling as std::string would, but never past bound() (below malloc's mmap threshold for the bus), unless one
  // message needs more. A fresh string: libstdc++'s reserve() doubles the old capacity whatever it is asked for.
  std::string bigger;
  bigger.reserve(std::max(needed, std::min(2 * buf_.capacity(), bound())));
  bigger.append(buf_);
  buf_.swap(bigger);
}

void FrameWriter::add(std::string_view message) {
  if (finished_) throw std::logic_error("bus frame: add() after finish() without clear()");
  const std::size_t needed = buf_.size() + frame_message_overhead + message.size() + layout_.tailroom;
  if (needed > buf_.capacity()) grow(needed);
  char len[frame_message_overhead];
  put_be(len, message.size(), 4);
  buf_.append(len, sizeof len);
  buf_.append(message);
  size_ += frame_message_overhead + message.size();
  ++count_;
}

std::string_view FrameWriter::finish(std::uint64_t sequence) {
  char* p = buf_.data() + layout_.headroom;
  p[0] = static_cast<char>(frame_version);
  p[1] = static_cast<char>(origin_.size());
  origin_.copy(p + 2, origin_.size());
  p += 2 + origin_.size();
  put_be(p, incarnation_, 8);
  put_be(p + 8, sequence, 8);
  put_be(p + 16, count_, 4);
  finished_ = true;
  return std::string_view(buf_).substr(layout_.headroom, size_);
}

std::string_view FrameWriter::wrap(std::string_view head, std::string_view tail) {
  if (!finished_ || head.size() > layout_.headroom || tail.size() > layout_.tailroom ||
      buf_.size() != layout_.headroom + size_)
    throw std::logic_error("bus frame: wrap() needs a finished frame, once, and room for what goes around it");
  const std::size_t at = layout_.headroom - head.size();
  head.copy(buf_.data() + at, head.size());
  buf_.append(tail);  // within the capacity add() reserved
  return std::string_view(buf_).substr(at);
}

void FrameWriter::clear() {
  if (buf_.capacity() > bound()) std::string().swap(buf_);
  size_ = header_size(origin_.size());
  if (const std::size_t needed = layout_.headroom + size_ + layout_.tailroom; needed > buf_.capacity()) grow(needed);
  buf_.resize(layout_.headroom + size_);
  count_ = 0;
  finished_ = false;
}

Result<FrameView> parse_frame(std::string_view bytes) {
  if (bytes.size() < 2) return bad("shorter than its header");
  if (static_cast<std::uint8_t>(bytes[0]) != frame_version)
    return bad("unknown version " + std::to_string(static_cast<unsigned char>(bytes[0])));
  const std::size_t n = static_cast<unsigned char>(bytes[1]);
  if (bytes.size() < header_size(n)) return bad("shorter than its header");
  FrameView f;
  f.origin = bytes.substr(2, n);
  if (!valid_node_id(f.origin)) return bad("origin is not a valid node id");
  const char* p = bytes.data() + 2 + n;
  f.incarnation = get_be(p, 8);
  f.sequence = get_be(p + 8, 8);
  const std::uint64_t count = get_be(p + 16, 4);
  std::size_t at = header_size(n);
  // Each message takes at least its length prefix: a count the bytes cannot hold is refused before reserving.
  if (count > (bytes.size() - at) / frame_message_overhead) return bad("count larger than the frame");
  f.messages.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    if (bytes.size() - at < frame_message_overhead) return bad("message " + std::to_string(i) + " truncated");
    const std::size_t len = get_be(bytes.data() + at, 4);
    at += frame_message_overhead;
    if (bytes.size() - at < len) return bad("message " + std::to_string(i) + " truncated");
    f.messages.push_back(bytes.substr(at, len));
    at += len;
  }
  if (at != bytes.size()) return bad(std::to_string(bytes.size() - at) + " bytes after the last message");
  return f;
}

}  // namespace hearth::cluster

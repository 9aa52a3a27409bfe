#pragma once
// Buffers sized by one large message shrink back once it is handled: a connection that once received a megabyte
// must not hold that megabyte while it idles (10,000 idle sessions would hold 10 GB). Small buffers keep their
// capacity, so steady small traffic allocates nothing.
// Thread safety: none; for the owner's own buffers.
#include <cstddef>
#include <utility>

namespace hearth {

// What a per-connection buffer keeps between messages; larger ones are freed.
inline constexpr std::size_t kKeptBufferCapacity = 4 * 1024;

// Empties `buffer` (a std::string or std::vector) and frees its memory if it holds more than `keep` bytes' worth.
template <class Buffer>
void clear_and_shrink(Buffer& buffer, std::size_t keep = kKeptBufferCapacity) {
  buffer.clear();
  if (buffer.capacity() * sizeof(typename Buffer::value_type) > keep) Buffer().swap(buffer);
}

}  // namespace hearth

#pragma once
// JsonArena: memory for one short-lived JSON tree (a document to store, an answer to serialise). Nodes are carved
// from a buffer inside the arena (on the stack where the arena is a local) and freed all at once when it goes
// away; a bigger tree continues in heap blocks. Building and serialising a session document then allocates
// nothing but the output string. Pass storage() to Boost.JSON constructors and parse().
// Thread safety: none; one tree, one thread, one scope.
#include <cstddef>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>

namespace hearth {

class JsonArena {
 public:
  JsonArena() = default;
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;

  // Non-owning: the arena must outlive every value built with it.
  boost::json::storage_ptr storage() noexcept { return &resource_; }

 private:
  static constexpr std::size_t kInlineBytes = 16 * 1024;
  alignas(std::max_align_t) unsigned char buffer_[kInlineBytes];
  boost::json::monotonic_resource resource_{buffer_, kInlineBytes};
};

}  // namespace hearth

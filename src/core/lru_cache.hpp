#pragma once
// LruCache: a map from string keys to values that holds at most `capacity` entries and evicts the least recently
// used one to make room. find() and put() are O(1) on average; lookups by string_view allocate nothing.
// Thread safety: none; the owner serialises access.
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/string_hash.hpp"

namespace hearth {

template <class Value>
class LruCache {
 public:
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {}
  LruCache(const LruCache&) = delete;  // the index views keys inside the list's nodes
  LruCache& operator=(const LruCache&) = delete;

  // The value under `key`, marked most recently used; null if absent.
  Value* find(std::string_view key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);  // list iterators stay valid
    return &it->second->second;
  }

  // Inserts or replaces; evicts the least recently used entry past capacity. Does nothing if capacity is 0.
  void put(std::string_view key, Value value) {
    if (capacity_ == 0) return;
    if (const auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(value);
      entries_.splice(entries_.begin(), entries_, it->second);
      return;
    }
    if (index_.size() >= capacity_) erase(entries_.back().first);
    entries_.emplace_front(std::string(key), std::move(value));
    index_.emplace(std::string_view(entries_.front().first), entries_.begin());
  }

  void erase(std::string_view key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return;
    const auto entry = it->second;
    index_.erase(it);  // first: its key views the entry's string
    entries_.erase(entry);
  }

  void clear() {
    index_.clear();
    entries_.clear();
  }

  std::size_t size() const noexcept { return index_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  using Entries = std::list<std::pair<std::string, Value>>;  // most recently used first
  std::size_t capacity_;
  Entries entries_;
  std::unordered_map<std::string_view, typename Entries::iterator, StringHash, std::equal_to<>> index_;
};

}  // namespace hearth

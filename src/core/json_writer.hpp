#pragma once
// JsonWriter: appends JSON text to a string, for documents written so often that building a tree first would
// cost more than the writing (stored call sessions, REST answers). Strings are escaped as Boost.JSON's serializer
// escapes them ('"', '\\', control characters; other bytes as they are — the caller supplies UTF-8), so text
// written here and text serialised by Boost.JSON are the same bytes.
// The caller writes in a valid order: inside an object, key() before each value. Nothing is checked.
// Thread safety: one writer per string, one thread at a time.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);
// Size of `s` as a JSON string literal, quotes included.
std::size_t json_string_size(std::string_view s) noexcept;

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& number(std::int64_t n);
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  // A value that is JSON text already (serialised elsewhere), copied as it is.
  JsonWriter& raw(std::string_view json);

 private:
  void before_value();
  JsonWriter& open(char c);
  JsonWriter& close(char c);

  std::string& out_;
  bool first_ = true;       // nothing written yet in the innermost open container
  bool after_key_ = false;  // a key was written; its value comes next
};

}  // namespace hearth

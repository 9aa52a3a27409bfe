#pragma once
// Reading one field out of a JSON text the server produced, without parsing it: the load generator reads ids
// (session, socket) that never contain escapes, and must stay cheap.
// Thread safety: stateless.
#include <string>
#include <string_view>

namespace hearth::bench {

// The first string member `key` of a JSON text ("" if absent); the value is returned raw (no unescaping).
inline std::string_view find_string_member(std::string_view json, std::string_view key) {
  std::string needle;
  needle.reserve(key.size() + 4);
  needle += '"';
  needle += key;
  needle += "\":\"";
  const auto pos = json.find(needle);
  if (pos == std::string_view::npos) return {};
  const auto begin = pos + needle.size();
  const auto end = json.find('"', begin);
  if (end == std::string_view::npos) return {};
  return json.substr(begin, end - begin);
}

}  // namespace hearth::bench

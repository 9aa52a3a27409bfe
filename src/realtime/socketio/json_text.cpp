#include "realtime/socketio/json_text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/json_escape.hpp"
#include "core/json_writer.hpp"
#include "core/utf8.hpp"

namespace hearth::realtime::socketio::jsontext {
namespace {

Error bad_string(std::string detail) {
  return make_error(errc::invalid_argument, "invalid JSON string", std::move(detail));
}

}  // namespace

std::size_t quoted_size(std::string_view s) noexcept { return json_string_size(s); }

void append_quoted(std::string& out, std::string_view s) { append_json_string(out, s); }

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_ws(std::string_view text, std::size_t pos) noexcept {
  while (pos < text.size() && is_ws(text[pos])) ++pos;
  return pos;
}

std::size_t string_end(std::string_view text, std::size_t open) noexcept {
  // memchr for the next quote (vectorised: strings are most of a signaling payload), then count the backslashes
  // before it: an odd number escapes it.
  std::size_t from = open + 1;
  while (from < text.size()) {
    const void* hit = std::memchr(text.data() + from, '"', text.size() - from);
    if (hit == nullptr) return npos;
    const auto quote = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    std::size_t backslashes = 0;
    while (quote - backslashes > open + 1 && text[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote;
    from = quote + 1;
  }
  return npos;
}

std::size_t value_end(std::string_view text, std::size_t pos) noexcept {
  if (pos >= text.size()) return npos;
  const char first = text[pos];
  if (first == '"') {
    const std::size_t end = string_end(text, pos);
    return end == npos ? npos : end + 1;
  }
  if (first == '[' || first == '{') {
    std::size_t depth = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"') {
        i = string_end(text, i);
        if (i == npos) return npos;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth == 0) return i + 1;
      }
    }
    return npos;
  }
  std::size_t i = pos;
  while (i < text.size() && !is_ws(text[i]) && text[i] != ',' && text[i] != ']' && text[i] != '}') ++i;
  return i == pos ? npos : i;
}

Result<std::string_view> unescape(std::string_view raw, std::string& scratch) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  scratch.clear();
  scratch.reserve(raw.size());
  const char* p = raw.data();
  const char* const end = p + raw.size();
  while (p != end) {
    if (*p != '\\') {
      scratch += *p++;
      continue;
    }
    std::uint32_t cp = 0;
    if (const char* bad = decode_json_escape(++p, end, cp)) return bad_string(bad);
    append_utf8(scratch, cp);
  }
  return std::string_view(scratch);
}

}  // namespace hearth::realtime::socketio::jsontext

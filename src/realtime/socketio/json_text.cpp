#include "realtime/socketio/json_text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/json_writer.hpp"

namespace hearth::realtime::socketio::jsontext {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at raw[pos..pos+4), or -1.
long read_hex4(std::string_view raw, std::size_t pos) noexcept {
  if (pos + 4 > raw.size()) return -1;
  long v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int d = hex_value(raw[pos + i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

Error bad_string(std::string detail) {
  return make_error(errc::invalid_argument, "invalid JSON string", std::move(detail));
}

}  // namespace

std::size_t quoted_size(std::string_view s) noexcept { return json_string_size(s); }

void append_quoted(std::string& out, std::string_view s) { append_json_string(out, s); }

bool is_utf8(std::string_view s) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80;  // allowed range of the second byte
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    if (byte(i + 1) < lo || byte(i + 1) > hi) return false;
    for (std::size_t k = 2; k <= n; ++k) {
      if ((byte(i + k) & 0xc0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

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
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\') {
      scratch += c;
      continue;
    }
    if (++i == raw.size()) return bad_string("dangling backslash");
    switch (raw[i]) {
      case '"':
        scratch += '"';
        break;
      case '\\':
        scratch += '\\';
        break;
      case '/':
        scratch += '/';
        break;
      case 'b':
        scratch += '\b';
        break;
      case 'f':
        scratch += '\f';
        break;
      case 'n':
        scratch += '\n';
        break;
      case 'r':
        scratch += '\r';
        break;
      case 't':
        scratch += '\t';
        break;
      case 'u': {
        const long hi = read_hex4(raw, i + 1);
        if (hi < 0) return bad_string("bad \\u escape");
        i += 4;
        auto cp = static_cast<std::uint32_t>(hi);
        if (cp >= 0xdc00 && cp <= 0xdfff) return bad_string("lone trailing surrogate");
        if (cp >= 0xd800 && cp <= 0xdbff) {
          const long lo = i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' ? read_hex4(raw, i + 3) : -1;
          if (lo < 0xdc00 || lo > 0xdfff) return bad_string("lone leading surrogate");
          i += 6;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (static_cast<std::uint32_t>(lo) - 0xdc00);
        }
        append_utf8(scratch, cp);
        break;
      }
      default:
        return bad_string("unknown escape");
    }
  }
  return std::string_view(scratch);
}

}  // namespace hearth::realtime::socketio::jsontext

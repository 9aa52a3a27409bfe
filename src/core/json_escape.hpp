#pragma once
// Decoding one JSON string escape (RFC 8259 §7), written once for the Socket.IO JSON scanner, which only checks
// strings, and for the helpers that unescape the few strings the server reads (event names, relay fields).
// Inline: the scanner meets an escape every few dozen bytes of an SDP ("\r\n").
// Thread safety: stateless.
#include <cstdint>

#include "core/hex.hpp"

namespace hearth {

// `p` points just past a backslash. Decodes the escape there (a UTF-16 surrogate pair as one code point) into
// `code_point` and advances `p` past it; returns nullptr, or why the escape is invalid (`p` then undefined).
inline const char* decode_json_escape(const char*& p, const char* end, std::uint32_t& code_point) noexcept {
  if (p == end) return "invalid JSON: incomplete escape";
  // p at a 'u': reads it and four hex digits.
  const auto hex4 = [&](std::uint32_t& out) -> const char* {
    if (end - p < 5) return "invalid JSON: incomplete \\u escape";
    out = 0;
    for (int i = 1; i <= 4; ++i) {
      const int d = hex_value(p[i]);
      if (d < 0) return "invalid JSON: bad \\u escape";
      out = out * 16 + static_cast<std::uint32_t>(d);
    }
    p += 5;
    return nullptr;
  };
  switch (*p) {
    case '"':
    case '\\':
    case '/':
      code_point = static_cast<unsigned char>(*p);
      break;
    case 'b':
      code_point = '\b';
      break;
    case 'f':
      code_point = '\f';
      break;
    case 'n':
      code_point = '\n';
      break;
    case 'r':
      code_point = '\r';
      break;
    case 't':
      code_point = '\t';
      break;
    case 'u': {
      if (const char* bad = hex4(code_point)) return bad;
      if (code_point >= 0xDC00 && code_point <= 0xDFFF) return "invalid JSON: lone low surrogate";
      if (code_point < 0xD800 || code_point > 0xDBFF) return nullptr;
      // A high surrogate must be followed by "\u" and a low one.
      if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return "invalid JSON: lone high surrogate";
      ++p;  // '\\'
      std::uint32_t low = 0;
      if (const char* bad = hex4(low)) return bad;
      if (low < 0xDC00 || low > 0xDFFF) return "invalid JSON: lone high surrogate";
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
      return nullptr;
    }
    default:
      return "invalid JSON: unknown escape";
  }
  ++p;
  return nullptr;
}

}  // namespace hearth

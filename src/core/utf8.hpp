#pragma once
// UTF-8, written once for every reader of untrusted text: WebSocket text frames (net), Socket.IO namespaces and
// the JSON scanner (realtime). Well-formed means RFC 3629: no overlong forms, no UTF-16 surrogates, nothing above
// U+10FFFF. Hand-written: none of our libraries has a public validator (Beast's and Boost.JSON's are in detail::);
// its speed on frames and JSON is in BENCHMARKS.md, "Written once".
// Thread safety: stateless.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hearth {

// The length (2 to 4) of the well-formed multi-byte sequence at `p`, whose first byte is 0x80 or above, with
// `left` bytes readable from `p`; 0 if the sequence is invalid or cut short. Inline: the JSON scanner calls it
// for every non-ASCII character of a string.
inline std::size_t utf8_sequence_length(const unsigned char* p, std::size_t left) noexcept {
  const auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < left && p[i] >= lo && p[i] <= hi;
  };
  const unsigned char b0 = p[0];
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;        // no overlong form
  if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no surrogate
  if (b0 >= 0xE1 && b0 <= 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (b0 == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;  // no overlong form
  if (b0 >= 0xF1 && b0 <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;  // at most U+10FFFF
  return 0;  // a continuation byte, C0/C1 (overlong) or F5 and above
}

// Whether all of `s` is well-formed UTF-8.
bool valid_utf8(std::string_view s) noexcept;

// The length of the longest prefix of `s` of at most `max` bytes that does not end inside a UTF-8 sequence (for
// cutting a text to a size limit).
inline std::size_t utf8_prefix_length(std::string_view s, std::size_t max) noexcept {
  if (s.size() <= max) return s.size();
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // a continuation byte
  return n;
}

// Appends code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8 to anything with push_back(char).
template <class Out>
void append_utf8(Out& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace hearth

#pragma once
// Small JSON text helpers for the Socket.IO codec: escaping a string into a packet being concatenated, and
// scanning raw JSON text that check_json() has already validated (so relayed arguments are sliced, never
// re-serialised). The scanners never read out of bounds, whatever the input; on text that is not valid JSON
// they return npos or an error rather than a meaningful answer.
// Thread safety: stateless.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/utf8.hpp"

namespace hearth::realtime::socketio::jsontext {

inline constexpr std::size_t npos = std::string_view::npos;

// Size of `s` as a JSON string literal, quotes included.
std::size_t quoted_size(std::string_view s) noexcept;
// Appends `s` as a JSON string literal: '"' and '\\' escaped, control characters as \n, \t… or \u00XX.
// Other bytes are copied as is (the caller supplies UTF-8).
void append_quoted(std::string& out, std::string_view s);

// Well-formed UTF-8: core/utf8.hpp's valid_utf8 (named here too for the fuzz target that calls it is_utf8).
inline bool is_utf8(std::string_view s) noexcept { return valid_utf8(s); }

bool is_ws(char c) noexcept;
// First position at or after `pos` that is not JSON whitespace (text.size() if none).
std::size_t skip_ws(std::string_view text, std::size_t pos) noexcept;
// `text[open]` is '"': the position of the closing quote, or npos if unterminated.
std::size_t string_end(std::string_view text, std::size_t open) noexcept;
// The position just past the value starting at `pos` (string, array, object or scalar), or npos.
std::size_t value_end(std::string_view text, std::size_t pos) noexcept;

// The contents of a string literal (between the quotes) with escapes resolved. Returns `raw` itself when it has
// no escapes (no copy); otherwise decodes into `scratch` (cleared first) and returns a view of it.
Result<std::string_view> unescape(std::string_view raw, std::string& scratch);

}  // namespace hearth::realtime::socketio::jsontext

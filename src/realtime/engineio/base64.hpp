#pragma once
// Standard base64 (RFC 4648 §4, '+' '/' and '=' padding): Engine.IO carries binary messages as "b<base64>" in
// HTTP long-polling payloads. Appends to a caller-owned buffer so the hot path can reuse its capacity.
// Thread safety: stateless.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace hearth::realtime::engineio {

// Length of the padded encoding of `n` bytes.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

// Upper bound of the decoded length of `n` characters.
constexpr std::size_t base64_decoded_max(std::size_t n) noexcept { return (n + 3) / 4 * 3; }

void append_base64(std::string& out, std::string_view bytes);

// Appends the decoded bytes of `text`. Padding is optional, but when present it ends the text and completes the
// last quartet. Any other character, a dangling single character or misplaced '=' is an error; on error `out`
// is left at its original size.
Result<void> append_base64_decoded(std::string& out, std::string_view text);

}  // namespace hearth::realtime::engineio

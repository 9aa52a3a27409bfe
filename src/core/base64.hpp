#pragma once
// Standard base64 (RFC 4648 §4, '+' '/' and '=' padding), with OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock: the
// WebSocket accept key, TURN REST credentials, and Engine.IO binary messages over polling ("b<base64>"). Appends to
// a caller-owned buffer so a hot caller can reuse its capacity. (JWTs use base64url: auth/base64url.hpp.)
// Thread safety: stateless.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace hearth {

// Length of the padded encoding of `n` bytes.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

// Upper bound of the decoded length of `n` characters.
constexpr std::size_t base64_decoded_max(std::size_t n) noexcept { return (n + 3) / 4 * 3; }

void append_base64(std::string& out, std::string_view bytes);

// Appends the decoded bytes of `text`. Padding is optional, but when present it ends the text and completes the
// last quartet. Any other character (whitespace included), a dangling single character or misplaced '=' is an
// invalid_argument error ("invalid base64", the detail says why); on error `out` is left at its original size.
Result<void> append_base64_decoded(std::string& out, std::string_view text);

}  // namespace hearth

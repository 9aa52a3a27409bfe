#pragma once
// Base64url without padding (RFC 4648 §5), the encoding of every JWS segment.
// Thread safety: stateless functions.
#include <optional>
#include <string>
#include <string_view>

namespace hearth::auth {

std::string base64url_encode(std::string_view bytes);

// Strict: only the url-safe alphabet, no padding, no whitespace, zero trailing bits (so each byte string has
// exactly one accepted encoding). std::nullopt on anything else.
std::optional<std::string> base64url_decode(std::string_view text);

// True if every character is in the base64url alphabet.
bool is_base64url(std::string_view text) noexcept;

}  // namespace hearth::auth

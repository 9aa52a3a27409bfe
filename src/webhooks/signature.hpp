#pragma once
// The signature of a webhook request (docs/webhooks.md, "Verifying a request"):
//   X-Hearth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 with the secret over "<t>.<raw body>">
// The timestamp is signed with the body, so a receiver that refuses old timestamps refuses replays too.
// Thread safety: pure functions (OpenSSL's one-shot HMAC).
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::webhooks {

inline constexpr std::string_view signature_header = "X-Hearth-Signature";

// Lowercase hex HMAC-SHA256 of `message` with `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The header's value for `body` sent at `unix_seconds`.
std::string sign(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace hearth::webhooks

#pragma once
// JWT verification for clients of the existing Hearth Track app, and HS256 minting for the CLI and dev mode.
// Thread safety: verify() may be called from any thread concurrently (its cache of verified tokens is locked).
// The free functions are stateless.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace hearth::auth {

// Who a verified token speaks for.
// The one limit on a token's length, wherever a token comes from (REST, the Socket.IO handshake or event) and in
// the cache: a real token is a few hundred bytes, anything far larger is refused before any work is done on it.
inline constexpr std::size_t kMaxTokenBytes = 8192;

struct Principal {
  std::string user_id;   // sub, else userId, else id (a numeric id becomes its decimal string)
  std::string name;      // name claim, else the user id
  std::string role;      // role claim, else "user"
  TimePoint expires_at;  // the exp claim
};

class TokenCache;

// Who a token must be issued by and for (RFC 7519 §4.1.1, §4.1.3), when set: a service that shares its signing key
// or secret with others (the Hearth Track app's other APIs) then refuses the tokens minted for them.
struct ExpectedClaims {
  std::string issuer;                  // JWT_ISSUER: `iss` must be this string; empty: not checked
  std::vector<std::string> audiences;  // JWT_AUDIENCE: `aud` (a string or an array) must name one; empty: not checked
};
inline constexpr std::size_t kMaxAudiences = 16;          // configured audiences
inline constexpr std::size_t kMaxTokenAudiences = 32;     // entries of a token's `aud` array read, at most
inline constexpr std::size_t kMaxIssuerOrAudience = 256;  // bytes of one configured issuer or audience

struct JwtConfig {
  std::string secret;                // HS256 shared secret (JWT_SECRET); may be empty if a public key is given
  std::string public_key_pem;        // optional PEM contents (JWT_PUBLIC_KEY_FILE) to accept RS256 / ES256 tokens
  std::chrono::seconds leeway{30};   // clock skew allowed on exp / nbf
  std::size_t cached_tokens = 4096;  // verified tokens remembered (auth/token_cache.hpp); 0: verify every time
  ExpectedClaims expected;           // iss / aud checks (none by default)
};

// Verifies compact JWS tokens. The header's `alg` is checked against the algorithms this configuration allows
// (HS256 with the secret; RS256 or ES256 matching the public key's type) before any signature is computed, and
// each algorithm only ever sees its own key, so `alg: none` and algorithm confusion are refused. A token that
// passed is remembered (TokenCache) until its exp, so a client's next request with it skips the work.
// Thread safety: verify() is const and safe to call concurrently; copies share the cache.
class JwtVerifier {
 public:
  // Throws std::invalid_argument if neither a secret nor a usable public key is configured, if the public key
  // PEM is given but unusable (not a public key or certificate, RSA under 2048 bits, EC not on P-256), or if
  // leeway is outside 0..24 h.
  explicit JwtVerifier(JwtConfig cfg);

  // Clock skew allowed on exp and nbf.
  std::chrono::seconds leeway() const noexcept { return leeway_; }
  // Errors carry errc::unauthenticated with a message naming the rule ("Token expired", ...).
  // Never throws; an unexpected failure (allocation) is reported as errc::internal.
  Result<Principal> verify(std::string_view token, TimePoint now) const;

 private:
  struct AcceptedAlg {
    std::string name;  // "HS256", "RS256" or "ES256"
    std::string key;   // the HMAC secret, or the public key as SPKI PEM
  };

  Result<Principal> verify_unguarded(std::string_view token, TimePoint now) const;
  const AcceptedAlg* find_alg(std::string_view name) const noexcept;

  std::vector<AcceptedAlg> accepted_;
  std::chrono::seconds leeway_;
  ExpectedClaims expected_;
  std::shared_ptr<TokenCache> cache_;  // internally locked
};

// Mints an HS256 token (used by `hearth-call token` and dev mode): claims sub, userId (same as sub), name (if
// non-empty), role (if non-empty), iat, exp = now + ttl (whole seconds), and iss / aud (the first audience) when
// `expected` names them, so that the server that expects them accepts the token.
// Throws std::invalid_argument on an empty secret or user id, a ttl <= 0, or text libjwt refuses (invalid UTF-8).
std::string mint_hs256(std::string_view secret, std::string_view user_id, std::string_view name, std::string_view role,
                       std::chrono::seconds ttl, TimePoint now, const ExpectedClaims& expected = {});

// Parses a TTL like "90s", "15m", "1h", "7d" or a bare number of seconds; std::nullopt if invalid, <= 0 or
// longer than kMaxTtl.
std::optional<std::chrono::seconds> parse_ttl(std::string_view text);

// Ten years: far beyond any sensible token lifetime, and keeps now + ttl clear of overflow.
inline constexpr std::chrono::seconds kMaxTtl = std::chrono::days{3650};

}  // namespace hearth::auth

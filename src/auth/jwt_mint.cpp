// mint_hs256 and parse_ttl: the token-issuing side of auth/jwt.hpp (CLI `hearth-call token` and dev mode).
#include "auth/jwt.hpp"

#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include <jwt.h>

namespace hearth::auth {
namespace {

struct JwtFree {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
struct CFree {
  void operator()(char* p) const noexcept { std::free(p); }  // jwt_encode_str allocates with malloc
};

void add_string(jwt_t* jwt, const char* claim, std::string_view value) {
  if (jwt_add_grant(jwt, claim, std::string(value).c_str()) != 0)
    throw std::invalid_argument(std::string("token claim '") + claim + "' is not valid UTF-8 text");
}

void add_int(jwt_t* jwt, const char* claim, std::int64_t value) {
  if (jwt_add_grant_int(jwt, claim, static_cast<long>(value)) != 0)
    throw std::runtime_error(std::string("could not add token claim '") + claim + "'");
}

// Seconds per TTL suffix, 0 if c is not one.
std::int64_t unit_seconds(char c) noexcept {
  switch (c) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    default:
      return 0;
  }
}

}  // namespace

std::string mint_hs256(std::string_view secret, std::string_view user_id, std::string_view name, std::string_view role,
                       std::chrono::seconds ttl, TimePoint now, const ExpectedClaims& expected) {
  if (secret.empty() || secret.size() > INT_MAX) throw std::invalid_argument("a JWT secret is required");
  if (user_id.empty()) throw std::invalid_argument("a user id is required");
  if (ttl <= std::chrono::seconds::zero() || ttl > kMaxTtl) throw std::invalid_argument("token ttl is out of range");

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0 || raw == nullptr) throw std::bad_alloc();
  const std::unique_ptr<jwt_t, JwtFree> jwt(raw);

  const std::int64_t iat = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  add_string(jwt.get(), "sub", user_id);
  add_string(jwt.get(), "userId", user_id);
  if (!name.empty()) add_string(jwt.get(), "name", name);
  if (!role.empty()) add_string(jwt.get(), "role", role);
  if (!expected.issuer.empty()) add_string(jwt.get(), "iss", expected.issuer);
  if (!expected.audiences.empty()) add_string(jwt.get(), "aud", expected.audiences.front());
  add_int(jwt.get(), "iat", iat);
  add_int(jwt.get(), "exp", iat + ttl.count());

  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0)
    throw std::runtime_error("could not set the token algorithm");
  const std::unique_ptr<char, CFree> encoded(jwt_encode_str(jwt.get()));
  if (!encoded) throw std::runtime_error("could not encode the token");
  return std::string(encoded.get());
}

std::optional<std::chrono::seconds> parse_ttl(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const std::int64_t unit = unit_seconds(text.back());
  if (unit != 0) text.remove_suffix(1);
  const std::int64_t multiplier = unit != 0 ? unit : 1;       // no suffix: a bare number of seconds
  if (text.empty() || text.size() > 12) return std::nullopt;  // 12 digits is already far beyond kMaxTtl

  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (value <= 0 || value > kMaxTtl.count() / multiplier) return std::nullopt;
  return std::chrono::seconds{value * multiplier};
}

}  // namespace hearth::auth

#include "auth/jwt.hpp"

#include <climits>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <jwt.h>
#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/base64url.hpp"
#include "auth/jwt_claims.hpp"
#include "auth/public_key.hpp"
#include "auth/token_cache.hpp"

namespace hearth::auth {
namespace {

struct JwtFree {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

constexpr std::size_t kMaxDetail = 32;  // attacker-chosen text echoed in Error::detail is kept short

// The detail may echo token text, so it is cut short and limited to printable ASCII.
Error unauthenticated(std::string message, std::string_view detail = {}) {
  std::string safe(detail.substr(0, kMaxDetail));
  for (char& c : safe)
    if (c < 0x20 || c > 0x7e) c = '?';
  return make_error(errc::unauthenticated, std::move(message), std::move(safe));
}

struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
};

// Exactly three non-empty base64url segments: an empty signature would be an unsigned token.
std::optional<Segments> split(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  Segments s{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1)};
  for (const std::string_view part : {s.header, s.payload, s.signature})
    if (part.empty() || !is_base64url(part)) return std::nullopt;
  return s;
}

Result<boost::json::object> decode_object(std::string_view segment, std::string_view what) {
  const auto bytes = base64url_decode(segment);
  if (!bytes) return unauthenticated("Malformed token", what);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*bytes, ec);
  if (ec || !v.is_object()) return unauthenticated("Malformed token", what);
  return std::move(v.as_object());
}

jwt_alg_t libjwt_alg(std::string_view name) noexcept {
  if (name == "HS256") return JWT_ALG_HS256;
  if (name == "RS256") return JWT_ALG_RS256;
  if (name == "ES256") return JWT_ALG_ES256;
  return JWT_ALG_INVAL;
}

// Header parameters other than alg that change how a token must be read.
Result<void> check_header_extras(const boost::json::object& header) {
  // RFC 7515 §4.1.11: a recipient that does not understand a "crit" extension must refuse the token.
  if (header.contains("crit")) return unauthenticated("Unsupported critical token header");
  // libjwt 1.10 refuses any typ but "JWT" (case-insensitive); say so instead of failing as a bad signature.
  // (beast::iequals of Boost 1.81 reads one byte past both strings after a case difference: JSON strings and
  // literals end with a NUL.)
  if (const auto* typ = header.if_contains("typ")) {
    const auto* s = typ->if_string();
    if (s == nullptr || !boost::beast::iequals(std::string_view(s->data(), s->size()), "JWT"))
      return unauthenticated("Unsupported token type");
  }
  return {};
}

}  // namespace

JwtVerifier::JwtVerifier(JwtConfig cfg)
    : leeway_(cfg.leeway),
      expected_(std::move(cfg.expected)),
      cache_(std::make_shared<TokenCache>(cfg.cached_tokens, cfg.leeway)) {
  if (leeway_ < std::chrono::seconds::zero() || leeway_ > std::chrono::hours{24})
    throw std::invalid_argument("JWT leeway must be between 0 and 24 hours");
  if (cfg.secret.size() > INT_MAX) throw std::invalid_argument("JWT secret is too long");
  if (!cfg.secret.empty()) accepted_.push_back({"HS256", std::move(cfg.secret)});
  if (!cfg.public_key_pem.empty()) {
    auto key = load_public_key(cfg.public_key_pem);
    if (!key) throw std::invalid_argument(key.error().message);
    accepted_.push_back({std::move(key->alg), std::move(key->spki_pem)});
  }
  if (accepted_.empty())
    throw std::invalid_argument("JWT verification needs a secret (JWT_SECRET) or a public key (JWT_PUBLIC_KEY_FILE)");
}

Result<Principal> JwtVerifier::verify(std::string_view token, TimePoint now) const {
  if (token.size() > kMaxTokenBytes) return unauthenticated("Token too long");
  try {
    if (auto known = cache_->find(token, now)) return std::move(*known);
    auto principal = verify_unguarded(token, now);
    if (principal) cache_->put(token, *principal, now);
    return principal;
  } catch (const std::exception& e) {
    return make_error(errc::internal, "Token verification failed", e.what());
  } catch (...) {
    return make_error(errc::internal, "Token verification failed");
  }
}

const JwtVerifier::AcceptedAlg* JwtVerifier::find_alg(std::string_view name) const noexcept {
  for (const auto& a : accepted_)
    if (a.name == name) return &a;  // exact match: "hs256" is not an algorithm name
  return nullptr;
}

Result<Principal> JwtVerifier::verify_unguarded(std::string_view token, TimePoint now) const {
  if (token.empty()) return unauthenticated("Missing token");
  const auto segments = split(token);
  if (!segments) return unauthenticated("Malformed token", "expected three base64url segments");
  auto header = decode_object(segments->header, "header");
  if (!header) return std::move(header).error();
  auto claims = decode_object(segments->payload, "payload");
  if (!claims) return std::move(claims).error();

  // Choose the algorithm from the allowed set before any cryptography, so the token cannot pick its own key.
  const auto* alg_value = header->if_contains("alg");
  const auto* alg_string = alg_value == nullptr ? nullptr : alg_value->if_string();
  if (alg_string == nullptr) return unauthenticated("Token header has no alg");
  const std::string_view alg_name(alg_string->data(), alg_string->size());
  if (boost::beast::iequals(alg_name, "none")) return unauthenticated("Unsupported token algorithm", alg_name);
  const AcceptedAlg* accepted = find_alg(alg_name);
  if (accepted == nullptr) return unauthenticated("Unsupported token algorithm", alg_name);
  if (auto extras = check_header_extras(*header); !extras) return extras.error();

  // libjwt wants a NUL-terminated token; the key is passed with its length and is the accepted algorithm's own.
  const std::string token_z(token);
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token_z.c_str(), reinterpret_cast<const unsigned char*>(accepted->key.data()),
                            static_cast<int>(accepted->key.size()));
  const JwtPtr decoded(raw);
  if (rc != 0 || !decoded) return unauthenticated("Invalid token signature");
  if (jwt_get_alg(decoded.get()) != libjwt_alg(accepted->name))
    return unauthenticated("Unsupported token algorithm", alg_name);

  // The signature covers the payload bytes we parsed above, so those claims are now trusted.
  return principal_from_claims(*claims, now, leeway_, expected_);
}

}  // namespace hearth::auth

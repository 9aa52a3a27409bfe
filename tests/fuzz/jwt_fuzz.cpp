// Fuzz target for JWT verification (auth/jwt, auth/jwt_claims, auth/base64url). The first byte picks a mode:
//  - raw token: verify() must never throw or crash, and a token it accepts must really be signed with our secret
//    (an independent HMAC-SHA256 over the first two segments equals the third) and name HS256;
//  - signed token: the rest is "header JSON \n claims JSON", base64url-encoded and signed with our secret, so the
//    fuzzer reaches the header and claim rules; an accepted token's principal must follow the documented claim
//    rules (checked against Boost.JSON's reading of the claims), a refused one must say why;
//  - base64url: decode(encode(x)) == x, and a string decode() accepts re-encodes to itself (one encoding per value).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/base64url.hpp"
#include "auth/jwt.hpp"
#include "core/errors.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace hearth;
using namespace hearth::auth;
namespace json = boost::json;

constexpr std::string_view kSecret = "fuzzing-secret-0123456789";
const TimePoint kNow = from_epoch_ms(1'700'000'000'000);

const JwtVerifier& verifier() {
  static const JwtVerifier v([] {
    JwtConfig cfg;
    cfg.secret = kSecret;
    cfg.cached_tokens = 0;  // verify every time: the cache must not hide what the verifier does
    return cfg;
  }());
  return v;
}

std::string hmac_sha256(std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

void check_accepted_is_signed(std::string_view token) {
  const auto dot = token.rfind('.');
  HEARTH_FUZZ_CHECK(dot != std::string_view::npos);
  const auto signature = base64url_decode(token.substr(dot + 1));
  HEARTH_FUZZ_CHECK(signature && *signature == hmac_sha256(token.substr(0, dot)));
  const auto first = token.find('.');
  const auto header = base64url_decode(token.substr(0, first));
  HEARTH_FUZZ_CHECK(header.has_value());
  boost::system::error_code ec;
  const json::value h = json::parse(*header, ec);
  HEARTH_FUZZ_CHECK(!ec && h.is_object() && h.at("alg") == "HS256");
}

void check_result(std::string_view token, const Result<Principal>& r) {
  if (!r) {
    HEARTH_FUZZ_CHECK(r.error().code == errc::unauthenticated);
    HEARTH_FUZZ_CHECK(!r.error().message.empty());
    for (const char c : r.error().detail) HEARTH_FUZZ_CHECK(c >= 0x20 && c <= 0x7e);  // echoed text is sanitized
    return;
  }
  check_accepted_is_signed(token);
  HEARTH_FUZZ_CHECK(!r->user_id.empty() && !r->name.empty() && !r->role.empty() && r->role.size() <= 64);
  HEARTH_FUZZ_CHECK(r->name.size() <= 256 || r->name == r->user_id);
  HEARTH_FUZZ_CHECK(kNow < r->expires_at + std::chrono::seconds(30));
}

// What an accepted principal must say, read from the claims with Boost.JSON.
void check_claims(const json::object& claims, const Principal& p) {
  const json::value* user = nullptr;
  for (const char* key : {"sub", "userId", "id"}) {
    const auto* v = claims.if_contains(key);
    if (v == nullptr || v->is_null() || (v->is_string() && v->get_string().empty())) continue;
    user = v;
    break;
  }
  HEARTH_FUZZ_CHECK(user != nullptr);
  if (user->is_string()) HEARTH_FUZZ_CHECK(p.user_id == std::string_view(user->get_string()));
  if (user->is_int64()) HEARTH_FUZZ_CHECK(p.user_id == std::to_string(user->get_int64()));
  if (user->is_uint64()) HEARTH_FUZZ_CHECK(p.user_id == std::to_string(user->get_uint64()));
  for (const unsigned char c : p.user_id) HEARTH_FUZZ_CHECK(c >= 0x20 && c != 0x7f);
  const auto* role = claims.if_contains("role");
  if (role != nullptr && role->is_string() && !role->get_string().empty())
    HEARTH_FUZZ_CHECK(p.role == std::string_view(role->get_string()));
  else
    HEARTH_FUZZ_CHECK(p.role == "user");
  const auto* name = claims.if_contains("name");
  if (name != nullptr && name->is_string() && !name->get_string().empty()) {
    const std::string_view full(name->get_string());
    HEARTH_FUZZ_CHECK(full.starts_with(p.name) && !p.name.empty());
    HEARTH_FUZZ_CHECK(p.name.size() == full.size() || (p.name.size() > 252 && p.name.size() <= 256));
  } else {
    HEARTH_FUZZ_CHECK(p.name == p.user_id);
  }
}

void signed_token(std::string_view rest) {
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) return;
  const std::string_view header = rest.substr(0, nl), claims = rest.substr(nl + 1);
  std::string token = base64url_encode(header);
  token += '.';
  token += base64url_encode(claims);
  const std::string signature = base64url_encode(hmac_sha256(token));
  token += '.';
  token += signature;
  const auto r = verifier().verify(token, kNow);
  check_result(token, r);
  if (!r) return;
  boost::system::error_code ec;
  const json::value c = json::parse(claims, ec);
  HEARTH_FUZZ_CHECK(!ec && c.is_object());
  check_claims(c.get_object(), *r);

  // The same token with any other signature is refused.
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'Q' : 'A';
  HEARTH_FUZZ_CHECK(!verifier().verify(forged, kNow).ok());
}

void base64url(std::string_view rest) {
  HEARTH_FUZZ_CHECK(base64url_decode(base64url_encode(rest)) == std::string(rest));
  if (const auto decoded = base64url_decode(rest)) {
    HEARTH_FUZZ_CHECK(is_base64url(rest));
    HEARTH_FUZZ_CHECK(base64url_encode(*decoded) == rest);
  }
  const std::string encoded = base64url_encode(rest);
  HEARTH_FUZZ_CHECK(is_base64url(encoded) && encoded.find('=') == std::string::npos);
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      check_result(rest, verifier().verify(rest, kNow));
      break;
    case 1:
      signed_token(rest);
      break;
    default:
      base64url(rest);
      break;
  }
  return 0;
}

#include "auth/jwt_claims.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/ids.hpp"
#include "core/utf8.hpp"

namespace hearth::auth {
namespace {

// Year 9999: NumericDates beyond it are clamped so the millisecond arithmetic below cannot overflow.
constexpr std::int64_t kMaxEpochSeconds = 253'402'300'799;
// Doubles represent every integer up to 2^53 exactly; a larger "integral" double is not a trustworthy id.
constexpr double kMaxExactDouble = 9'007'199'254'740'992.0;

Error unauthenticated(std::string message) { return make_error(errc::unauthenticated, std::move(message)); }

const boost::json::value* claim(const boost::json::object& claims, std::string_view key) {
  const boost::json::value* v = claims.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

// A JWT NumericDate: seconds since the epoch, integer or fractional.
std::optional<TimePoint> numeric_date(const boost::json::value& v) {
  if (v.is_int64()) {
    const std::int64_t s = std::clamp(v.get_int64(), -kMaxEpochSeconds, kMaxEpochSeconds);
    return from_epoch_ms(s * 1000);
  }
  if (v.is_uint64()) return from_epoch_ms(kMaxEpochSeconds * 1000);  // only values above INT64_MAX land here
  if (v.is_double() && std::isfinite(v.get_double())) {
    const double s =
        std::clamp(v.get_double(), -static_cast<double>(kMaxEpochSeconds), static_cast<double>(kMaxEpochSeconds));
    return from_epoch_ms(static_cast<std::int64_t>(std::floor(s * 1000.0)));
  }
  return std::nullopt;
}

// A user id claim as text: a string as-is, an integer (the Hearth Track app signs numeric ids) in decimal.
std::optional<std::string> id_text(const boost::json::value& v) {
  if (const auto* s = v.if_string()) return std::string(s->data(), s->size());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= kMaxExactDouble)
      return std::to_string(static_cast<std::int64_t>(d));
  }
  return std::nullopt;
}

Result<std::string> user_id_from(const boost::json::object& claims) {
  for (const std::string_view key : {"sub", "userId", "id"}) {
    const boost::json::value* v = claim(claims, key);
    if (v == nullptr) continue;
    auto text = id_text(*v);
    if (!text) return unauthenticated("Token user id must be a string or an integer");
    if (text->empty()) continue;  // an empty sub is treated as absent, so userId / id still count
    if (!is_valid_id(*text)) return unauthenticated("Token user id is too long or has control characters");
    return std::move(*text);
  }
  return unauthenticated("Token has no user id");
}

std::string_view string_claim(const boost::json::object& claims, std::string_view key) {
  const boost::json::value* v = claim(claims, key);
  if (v == nullptr) return {};
  const auto* s = v->if_string();
  return s == nullptr ? std::string_view{} : std::string_view(s->data(), s->size());
}

bool is_one_of(std::string_view text, const std::vector<std::string>& accepted) {
  return std::find(accepted.begin(), accepted.end(), text) != accepted.end();
}

// RFC 7519 §4.1.1 and §4.1.3: `iss` a string, `aud` a string or an array of strings, compared exactly.
Result<void> check_issuer_and_audience(const boost::json::object& claims, const ExpectedClaims& expected) {
  if (!expected.issuer.empty()) {
    const boost::json::value* iss = claim(claims, "iss");
    if (iss == nullptr) return unauthenticated("Token has no iss claim");
    const auto* s = iss->if_string();
    if (s == nullptr || std::string_view(s->data(), s->size()) != expected.issuer)
      return unauthenticated("Token issuer is not accepted");
  }
  if (!expected.audiences.empty()) {
    const boost::json::value* aud = claim(claims, "aud");
    if (aud == nullptr) return unauthenticated("Token has no aud claim");
    if (const auto* s = aud->if_string()) {
      if (!is_one_of(std::string_view(s->data(), s->size()), expected.audiences))
        return unauthenticated("Token audience is not accepted");
      return {};
    }
    const auto* list = aud->if_array();
    if (list == nullptr) return unauthenticated("Token aud claim must be a string or an array of strings");
    if (list->size() > kMaxTokenAudiences) return unauthenticated("Token aud claim has too many entries");
    for (const auto& entry : *list) {
      const auto* e = entry.if_string();
      if (e == nullptr) return unauthenticated("Token aud claim must be a string or an array of strings");
      if (is_one_of(std::string_view(e->data(), e->size()), expected.audiences)) return {};
    }
    return unauthenticated("Token audience is not accepted");
  }
  return {};
}

}  // namespace

Result<Principal> principal_from_claims(const boost::json::object& claims, TimePoint now, std::chrono::seconds leeway,
                                        const ExpectedClaims& expected) {
  const boost::json::value* exp_claim = claim(claims, "exp");
  if (exp_claim == nullptr) return unauthenticated("Token has no exp claim");
  const auto exp = numeric_date(*exp_claim);
  if (!exp) return unauthenticated("Token exp claim is not a number");
  if (now >= *exp + leeway) return unauthenticated("Token expired");

  if (const boost::json::value* nbf_claim = claim(claims, "nbf")) {
    const auto nbf = numeric_date(*nbf_claim);
    if (!nbf) return unauthenticated("Token nbf claim is not a number");
    if (now + leeway < *nbf) return unauthenticated("Token not valid yet");
  }
  if (auto checked = check_issuer_and_audience(claims, expected); !checked) return checked.error();

  auto user_id = user_id_from(claims);
  if (!user_id) return std::move(user_id).error();

  const std::string_view role = string_claim(claims, "role");
  if (role.size() > kMaxRoleBytes) return unauthenticated("Token role is too long");

  const std::string_view name = string_claim(claims, "name");
  Principal p;
  p.name = name.empty() ? *user_id : std::string(name.substr(0, utf8_prefix_length(name, kMaxNameBytes)));
  p.user_id = std::move(*user_id);
  p.role = role.empty() ? std::string("user") : std::string(role);
  p.expires_at = *exp;
  return p;
}

}  // namespace hearth::auth

#pragma once
// Turns the claims of a token whose signature has been verified into a Principal: exp / nbf with leeway, iss / aud
// when expected, the user id fallbacks (sub, userId, id) and the display name and role defaults.
// Thread safety: stateless function.
#include <chrono>
#include <cstddef>

#include <boost/json/fwd.hpp>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace hearth::auth {

inline constexpr std::size_t kMaxNameBytes = 256;  // longer display names are cut at a UTF-8 boundary
inline constexpr std::size_t kMaxRoleBytes = 64;   // longer roles are refused: a role is a word like "host"

Result<Principal> principal_from_claims(const boost::json::object& claims, TimePoint now, std::chrono::seconds leeway,
                                        const ExpectedClaims& expected = {});

}  // namespace hearth::auth

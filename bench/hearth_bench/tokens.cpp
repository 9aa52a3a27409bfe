#include "hearth_bench/tokens.hpp"

#include <chrono>

#include "auth/jwt.hpp"
#include "core/clock.hpp"

namespace hearth::bench {

std::string TokenMinter::mint(std::string_view user_id) const {
  return auth::mint_hs256(secret_, user_id, user_id, "user", std::chrono::hours(24),
                          std::chrono::floor<Millis>(std::chrono::system_clock::now()));
}

}  // namespace hearth::bench

#pragma once
// Identifiers: call session ids and the validation rule shared by every id a client sends.
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace hearth {

inline constexpr std::size_t kMaxIdLength = 128;

// "call_<epoch ms>_<9 random base36 chars>", random part from the CSPRNG.
std::string make_session_id(TimePoint now);
bool is_session_id(std::string_view id) noexcept;

// Any client-supplied id (user, therapy session, peer): non-empty, at most 128 chars, no control characters.
bool is_valid_id(std::string_view id) noexcept;

}  // namespace hearth

#pragma once
// What both repositories (SQLite, PostgreSQL) read and write for a session row besides the document itself:
// parsing a stored document back (with the deadline from its own column), and the end time marking an ended
// session for record_ended().
// Thread safety: stateless.
#include <cstdint>
#include <optional>
#include <string_view>

#include "calls/call_session.hpp"

namespace hearth::store {

// The session stored as `document`, with `deadline_ms` (epoch ms). Throws StoreError(errc::internal) if corrupt.
calls::CallSession read_session(std::string_view document, std::int64_t deadline_ms);

// The same, nullopt if corrupt (record_ended skips such a row instead of failing).
std::optional<calls::CallSession> parse_session(std::string_view document);

// When the session ended, for the analytics' marker: its end time (set by every transition to ended).
std::int64_t end_ms(const calls::CallSession& s);

}  // namespace hearth::store

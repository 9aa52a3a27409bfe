#include "store/session_row.hpp"

#include <boost/json/parse.hpp>

#include "core/json_arena.hpp"
#include "store/repository.hpp"
#include "store/session_json.hpp"

namespace hearth::store {

calls::CallSession read_session(std::string_view document, std::int64_t deadline_ms) {
  JsonArena arena;  // the tree of a ~1.3 KB document: no heap allocation per node
  boost::system::error_code ec;
  const auto value = boost::json::parse(document, ec, arena.storage());
  if (ec) throw StoreError(errc::internal, "corrupt session document: " + ec.message());
  auto session = session_from_json(value);
  if (!session) throw StoreError(session.error().code, session.error().message + ": " + session.error().detail);
  session->deadline = from_epoch_ms(deadline_ms);
  return std::move(session).value();
}

std::optional<calls::CallSession> parse_session(std::string_view document) {
  JsonArena arena;
  boost::system::error_code ec;
  const auto value = boost::json::parse(document, ec, arena.storage());
  if (ec) return std::nullopt;
  auto session = session_from_json(value);
  if (!session) return std::nullopt;
  return std::move(session).value();
}

std::int64_t end_ms(const calls::CallSession& s) { return to_epoch_ms(s.end_time.value_or(s.created_at)); }

}  // namespace hearth::store

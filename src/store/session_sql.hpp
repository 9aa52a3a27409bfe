#pragma once
// Writing a session's rows, shared by both repositories (sqlite/sqlite_repository.cpp,
// postgres/pg_repository.cpp): the statements and templates over the connection (SqliteConnection or PgConnection),
// like outbox_sql.hpp. What differs (caches, row locks, reads) stays in each repository.
// Thread safety: none; the repository's thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "calls/call_session.hpp"
#include "core/clock.hpp"
#include "store/repository.hpp"
#include "store/session_json.hpp"
#include "store/session_row.hpp"

namespace hearth::store::session_sql {

// unrecorded_end (?9) marks an ended session for record_ended(); active_participants (?10) is for sampling.
inline constexpr std::string_view insert_session_sql =
    "INSERT INTO call_sessions (session_id, session_type, initiator_id, status, created_at, deadline_at, "
    "end_reason, document, unrecorded_end, active_participants) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
// A user listed twice (or the initiator also invited) keeps the first role.
inline constexpr std::string_view insert_member_sql =
    "INSERT INTO call_members (session_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT DO NOTHING";
// SET expressions see the row as it was: the session is marked for record_ended() by the write that ends it,
// and only by that one (a marker already cleared by recording stays cleared).
inline constexpr std::string_view update_session_sql =
    "UPDATE call_sessions SET document = ?2, status = ?3, deadline_at = ?4, end_reason = ?5, "
    "active_participants = ?6, "
    "unrecorded_end = CASE WHEN ?3 = 'ended' AND status <> 'ended' THEN ?7 ELSE unrecorded_end END "
    "WHERE session_id = ?1";

template <class Query>
void bind_end_reason(Query& q, int index, calls::EndReason reason) {
  if (reason == calls::EndReason::none)
    q.bind_null(index);
  else
    q.bind(index, to_string(reason));
}

// The session's row and one call_members row per member (the initiator, then the invitees).
template <class Db>
void insert_rows(Db& db, const calls::CallSession& s) {
  const std::string document = to_json_text(s);
  const std::int64_t created_ms = to_epoch_ms(s.created_at);
  {
    auto q = db.query(insert_session_sql);
    q.bind(1, s.session_id)
        .bind(2, to_string(s.session_type))
        .bind(3, s.initiator_id)
        .bind(4, to_string(s.status))
        .bind(5, created_ms)
        .bind(6, to_epoch_ms(s.deadline))
        .bind(8, document)
        .bind(10, std::int64_t{s.active_count()});
    bind_end_reason(q, 7, s.end_reason);
    if (s.status == calls::Status::ended)
      q.bind(9, end_ms(s));
    else
      q.bind_null(9);
    q.run();
  }
  const auto add_member = [&](const std::string& user_id, std::string_view role) {
    db.query(insert_member_sql).bind(1, s.session_id).bind(2, user_id).bind(3, role).bind(4, created_ms).run();
  };
  add_member(s.initiator_id, "initiator");
  for (const auto& user_id : s.invitees) add_member(user_id, "invitee");
}

// Rewrites the session's row; throws StoreError(errc::not_found) if there is none.
template <class Db>
void update_row(Db& db, const calls::CallSession& s) {
  const std::string document = to_json_text(s);
  {
    auto q = db.query(update_session_sql);
    q.bind(1, s.session_id).bind(2, document).bind(3, to_string(s.status)).bind(4, to_epoch_ms(s.deadline));
    bind_end_reason(q, 5, s.end_reason);
    q.bind(6, std::int64_t{s.active_count()}).bind(7, end_ms(s));
    q.run();
  }
  if (db.changes() == 0) throw StoreError(errc::not_found, "no call session " + s.session_id);
}

}  // namespace hearth::store::session_sql

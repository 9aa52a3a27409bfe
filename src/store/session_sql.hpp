#pragma once
// Writing a session's rows, shared by both repositories (sqlite/sqlite_repository.cpp,
// postgres/pg_repository.cpp): the statements and templates over the connection (SqliteConnection or PgConnection),
// like outbox_sql.hpp. What differs (caches, row locks, reads) stays in each repository.
// Thread safety: none; the repository's thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
// All of a session's members in one statement: ?1 the session, ?2 its created_at, then each member's user id and role
// (?3, ?4; ?5, ?6; ...). A user listed twice (or the initiator also invited) keeps the first role.
inline std::string insert_members_sql(std::size_t members) {
  std::string sql = "INSERT INTO call_members (session_id, user_id, role, created_at) VALUES ";
  for (std::size_t i = 0; i < members; ++i) {
    if (i > 0) sql += ", ";
    sql += "(?1, ?" + std::to_string(3 + 2 * i) + ", ?" + std::to_string(4 + 2 * i) + ", ?2)";
  }
  sql += " ON CONFLICT DO NOTHING";
  return sql;
}
// SET expressions see the row as it was: the session is marked for record_ended() by the write that ends it,
// and only by that one (a marker already cleared by recording stays cleared).
// Every write counts in row_version (PostgreSQL's compare-and-set, postgres/pg_repository.hpp).
#define HEARTH_UPDATE_SESSION_SET                                                                   \
  "UPDATE call_sessions SET document = ?2, status = ?3, deadline_at = ?4, end_reason = ?5, "        \
  "active_participants = ?6, "                                                                      \
  "unrecorded_end = CASE WHEN ?3 = 'ended' AND status <> 'ended' THEN ?7 ELSE unrecorded_end END, " \
  "row_version = row_version + 1 "
inline constexpr std::string_view update_session_sql = HEARTH_UPDATE_SESSION_SET "WHERE session_id = ?1";
// The same write only if the row is still at version ?8, and an error (division by zero, SQLSTATE 22012) if not:
// the error aborts the transaction, so nothing else it wrote commits either (PgConnection turns it into
// ConcurrentWrite).
inline constexpr std::string_view compare_and_set_session_sql =
    "WITH cas AS (" HEARTH_UPDATE_SESSION_SET
    "WHERE session_id = ?1 AND row_version = ?8 RETURNING 1) "
    "SELECT 1 / COUNT(*) FROM cas";
#undef HEARTH_UPDATE_SESSION_SET

template <class Query>
void bind_end_reason(Query& q, int index, calls::EndReason reason) {
  if (reason == calls::EndReason::none)
    q.bind_null(index);
  else
    q.bind(index, to_string(reason));
}

// The live sessions after a cursor, in the order of the live sessions' index (call_sessions_live_deadline: its
// columns and its condition), which it reads alone.
inline constexpr std::string_view live_after_sql =
    "SELECT deadline_at, session_id FROM call_sessions WHERE status IN ('waiting', 'active') "
    "AND (deadline_at, session_id) > (?1, ?2) ORDER BY deadline_at, session_id LIMIT ?3";

template <class Db>
std::vector<LiveCursor> live_after(Db& db, const LiveCursor& after, int limit) {
  std::vector<LiveCursor> out;
  if (limit <= 0) return out;
  auto q = db.query(live_after_sql);
  q.bind(1, after.deadline_ms).bind(2, after.session_id).bind(3, std::int64_t{limit});
  while (q.step()) out.push_back(LiveCursor{q.int64(0), std::string(q.text(1))});
  return out;
}

// Runs a query whose rows nobody reads.
struct Run {
  template <class Query>
  void operator()(Query& q) const {
    q.run();
  }
};

// The session's row and one call_members row per member (the initiator, then the invitees); `run_members` runs the
// members' INSERT (PostgreSQL defers it: it cannot conflict).
template <class Db, class RunMembers = Run>
void insert_rows(Db& db, const calls::CallSession& s, RunMembers run_members = {}) {
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
  auto q = db.query(insert_members_sql(1 + s.invitees.size()));
  q.bind(1, s.session_id).bind(2, created_ms).bind(3, s.initiator_id).bind(4, std::string_view("initiator"));
  int at = 5;
  for (const auto& user_id : s.invitees) {
    q.bind(at, user_id).bind(at + 1, std::string_view("invitee"));
    at += 2;
  }
  run_members(q);
}

// Binds the UPDATE that rewrites the session's row and hands it to `run` (PostgreSQL defers it when the row is
// locked).
template <class Db, class RunUpdate>
void run_update(Db& db, const calls::CallSession& s, RunUpdate run, std::string_view sql = update_session_sql) {
  auto q = db.query(sql);
  q.bind(1, s.session_id).bind(2, to_json_text(s)).bind(3, to_string(s.status)).bind(4, to_epoch_ms(s.deadline));
  bind_end_reason(q, 5, s.end_reason);
  q.bind(6, std::int64_t{s.active_count()}).bind(7, end_ms(s));
  run(q);
}

// Rewrites the session's row; throws StoreError(errc::not_found) if there is none.
template <class Db>
void update_row(Db& db, const calls::CallSession& s) {
  run_update(db, s, Run{});
  if (db.changes() == 0) throw StoreError(errc::not_found, "no call session " + s.session_id);
}

}  // namespace hearth::store::session_sql

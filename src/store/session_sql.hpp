#pragma once
// Writing a session's rows, shared by both repositories (sqlite/sqlite_repository.cpp,
// postgres/pg_repository.cpp): the statements and templates over the connection (SqliteConnection or PgConnection),
// like outbox_sql.hpp. What differs (caches, row locks, reads) stays in each repository.
// Thread safety: none; the repository's thread.
#include <algorithm>
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
// A session's members: the initiator, then the invitees, each user once (the initiator also invited, or a user
// invited twice, is one member, with the first role). A call_members row per member and one count per member in
// call_member_totals, so the two always agree.
inline std::vector<std::string_view> members(const calls::CallSession& s) {
  std::vector<std::string_view> out{s.initiator_id};
  for (const auto& user_id : s.invitees)
    if (std::find(out.begin(), out.end(), user_id) == out.end()) out.emplace_back(user_id);
  return out;
}
// All of a session's members in one statement: ?1 the session, ?2 its created_at, ?3 its status, then each member's
// user id and role (?4, ?5; ?6, ?7; ...).
inline std::string insert_members_sql(std::size_t members) {
  std::string sql = "INSERT INTO call_members (session_id, user_id, role, created_at, status) VALUES ";
  for (std::size_t i = 0; i < members; ++i) {
    if (i > 0) sql += ", ";
    sql += "(?1, ?" + std::to_string(4 + 2 * i) + ", ?" + std::to_string(5 + 2 * i) + ", ?2, ?3)";
  }
  return sql;
}
// One more session for each member (?1, ?2, ...): history's total is this row, not a count of the user's members.
// The users come sorted, so two PostgreSQL transactions lock their rows in the same order.
inline std::string count_members_sql(std::size_t members) {
  std::string sql = "INSERT INTO call_member_totals (user_id, sessions) VALUES ";
  for (std::size_t i = 0; i < members; ++i) sql += (i > 0 ? ", (?" : "(?") + std::to_string(1 + i) + ", 1)";
  sql += " ON CONFLICT (user_id) DO UPDATE SET sessions = call_member_totals.sessions + 1";
  return sql;
}
// The session's status (?3) on its members' rows (?4, ?5, ...: their user ids; ?1 the session, ?2 its created_at),
// each found by its key. Rows already at that status are left alone, so running it when the status did not change
// writes nothing.
inline std::string update_members_status_sql(std::size_t members) {
  std::string sql = "UPDATE call_members SET status = ?3 WHERE user_id IN (";
  for (std::size_t i = 0; i < members; ++i) sql += (i > 0 ? ", ?" : "?") + std::to_string(4 + i);
  sql += ") AND created_at = ?2 AND session_id = ?1 AND status <> ?3";
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

// Runs a query whose rows nobody reads.
struct Run {
  template <class Query>
  void operator()(Query& q) const {
    q.run();
  }
};

// The session's row, one call_members row per member and their counts in call_member_totals; `run_members` runs
// the members' two statements (PostgreSQL defers them: they cannot conflict).
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
  auto users = members(s);
  {
    auto q = db.query(insert_members_sql(users.size()));
    q.bind(1, s.session_id).bind(2, created_ms).bind(3, to_string(s.status));
    int at = 4;
    for (const auto user_id : users) {
      q.bind(at, user_id).bind(at + 1, std::string_view(user_id == s.initiator_id ? "initiator" : "invitee"));
      at += 2;
    }
    run_members(q);
  }
  std::sort(users.begin(), users.end());
  auto q = db.query(count_members_sql(users.size()));
  for (std::size_t i = 0; i < users.size(); ++i) q.bind(static_cast<int>(1 + i), users[i]);
  run_members(q);
}

// Whether a write of `after` must also write its members' status: it changed, or what was stored is not known.
inline bool member_status_changes(const calls::CallSession* before, const calls::CallSession& after) {
  return before == nullptr || before->status != after.status;
}

// Writes the session's status on its members' rows (history's status filter reads it there), handing the UPDATE to
// `run` (PostgreSQL defers it).
template <class Db, class RunUpdate = Run>
void update_members_status(Db& db, const calls::CallSession& s, RunUpdate run = {}) {
  const auto users = members(s);
  auto q = db.query(update_members_status_sql(users.size()));
  q.bind(1, s.session_id).bind(2, to_epoch_ms(s.created_at)).bind(3, to_string(s.status));
  for (std::size_t i = 0; i < users.size(); ++i) q.bind(static_cast<int>(4 + i), users[i]);
  run(q);
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

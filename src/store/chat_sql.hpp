#pragma once
// In-call chat's statements and the code around them (schema: migration v7), shared by both repositories
// (sqlite/sqlite_chat.cpp, postgres/pg_chat.cpp): templates over the connection (SqliteConnection or PgConnection:
// query(sql), bind, step), like outbox_sql.hpp.
//
// append(): one statement stores the message with its session's next seq (the last seq of the session's key range,
// plus one) if the session exists and the sender has not stored this client_message_id in it yet; RETURNING says
// which. If it stored nothing, a second statement finds the sender's earlier message (a retry), or there is no
// session. The seq is only gapless and unique if appends to one session do not run side by side: on SQLite, one
// writer; on PostgreSQL, the caller's row lock on the session (find(id, true) in the same transaction; on one node,
// also the session's store lane). Should two transactions still meet, both compute the same seq (or insert the same
// client_message_id): the second's INSERT waits for the first and fails on the key, which the PostgreSQL repository
// turns into ConcurrentWrite (the Store runs the batch again). A seq is never skipped: a transaction only takes the
// one after a row it sees, and a rolled-back one leaves none behind.
// Thread safety: none; the repository's thread.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "core/clock.hpp"
#include "core/random.hpp"
#include "store/chat.hpp"
#include "store/repository.hpp"

namespace hearth::store::chat_sql {

inline constexpr int kMaxPageLimit = 100;
// A page also stops once its messages' text and names pass this many bytes (at least one message is returned):
// 100 messages of 4,000 code points could otherwise make a page of ~1.6 MB. has_more then says older ones exist.
inline constexpr std::size_t kMaxPageBytes = 256 * 1024;

// The CASTs give PostgreSQL the parameters' types (an untyped parameter of a SELECT list is text); the WHERE clause
// is also what SQLite needs to tell the upsert's ON CONFLICT from a join's ON.
inline constexpr std::string_view append_sql =
    "INSERT INTO chat_messages (session_id, seq, message_id, client_message_id, from_user_id, from_name, to_user_id, "
    "to_waiting_room, text, created_at) "
    "SELECT s.session_id, COALESCE((SELECT c.seq FROM chat_messages c WHERE c.session_id = ?1 "
    "ORDER BY c.seq DESC LIMIT 1), 0) + 1, ?2, ?3, ?4, ?5, ?6, CAST(?7 AS INTEGER), ?8, CAST(?9 AS BIGINT) "
    "FROM call_sessions s WHERE s.session_id = ?1 "
    "ON CONFLICT (session_id, from_user_id, client_message_id) DO NOTHING RETURNING seq";

// Both read the columns read_message() reads, in its order.
inline constexpr std::string_view find_sql =
    "SELECT seq, message_id, client_message_id, from_user_id, from_name, to_user_id, to_waiting_room, text, "
    "created_at FROM chat_messages WHERE session_id = ?1 AND from_user_id = ?2 AND client_message_id = ?3";
// Backwards along the primary key (session_id, seq) from `before`, the rows the viewer may not read passed over.
inline constexpr std::string_view page_sql =
    "SELECT seq, message_id, client_message_id, from_user_id, from_name, to_user_id, to_waiting_room, text, "
    "created_at FROM chat_messages WHERE session_id = ?1 AND seq < ?2 AND "
    "(to_user_id IS NULL OR from_user_id = ?3 OR to_user_id = ?3 OR (to_waiting_room = 1 AND CAST(?5 AS INTEGER) = 1)) "
    "ORDER BY seq DESC LIMIT ?4";

inline std::string new_message_id() { return "msg_" + random_base36(24); }

// A SELECT that neither writes nor locks: on PostgreSQL, one that may run before a lazily begun transaction's BEGIN
// (pg_connection.hpp), so an operation that only reads costs no BEGIN and no COMMIT.
template <class Db>
auto read_query(Db& db, std::string_view sql) {
  if constexpr (requires { db.query(sql, true); })
    return db.query(sql, true);
  else
    return db.query(sql);
}

// One row of find_sql or page_sql, of session `session_id`.
template <class Query>
ChatMessage read_message(Query& q, std::string_view session_id) {
  ChatMessage m;
  m.session_id = session_id;
  m.seq = q.int64(0);
  m.message_id = q.text(1);
  m.client_message_id = q.text(2);
  m.from_user_id = q.text(3);
  m.from_name = q.text(4);
  if (!q.is_null(5)) m.to_user_id = q.text(5);
  m.to_waiting_room = q.int64(6) != 0;
  m.text = q.text(7);
  m.created_at = from_epoch_ms(q.int64(8));
  return m;
}

// Repository::append_chat. `insert_failed` is called with the StoreError of the INSERT (it may throw another).
template <class Db, class OnInsertError>
std::pair<ChatMessage, bool> append(Db& db, ChatMessage m, OnInsertError&& insert_failed) {
  m.message_id = new_message_id();
  try {
    auto q = db.query(append_sql);
    q.bind(1, m.session_id)
        .bind(2, m.message_id)
        .bind(3, m.client_message_id)
        .bind(4, m.from_user_id)
        .bind(5, m.from_name)
        .bind(7, std::int64_t{m.to_waiting_room ? 1 : 0})
        .bind(8, m.text)
        .bind(9, to_epoch_ms(m.created_at));
    if (m.to_user_id.empty())
      q.bind_null(6);
    else
      q.bind(6, m.to_user_id);
    if (q.step()) {
      m.seq = q.int64(0);
      return {std::move(m), true};
    }
  } catch (const StoreError& e) {
    insert_failed(e);
    throw;
  }
  auto q = read_query(db, find_sql);
  q.bind(1, m.session_id).bind(2, m.from_user_id).bind(3, m.client_message_id);
  if (!q.step()) throw StoreError(errc::not_found, "no call session " + m.session_id);
  return {read_message(q, m.session_id), false};
}

// Repository::chat_page: `limit` clamped to 1..kMaxPageLimit, and at most about kMaxPageBytes.
template <class Db>
ChatPage page(Db& db, const ChatQuery& cq) {
  const int limit = std::clamp(cq.limit, 1, kMaxPageLimit);
  ChatPage out;
  std::size_t bytes = 0;
  {
    auto q = read_query(db, page_sql);
    q.bind(1, cq.session_id)
        .bind(2, cq.before_seq.value_or(std::numeric_limits<std::int64_t>::max()))
        .bind(3, cq.viewer_user_id)
        .bind(4, std::int64_t{limit} + 1)  // one more: whether older ones exist
        .bind(5, std::int64_t{cq.viewer_is_host ? 1 : 0});
    while (q.step()) {
      auto m = read_message(q, cq.session_id);
      bytes += m.text.size() + m.from_name.size();
      if (!out.messages.empty() && bytes > kMaxPageBytes) {  // newest first: the older ones are left for next page
        out.has_more = true;
        break;
      }
      out.messages.push_back(std::move(m));
    }
  }
  if (out.messages.size() > static_cast<std::size_t>(limit)) {
    out.has_more = true;
    out.messages.pop_back();
  }
  std::reverse(out.messages.begin(), out.messages.end());
  return out;
}

}  // namespace hearth::store::chat_sql

#pragma once
// The webhook outbox's statements and the code around them, shared by both repositories (sqlite/sqlite_outbox.cpp,
// postgres/pg_outbox.cpp): templates over the connection (SqliteConnection or PgConnection: query(sql), bind, step,
// run, changes), like sqlite/analytics_sql.hpp. Only reading the due heads differs: PostgreSQL claims them.
// Thread safety: none; the repository's thread.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "calls/events.hpp"
#include "core/clock.hpp"
#include "store/outbox.hpp"
#include "store/repository.hpp"

namespace hearth::store::outbox_sql {

// A new delivery is due at once (next_attempt_at 0); created_at, the wall clock when it was written, starts the
// retry budget. RETURNING: SQLite 3.35+, PostgreSQL alike; on PostgreSQL the UPDATE also locks the session's row, so
// the sequence numbers of one call are handed out in one order across nodes.
inline constexpr std::string_view next_sequence_sql =
    "UPDATE call_sessions SET event_sequence = event_sequence + ?2 WHERE session_id = ?1 RETURNING event_sequence";
inline constexpr std::string_view insert_delivery_sql =
    "INSERT INTO webhook_outbox (target, session_id, event_id, sequence, body, created_at, attempts, "
    "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)";
// The head of each stream is its smallest id (the index is (target, session_id, id)).
inline constexpr std::string_view next_head_sql =
    "SELECT MIN(o.next_attempt_at) FROM webhook_outbox o "
    "WHERE o.id IN (SELECT MIN(id) FROM webhook_outbox GROUP BY target, session_id) AND o.next_attempt_at > ?1";
inline constexpr std::string_view count_sql = "SELECT COUNT(*) FROM webhook_outbox";
inline constexpr std::string_view delete_sql = "DELETE FROM webhook_outbox WHERE id = ?1";
inline constexpr std::string_view retry_sql =
    "UPDATE webhook_outbox SET attempts = ?2, next_attempt_at = ?3 WHERE id = ?1";
inline constexpr std::string_view targets_sql = "SELECT DISTINCT target FROM webhook_outbox";
inline constexpr std::string_view forget_sql = "DELETE FROM webhook_outbox WHERE target = ?1";
// The columns every due-heads query returns, in this order (read_delivery reads them).
inline constexpr std::string_view delivery_columns =
    "id, target, session_id, event_id, sequence, body, attempts, created_at, next_attempt_at";

// Writes `events` of `session_id` for every target, with the session's next sequence numbers. errc::not_found if
// the session does not exist.
template <class Db>
void write_events(Db& db, const std::vector<std::string>& targets, std::string_view session_id,
                  const std::vector<calls::CallEvent>& events) {
  std::int64_t last = 0;
  {
    auto q = db.query(next_sequence_sql);
    q.bind(1, session_id).bind(2, static_cast<std::int64_t>(events.size()));
    if (!q.step()) throw StoreError(errc::not_found, "no call session " + std::string(session_id));
    last = q.int64(0);
  }
  std::int64_t sequence = last - static_cast<std::int64_t>(events.size());
  const std::int64_t written_ms = to_epoch_ms(std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()));
  for (const auto& event : events) {
    ++sequence;
    const std::string id = new_event_id();
    const std::string body = event_body(event, id, session_id, sequence);
    for (const auto& target : targets)
      db.query(insert_delivery_sql)
          .bind(1, target)
          .bind(2, session_id)
          .bind(3, id)
          .bind(4, sequence)
          .bind(5, body)
          .bind(6, written_ms)
          .run();
  }
}

// One row of delivery_columns.
template <class Query>
OutboxDelivery read_delivery(Query& q) {
  OutboxDelivery d;
  d.id = q.int64(0);
  d.target = q.text(1);
  d.session_id = q.text(2);
  d.event_id = q.text(3);
  d.sequence = q.int64(4);
  d.body = q.text(5);
  d.attempts = static_cast<int>(q.int64(6));
  d.created_at = from_epoch_ms(q.int64(7));
  d.next_attempt_at = from_epoch_ms(q.int64(8));
  return d;
}

// After the due heads: when the next head falls due, and how many deliveries wait.
template <class Db>
void add_next_and_pending(Db& db, std::int64_t now_ms, DueDeliveries& out) {
  {
    auto q = db.query(next_head_sql);
    q.bind(1, now_ms);
    if (q.step() && !q.is_null(0)) out.next_at = from_epoch_ms(q.int64(0));
  }
  auto q = db.query(count_sql);
  if (q.step()) out.pending = q.int64(0);
}

template <class Db>
void remove_delivery(Db& db, std::int64_t id) {
  db.query(delete_sql).bind(1, id).run();
}

template <class Db>
void retry_delivery(Db& db, std::int64_t id, int attempts, TimePoint next_attempt_at) {
  db.query(retry_sql).bind(1, id).bind(2, std::int64_t{attempts}).bind(3, to_epoch_ms(next_attempt_at)).run();
}

// Removes the deliveries to targets not in `keep`; returns how many.
template <class Db>
std::int64_t forget_targets(Db& db, const std::vector<std::string>& keep) {
  std::vector<std::string> gone;
  {
    auto q = db.query(targets_sql);
    while (q.step())
      if (std::find(keep.begin(), keep.end(), q.text(0)) == keep.end()) gone.emplace_back(q.text(0));
  }
  std::int64_t removed = 0;
  for (const auto& target : gone) {
    db.query(forget_sql).bind(1, target).run();
    removed += db.changes();
  }
  return removed;
}

}  // namespace hearth::store::outbox_sql

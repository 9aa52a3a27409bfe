// SqliteRepository: the webhook outbox (store/outbox.hpp, docs/webhooks.md; schema: migration v4).
// Cost when webhooks are on: per change that reports events, one UPDATE of the session's event_sequence and one
// INSERT per event and target, in the change's savepoint. Reading the due stream heads groups the outbox by stream
// along its index: it is proportional to the deliveries waiting, which stay few while the receivers answer.
#include <algorithm>

#include "store/sqlite/sqlite_repository.hpp"

namespace hearth::store {

namespace {

// A new delivery is due at once (next_attempt_at 0); created_at, the wall clock when it was written, starts the
// retry budget. RETURNING: SQLite 3.35+, PostgreSQL alike.
constexpr std::string_view next_sequence_sql =
    "UPDATE call_sessions SET event_sequence = event_sequence + ?2 WHERE session_id = ?1 RETURNING event_sequence";
constexpr std::string_view insert_delivery_sql =
    "INSERT INTO webhook_outbox (target, session_id, event_id, sequence, body, created_at, attempts, "
    "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)";
// The head of each stream is its smallest id (the index is (target, session_id, id)).
constexpr std::string_view due_heads_sql =
    "SELECT o.id, o.target, o.session_id, o.event_id, o.sequence, o.body, o.attempts, o.created_at, "
    "o.next_attempt_at FROM webhook_outbox o "
    "WHERE o.id IN (SELECT MIN(id) FROM webhook_outbox GROUP BY target, session_id) AND o.next_attempt_at <= ?1 "
    "ORDER BY o.next_attempt_at, o.id LIMIT ?2";
constexpr std::string_view next_head_sql =
    "SELECT MIN(o.next_attempt_at) FROM webhook_outbox o "
    "WHERE o.id IN (SELECT MIN(id) FROM webhook_outbox GROUP BY target, session_id) AND o.next_attempt_at > ?1";
constexpr std::string_view count_sql = "SELECT COUNT(*) FROM webhook_outbox";
constexpr std::string_view delete_sql = "DELETE FROM webhook_outbox WHERE id = ?1";
constexpr std::string_view retry_sql = "UPDATE webhook_outbox SET attempts = ?2, next_attempt_at = ?3 WHERE id = ?1";
constexpr std::string_view targets_sql = "SELECT DISTINCT target FROM webhook_outbox";
constexpr std::string_view forget_sql = "DELETE FROM webhook_outbox WHERE target = ?1";

}  // namespace

void SqliteRepository::record_events(const calls::CallSession* before, const calls::CallSession& after) {
  if (!outbox_.enabled()) return;
  const auto events = calls::events_between(before, after);
  if (!events.empty()) write_events(after.session_id, events);
}

void SqliteRepository::append_events(std::string_view session_id, const std::vector<calls::CallEvent>& events) {
  if (!outbox_.enabled() || events.empty()) return;
  write_events(session_id, events);
}

void SqliteRepository::write_events(std::string_view session_id, const std::vector<calls::CallEvent>& events) {
  std::int64_t last = 0;
  {
    auto q = db_.query(next_sequence_sql);
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
    for (const auto& target : outbox_.targets)
      db_.query(insert_delivery_sql)
          .bind(1, target)
          .bind(2, session_id)
          .bind(3, id)
          .bind(4, sequence)
          .bind(5, body)
          .bind(6, written_ms)
          .run();
  }
  outbox_written_ = true;
}

DueDeliveries SqliteRepository::due_deliveries(TimePoint now, int limit) {
  DueDeliveries out;
  const std::int64_t now_ms = to_epoch_ms(now);
  if (limit > 0) {
    auto q = db_.query(due_heads_sql);
    q.bind(1, now_ms).bind(2, std::int64_t{limit});
    while (q.step()) {
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
      out.due.push_back(std::move(d));
    }
  }
  {
    auto q = db_.query(next_head_sql);
    q.bind(1, now_ms);
    if (q.step() && !q.is_null(0)) out.next_at = from_epoch_ms(q.int64(0));
  }
  auto q = db_.query(count_sql);
  if (q.step()) out.pending = q.int64(0);
  return out;
}

void SqliteRepository::remove_delivery(std::int64_t id) { db_.query(delete_sql).bind(1, id).run(); }

void SqliteRepository::retry_delivery(std::int64_t id, int attempts, TimePoint next_attempt_at) {
  db_.query(retry_sql).bind(1, id).bind(2, std::int64_t{attempts}).bind(3, to_epoch_ms(next_attempt_at)).run();
}

std::int64_t SqliteRepository::forget_targets(const std::vector<std::string>& targets) {
  std::vector<std::string> gone;
  {
    auto q = db_.query(targets_sql);
    while (q.step())
      if (std::find(targets.begin(), targets.end(), q.text(0)) == targets.end()) gone.emplace_back(q.text(0));
  }
  std::int64_t removed = 0;
  for (const auto& target : gone) {
    db_.query(forget_sql).bind(1, target).run();
    removed += db_.changes();
  }
  return removed;
}

}  // namespace hearth::store

// SqliteRepository: the webhook outbox (store/outbox.hpp, docs/webhooks.md; schema: migration v4).
// Cost when webhooks are on: per change that reports events, one UPDATE of the session's event_sequence and one
// INSERT per event and target, in the change's savepoint. Reading the due stream heads groups the outbox by stream
// along its index: it is proportional to the deliveries waiting, which stay few while the receivers answer.
#include <string>

#include "store/outbox_sql.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace hearth::store {

namespace {

const std::string due_heads_sql = "SELECT " + std::string(outbox_sql::delivery_columns) +
                                  " FROM webhook_outbox o "
                                  "WHERE o.id IN (SELECT MIN(id) FROM webhook_outbox GROUP BY target, session_id) "
                                  "AND o.next_attempt_at <= ?1 ORDER BY o.next_attempt_at, o.id LIMIT ?2";

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
  outbox_sql::write_events(db_, outbox_.targets, session_id, events);
  outbox_written_ = true;
}

DueDeliveries SqliteRepository::due_deliveries(TimePoint now, int limit) {
  DueDeliveries out;
  const std::int64_t now_ms = to_epoch_ms(now);
  if (limit > 0) {
    auto q = db_.query(due_heads_sql);
    q.bind(1, now_ms).bind(2, std::int64_t{limit});
    while (q.step()) out.due.push_back(outbox_sql::read_delivery(q));
  }
  outbox_sql::add_next_and_pending(db_, now_ms, out);
  return out;
}

void SqliteRepository::remove_delivery(std::int64_t id) { outbox_sql::remove_delivery(db_, id); }

void SqliteRepository::retry_delivery(std::int64_t id, int attempts, TimePoint next_attempt_at) {
  outbox_sql::retry_delivery(db_, id, attempts, next_attempt_at);
}

std::int64_t SqliteRepository::forget_targets(const std::vector<std::string>& targets) {
  return outbox_sql::forget_targets(db_, targets);
}

}  // namespace hearth::store

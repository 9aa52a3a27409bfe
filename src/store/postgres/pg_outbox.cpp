// PgRepository: the webhook outbox (store/outbox.hpp, docs/webhooks.md; schema: migration v4), safe with several
// nodes delivering. due_deliveries() claims the stream heads it returns: it locks them (FOR UPDATE SKIP LOCKED, so a
// head another node is claiming at that moment is skipped) and pushes their next attempt OutboxOptions::claim_lease
// ahead, in the same statement. No other node sees them due until retry_delivery() or remove_delivery() sets their
// real state, or the lease runs out (the node that claimed them died: another one delivers them then).
#include <algorithm>
#include <string>

#include "store/outbox_sql.hpp"
#include "store/postgres/pg_repository.hpp"

namespace hearth::store {

namespace {

// The heads (smallest id of each stream) due now, locked and leased; RETURNING gives the attempt time they had.
const std::string claim_heads_sql =
    "WITH heads AS ("
    " SELECT o.id, o.next_attempt_at AS due_at FROM webhook_outbox o"
    " WHERE o.id IN (SELECT MIN(id) FROM webhook_outbox GROUP BY target, session_id) AND o.next_attempt_at <= ?1"
    " ORDER BY o.next_attempt_at, o.id LIMIT ?2 FOR UPDATE SKIP LOCKED) "
    "UPDATE webhook_outbox w SET next_attempt_at = ?3 FROM heads WHERE w.id = heads.id "
    "RETURNING w.id, w.target, w.session_id, w.event_id, w.sequence, w.body, w.attempts, w.created_at, heads.due_at";

}  // namespace

void PgRepository::record_events(const calls::CallSession* before, const calls::CallSession& after) {
  if (!outbox_.enabled()) return;
  const auto events = calls::events_between(before, after);
  if (!events.empty()) write_events(after.session_id, events);
}

void PgRepository::append_events(std::string_view session_id, const std::vector<calls::CallEvent>& events) {
  if (!outbox_.enabled() || events.empty()) return;
  write_events(session_id, events);
}

void PgRepository::write_events(std::string_view session_id, const std::vector<calls::CallEvent>& events) {
  outbox_sql::write_events(db_, outbox_.targets, session_id, events);
  outbox_written_ = true;
}

DueDeliveries PgRepository::due_deliveries(TimePoint now, int limit) {
  DueDeliveries out;
  const std::int64_t now_ms = to_epoch_ms(now);
  if (limit > 0) {
    auto q = db_.query(claim_heads_sql);
    q.bind(1, now_ms).bind(2, std::int64_t{limit}).bind(3, now_ms + outbox_.claim_lease.count());
    while (q.step()) out.due.push_back(outbox_sql::read_delivery(q));
    // UPDATE ... RETURNING has no order: earliest due first, as SQLite answers.
    std::sort(out.due.begin(), out.due.end(), [](const OutboxDelivery& a, const OutboxDelivery& b) {
      return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at : a.id < b.id;
    });
  }
  outbox_sql::add_next_and_pending(db_, now_ms, out);
  return out;
}

void PgRepository::remove_delivery(std::int64_t id) { outbox_sql::remove_delivery(db_, id); }

void PgRepository::retry_delivery(std::int64_t id, int attempts, TimePoint next_attempt_at) {
  outbox_sql::retry_delivery(db_, id, attempts, next_attempt_at);
}

std::int64_t PgRepository::forget_targets(const std::vector<std::string>& targets) {
  return outbox_sql::forget_targets(db_, targets);
}

}  // namespace hearth::store

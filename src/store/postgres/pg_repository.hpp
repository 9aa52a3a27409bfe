#pragma once
// The Repository on PostgreSQL (libpq), for several hearth-call nodes sharing one database
// (docs/architecture.md, "PostgreSQL store"). One connection per repository; the Store runs one repository per
// lane (store.hpp), so DATABASE_POOL_SIZE lanes are that many connections. The tables, and the JSON document of a
// session, are SQLite's (the same migrations, migrations/migrations.hpp); what differs is how nodes stay
// consistent:
// - no session cache: another node may have written, so committed() stays nullopt and find() always reads;
// - find(id, for_update) is SELECT ... FOR UPDATE: the row lock serialises every change of one call across nodes
//   (two nodes admitting the ninth participant of an 8-seat call take turns, and the second sees the call full);
// - due() and record_ended() claim their rows with FOR UPDATE SKIP LOCKED, so the sweeps of several nodes split
//   the work and each call is ended and recorded once;
// - due_deliveries() claims the heads it returns (SKIP LOCKED) and pushes their next attempt a lease ahead
//   (OutboxOptions::claim_lease), so two nodes never post the same delivery at once, and a dead node's claim
//   expires; retry_delivery() or remove_delivery() then set the real state;
// - a transaction that begins on a broken connection reconnects once (PQreset) and retries BEGIN; if PostgreSQL is
//   still down, StoreError(errc::unavailable, "Database unavailable"), and the next transaction tries again.
// Errors: errc::conflict for a duplicate session id (SQLSTATE 23505), not_found for updating a missing one,
// internal for a corrupt stored document, unavailable otherwise (pg_connection.hpp).
// Thread safety: none; one thread at a time (a Store lane). It may be created on another thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/repository.hpp"

namespace hearth::store {

class PgRepository final : public Repository {
 public:
  // Connects to `conninfo` (a postgres:// or postgresql:// URL, or libpq key=value pairs). Does not migrate.
  // Throws StoreError(errc::unavailable) if it cannot connect.
  explicit PgRepository(const std::string& conninfo, OutboxOptions outbox = {});

  // Each version in its own transaction under a transaction-scoped advisory lock, re-checked inside: several nodes
  // starting at once apply each version once.
  int migrate() override;
  int schema_version() override;

  void begin() override;  // BEGIN (READ COMMITTED); reconnects once if the connection is broken
  void commit() override;
  void rollback() override;  // no-op outside a transaction; never throws for a lost connection
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;

  void insert(const calls::CallSession& s) override;
  std::optional<calls::CallSession> find(std::string_view session_id, bool for_update) override;
  void update(const calls::CallSession& s) override;
  HistoryPage history(const HistoryQuery& q) override;
  std::vector<std::string> due(TimePoint now, int limit) override;
  void ping() override;

  // Quality summaries and usage analytics (pg_analytics.cpp).
  void save_quality(std::string_view session_id, const calls::QualitySummary& summary) override;
  std::optional<calls::QualitySummary> load_quality(std::string_view session_id) override;
  int record_ended(TimePoint ended_before, int limit) override;
  void sample_concurrency(TimePoint now) override;
  void add_usage_counts(const UsageCounts& counts) override;
  AnalyticsReport analytics(const AnalyticsQuery& query) override;

  // The webhook outbox (pg_outbox.cpp).
  void append_events(std::string_view session_id, const std::vector<calls::CallEvent>& events) override;
  DueDeliveries due_deliveries(TimePoint now, int limit) override;
  void remove_delivery(std::int64_t id) override;
  void retry_delivery(std::int64_t id, int attempts, TimePoint next_attempt_at) override;
  std::int64_t forget_targets(const std::vector<std::string>& targets) override;

 private:
  PgConnection db_;
  OutboxOptions outbox_;
  bool outbox_written_ = false;  // this transaction wrote outbox rows: notify once committed

  // BEGIN `sql` (BEGIN, or BEGIN with options), reconnecting once if the connection is broken.
  void start(std::string_view sql);
  // Runs `f` in the open transaction, or in one of its own.
  template <class F>
  auto in_transaction(bool read_only, F&& f);
  void record_events(const calls::CallSession* before, const calls::CallSession& after);
  void write_events(std::string_view session_id, const std::vector<calls::CallEvent>& events);
};

// A PostgreSQL repository for `url` (postgres://... or postgresql://...). Throws StoreError if it cannot connect.
std::unique_ptr<Repository> open_postgres(const std::string& url, OutboxOptions outbox = {});

// Whether `database_url` names PostgreSQL (postgres:// or postgresql://).
bool is_postgres_url(std::string_view database_url) noexcept;

// `database_url` with the password of a postgres:// URL replaced by "***", for logs; other URLs as they are.
std::string redact_password(std::string_view database_url);

}  // namespace hearth::store

namespace hearth::store {

template <class F>
auto PgRepository::in_transaction(bool read_only, F&& f) {
  if (db_.in_transaction()) return f();
  // A report reads one snapshot; writes take READ COMMITTED and their row locks, like a Store operation.
  start(read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
  try {
    auto result = f();
    db_.exec("COMMIT");
    return result;
  } catch (...) {
    try {
      rollback();
    } catch (...) {  // NOLINT(bugprone-empty-catch): report the original failure
    }
    throw;
  }
}

}  // namespace hearth::store

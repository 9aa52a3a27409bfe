#pragma once
// The Repository on PostgreSQL (libpq), for several hearth-call nodes sharing one database
// (docs/architecture.md, "PostgreSQL store"). One connection per repository; the Store runs one repository per
// lane (store.hpp), so DATABASE_POOL_SIZE lanes are that many connections. The tables, and the JSON document of a
// session, are SQLite's (the same migrations, migrations/migrations.hpp); what differs is how nodes stay
// consistent:
// - find(id, for_update) is SELECT ... FOR UPDATE: the row lock serialises every change of one call across nodes
//   (two nodes admitting the ninth participant of an 8-seat call take turns, and the second sees the call full);
// - due() and record_ended() claim their rows with FOR UPDATE SKIP LOCKED, so the sweeps of several nodes split
//   the work and each call is ended and recorded once;
// - due_deliveries() claims the heads it returns (SKIP LOCKED) and pushes their next attempt a lease ahead
//   (OutboxOptions::claim_lease), so two nodes never post the same delivery at once, and a dead node's claim
//   expires; retry_delivery() or remove_delivery() then set the real state;
// - a transaction that begins on a broken connection reconnects once (PQreset) and retries BEGIN; if PostgreSQL is
//   still down, StoreError(errc::unavailable, "Database unavailable"), and the next transaction tries again;
// - round trips are few (pg_connection.hpp): BEGIN goes with the first write or lock, an UPDATE of a row this
//   transaction locked and the INSERTs of a session's members go with the next statement or the COMMIT, and an
//   operation that only reads needs neither BEGIN nor COMMIT;
// - compare-and-set: every write of a session row adds one to its row_version, and the node keeps the sessions its
//   lanes wrote last (WrittenSessions, shared by the lanes; also what committed() answers). An operation that finds
//   one of them for update takes it from memory, without a round trip or a row lock, and its write is an UPDATE
//   only if the row is still at that version — else the transaction fails with ConcurrentWrite and the Store runs the
//   batch again, reading the rows from the database (FOR UPDATE) this time. A session read from memory and not
//   written is checked the same way with the COMMIT, or before a lone failed operation rolls back
//   (check_reads()), so a refusal never rests on a stale copy either.
// Errors: errc::conflict for a duplicate session id (SQLSTATE 23505), not_found for updating a missing one,
// internal for a corrupt stored document, unavailable otherwise (pg_connection.hpp).
// Thread safety: none; one thread at a time (a Store lane). It may be created on another thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/written_sessions.hpp"
#include "store/repository.hpp"

namespace hearth::store {

struct PgOptions {
  // The sessions this node wrote last (compare-and-set, above), shared by the node's lanes; a repository of its own
  // by default. Null on a node of several, where the others write the same sessions: every find(id, true) then
  // reads the row FOR UPDATE, and committed() answers nothing.
  std::shared_ptr<WrittenSessions> written = std::make_shared<WrittenSessions>();
};

class PgRepository final : public Repository {
 public:
  // Connects to `conninfo` (a postgres:// or postgresql:// URL, or libpq key=value pairs). Does not migrate.
  // Throws StoreError(errc::unavailable) if it cannot connect.
  explicit PgRepository(const std::string& conninfo, OutboxOptions outbox = {}, PgOptions options = {});

  // Each version in its own transaction under a transaction-scoped advisory lock, re-checked inside: several nodes
  // starting at once apply each version once.
  int migrate() override;
  int schema_version() override;

  // BEGIN (READ COMMITTED), sent with the first statement that writes or locks (PgConnection::begin_lazily).
  void begin() override;
  void commit() override;
  void rollback() override;  // no-op outside a transaction; never throws for a lost connection
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;
  void check_reads() override;

  void insert(const calls::CallSession& s) override;
  std::optional<calls::CallSession> find(std::string_view session_id, bool for_update) override;
  void update(const calls::CallSession& s) override;
  HistoryPage history(const HistoryQuery& q) override;
  std::vector<std::string> due(TimePoint now, int limit) override;
  std::vector<LiveCursor> live_after(const LiveCursor& after, int limit) override;
  void ping() override;
  // The session as this node last committed it (WrittenSessions), for read-only requests; any thread.
  std::optional<calls::CallSession> committed(std::string_view session_id) const override;

  // In-call chat (pg_chat.cpp).
  std::pair<ChatMessage, bool> append_chat(ChatMessage m) override;
  ChatPage chat_page(const ChatQuery& q) override;

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
  PgOptions options_;
  bool outbox_written_ = false;  // this transaction wrote outbox rows: notify once committed
  // The sessions this transaction touched, as it last read or wrote them. Few (one per operation of a batch).
  struct Held {
    std::string id;
    calls::CallSession session;
    std::int64_t version = 0;  // the row's, as this transaction leaves it
    bool written = false;
  };
  std::vector<Held> held_;
  std::vector<Held> held_at_savepoint_;
  // Sessions read from memory (not locked): checked against the database before the transaction ends, by the
  // compare-and-set that writes them or by a check of their version.
  struct MemoryRead {
    std::string id;
    std::int64_t version = 0;
  };
  std::vector<MemoryRead> memory_reads_;

  Held* held(std::string_view session_id);
  void remember(const Held& h);
  // Defers (or with `now`, runs) a check that each session read from memory, and not written since, is unchanged.
  void check_memory_reads(bool now);

  // BEGIN `sql` (BEGIN, or BEGIN with options), reconnecting once if the connection is broken.
  void start(std::string_view sql);
  // Runs `f` in the open transaction, or in one of its own.
  template <class F>
  auto in_transaction(bool read_only, F&& f);
  void record_events(const calls::CallSession* before, const calls::CallSession& after);
  void write_events(std::string_view session_id, const std::vector<calls::CallEvent>& events);
};

// A PostgreSQL repository for `url` (postgres://... or postgresql://...). Throws StoreError if it cannot connect.
std::unique_ptr<Repository> open_postgres(const std::string& url, OutboxOptions outbox = {}, PgOptions options = {});

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
    db_.commit();
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

#pragma once
// The Repository on SQLite: one connection, WAL journal, synchronous=FULL (a committed batch survives
// kill -9 and power loss), foreign keys on, 5 s busy timeout, prepared statements cached for the life of
// the connection, WAL checkpoints on a thread of their own (SqliteCheckpointer). A session is one row (its
// JSON document plus the indexed columns status, deadline_at, created_at, and for usage analytics a marker of
// ended sessions not yet recorded and the count of active participants) and one call_members row per
// member for the history query. The recently used live sessions are kept parsed in a SessionCache; any commit
// by another connection (PRAGMA data_version, checked when a transaction begins) empties it. Inside a transaction
// the updates of a session already known are kept in PendingWrites and written once, before the commit (or before
// a query that reads the rows), however often the batch updated it. What each batch wrote is published to
// CommittedSessions once committed, for read-only requests on other threads.
// Quality summaries and usage analytics: sqlite_analytics.cpp (docs/architecture.md, "Usage analytics storage").
// The webhook outbox: sqlite_outbox.cpp (docs/webhooks.md); insert() and update() write their events there.
// Errors: StoreError(errc::conflict) for a duplicate session id, errc::not_found for updating a missing one,
// errc::internal for a corrupt stored document, errc::unavailable for every SQLite failure.
// Thread safety: none; one thread at a time (the Store's thread). It may be created on another thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/committed_sessions.hpp"
#include "store/member_totals.hpp"
#include "store/pending_writes.hpp"
#include "store/repository.hpp"
#include "store/session_cache.hpp"
#include "store/sqlite/sqlite_checkpointer.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store {

struct SqliteOptions {
  CheckpointLimits checkpoints;
  // Live sessions kept parsed, in the SessionCache and in CommittedSessions (about 2 KB each in each); 0: none.
  std::size_t cached_sessions = 4096;
};

class SqliteRepository final : public Repository {
 public:
  // Opens (creating it and its parent directory if missing) the database at `path`; ":memory:" for tests.
  // Does not migrate: call migrate() once at startup. Throws StoreError. The webhook outbox (sqlite_outbox.cpp) is
  // off (nothing written) unless `outbox` has targets.
  explicit SqliteRepository(const std::string& path, SqliteOptions options = {}, OutboxOptions outbox = {});

  int migrate() override;
  int schema_version() override;

  void begin() override;  // BEGIN IMMEDIATE: takes the write lock up front, so a batch never dead-locks
  void commit() override;
  void rollback() override;  // no-op outside a transaction
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;  // rolls back and releases, so savepoints never pile up
  // In memory only; rolling it back throws RerunBatch if SQLite's count of changed rows moved meanwhile (a failed
  // statement changes none: SQLite undoes it alone).
  void optimistic_savepoint() override;

  void insert(const calls::CallSession& s) override;
  // for_update is implied: BEGIN IMMEDIATE already holds the database's single write lock.
  std::optional<calls::CallSession> find(std::string_view session_id, bool for_update) override;
  void update(const calls::CallSession& s) override;
  // Throws StoreError(errc::invalid_argument) unless page >= 1 and 1 <= limit <= 100.
  HistoryPage history(const HistoryQuery& q) override;
  std::vector<std::string> due(TimePoint now, int limit) override;
  std::vector<LiveCursor> live_after(const LiveCursor& after, int limit) override;
  void ping() override;

  // In-call chat (sqlite_chat.cpp).
  std::pair<ChatMessage, bool> append_chat(ChatMessage m) override;
  ChatPage chat_page(const ChatQuery& q) override;

  // Quality summaries and usage analytics (sqlite_analytics.cpp).
  void save_quality(std::string_view session_id, const calls::QualitySummary& summary) override;
  std::optional<calls::QualitySummary> load_quality(std::string_view session_id) override;
  int record_ended(TimePoint ended_before, int limit) override;
  void sample_concurrency(TimePoint now) override;
  void add_usage_counts(const UsageCounts& counts) override;
  AnalyticsReport analytics(const AnalyticsQuery& query) override;

  // The webhook outbox (sqlite_outbox.cpp).
  void append_events(std::string_view session_id, const std::vector<calls::CallEvent>& events) override;
  DueDeliveries due_deliveries(TimePoint now, int limit) override;
  void remove_delivery(std::int64_t id) override;
  void retry_delivery(std::int64_t id, int attempts, TimePoint next_attempt_at) override;
  std::int64_t forget_targets(const std::vector<std::string>& targets) override;

  std::optional<calls::CallSession> committed(std::string_view session_id) const override {
    return committed_.find(session_id);
  }

  // WAL checkpoints completed by the background checkpointer (0 for ":memory:").
  std::uint64_t background_checkpoints() const noexcept { return checkpointer_ ? checkpointer_->checkpoints() : 0; }

 private:
  // Declared before db_: it outlives the commit hook that points to it. Null for ":memory:" (no WAL).
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
  SqliteConnection db_;
  SessionCache cache_;
  CommittedSessions committed_;     // what the last commits wrote, for other threads
  PendingWrites pending_;           // updates of this transaction not yet written (see update())
  MemberTotals member_totals_;      // history totals of recently asked-about users
  std::int64_t data_version_ = -1;  // PRAGMA data_version when the cache was last known to be current
  OutboxOptions outbox_;
  bool outbox_written_ = false;            // this transaction wrote outbox rows: notify once committed
  bool savepoint_in_db_ = true;            // the open savepoint is SQLite's (savepoint()), not optimistic_savepoint()'s
  std::int64_t changes_at_savepoint_ = 0;  // the connection's total changes when the optimistic savepoint began

  void check_data_version();                // empties the cache if another connection committed since the last check
  void write(const calls::CallSession& s);  // UPDATE; throws StoreError(errc::not_found) if the row is missing
  void write_pending();                     // writes what pending_ holds unwritten
  // Writes the events of the change before -> after to the outbox (when enabled), in the current savepoint.
  void record_events(const calls::CallSession* before, const calls::CallSession& after);
  void write_events(std::string_view session_id, const std::vector<calls::CallEvent>& events);
};

// Maps a DATABASE_URL to a SQLite path: "sqlite://./data/x.db" -> "./data/x.db" (relative to the working
// directory; "../" also accepted), "sqlite:///abs/path.db" -> "/abs/path.db", "sqlite::memory:" ->
// ":memory:". Anything else throws std::invalid_argument saying what is expected (without echoing a
// non-sqlite URL, which may carry a password).
std::string sqlite_path_from_url(std::string_view database_url);

}  // namespace hearth::store

#pragma once
// The storage interface of call sessions. Implementations (SQLite now, PostgreSQL later) are synchronous and
// are used from the store's own thread only (see store.hpp); they keep SQL portable between the two.
// Failures are thrown as StoreError and mapped to errc::unavailable (or errc::conflict) by the Store.
// Thread safety: none; one thread at a time.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calls/call_session.hpp"
#include "calls/quality_summary.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "store/analytics.hpp"
#include "store/chat.hpp"
#include "store/outbox.hpp"

namespace hearth::store {

// what(): the diagnostic (the SQL, the database's own message), shown to clients only in development mode.
// message(): what clients are told when the cause is one an operator must fix ("Storage full"); empty: the
// Store's default for the code.
class StoreError : public std::runtime_error {
 public:
  StoreError(errc code, const std::string& what, std::string message = {})
      : std::runtime_error(what), code_(code), message_(std::move(message)) {}
  errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

 private:
  errc code_;
  std::string message_;
};

// The transaction met another connection's: a session it read from the repository's memory had been written
// meanwhile (PostgreSQL's compare-and-set, pg_repository.hpp), or PostgreSQL broke a deadlock or a serialization
// conflict by aborting it. Nothing of it commits; the Store rolls it back and runs its operations again (reading the
// rows from the database this time).
class ConcurrentWrite : public StoreError {
 public:
  explicit ConcurrentWrite(const std::string& what) : StoreError(errc::conflict, what, "The call changed meanwhile") {}
};

// Thrown by rollback_to_savepoint() after optimistic_savepoint() when the failed operation had already written rows
// that only a real savepoint could undo: nothing of the transaction may commit. The Store rolls it back and runs the
// batch again, with real savepoints (savepoint()) this time.
class RerunBatch : public StoreError {
 public:
  explicit RerunBatch(const std::string& what) : StoreError(errc::unavailable, what) {}
};

struct HistoryQuery {
  std::string user_id;                  // sessions this user initiated or was invited to
  std::optional<calls::Status> status;  // filter, optional
  int page = 1;                         // 1-based
  int limit = 20;                       // 1..100
};

struct HistoryPage {
  // Each session's stored document (session_json.hpp: the shape REST answers with), newest first (created_at
  // desc, session_id desc); a history answer copies them as they are instead of parsing and rewriting each.
  std::vector<std::string> documents;
  std::int64_t total = 0;  // all matching sessions
};

// A place in the live sessions' order (Repository::live_after): a session's deadline and id. The default is before
// every session.
struct LiveCursor {
  std::int64_t deadline_ms = INT64_MIN;  // epoch ms, as stored
  std::string session_id;
  bool operator==(const LiveCursor&) const = default;
};

class Repository {
 public:
  virtual ~Repository() = default;

  // Applies pending schema migrations; returns how many were applied.
  virtual int migrate() = 0;
  virtual int schema_version() = 0;

  // Transactions. A batch (group commit) is begin; { savepoint; op; release | rollback_to }*; commit.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual void savepoint() = 0;
  virtual void release_savepoint() = 0;
  virtual void rollback_to_savepoint() = 0;
  // A savepoint a repository may keep in memory only (the Store's first attempt at a batch): released as usual;
  // rolled back, it undoes what the operation changed in the repository's memory, and throws RerunBatch if the
  // operation had written rows. Most operations succeed, and SQLite copies every page a write touches under a real
  // savepoint (its sub-journal). Default: a real savepoint.
  virtual void optimistic_savepoint() { savepoint(); }
  // Before the Store rolls back a lone operation that failed on its own: throws ConcurrentWrite if what the transaction
  // read from the repository's memory has changed in the database since (its refusal may rest on a stale read).
  virtual void check_reads() {}

  // Throws StoreError(errc::conflict) if the id exists.
  virtual void insert(const calls::CallSession& s) = 0;
  // for_update: lock the row for the rest of the transaction where the database supports it.
  virtual std::optional<calls::CallSession> find(std::string_view session_id, bool for_update) = 0;
  // Replaces the stored session (same id); throws StoreError(errc::not_found) if missing.
  virtual void update(const calls::CallSession& s) = 0;
  virtual HistoryPage history(const HistoryQuery& q) = 0;
  // Ids of sessions not ended whose deadline is <= now, oldest deadline first, at most `limit`.
  virtual std::vector<std::string> due(TimePoint now, int limit) = 0;
  // Sessions not ended, in (deadline, id) order, those after `after` (exclusive), at most `limit`: every live session,
  // page by page (a node alone, at start, looks there for the seats of its previous run). Read only.
  virtual std::vector<LiveCursor> live_after(const LiveCursor& /*after*/, int /*limit*/) { return {}; }
  // Throws if the database is unreachable.
  virtual void ping() = 0;

  // --- chat (chat.hpp) ---
  // Stores `m` with its session's next seq, a new message_id and `created_at` as given, and returns it with
  // second = true; if the sender stored a message with the same client_message_id in that session already, returns
  // that one, unchanged, with second = false (a retry). The session must exist (errc::not_found otherwise).
  // The defaults are a repository without chat (test fakes): it is refused as unavailable.
  virtual std::pair<ChatMessage, bool> append_chat(ChatMessage /*m*/) {
    throw StoreError(errc::unavailable, "this repository keeps no chat");
  }
  // A page of what q.viewer_user_id may read (chat_visible_to), oldest first.
  virtual ChatPage chat_page(const ChatQuery& /*q*/) {
    throw StoreError(errc::unavailable, "this repository keeps no chat");
  }

  // --- quality and usage analytics (analytics.hpp) ---
  // Replaces the session's stored quality summary (the session must exist: errc::not_found otherwise).
  virtual void save_quality(std::string_view session_id, const calls::QualitySummary& summary) = 0;
  virtual std::optional<calls::QualitySummary> load_quality(std::string_view session_id) = 0;
  // Records up to `limit` sessions that ended at or before `ended_before` and are not recorded yet (their facts,
  // with the stored quality summary if any, and the hourly roll-ups); returns how many. Each session once.
  virtual int record_ended(TimePoint ended_before, int limit) = 0;
  // Samples concurrency now (active calls, active participants: from the live sessions) into the hour's peak.
  virtual void sample_concurrency(TimePoint now) = 0;
  // Adds counted requests, events and errors to their hour.
  virtual void add_usage_counts(const UsageCounts& counts) = 0;
  // Throws StoreError(errc::invalid_argument) for an empty or reversed range.
  virtual AnalyticsReport analytics(const AnalyticsQuery& query) = 0;

  // --- webhook outbox (outbox.hpp; docs/webhooks.md) ---
  // A repository with an outbox also writes the events of every insert() and update() (events_between the state
  // it had and the new one) in the same savepoint, one delivery per target, when its outbox is enabled. These
  // defaults are a repository without one (test fakes): nothing is written, nothing is ever due.
  // Appends events of an existing session (quality_alert) with the session's next sequence numbers; errc::not_found
  // if the session does not exist. Nothing when webhooks are off.
  virtual void append_events(std::string_view /*session_id*/, const std::vector<calls::CallEvent>& /*events*/) {}
  // The oldest delivery of each stream (target, session) whose next attempt is <= now, earliest due first, at
  // most `limit`; also when the next head falls due and how many deliveries wait.
  virtual DueDeliveries due_deliveries(TimePoint /*now*/, int /*limit*/) { return {}; }
  // Removes a delivery (delivered, or given up).
  virtual void remove_delivery(std::int64_t /*id*/) {}
  // Records a failed attempt: the delivery's attempts and when to try again.
  virtual void retry_delivery(std::int64_t /*id*/, int /*attempts*/, TimePoint /*next_attempt_at*/) {}
  // Removes the deliveries to targets not in `targets` (a URL no longer configured); returns how many.
  virtual std::int64_t forget_targets(const std::vector<std::string>& /*targets*/) { return 0; }

  // The last committed state of a live session if this repository happens to know it (see
  // store/committed_sessions.hpp), else nullopt — which says nothing about whether it exists.
  // Unlike everything above, it may be called from any thread, concurrently with the store thread.
  virtual std::optional<calls::CallSession> committed(std::string_view /*session_id*/) const { return std::nullopt; }
};

}  // namespace hearth::store

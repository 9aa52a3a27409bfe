#include "store/sqlite/sqlite_repository.hpp"

#include <cstdint>
#include <stdexcept>

#include "store/migrations/sqlite_migrations.hpp"
#include "store/session_json.hpp"
#include "store/session_row.hpp"
#include "store/session_sql.hpp"

namespace hearth::store {

using calls::CallSession;

namespace {

constexpr int max_history_limit = 100;
constexpr std::size_t remembered_totals = 16384;  // users whose history total is kept (~2 MB)

constexpr std::string_view find_sql = "SELECT document, deadline_at FROM call_sessions WHERE session_id = ?1";

// History reads call_members backwards along its key (user_id, created_at, session_id).
constexpr std::string_view history_sql =
    "SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
    "WHERE m.user_id = ?1 ORDER BY m.created_at DESC, m.session_id DESC LIMIT ?3 OFFSET ?4";
// A later page skips along call_members' key alone and joins only the page's rows: with OFFSET on the join, SQLite
// would read every skipped session's row too (a user's last page of 15,000 sessions: 41 → 0.45 ms; BENCHMARKS.md,
// "Cost as the data grows"). The first page keeps the plain join, which needs no sort.
constexpr std::string_view history_later_page_sql =
    "SELECT s.document FROM (SELECT session_id, created_at FROM call_members WHERE user_id = ?1 "
    "ORDER BY created_at DESC, session_id DESC LIMIT ?3 OFFSET ?4) m "
    "JOIN call_sessions s ON s.session_id = m.session_id ORDER BY m.created_at DESC, m.session_id DESC";
constexpr std::string_view history_by_status_sql =
    "SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
    "WHERE m.user_id = ?1 AND s.status = ?2 ORDER BY m.created_at DESC, m.session_id DESC LIMIT ?3 OFFSET ?4";
constexpr std::string_view count_sql = "SELECT COUNT(*) FROM call_members WHERE user_id = ?1";
constexpr std::string_view count_by_status_sql =
    "SELECT COUNT(*) FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
    "WHERE m.user_id = ?1 AND s.status = ?2";

// Means status != 'ended' (the schema CHECKs the status values), written as the partial index
// call_sessions_live_deadline's condition so that index (live sessions only, in this order) is used.
constexpr std::string_view due_sql =
    "SELECT session_id FROM call_sessions WHERE status IN ('waiting', 'active') AND deadline_at <= ?1 "
    "ORDER BY deadline_at, session_id LIMIT ?2";

}  // namespace

SqliteRepository::SqliteRepository(const std::string& path, SqliteOptions options, OutboxOptions outbox)
    : checkpointer_(path == ":memory:" ? nullptr : std::make_unique<SqliteCheckpointer>(path, options.checkpoints)),
      db_(path),
      cache_(options.cached_sessions),
      committed_(options.cached_sessions),
      member_totals_(remembered_totals),
      outbox_(std::move(outbox)) {
  if (checkpointer_) db_.on_wal_commit([c = checkpointer_.get()](int frames) { return c->wal_grew(frames); });
}

int SqliteRepository::migrate() { return apply_sqlite_migrations(db_); }

int SqliteRepository::schema_version() { return sqlite_schema_version(db_); }

void SqliteRepository::check_data_version() {
  auto q = db_.query("PRAGMA data_version");
  const std::int64_t version = q.step() ? q.int64(0) : -1;
  if (version != data_version_ || version < 0) {
    cache_.clear();
    committed_.clear();
    member_totals_.clear();
  }
  data_version_ = version;
}

void SqliteRepository::begin() {
  pending_.clear();
  outbox_written_ = false;  // empty unless the last transaction ended without commit() or rollback()
  db_.exec("BEGIN IMMEDIATE");
  check_data_version();  // holding the write lock: nobody else commits until our COMMIT
}

void SqliteRepository::commit() {
  write_pending();
  db_.exec("COMMIT");
  pending_.clear();
  member_totals_.commit();
  for (const auto& id : cache_.written()) {
    if (const auto* s = cache_.find(id))
      committed_.publish(*s);
    else
      committed_.forget(id);  // ended, or evicted from the cache: an older copy must not stay
  }
  cache_.commit();
  if (outbox_written_ && outbox_.signal) outbox_.signal->notify();
  outbox_written_ = false;
}

void SqliteRepository::rollback() {
  pending_.clear();
  member_totals_.rollback();
  cache_.rollback();  // also when SQLite already rolled back by itself
  if (db_.in_transaction()) db_.exec("ROLLBACK");
}

void SqliteRepository::savepoint() {
  db_.exec("SAVEPOINT op");
  savepoint_in_db_ = true;
  member_totals_.savepoint();
  cache_.savepoint();
  pending_.savepoint();
}

void SqliteRepository::optimistic_savepoint() {
  savepoint_in_db_ = false;
  changes_at_savepoint_ = db_.total_changes();
  member_totals_.savepoint();
  cache_.savepoint();
  pending_.savepoint();
}

void SqliteRepository::release_savepoint() {
  if (savepoint_in_db_) db_.exec("RELEASE SAVEPOINT op");
  cache_.release_savepoint();
  pending_.release_savepoint();
}

void SqliteRepository::rollback_to_savepoint() {
  member_totals_.rollback_to_savepoint();
  cache_.rollback_to_savepoint();
  pending_.rollback_to_savepoint();
  // After a full disk or an I/O error inside a statement SQLite may roll back the whole transaction, savepoints
  // included: the batch's earlier operations are undone too, so the batch fails, with the cause.
  if (!db_.in_transaction())
    throw StoreError(errc::unavailable, "sqlite: the transaction was rolled back after an error",
                     std::string(db_.last_failure_message()));
  if (!savepoint_in_db_) {
    // Every row written counts in total_changes (INSERT, UPDATE, DELETE, upserts); a statement that failed was
    // undone by SQLite and counts none. Rows written by this operation cannot be told from the batch's others.
    if (db_.total_changes() != changes_at_savepoint_)
      throw RerunBatch("sqlite: a failed operation had written rows; the batch runs again with savepoints");
    return;
  }
  // ROLLBACK TO keeps the savepoint open (in SQLite and PostgreSQL alike); release it too.
  db_.exec("ROLLBACK TO SAVEPOINT op");
  db_.exec("RELEASE SAVEPOINT op");
}

void SqliteRepository::insert(const CallSession& s) {
  session_sql::insert_rows(db_, s);
  member_totals_.inserted(s);
  if (!db_.in_transaction()) member_totals_.commit();  // written by itself
  record_events(nullptr, s);
  cache_.put(s);
}

std::optional<CallSession> SqliteRepository::find(std::string_view session_id, bool /*for_update*/) {
  if (!db_.in_transaction()) check_data_version();  // a transaction checked when it began
  if (const auto* pending = pending_.find(session_id)) return *pending;
  if (const auto* cached = cache_.find(session_id)) return *cached;
  auto q = db_.query(find_sql);
  q.bind(1, session_id);
  if (!q.step()) return std::nullopt;
  auto session = read_session(q.text(0), q.int64(1));
  cache_.remember(session);
  return session;
}

void SqliteRepository::update(const CallSession& s) {
  if (outbox_.enabled()) {
    // What the change reports is measured against what this transaction had (pending, cached or stored).
    const auto before = find(s.session_id, true);
    if (!before) throw StoreError(errc::not_found, "no call session " + s.session_id);
    record_events(&*before, s);
  }
  // Inside a transaction, a session known to exist (updated before in it, or cached: the transaction holds the
  // write lock and began by checking that nobody else wrote) is written once, by write_pending() before COMMIT,
  // which also brings the cache up to date (until then find() answers from pending_).
  if (db_.in_transaction() && (pending_.find(s.session_id) || cache_.find(s.session_id))) {
    pending_.put(s);
    return;
  }
  write(s);
  cache_.put(s);
}

void SqliteRepository::write(const CallSession& s) { session_sql::update_row(db_, s); }

void SqliteRepository::write_pending() {
  for (const auto* s : pending_.unwritten()) {
    write(*s);
    cache_.put(*s);
    pending_.mark_written(s->session_id);
  }
}

HistoryPage SqliteRepository::history(const HistoryQuery& hq) {
  if (hq.page < 1 || hq.limit < 1 || hq.limit > max_history_limit)
    throw StoreError(errc::invalid_argument, "history: page must be >= 1 and limit between 1 and 100");
  const std::int64_t offset = (std::int64_t{hq.page} - 1) * hq.limit;
  if (!db_.in_transaction()) check_data_version();  // a transaction checked when it began
  write_pending();                                  // the query reads the rows
  HistoryPage page;
  if (const auto total = hq.status ? std::nullopt : member_totals_.find(hq.user_id)) {
    page.total = *total;
  } else {
    auto q = db_.query(hq.status ? count_by_status_sql : count_sql);
    q.bind(1, hq.user_id);
    if (hq.status) q.bind(2, to_string(*hq.status));
    if (q.step()) page.total = q.int64(0);
    if (!hq.status) member_totals_.remember(hq.user_id, page.total);
  }
  auto q = db_.query(hq.status ? history_by_status_sql : offset > 0 ? history_later_page_sql : history_sql);
  q.bind(1, hq.user_id).bind(3, std::int64_t{hq.limit}).bind(4, offset);
  if (hq.status) q.bind(2, to_string(*hq.status));
  while (q.step()) {
    const auto document = q.text(0);
    if (!is_document_text(document)) throw StoreError(errc::internal, "corrupt session document in history");
    page.documents.emplace_back(document);
  }
  return page;
}

std::vector<std::string> SqliteRepository::due(TimePoint now, int limit) {
  std::vector<std::string> ids;
  if (limit <= 0) return ids;
  write_pending();  // the query reads the rows
  auto q = db_.query(due_sql);
  q.bind(1, to_epoch_ms(now)).bind(2, std::int64_t{limit});
  while (q.step()) ids.emplace_back(q.text(0));
  return ids;
}

std::vector<LiveCursor> SqliteRepository::live_after(const LiveCursor& after, int limit) {
  write_pending();  // the query reads the rows
  return session_sql::live_after(db_, after, limit);
}

void SqliteRepository::ping() {
  auto q = db_.query("SELECT 1");
  if (!q.step() || q.int64(0) != 1) throw StoreError(errc::unavailable, "sqlite: SELECT 1 returned no row");
}

std::string sqlite_path_from_url(std::string_view url) {
  constexpr std::string_view expected =
      " (expected sqlite://./relative/path.db, sqlite:///absolute/path.db or sqlite::memory:)";
  if (url == "sqlite::memory:") return ":memory:";
  constexpr std::string_view scheme = "sqlite://";
  if (!url.starts_with(scheme)) {
    // Name the scheme only: another database's URL may carry a password.
    const auto colon = url.find(':');
    const std::string named =
        colon == std::string_view::npos ? "no scheme" : "scheme '" + std::string(url.substr(0, colon)) + "'";
    throw std::invalid_argument("DATABASE_URL is not a SQLite URL (" + named + ")" + std::string(expected));
  }
  const auto path = url.substr(scheme.size());
  const auto bad = [&](std::string_view why) {
    return std::invalid_argument("invalid DATABASE_URL '" + std::string(url) + "': " + std::string(why) +
                                 std::string(expected));
  };
  if (!path.starts_with('/') && !path.starts_with("./") && !path.starts_with("../"))
    throw bad("the path must start with ./ or ../ (relative) or / (absolute)");
  if (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/.."))
    throw bad("the path names a directory, not a database file");
  if (path.find_first_of(std::string_view("?#\0", 3)) != std::string_view::npos)
    throw bad("query strings, fragments and NUL bytes are not supported");
  return std::string(path);
}

}  // namespace hearth::store

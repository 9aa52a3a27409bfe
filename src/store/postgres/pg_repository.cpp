#include "store/postgres/pg_repository.hpp"

#include <algorithm>
#include <cstdint>

#include "store/postgres/pg_migrations.hpp"
#include "store/session_json.hpp"
#include "store/session_row.hpp"
#include "store/session_sql.hpp"

namespace hearth::store {

using calls::CallSession;

namespace {

constexpr int max_history_limit = 100;

// The statements of sqlite_repository.cpp (same tables), with PostgreSQL's row locks where nodes compete.
constexpr std::string_view find_sql = "SELECT document, deadline_at FROM call_sessions WHERE session_id = ?1";
// The row lock that serialises every change of one call, on every node, until the transaction ends.
constexpr std::string_view find_for_update_sql =
    "SELECT document, deadline_at, row_version FROM call_sessions WHERE session_id = ?1 FOR UPDATE";
// A session read from memory is still at that version, or an error (as compare_and_set_session_sql: ConcurrentWrite).
constexpr std::string_view check_version_sql =
    "WITH cas AS (SELECT 1 FROM call_sessions WHERE session_id = ?1 AND row_version = ?2) SELECT 1 / COUNT(*) FROM cas";

// PostgreSQL must know the type of every parameter, so each statement numbers only those it uses.
constexpr std::string_view history_sql =
    "SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
    "WHERE m.user_id = ?1 ORDER BY m.created_at DESC, m.session_id DESC LIMIT ?2 OFFSET ?3";
constexpr std::string_view history_by_status_sql =
    "SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
    "WHERE m.user_id = ?1 AND s.status = ?2 ORDER BY m.created_at DESC, m.session_id DESC LIMIT ?3 OFFSET ?4";
constexpr std::string_view count_sql = "SELECT COUNT(*) FROM call_members WHERE user_id = ?1";
constexpr std::string_view count_by_status_sql =
    "SELECT COUNT(*) FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
    "WHERE m.user_id = ?1 AND s.status = ?2";

// Sessions another node's sweep holds are skipped: that node ends them (the sweeper then re-reads each row
// FOR UPDATE and re-checks it, so a session ended meanwhile is left alone).
constexpr std::string_view due_sql =
    "SELECT session_id FROM call_sessions WHERE status IN ('waiting', 'active') AND deadline_at <= ?1 "
    "ORDER BY deadline_at, session_id LIMIT ?2 FOR UPDATE SKIP LOCKED";

}  // namespace

PgRepository::PgRepository(const std::string& conninfo, OutboxOptions outbox, PgOptions options)
    : db_(conninfo), outbox_(std::move(outbox)), options_(options) {}

int PgRepository::migrate() { return apply_pg_migrations(db_); }

int PgRepository::schema_version() { return pg_schema_version(db_); }

void PgRepository::start(std::string_view sql) {
  if (!db_.ok()) db_.reset();  // the last statement lost the connection; a failed reset fails the BEGIN below
  try {
    db_.exec(sql);
  } catch (const StoreError&) {
    // PostgreSQL restarted since the last statement: the connection only learns it now. Reconnect once.
    if (db_.ok() || !db_.reset()) throw;
    db_.exec(sql);
  }
}

void PgRepository::begin() {
  outbox_written_ = false;
  held_.clear();
  memory_reads_.clear();
  if (!db_.ok()) db_.reset();  // the last statement lost the connection; if it is still down, the first one fails
  db_.begin_lazily();
}

void PgRepository::commit() {
  check_memory_reads(false);
  db_.commit();
  for (auto& h : held_)
    if (h.written) remember(h);
  held_.clear();
  memory_reads_.clear();
  if (outbox_written_ && outbox_.signal) outbox_.signal->notify();
  outbox_written_ = false;
}

void PgRepository::rollback() {
  outbox_written_ = false;
  // A rollback may follow a ConcurrentWrite: what was read from memory is read from the database next time.
  if (options_.written)
    for (const auto& r : memory_reads_) options_.written->forget(r.id);
  held_.clear();
  memory_reads_.clear();
  db_.rollback();
}

void PgRepository::savepoint() {
  held_at_savepoint_ = held_;
  db_.savepoint();
}

void PgRepository::release_savepoint() { db_.release_savepoint(); }

void PgRepository::rollback_to_savepoint() {
  held_ = std::move(held_at_savepoint_);  // what the operation wrote is undone; what it read from memory is checked
  db_.rollback_to_savepoint();
}

void PgRepository::check_reads() { check_memory_reads(true); }

void PgRepository::check_memory_reads(bool now) {
  for (const auto& r : memory_reads_) {
    if (const Held* h = held(r.id); h && h->written) continue;  // its compare-and-set checks it
    auto q = db_.query(check_version_sql, true);
    q.bind(1, r.id).bind(2, r.version);
    if (now)
      q.run();
    else
      q.defer();
  }
}

PgRepository::Held* PgRepository::held(std::string_view session_id) {
  auto it = std::find_if(held_.begin(), held_.end(), [&](const Held& h) { return h.id == session_id; });
  return it == held_.end() ? nullptr : &*it;
}

void PgRepository::remember(const Held& h) {
  if (options_.written) options_.written->publish(h.session, h.version);
}

std::optional<CallSession> PgRepository::committed(std::string_view session_id) const {
  if (!options_.written) return std::nullopt;
  auto w = options_.written->find(session_id);
  if (!w) return std::nullopt;
  return std::move(w->session);
}

void PgRepository::insert(const CallSession& s) {
  // The session's row is waited for (a duplicate id is a conflict the caller hears about); its members' rows
  // cannot conflict (ON CONFLICT DO NOTHING) and go with the next round trip.
  session_sql::insert_rows(db_, s, [](PgQuery& q) { q.defer(); });
  if (db_.in_transaction()) held_.push_back({s.session_id, s, 0, true});
  record_events(nullptr, s);
}

std::optional<CallSession> PgRepository::find(std::string_view session_id, bool for_update) {
  const bool in_transaction = db_.in_transaction();
  if (for_update && in_transaction) {
    if (const Held* h = held(session_id)) return h->session;
    if (auto w = options_.written ? options_.written->find(session_id) : std::nullopt) {
      memory_reads_.push_back({std::string(session_id), w->version});
      held_.push_back({std::string(session_id), w->session, w->version, false});
      return std::move(w->session);
    }
  }
  auto q = db_.query(for_update ? find_for_update_sql : find_sql, !for_update);
  q.bind(1, session_id);
  if (!q.step()) return std::nullopt;
  auto s = read_session(q.text(0), q.int64(1));
  if (for_update && in_transaction) held_.push_back({std::string(session_id), s, q.int64(2), false});
  return s;
}

void PgRepository::update(const CallSession& s) {
  if (outbox_.enabled()) {
    // What the change reports is measured against the row as stored (locked, or checked by the compare-and-set).
    const auto before = find(s.session_id, true);
    if (!before) throw StoreError(errc::not_found, "no call session " + s.session_id);
    record_events(&*before, s);
  }
  if (Held* h = held(s.session_id)) {
    // Nobody waits for this UPDATE's answer: it goes with the next round trip. If the row is not at the version
    // this transaction read (another node wrote it since), it fails, and the whole transaction with it.
    const std::int64_t version = h->version;
    session_sql::run_update(
        db_, s, [version](PgQuery& q) { q.bind(8, version).defer(); }, session_sql::compare_and_set_session_sql);
    h->session = s;
    h->version = version + 1;
    h->written = true;
  } else {
    session_sql::update_row(db_, s);  // not read first: the version it reaches is not known here
    if (options_.written) options_.written->forget(s.session_id);
  }
}

HistoryPage PgRepository::history(const HistoryQuery& hq) {
  if (hq.page < 1 || hq.limit < 1 || hq.limit > max_history_limit)
    throw StoreError(errc::invalid_argument, "history: page must be >= 1 and limit between 1 and 100");
  const std::int64_t offset = (std::int64_t{hq.page} - 1) * hq.limit;
  HistoryPage page;
  {
    auto q = db_.query(hq.status ? count_by_status_sql : count_sql, true);
    q.bind(1, hq.user_id);
    if (hq.status) q.bind(2, to_string(*hq.status));
    if (q.step()) page.total = q.int64(0);
  }
  auto q = db_.query(hq.status ? history_by_status_sql : history_sql, true);
  q.bind(1, hq.user_id);
  const int next = hq.status ? 3 : 2;
  if (hq.status) q.bind(2, to_string(*hq.status));
  q.bind(next, std::int64_t{hq.limit}).bind(next + 1, offset);
  while (q.step()) {
    const auto document = q.text(0);
    if (!is_document_text(document)) throw StoreError(errc::internal, "corrupt session document in history");
    page.documents.emplace_back(document);
  }
  return page;
}

std::vector<std::string> PgRepository::due(TimePoint now, int limit) {
  std::vector<std::string> ids;
  if (limit <= 0) return ids;
  auto q = db_.query(due_sql);
  q.bind(1, to_epoch_ms(now)).bind(2, std::int64_t{limit});
  while (q.step()) ids.emplace_back(q.text(0));
  return ids;
}

std::vector<LiveCursor> PgRepository::live_after(const LiveCursor& after, int limit) {
  return session_sql::live_after(db_, after, limit);
}

void PgRepository::ping() {
  if (!db_.in_transaction() && !db_.ok()) db_.reset();
  auto q = db_.query("SELECT 1", true);
  if (!q.step() || q.int64(0) != 1) throw StoreError(errc::unavailable, "postgres: SELECT 1 returned no row");
}

std::unique_ptr<Repository> open_postgres(const std::string& url, OutboxOptions outbox, PgOptions options) {
  return std::make_unique<PgRepository>(url, std::move(outbox), options);
}

bool is_postgres_url(std::string_view url) noexcept {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::string redact_password(std::string_view url) {
  if (!is_postgres_url(url)) return std::string(url);
  const auto start = url.find("://") + 3;
  const auto at = url.find('@', start);
  const auto slash = url.find('/', start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) return std::string(url);
  const auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace hearth::store

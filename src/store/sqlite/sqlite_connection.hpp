#pragma once
// A thin RAII layer over one sqlite3 connection: opening with the durability settings, prepared statements
// cached for the life of the connection, and every SQLite error turned into a StoreError (conflict for a
// duplicate key, unavailable otherwise) whose detail includes sqlite3_errmsg and whose message names a storage
// failure (sqlite_failure_message).
// Thread safety: none; the connection is used by one thread at a time (the store thread), so it is opened
// without SQLite's own mutex (SQLITE_OPEN_NOMUTEX).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/string_hash.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hearth::store {

class SqliteConnection;

// What clients are told when the storage under SQLite fails, for (extended) result code `rc` and the OS error
// behind it: "Storage full", "Storage is read-only", "Storage I/O error"; empty for other failures (the Store's
// default message). SQLite reports ENOSPC as SQLITE_FULL but other failed writes (a read-only remount, a quota, a
// file size limit) only as SQLITE_IOERR_*, so `os_errno` (errno after the failed call) tells those apart.
std::string_view sqlite_failure_message(int rc, int os_errno) noexcept;

// Creates the directories a database file at `path` needs (nothing for ":memory:" or a bare file name). Throws
// StoreError(errc::unavailable) naming the directory if it cannot.
void create_parent_directory(const std::string& path);

// One use of a cached prepared statement: bind (1-based), step, read columns (0-based). The statement is
// reset and its bindings cleared when the SqliteQuery dies, so no read stays open by accident.
class SqliteQuery {
 public:
  SqliteQuery(SqliteConnection& conn, sqlite3_stmt* stmt) noexcept : conn_(&conn), stmt_(stmt) {}
  ~SqliteQuery();
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  SqliteQuery& bind(int index, std::string_view text);  // copied (SQLITE_TRANSIENT)
  SqliteQuery& bind(int index, std::int64_t value);
  SqliteQuery& bind_real(int index, double value);  // not an overload of bind: bind(i, 1) stays unambiguous
  SqliteQuery& bind_null(int index);

  bool step();  // true: a row is ready; false: done. Throws StoreError.
  void run();   // steps to the end, ignoring rows

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string_view text(int column) const;  // valid until the next step

 private:
  void check_bind(int rc);

  SqliteConnection* conn_;  // not owned; outlives the query
  sqlite3_stmt* stmt_;      // not owned; belongs to the connection's cache
};

class SqliteConnection {
 public:
  // The scalar maximum of two values (shared SQL, sqlite/analytics_sql.hpp).
  static constexpr std::string_view kGreatest = "max";

  // Opens (creating if missing) `path`, or an in-memory database for ":memory:". Throws StoreError.
  explicit SqliteConnection(const std::string& path);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A cached prepared statement for `sql` (one statement), prepared on first use. The same SQL text must not
  // be used by two live SqliteQuery objects at once (they share one sqlite3_stmt).
  SqliteQuery query(std::string_view sql);
  // Runs cached `sql` to completion (BEGIN, COMMIT, UPDATE without results...).
  void exec(std::string_view sql) { query(sql).run(); }
  // Runs a script of several statements, uncached (migrations).
  void exec_script(const std::string& sql);
  std::int64_t changes() const;
  std::int64_t total_changes() const;  // rows written by completed statements since the connection opened
  bool in_transaction() const;

  // After every commit to the WAL, calls `hook` with the number of frames the WAL now holds; this replaces
  // SQLite's automatic checkpoint. If `hook` returns true, a PASSIVE checkpoint runs inline. `hook` must not
  // throw (it is called from inside SQLite).
  void on_wal_commit(std::function<bool(int frames)> hook);
  // A PASSIVE checkpoint: copies what it can from the WAL into the database file without waiting for readers or
  // the writer. Throws StoreError.
  void checkpoint();

  // Throws the StoreError for result code `rc` of the last call, naming `context`.
  [[noreturn]] void fail(int rc, std::string_view context) const;
  // The client message (sqlite_failure_message) of the last StoreError thrown, empty if it named no storage failure.
  std::string_view last_failure_message() const noexcept { return last_failure_message_; }

 private:
  sqlite3* db_ = nullptr;
  mutable std::string_view last_failure_message_;  // a string literal of sqlite_failure_message
  std::function<bool(int)> wal_hook_;
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> statements_;  // owned; finalized first
};

}  // namespace hearth::store

#include "store/sqlite/sqlite_connection.hpp"

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <system_error>

#include <sqlite3.h>

#include "store/repository.hpp"
#include "store/sqlite/wal_write_buffer.hpp"

namespace hearth::store {

namespace {

constexpr int busy_timeout_ms = 5000;  // another process (a backup, the CLI) may hold the lock briefly

// SQLITE_TRANSIENT without the macro's old-style cast: SQLite copies the bound bytes.
const sqlite3_destructor_type transient =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));  // NOLINT

}  // namespace

void create_parent_directory(const std::string& path) {
  if (path == ":memory:") return;
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw StoreError(errc::unavailable, "cannot create directory " + parent.string() + ": " + ec.message());
}

std::string_view sqlite_failure_message(int rc, int os_errno) noexcept {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return "Storage full";
    case SQLITE_READONLY:
      return "Storage is read-only";
    case SQLITE_IOERR:
      if (os_errno == ENOSPC || os_errno == EDQUOT || os_errno == EFBIG) return "Storage full";
      if (os_errno == EROFS) return "Storage is read-only";
      return "Storage I/O error";
    default:
      return {};
  }
}

SqliteConnection::SqliteConnection(const std::string& path) {
  // An empty name would silently open a private temporary database.
  if (path.empty()) throw StoreError(errc::unavailable, "empty database path");
  create_parent_directory(path);
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  // The WAL's writes gathered into one per commit (wal_write_buffer.hpp; needs the synchronous=FULL set below).
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, wal_write_buffer_vfs());
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);  // a handle is returned even on failure (null is harmless)
    db_ = nullptr;
    throw StoreError(errc::unavailable, "cannot open database " + path + ": " + message);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    // WAL lets readers (backups, the CLI) run during writes; synchronous=FULL syncs the WAL on every
    // commit, so a committed answer survives kill -9 and power loss (NORMAL would only survive the former).
    std::string mode;
    {
      auto q = query("PRAGMA journal_mode=WAL");
      if (q.step()) mode = std::string(q.text(0));
    }
    if (mode != "wal" && !(path == ":memory:" && mode == "memory"))
      throw StoreError(errc::unavailable, "cannot enable WAL journal mode on " + path + " (got '" + mode + "')");
    exec_script("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
  } catch (...) {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    statements_.clear();
    sqlite3_close_v2(db_);
    throw;
  }
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  // An open transaction (only possible after a failure) is rolled back by SQLite on close.
  sqlite3_close_v2(db_);
}

SqliteQuery SqliteConnection::query(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(rc, std::string("prepare '").append(sql).append("'"));
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  return SqliteQuery(*this, it->second);
}

void SqliteConnection::exec_script(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  const int os_errno = errno;  // as in fail()
  const std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  last_failure_message_ = sqlite_failure_message(sqlite3_extended_errcode(db_), os_errno);
  throw StoreError(errc::unavailable, "sqlite: " + text, std::string(last_failure_message_));
}

std::int64_t SqliteConnection::changes() const { return sqlite3_changes64(db_); }

std::int64_t SqliteConnection::total_changes() const { return sqlite3_total_changes64(db_); }

bool SqliteConnection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void SqliteConnection::on_wal_commit(std::function<bool(int frames)> hook) {
  wal_hook_ = std::move(hook);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3* db, const char* name, int frames) -> int {
        const auto& on_commit = static_cast<SqliteConnection*>(self)->wal_hook_;
        if (on_commit && on_commit(frames))
          sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
      },
      this);
}

void SqliteConnection::checkpoint() {
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, "wal_checkpoint(PASSIVE)");
}

void SqliteConnection::fail(int rc, std::string_view context) const {
  // The OS error of the call that failed. sqlite3_system_errno is not set when a COMMIT fails (nor reset after),
  // and nothing SQLite does between the failed call and its return sets errno unless it fails too.
  const int os_errno = errno;
  const bool duplicate = rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE;
  std::string message = "sqlite: ";
  message.append(context).append(": ").append(sqlite3_errmsg(db_));
  last_failure_message_ = sqlite_failure_message(rc, os_errno);
  throw StoreError(duplicate ? errc::conflict : errc::unavailable, message, std::string(last_failure_message_));
}

SqliteQuery::~SqliteQuery() {
  sqlite3_reset(stmt_);  // returns the last step's error, already reported
  sqlite3_clear_bindings(stmt_);
}

void SqliteQuery::check_bind(int rc) {
  if (rc != SQLITE_OK) conn_->fail(rc, std::string("bind '").append(sqlite3_sql(stmt_)).append("'"));
}

SqliteQuery& SqliteQuery::bind(int index, std::string_view text) {
  check_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), transient, SQLITE_UTF8));
  return *this;
}

SqliteQuery& SqliteQuery::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

SqliteQuery& SqliteQuery::bind_real(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

SqliteQuery& SqliteQuery::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool SqliteQuery::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_->fail(rc, sqlite3_sql(stmt_));
}

void SqliteQuery::run() {
  while (step()) {
  }
}

bool SqliteQuery::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t SqliteQuery::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double SqliteQuery::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view SqliteQuery::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

}  // namespace hearth::store

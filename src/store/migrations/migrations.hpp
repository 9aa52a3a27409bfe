#pragma once
// Versioned schema migrations, one list for SQLite and PostgreSQL: an ordered, append-only list of
// {version, name, sql}. A released migration is never edited; a change is a new version. Each version is written
// once, in SQL both databases accept (TEXT, BIGINT, INTEGER, CHECK, REFERENCES ... ON DELETE CASCADE, DESC index
// columns, partial indexes, ON CONFLICT); where they differ (WITHOUT ROWID, json_each vs jsonb_array_elements, a
// rowid vs an identity column) the migration holds a small variant per dialect, and sql is put together for one.
// Applied versions are recorded in schema_migrations(version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)
// (schema_migrations_sql). Applying them: sqlite_migrations.hpp, postgres/pg_migrations.hpp.
// Thread safety: migrations() builds its lists once (thread-safe static initialisation); immutable afterwards.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/time_format.hpp"

namespace hearth::store {

enum class Dialect { sqlite, postgres };

struct Migration {
  int version;  // 1, 2, 3... in order, no gaps; the same numbers on both databases
  std::string_view name;
  std::string sql;  // one or more statements, in the dialect asked for
};

// Every migration, in order, written for `dialect`.
std::span<const Migration> migrations(Dialect dialect);

// CREATE TABLE IF NOT EXISTS schema_migrations (...), portable.
std::string_view schema_migrations_sql();

// What both appliers do, as templates over the connection (SqliteConnection or PgConnection).
// Whether `version` is recorded as applied.
template <class Db>
bool applied(Db& db, int version) {
  auto q = db.query("SELECT 1 FROM schema_migrations WHERE version = ?1");
  q.bind(1, std::int64_t{version});
  return q.step();
}

// Inside the caller's transaction: runs `first` (locks, the bookkeeping table), then applies `m` unless it is
// recorded already (`run_sql` runs its statements) and records it; commits; true if it was applied. On an exception the
// transaction is rolled back (an error of the rollback itself is dropped: the original failure is what the caller
// reports) and the exception propagates.
template <class Db, class First, class RunSql>
bool apply_in_transaction(Db& db, const Migration& m, First&& first, RunSql&& run_sql) {
  try {
    first();
    bool applied_now = false;
    if (!applied(db, m.version)) {
      run_sql(m.sql);
      db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)")
          .bind(1, std::int64_t{m.version})
          .bind(2, m.name)
          .bind(3, format_iso8601(SystemClock().now()))
          .run();
      applied_now = true;
    }
    db.exec("COMMIT");
    return applied_now;
  } catch (...) {
    try {
      if (db.in_transaction()) db.exec("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): report the original failure
    }
    throw;
  }
}

}  // namespace hearth::store

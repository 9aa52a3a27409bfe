#pragma once
// Versioned schema migrations: an ordered, append-only list of {version, name, sql}. A released migration is
// never edited; a change is a new version. The SQL sticks to what SQLite and PostgreSQL both accept (TEXT,
// BIGINT, INTEGER, CHECK, REFERENCES ... ON DELETE CASCADE, DESC index columns), so the PostgreSQL
// repository can start from the same statements.
// Applied versions are recorded in schema_migrations(version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT).
// Thread safety: sqlite_migrations() is immutable data; the functions use the connection (one thread).
#include <span>
#include <string_view>

namespace hearth::store {

class SqliteConnection;

struct Migration {
  int version;  // 1, 2, 3... in order, no gaps
  std::string_view name;
  std::string_view sql;  // one or more statements
};

std::span<const Migration> sqlite_migrations();

// Applies the migrations newer than the database's version, each in its own transaction (BEGIN IMMEDIATE,
// re-checked inside, so two processes migrating at once apply each version once). Returns how many.
// Throws StoreError; the failing migration is rolled back, earlier ones stay applied.
int apply_sqlite_migrations(SqliteConnection& db);

// The highest applied version, 0 for an empty database.
int sqlite_schema_version(SqliteConnection& db);

}  // namespace hearth::store

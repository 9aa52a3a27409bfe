#pragma once
// Versioned schema migrations, one list for SQLite and PostgreSQL: an ordered, append-only list of
// {version, name, sql}. A released migration is never edited; a change is a new version. Each version is written
// once, in SQL both databases accept (TEXT, BIGINT, INTEGER, CHECK, REFERENCES ... ON DELETE CASCADE, DESC index
// columns, partial indexes, ON CONFLICT); where they differ (WITHOUT ROWID, json_each vs jsonb_array_elements, a
// rowid vs an identity column) the migration holds a small variant per dialect, and sql is put together for one.
// Applied versions are recorded in schema_migrations(version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)
// (schema_migrations_sql). Applying them: sqlite_migrations.hpp, postgres/pg_migrations.hpp.
// Thread safety: migrations() builds its lists once (thread-safe static initialisation); immutable afterwards.
#include <span>
#include <string>
#include <string_view>

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

}  // namespace hearth::store

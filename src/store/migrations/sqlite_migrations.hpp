#pragma once
// Applying the versioned migrations (migrations.hpp) to a SQLite database.
// Thread safety: the functions use the connection (one thread).
#include <span>

#include "store/migrations/migrations.hpp"

namespace hearth::store {

class SqliteConnection;

inline std::span<const Migration> sqlite_migrations() { return migrations(Dialect::sqlite); }

// Applies the migrations newer than the database's version, each in its own transaction (BEGIN IMMEDIATE,
// re-checked inside, so two processes migrating at once apply each version once). Returns how many.
// Throws StoreError; the failing migration is rolled back, earlier ones stay applied.
int apply_sqlite_migrations(SqliteConnection& db);

// The highest applied version, 0 for an empty database.
int sqlite_schema_version(SqliteConnection& db);

}  // namespace hearth::store

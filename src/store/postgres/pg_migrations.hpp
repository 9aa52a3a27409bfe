#pragma once
// Applying the versioned migrations (migrations/migrations.hpp, the PostgreSQL variants) to a PostgreSQL database.
// Thread safety: the functions use the connection (one thread).
namespace hearth::store {

class PgConnection;

// Applies the migrations newer than the database's version, each in its own transaction holding a
// transaction-scoped advisory lock (pg_advisory_xact_lock) and re-checked inside, so several nodes starting at once
// apply each version once. Returns how many this call applied. Throws StoreError; the failing migration is rolled
// back, earlier ones stay applied.
int apply_pg_migrations(PgConnection& db);

// The highest applied version, 0 for an empty database.
int pg_schema_version(PgConnection& db);

}  // namespace hearth::store

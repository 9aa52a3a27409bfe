#include "store/postgres/pg_migrations.hpp"

#include <string>

#include "store/migrations/migrations.hpp"
#include "store/postgres/pg_connection.hpp"

namespace hearth::store {

namespace {

// The advisory lock key of hearth-call's migrations (any constant; "hearth" in ASCII).
constexpr std::string_view lock_sql = "SELECT pg_advisory_xact_lock(106816451)";

}  // namespace

int pg_schema_version(PgConnection& db) {
  {
    auto q = db.query("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!q.step() || q.text(0) != "t") return 0;
  }
  auto q = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

int apply_pg_migrations(PgConnection& db) {
  int count = 0;
  for (const auto& m : migrations(Dialect::postgres)) {
    db.exec("BEGIN");
    // Serialises migrating nodes; CREATE TABLE IF NOT EXISTS itself is not safe against a concurrent one.
    const auto first = [&] {
      db.query(lock_sql).run();
      db.exec(schema_migrations_sql());
    };
    if (apply_in_transaction(db, m, first, [&](const std::string& sql) { db.exec(sql); })) ++count;
  }
  return count;
}

}  // namespace hearth::store

#include "store/postgres/pg_migrations.hpp"

#include <string>

#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "store/migrations/migrations.hpp"
#include "store/postgres/pg_connection.hpp"

namespace hearth::store {

namespace {

// The advisory lock key of hearth-call's migrations (any constant; "hearth" in ASCII).
constexpr std::string_view lock_sql = "SELECT pg_advisory_xact_lock(106816451)";

bool applied(PgConnection& db, int version) {
  auto q = db.query("SELECT 1 FROM schema_migrations WHERE version = ?1");
  q.bind(1, std::int64_t{version});
  return q.step();
}

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
    try {
      // Serialises migrating nodes; CREATE TABLE IF NOT EXISTS itself is not safe against a concurrent one.
      db.query(lock_sql).run();
      db.exec(schema_migrations_sql());
      if (!applied(db, m.version)) {
        db.exec(m.sql);
        db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)")
            .bind(1, std::int64_t{m.version})
            .bind(2, m.name)
            .bind(3, format_iso8601(SystemClock().now()))
            .run();
        ++count;
      }
      db.exec("COMMIT");
    } catch (...) {
      try {
        if (db.in_transaction()) db.exec("ROLLBACK");
      } catch (...) {  // NOLINT(bugprone-empty-catch): report the original failure
      }
      throw;
    }
  }
  return count;
}

}  // namespace hearth::store

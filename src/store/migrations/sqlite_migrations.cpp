#include "store/migrations/sqlite_migrations.hpp"

#include <string>

#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store {

namespace {

bool applied(SqliteConnection& db, int version) {
  auto q = db.query("SELECT 1 FROM schema_migrations WHERE version = ?1");
  q.bind(1, std::int64_t{version});
  return q.step();
}

}  // namespace

int sqlite_schema_version(SqliteConnection& db) {
  {
    auto q = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (!q.step()) return 0;
  }
  auto q = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

int apply_sqlite_migrations(SqliteConnection& db) {
  db.exec_script(std::string(schema_migrations_sql()));
  int count = 0;
  for (const auto& m : sqlite_migrations()) {
    if (applied(db, m.version)) continue;  // cheap pre-check without the write lock
    db.exec("BEGIN IMMEDIATE");
    try {
      if (!applied(db, m.version)) {
        db.exec_script(m.sql);
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
        if (db.in_transaction()) db.exec_script("ROLLBACK");
      } catch (...) {  // NOLINT(bugprone-empty-catch): report the original failure
      }
      throw;
    }
  }
  return count;
}

}  // namespace hearth::store

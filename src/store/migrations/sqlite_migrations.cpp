#include "store/migrations/sqlite_migrations.hpp"

#include <string>

#include "store/migrations/migrations.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store {

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
    if (apply_in_transaction(
            db, m, [] {}, [&](const std::string& sql) { db.exec_script(sql); }))
      ++count;
  }
  return count;
}

}  // namespace hearth::store

#include "store/migrations/sqlite_migrations.hpp"

#include <array>
#include <string>

#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store {

namespace {

// v1. call_members duplicates created_at so a user's history is read in order from one index.
// `status IN (...)` CHECKs keep the due() query's IN list (see sqlite_repository.cpp) equivalent to != 'ended'.
constexpr std::string_view v1_call_sessions = R"sql(
CREATE TABLE call_sessions (
  session_id   TEXT NOT NULL PRIMARY KEY,
  session_type TEXT NOT NULL,
  initiator_id TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'ended')),
  created_at   BIGINT NOT NULL, -- epoch ms
  deadline_at  BIGINT NOT NULL, -- epoch ms of the next automatic transition
  end_reason   TEXT,
  document     TEXT NOT NULL    -- session_json to_json
);
CREATE INDEX call_sessions_status_deadline ON call_sessions (status, deadline_at);
CREATE TABLE call_members (
  session_id TEXT NOT NULL REFERENCES call_sessions (session_id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('initiator', 'invitee')),
  created_at BIGINT NOT NULL,   -- the session's, epoch ms
  PRIMARY KEY (session_id, user_id)
);
CREATE INDEX call_members_user_created ON call_members (user_id, created_at DESC, session_id DESC);
)sql";

// v2, for the insert path (a commit writes every B-tree page it touched): call_members becomes one B-tree keyed
// in history order (v1 kept a rowid table, the (session_id, user_id) key and the history index, three B-trees
// per member); the sweep's index keeps only live sessions (ended ones were never looked up there again).
// Members were unique per (session_id, user_id); the new key holds the session's created_at once per session,
// so it is unique exactly when the old one was. WITHOUT ROWID is SQLite's; on PostgreSQL the same table is a
// plain table with that primary key.
constexpr std::string_view v2_compact_members = R"sql(
CREATE TABLE call_members_v2 (
  user_id    TEXT NOT NULL,
  created_at BIGINT NOT NULL,   -- the session's, epoch ms
  session_id TEXT NOT NULL REFERENCES call_sessions (session_id),
  role       TEXT NOT NULL CHECK (role IN ('initiator', 'invitee')),
  PRIMARY KEY (user_id, created_at, session_id)
) WITHOUT ROWID;
INSERT INTO call_members_v2 (user_id, created_at, session_id, role)
  SELECT user_id, created_at, session_id, role FROM call_members;
DROP TABLE call_members;
ALTER TABLE call_members_v2 RENAME TO call_members;
DROP INDEX call_sessions_status_deadline;
CREATE INDEX call_sessions_live_deadline ON call_sessions (deadline_at, session_id)
  WHERE status IN ('waiting', 'active');
)sql";

constexpr std::array migrations{
    Migration{1, "call_sessions", v1_call_sessions},
    Migration{2, "compact_members", v2_compact_members},
};

constexpr std::string_view create_table = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER NOT NULL PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
))sql";

bool applied(SqliteConnection& db, int version) {
  auto q = db.query("SELECT 1 FROM schema_migrations WHERE version = ?1");
  q.bind(1, std::int64_t{version});
  return q.step();
}

}  // namespace

std::span<const Migration> sqlite_migrations() { return migrations; }

int sqlite_schema_version(SqliteConnection& db) {
  {
    auto q = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (!q.step()) return 0;
  }
  auto q = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return q.step() ? static_cast<int>(q.int64(0)) : 0;
}

int apply_sqlite_migrations(SqliteConnection& db) {
  db.exec_script(std::string(create_table));
  int count = 0;
  for (const auto& m : migrations) {
    if (applied(db, m.version)) continue;  // cheap pre-check without the write lock
    db.exec("BEGIN IMMEDIATE");
    try {
      if (!applied(db, m.version)) {
        db.exec_script(std::string(m.sql));
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

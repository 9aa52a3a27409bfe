#include "store/migrations/migrations.hpp"

#include <array>
#include <initializer_list>
#include <vector>

namespace hearth::store {

namespace {

// A piece of a migration: the same text for both databases, or one text each.
struct Part {
  std::string_view sqlite;
  std::string_view postgres;
};
constexpr Part same(std::string_view sql) { return {sql, sql}; }

// SQLite keeps tables whose primary key is their whole lookup path as one B-tree (WITHOUT ROWID); PostgreSQL's
// tables are heaps with a primary key index either way.
constexpr Part end_clustered_table{") WITHOUT ROWID;\n", ");\n"};

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
// so it is unique exactly when the old one was.
constexpr std::string_view v2_create_members = R"sql(
CREATE TABLE call_members_v2 (
  user_id    TEXT NOT NULL,
  created_at BIGINT NOT NULL,   -- the session's, epoch ms
  session_id TEXT NOT NULL REFERENCES call_sessions (session_id),
  role       TEXT NOT NULL CHECK (role IN ('initiator', 'invitee')),
  PRIMARY KEY (user_id, created_at, session_id)
)sql";
constexpr std::string_view v2_move_members = R"sql(
INSERT INTO call_members_v2 (user_id, created_at, session_id, role)
  SELECT user_id, created_at, session_id, role FROM call_members;
DROP TABLE call_members;
ALTER TABLE call_members_v2 RENAME TO call_members;
DROP INDEX call_sessions_status_deadline;
CREATE INDEX call_sessions_live_deadline ON call_sessions (deadline_at, session_id)
  WHERE status IN ('waiting', 'active');
)sql";

// v3, usage analytics (sqlite/analytics_sql.hpp reads and writes these tables; docs/architecture.md, "Usage
// analytics storage"). call_sessions gains:
// - unrecorded_end: epoch ms the session ended, until record_ended() has recorded it (NULL while live and after).
//   Sessions that ended before v3 are marked with their created_at (their end time is only in the document), so
//   old calls are recorded too.
// - active_participants: the document's active participants, so sampling concurrency reads no document. Live
//   sessions are counted from their documents here, with each database's JSON functions.
// Facts are keyed by (created_at, session_id), so a range of calls is one range of the table; the value indexes
// (value, created_at) find a percentile's exact value inside one histogram bucket. Times are epoch ms; an hour or
// day column holds the epoch ms it starts at (UTC).
constexpr std::string_view v3_session_columns = R"sql(
ALTER TABLE call_sessions ADD COLUMN unrecorded_end BIGINT;
ALTER TABLE call_sessions ADD COLUMN active_participants INTEGER NOT NULL DEFAULT 0;
UPDATE call_sessions SET unrecorded_end = created_at WHERE status = 'ended';
)sql";
constexpr Part v3_count_active{
    R"sql(UPDATE call_sessions SET active_participants =
    (SELECT COUNT(*) FROM json_each(document, '$.participants') WHERE json_extract(value, '$.isActive') = 1)
  WHERE status IN ('waiting', 'active');
)sql",
    R"sql(UPDATE call_sessions SET active_participants =
    (SELECT COUNT(*) FROM jsonb_array_elements(document::jsonb -> 'participants') AS p
      WHERE p -> 'isActive' = 'true'::jsonb)
  WHERE status IN ('waiting', 'active');
)sql"};
constexpr std::string_view v3_quality_and_facts = R"sql(
CREATE INDEX call_sessions_unrecorded ON call_sessions (unrecorded_end, session_id)
  WHERE unrecorded_end IS NOT NULL;
CREATE TABLE call_quality (
  session_id TEXT NOT NULL PRIMARY KEY REFERENCES call_sessions (session_id),
  summary    TEXT NOT NULL      -- quality_json: {"participants": [...]}
);
CREATE TABLE call_facts (
  created_at    BIGINT NOT NULL,
  session_id    TEXT NOT NULL,
  session_type  TEXT NOT NULL,
  end_reason    TEXT,
  started       INTEGER NOT NULL,  -- 0 or 1
  duration_s    BIGINT,            -- NULL unless started
  participants  INTEGER NOT NULL,  -- members who ever joined
  screen_share  INTEGER NOT NULL,
  video_off     INTEGER NOT NULL,
  audio_only    INTEGER NOT NULL,
  mos_mean      DOUBLE PRECISION,  -- NULL without a quality summary
  mos_min       DOUBLE PRECISION,
  relayed       INTEGER NOT NULL,
  est_client_ms BIGINT,            -- the slowest participant's
  est_server_ms BIGINT,
  PRIMARY KEY (created_at, session_id)
)sql";
constexpr std::string_view v3_rollups = R"sql(
CREATE INDEX call_facts_duration ON call_facts (duration_s, created_at) WHERE duration_s IS NOT NULL;
CREATE INDEX call_facts_est_client ON call_facts (est_client_ms, created_at) WHERE est_client_ms IS NOT NULL;
CREATE INDEX call_facts_est_server ON call_facts (est_server_ms, created_at) WHERE est_server_ms IS NOT NULL;
CREATE TABLE call_hourly (
  hour_start        BIGINT NOT NULL PRIMARY KEY,  -- the recorded calls created in this hour
  calls             BIGINT NOT NULL,
  started           BIGINT NOT NULL,
  type_one_to_one   BIGINT NOT NULL,
  type_group        BIGINT NOT NULL,
  type_therapy      BIGINT NOT NULL,
  end_ended_by_user BIGINT NOT NULL,
  end_missed        BIGINT NOT NULL,
  end_timeout       BIGINT NOT NULL,
  end_all_left      BIGINT NOT NULL,
  end_declined      BIGINT NOT NULL,
  duration_sum      BIGINT NOT NULL,
  participants      BIGINT NOT NULL,
  screen_share      BIGINT NOT NULL,
  video_off         BIGINT NOT NULL,
  audio_only        BIGINT NOT NULL,
  quality_calls     BIGINT NOT NULL,
  mos_excellent     BIGINT NOT NULL,
  mos_good          BIGINT NOT NULL,
  mos_fair          BIGINT NOT NULL,
  mos_poor          BIGINT NOT NULL,
  mos_lost          BIGINT NOT NULL,
  relayed           BIGINT NOT NULL,
  duration_max      BIGINT NOT NULL,
  mos_sum           DOUBLE PRECISION NOT NULL
);
CREATE TABLE call_histogram (
  day_start BIGINT NOT NULL,   -- the recorded calls created in this day
  metric    INTEGER NOT NULL,  -- 0 duration (s), 1 client establishment (ms), 2 server establishment (ms)
  bucket    INTEGER NOT NULL,  -- sqlite/call_facts.hpp: bucket_of
  calls     BIGINT NOT NULL,
  PRIMARY KEY (day_start, metric, bucket)
)sql";
constexpr std::string_view v3_usage = R"sql(
CREATE TABLE concurrency_peaks (
  hour_start   BIGINT NOT NULL PRIMARY KEY,
  calls        BIGINT NOT NULL,  -- the most active calls sampled in the hour
  participants BIGINT NOT NULL   -- the most active participants sampled in the hour
);
CREATE TABLE usage_hourly (
  hour_start       BIGINT NOT NULL PRIMARY KEY,
  rest_requests    BIGINT NOT NULL,
  signaling_events BIGINT NOT NULL
);
CREATE TABLE usage_errors (
  hour_start BIGINT NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('rest', 'signaling')),
  code       TEXT NOT NULL,      -- HTTP status or call_error code
  errors     BIGINT NOT NULL,
  PRIMARY KEY (hour_start, source, code)
)sql";

// v4, the webhook outbox (store/outbox.hpp, docs/webhooks.md). call_sessions.event_sequence is the last sequence
// number given to an event of the session (per call, from 1). webhook_outbox holds one row per (event, target) until
// it is delivered or given up; a stream (target, session) is read in id order, from the index, oldest first. The id
// only has to be larger than every row still there, which is all the order of a stream needs: SQLite's rowid
// (without AUTOINCREMENT), an identity column on PostgreSQL.
constexpr std::string_view v4_sequence = R"sql(
ALTER TABLE call_sessions ADD COLUMN event_sequence BIGINT NOT NULL DEFAULT 0;
CREATE TABLE webhook_outbox (
)sql";
constexpr Part v4_id{"  id              INTEGER NOT NULL PRIMARY KEY,\n",
                     "  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"};
constexpr std::string_view v4_outbox = R"sql(  target          TEXT NOT NULL,    -- the webhook URL
  session_id      TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  sequence        BIGINT NOT NULL,
  body            TEXT NOT NULL,    -- the JSON document POSTed
  created_at      BIGINT NOT NULL,  -- epoch ms the event was written
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL   -- epoch ms
);
CREATE INDEX webhook_outbox_stream ON webhook_outbox (target, session_id, id);
)sql";

// v5, compare-and-set on PostgreSQL (postgres/pg_repository.hpp): every write of a session row adds one to its
// row_version, so a node that kept a session in memory can write it back only if nobody wrote it since. SQLite, one
// writer, counts the same way and never needs to look.
constexpr std::string_view v5_row_version = R"sql(
ALTER TABLE call_sessions ADD COLUMN row_version BIGINT NOT NULL DEFAULT 0;
)sql";

// v6, for the concurrency sample (analytics' live_concurrency, every second): the live sessions' index also holds
// their status and active participants, so the sample reads that index alone; it read each live session's row
// (a table page per ~3 sessions, most not in SQLite's cache: the store thread's largest read). Same name, same
// leading columns and condition: the sweep's due() reads it as before.
constexpr std::string_view v6_live_counts = R"sql(
DROP INDEX call_sessions_live_deadline;
CREATE INDEX call_sessions_live_deadline ON call_sessions (deadline_at, session_id, status, active_participants)
  WHERE status IN ('waiting', 'active');
)sql";

// v7, in-call chat (store/chat.hpp, docs/call-controls.md "Chat"): one row per message, keyed by (session_id, seq)
// so a call's chat is one range of the key, read backwards by a page (the visibility filter is applied to the rows
// as they are read: the columns it looks at are in the row, and most messages are to everyone). The next seq is the
// last key of the session's range plus one (one descent of the key), not a counter in call_sessions: that would
// rewrite the session's row, and its document, for every message. The UNIQUE constraint is the sender's
// idempotency key (a retry finds its message there). to_user_id is NULL unless the message is direct.
constexpr std::string_view v7_chat = R"sql(
CREATE TABLE chat_messages (
  session_id        TEXT NOT NULL REFERENCES call_sessions (session_id),
  seq               BIGINT NOT NULL,   -- 1, 2, ... per session
  message_id        TEXT NOT NULL UNIQUE,
  client_message_id TEXT NOT NULL,
  from_user_id      TEXT NOT NULL,
  from_name         TEXT NOT NULL,
  to_user_id        TEXT,              -- a direct message's recipient, else NULL
  to_waiting_room   INTEGER NOT NULL CHECK (to_waiting_room IN (0, 1)),
  text              TEXT NOT NULL,
  created_at        BIGINT NOT NULL,   -- epoch ms
  PRIMARY KEY (session_id, seq),
  UNIQUE (session_id, from_user_id, client_message_id)
)sql";

struct Written {
  int version;
  std::string_view name;
  std::vector<Part> parts;
};

std::vector<Migration> build(Dialect dialect) {
  const std::array<Written, 7> written{{
      {1, "call_sessions", {same(v1_call_sessions)}},
      {2, "compact_members", {same(v2_create_members), end_clustered_table, same(v2_move_members)}},
      {3,
       "usage_analytics",
       {same(v3_session_columns), v3_count_active, same(v3_quality_and_facts), end_clustered_table, same(v3_rollups),
        end_clustered_table, same(v3_usage), end_clustered_table}},
      {4, "webhook_outbox", {same(v4_sequence), v4_id, same(v4_outbox)}},
      {5, "row_version", {same(v5_row_version)}},
      {6, "live_counts", {same(v6_live_counts)}},
      {7, "chat_messages", {same(v7_chat), end_clustered_table}},
  }};
  std::vector<Migration> out;
  for (const auto& w : written) {
    Migration m{w.version, w.name, {}};
    for (const auto& p : w.parts) m.sql += dialect == Dialect::sqlite ? p.sqlite : p.postgres;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

std::span<const Migration> migrations(Dialect dialect) {
  static const std::vector<Migration> sqlite = build(Dialect::sqlite);
  static const std::vector<Migration> postgres = build(Dialect::postgres);
  return dialect == Dialect::sqlite ? sqlite : postgres;
}

std::string_view schema_migrations_sql() {
  return R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER NOT NULL PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
))sql";
}

}  // namespace hearth::store

#pragma once
// Shared by the analytics tests: ended calls described in one line each (CallSpec), the session and quality
// summary they stand for, and raw SQL on a second connection (as the sqlite3 CLI would).
// Thread safety: builders for one test thread.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "calls/call_session.hpp"
#include "calls/quality_summary.hpp"
#include "store/repository.hpp"
#include "store/session_json.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store::test {

inline constexpr std::int64_t kMinute = 60'000;
inline constexpr std::int64_t kHour = 60 * kMinute;
inline constexpr std::int64_t kDay = 24 * kHour;
inline constexpr std::int64_t kMonday = 1'795'996'800'000;  // 2026-11-30T00:00:00Z, a Monday

struct CallSpec {
  std::string id{};  // every member has an initializer: designated initializers may name just a few
  std::int64_t created_ms = kMonday;
  calls::SessionType type = calls::SessionType::group;
  calls::EndReason reason = calls::EndReason::ended_by_user;
  std::optional<std::int64_t> duration_s{};  // set: the call started
  int joined = 0;                            // members who joined, 0..3
  bool screen = false, video_off = false, audio_only = false;
  std::optional<double> mos{};  // a quality summary whose one scored participant has this mean MOS
  std::optional<std::int64_t> est_client_ms{}, est_server_ms{};  // also in the summary
  bool relayed = false;
  bool has_summary() const { return mos || est_client_ms || est_server_ms || relayed; }
};

// A session of three members (alice initiates, bob and carol invited) that ended as `c` says.
inline calls::CallSession ended_session(const CallSpec& c) {
  auto s = make_session(c.id, "alice", {"bob", "carol"}, c.created_ms);
  s.session_type = c.type;
  s.status = calls::Status::ended;
  s.end_reason = c.reason;
  const auto started = c.created_ms + 20'000;
  for (int i = 0; i < c.joined && i < 3; ++i) s.participants[static_cast<std::size_t>(i)].joined_at = at(started);
  if (c.duration_s) {
    s.start_time = at(started);
    s.duration_seconds = *c.duration_s;
  }
  s.end_time = at(started + c.duration_s.value_or(10) * 1000);
  s.usage = {c.screen, c.video_off};
  s.call_settings.is_video_enabled = !c.audio_only;
  return s;
}

inline calls::QualitySummary summary_of(const CallSpec& c) {
  calls::ParticipantQuality p;
  p.user_id = "alice";
  p.samples = c.mos ? 5 : 0;
  p.mos_mean = c.mos.value_or(0);
  p.mos_min = std::max(0.0, c.mos.value_or(0) - 0.5);
  p.establishment_client_ms = c.est_client_ms;
  p.establishment_server_ms = c.est_server_ms;
  p.relayed = c.relayed;
  p.candidate_types = c.relayed ? std::vector<std::string>{"host", "relay"} : std::vector<std::string>{"host"};
  return {{p}};
}

// Stores the ended call and its summary (not recorded yet).
inline void store_call(Repository& repo, const CallSpec& c) {
  repo.insert(ended_session(c));
  if (c.has_summary()) repo.save_quality(c.id, summary_of(c));
}

// Runs `sql` on a second connection; returns the first column of the last row ("NULL" for null, "" for no row).
// The plan SQLite picks for `sql` (the detail column of EXPLAIN QUERY PLAN, one line per step).
inline std::string query_plan(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string out;
  sqlite3_exec(
      db, ("EXPLAIN QUERY PLAN " + sql).c_str(),
      [](void* o, int n, char** values, char**) {
        if (n >= 4 && values[3]) static_cast<std::string*>(o)->append(values[3]).append("\n");
        return 0;
      },
      &out, nullptr);
  sqlite3_close(db);
  return out;
}

inline std::string raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
  std::string out;
  char* error = nullptr;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* o, int, char** values, char**) {
        *static_cast<std::string*>(o) = values[0] ? values[0] : "NULL";
        return 0;
      },
      &out, &error);
  sqlite3_close(db);
  if (error) {
    const std::string message = error;
    sqlite3_free(error);
    throw std::runtime_error(message + " in: " + sql);
  }
  return out;
}

// SQL quoting of a text value.
inline std::string quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Writes `s` (and its members) as a v1 or v2 repository did: without the columns of v3.
inline void insert_before_v3(const std::string& path, const calls::CallSession& s) {
  const auto created = std::to_string(to_epoch_ms(s.created_at));
  raw_sql(path,
          "INSERT INTO call_sessions (session_id, session_type, initiator_id, status, created_at, deadline_at, "
          "end_reason, document) VALUES (" +
              quoted(s.session_id) + ", " + quoted(std::string(to_string(s.session_type))) + ", " +
              quoted(s.initiator_id) + ", " + quoted(std::string(to_string(s.status))) + ", " + created + ", " +
              std::to_string(to_epoch_ms(s.deadline)) + ", " +
              (s.end_reason == calls::EndReason::none ? std::string("NULL")
                                                      : quoted(std::string(to_string(s.end_reason)))) +
              ", " + quoted(to_json_text(s)) + ")");
  const auto member = [&](const std::string& user, const char* role) {
    raw_sql(path, "INSERT INTO call_members (session_id, user_id, role, created_at) VALUES (" + quoted(s.session_id) +
                      ", " + quoted(user) + ", '" + role + "', " + created + ") ON CONFLICT DO NOTHING");
  };
  member(s.initiator_id, "initiator");
  for (const auto& u : s.invitees) member(u, "invitee");
}

}  // namespace hearth::store::test

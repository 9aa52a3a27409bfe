// hearth-seed: fills a fresh SQLite database with N call sessions, fast, for the data-growth benchmark
// (bench/data_growth.sh; BENCHMARKS.md, "Cost as the data grows (issue 16)"), and times the store's work on it.
//
//   hearth-seed seed --db FILE --sessions N   writes N sessions (ended ones over the past year, --live-share of them
//                                             live now), then FILE.meta (bash-sourceable: SEED_NOW_MS, ...)
//   hearth-seed sweep --db FILE               times the sweeper's store operation (app/sweeper.cpp) at the seeding
//                                             time (nothing due) and a call timeout later (every live call due: a
//                                             full batch of 500)
//   hearth-seed history --db FILE --user U    times Repository::history() for U: first and last page, and the
//                                             first page of status=ended
//
// Seeding goes through the server's own code: SqliteRepository (its connection settings, its migrations, insert(),
// save_quality(), record_ended()), with sessions built by the domain functions (session_maker.hpp). Only two things
// differ from a server writing them one by one: transactions of --batch sessions, and a page cache of 4 GB for this
// process's connections (an auto-extension runs PRAGMA cache_size on every connection it opens), which keeps the
// random inserts into the members' and the session-id B-trees in memory. Ended sessions are recorded for usage
// analytics as the server's UsageRecorder would have, so the database holds what a server that ran for a year holds.
#include <sqlite3.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "calls/policy.hpp"
#include "seed/session_maker.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace {

using namespace hearth;
using Steady = std::chrono::steady_clock;

constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;
constexpr int kSweepBatch = 500;  // app/sweeper.cpp's kBatch

// The server's options without its session cache: every update() writes its row at once.
store::SqliteOptions uncached() {
  store::SqliteOptions options;
  options.cached_sessions = 0;
  return options;
}

double seconds_since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

int large_page_cache(sqlite3* db, char** /*error*/, const sqlite3_api_routines* /*api*/) {
  sqlite3_exec(db, "PRAGMA cache_size=-4000000", nullptr, nullptr, nullptr);  // KiB: 4 GB
  return SQLITE_OK;
}

struct SeedOptions {
  std::string db;
  std::int64_t sessions = 100'000;
  double live_share = 0.02;     // of all sessions, live now (a few percent, for the sweeper's index)
  double ringing_share = 0.05;  // of the live ones, still ringing (due within a ring timeout)
  int days = 365;
  std::int64_t batch = 50'000;
  std::uint64_t seed = 16;
  std::int64_t now_ms = 0;  // 0: the current time
  seed::Population population;
  double regular_per_session = 0.05;  // regular users per session (at least 1,000): ~48 member rows each
};

// Ended calls over [now - days, now - 6 h], in creation order; then the live ones, created in the 40 minutes before
// they are written (answered ones: due 20 to 60 minutes later; ringing ones: created in the last 50 s, due within a
// minute). SEED_NOW_MS in FILE.meta is the time the live ones were written.
int seed_database(const SeedOptions& o) {
  if (std::filesystem::exists(o.db)) {
    std::fprintf(stderr, "hearth-seed: %s exists: seed a fresh file\n", o.db.c_str());
    return 2;
  }
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(&large_page_cache));  // NOLINT: SQLite's generic entry type
  std::int64_t now_ms = o.now_ms > 0 ? o.now_ms : to_epoch_ms(SystemClock{}.now());
  const std::int64_t live = static_cast<std::int64_t>(static_cast<double>(o.sessions) * o.live_share);
  const std::int64_t ringing = static_cast<std::int64_t>(static_cast<double>(live) * o.ringing_share);
  const std::int64_t ended = o.sessions - live;
  auto population = o.population;
  population.regular =
      std::max<std::int64_t>(1000, static_cast<std::int64_t>(static_cast<double>(o.sessions) * o.regular_per_session));
  seed::SessionMaker maker(population, calls::Limits{}, o.seed);

  const auto started = Steady::now();
  store::SqliteRepository repo(o.db, uncached());
  repo.migrate();
  const std::int64_t first_ms = now_ms - o.days * kDay, span_ms = o.days * kDay - 6 * kHour;
  double insert_s = 0, record_s = 0;
  std::int64_t qualities = 0, recorded = 0;
  for (std::int64_t done = 0; done < o.sessions;) {
    auto t = Steady::now();
    repo.begin();
    for (std::int64_t i = 0; i < o.batch && done < o.sessions; ++i, ++done) {
      if (done < ended) {
        auto made = maker.ended(first_ms + done * span_ms / ended);
        repo.insert(made.session);
        if (made.quality) {
          repo.save_quality(made.session.session_id, *made.quality);
          ++qualities;
        }
      } else {
        const std::int64_t k = done - ended;
        if (k == 0 && o.now_ms <= 0) now_ms = to_epoch_ms(SystemClock{}.now());  // live as of their writing
        const bool ring = k >= live - ringing;
        const std::int64_t created = ring ? now_ms - 50 * kSecond + (k - (live - ringing)) * 50 * kSecond / ringing
                                          : now_ms - 40 * kMinute + k * 39 * kMinute / (live - ringing);
        repo.insert(maker.live(created, ring));
      }
    }
    repo.commit();
    insert_s += seconds_since(t);
    t = Steady::now();
    while (const int n = repo.record_ended(from_epoch_ms(now_ms), static_cast<int>(o.batch))) recorded += n;
    record_s += seconds_since(t);
    if (done % 1'000'000 == 0 || done == o.sessions)
      std::fprintf(stderr, "hearth-seed: %lld sessions, %.0f s\n", static_cast<long long>(done),
                   seconds_since(started));
  }
  {  // an empty WAL, as a server leaves it after a clean shutdown
    sqlite3* db = nullptr;
    sqlite3_open(o.db.c_str(), &db);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  const double total_s = seconds_since(started);
  const auto bytes = std::filesystem::file_size(o.db);
  std::ofstream meta(o.db + ".meta");
  meta << "SEED_SESSIONS=" << o.sessions << "\nSEED_LIVE=" << live << "\nSEED_RINGING=" << ringing
       << "\nSEED_NOW_MS=" << now_ms << "\nSEED_HEAVY_USERS=" << population.heavy
       << "\nSEED_PREFIX=" << population.prefix << "\nSEED_REGULAR_USERS=" << population.regular
       << "\nSEED_QUALITY=" << qualities << "\nSEED_RECORDED=" << recorded << "\nSEED_BYTES=" << bytes
       << "\nSEED_SECONDS=" << total_s << "\nSEED_INSERT_SECONDS=" << insert_s << "\nSEED_RECORD_SECONDS=" << record_s
       << "\n";
  std::printf(
      "{\"sessions\": %lld, \"live\": %lld, \"ringing\": %lld, \"quality_summaries\": %lld, \"recorded\": %lld, "
      "\"bytes\": %llu, \"bytes_per_session\": %.0f, \"seconds\": %.1f, \"insert_seconds\": %.1f, "
      "\"record_seconds\": %.1f, \"sessions_per_second\": %.0f}\n",
      static_cast<long long>(o.sessions), static_cast<long long>(live), static_cast<long long>(ringing),
      static_cast<long long>(qualities), static_cast<long long>(recorded), static_cast<unsigned long long>(bytes),
      static_cast<double>(bytes) / static_cast<double>(o.sessions), total_s, insert_s, record_s,
      static_cast<double>(o.sessions) / total_s);
  return 0;
}

std::map<std::string, std::string> read_meta(const std::string& db) {
  std::map<std::string, std::string> meta;
  std::ifstream in(db + ".meta");
  if (!in) throw std::runtime_error(db + ".meta is missing: seed the database with hearth-seed");
  for (std::string line; std::getline(in, line);)
    if (const auto eq = line.find('='); eq != std::string::npos) meta[line.substr(0, eq)] = line.substr(eq + 1);
  return meta;
}

struct Timing {
  std::vector<double> ms;
  std::string json(const char* name, std::size_t rows) {
    std::sort(ms.begin(), ms.end());
    char out[256];
    std::snprintf(out, sizeof out,
                  "\"%s\": {\"rows\": %zu, \"runs\": %zu, \"min_ms\": %.3f, \"p50_ms\": %.3f, \"max_ms\": %.3f}", name,
                  rows, ms.size(), ms.front(), ms[ms.size() / 2], ms.back());
    return out;
  }
};

// The sweeper's store operation (app/sweeper.cpp: due(), then find, expire and update each), rolled back so the
// file stays as seeded. The repository is opened as the server opens it, except without its session cache, so that
// update() writes each row at once (the server writes them before its COMMIT; the COMMIT itself is not timed).
int time_sweep(const std::string& db, int runs, bool expect_due) {
  const auto meta = read_meta(db);
  const std::int64_t seeded_at = std::stoll(meta.at("SEED_NOW_MS"));
  store::SqliteRepository repo(db, uncached());
  const calls::Limits limits;
  std::string out = "{";
  for (const auto& [name, at] :
       {std::pair{"nothing_due", seeded_at}, std::pair{"all_live_due", seeded_at + kHour + kMinute}}) {
    Timing timing;
    std::size_t rows = 0;
    for (int r = 0; r < runs; ++r) {
      repo.begin();
      const auto t = Steady::now();
      const auto now = from_epoch_ms(at);
      const auto ids = repo.due(now, kSweepBatch);
      for (const auto& id : ids) {
        auto s = repo.find(id, true);
        if (!s || !calls::expire(*s, now, limits)) continue;
        repo.update(*s);
      }
      timing.ms.push_back(seconds_since(t) * 1000);
      repo.rollback();
      rows = ids.size();
    }
    if (expect_due && at != seeded_at && rows == 0) throw std::runtime_error("no session was due after a call timeout");
    if (out.size() > 1) out += ", ";
    out += timing.json(name, rows);
  }
  std::printf("%s}\n", out.c_str());
  return 0;
}

int time_history(const std::string& db, const std::string& user, int runs) {
  store::SqliteRepository repo(db);
  store::HistoryQuery q{user, std::nullopt, 1, 20};
  // The first ask counts the user's sessions (a walk of their member rows); the repository keeps the total after it.
  const auto asked = Steady::now();
  const auto first = repo.history(q);
  const double first_ask_ms = seconds_since(asked) * 1000;
  if (first.total == 0) throw std::runtime_error(user + " has no sessions in " + db);
  const int last_page = static_cast<int>(std::max<std::int64_t>(1, (first.total + 19) / 20));
  std::string out = "{\"user\": \"" + user + "\", \"total\": " + std::to_string(first.total) +
                    ", \"first_ask_ms\": " + std::to_string(first_ask_ms) + ", ";
  // The first and last page, and the first page of ?status=ended (which joins every member row to its session).
  for (const auto& [name, page, status] :
       {std::tuple{"first_page", 1, false}, std::tuple{"last_page", last_page, false},
        std::tuple{"first_page_status_ended", 1, true}}) {
    Timing timing;
    q.page = page;
    q.status = status ? std::optional(calls::Status::ended) : std::nullopt;
    std::size_t rows = 0;
    for (int r = 0; r < runs; ++r) {
      const auto t = Steady::now();
      rows = repo.history(q).documents.size();
      timing.ms.push_back(seconds_since(t) * 1000);
    }
    out += timing.json(name, rows);
    out += status ? "" : ", ";
  }
  std::printf("%s, \"last_page_number\": %d}\n", out.c_str(), last_page);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hearth-seed: seed a SQLite database with call sessions; time the sweep and history on it"};
  app.require_subcommand(1);
  SeedOptions o;
  auto* seed = app.add_subcommand("seed", "write --sessions sessions into a new database file");
  seed->add_option("--db", o.db, "database file (must not exist)")->required();
  seed->add_option("--sessions", o.sessions, "sessions to write")
      ->check(CLI::Range(std::int64_t{1000}, std::int64_t{1'000'000'000}));
  seed->add_option("--live-share", o.live_share, "share of the sessions live now")->check(CLI::Range(0.0, 0.5));
  seed->add_option("--ringing-share", o.ringing_share, "share of the live sessions still ringing")
      ->check(CLI::Range(0.0, 1.0));
  seed->add_option("--heavy-users", o.population.heavy, "users with long histories")->check(CLI::Range(1, 100'000));
  seed->add_option("--heavy-share", o.population.heavy_share, "calls initiated by a heavy user")
      ->check(CLI::Range(0.0, 1.0));
  seed->add_option("--prefix", o.population.prefix, "heavy users are PREFIX-h<c>-<u> (hearth-bench --user-prefix)");
  seed->add_option("--days", o.days, "the ended calls spread over this many days")->check(CLI::Range(1, 3650));
  seed->add_option("--batch", o.batch, "sessions per transaction")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{1'000'000}));
  seed->add_option("--seed", o.seed, "random seed");
  seed->add_option("--now-ms", o.now_ms, "the seeding's 'now' (epoch ms; default: the current time)");
  std::string db, user;
  int runs = 20;
  auto* sweep = app.add_subcommand("sweep", "time the sweeper's store operation (rolled back)");
  sweep->add_option("--db", db, "a database seeded by hearth-seed seed")->required()->check(CLI::ExistingFile);
  sweep->add_option("--runs", runs, "timed runs of each pass")->check(CLI::Range(1, 10'000));
  bool expect_due = false;
  sweep->add_flag("--expect-due", expect_due,
                  "fail if no session is due a call timeout after the seeding (smoke test)");
  auto* history =
      app.add_subcommand("history", "time Repository::history() for one user (first, last, first with status=ended)");
  history->add_option("--db", db, "database file")->required()->check(CLI::ExistingFile);
  history->add_option("--user", user, "user id")->required();
  history->add_option("--runs", runs, "timed runs of each page")->check(CLI::Range(1, 10'000));
  CLI11_PARSE(app, argc, argv);
  try {
    if (*seed) return seed_database(o);
    if (*sweep) return time_sweep(db, runs, expect_due);
    return time_history(db, user, runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth-seed: %s\n", e.what());
    return 1;
  }
}

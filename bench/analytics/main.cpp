// hearth-analytics-bench: how long SqliteRepository::analytics() takes over a year of recorded calls (issue 13's
// budget: 200 ms over 1,000,000 sessions, for a full-range query and for a day, a week and a month).
// Seeds a database (or reuses one it seeded before) through the repository's own code paths: ended sessions are
// inserted with insert() in transactions of 10,000 (and their quality summaries with save_quality()), then
// recorded with record_ended() in batches of 10,000; concurrency is sampled once per hour (sample_concurrency(),
// then the peaks are given random values with one UPDATE) and usage counts added per hour (add_usage_counts()).
// Then times analytics() for several ranges, each the median of --runs runs (and the slowest), and prints a table.
// Results and the command: BENCHMARKS.md, "Usage analytics (issue 13)".
#include <sqlite3.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_repository.hpp"

namespace {

using namespace hearth;
using Steady = std::chrono::steady_clock;

constexpr std::int64_t kHour = 3'600'000, kDay = 24 * kHour;
constexpr std::int64_t kYearStart = 1'764'547'200'000;  // 2025-12-01T00:00:00Z, a Monday
constexpr int kDays = 365;

double seconds_since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

// One random ended call of the year: busier on weekdays and in working hours, one-to-one calls of minutes,
// therapy sessions of about fifty minutes, a fifth never answered; most with a quality summary.
struct Seeder {
  std::mt19937_64 rng{13};
  std::uniform_real_distribution<double> unit{0, 1};
  bool chance(double p) { return unit(rng) < p; }
  double lognormal(double median, double sigma) { return median * std::exp(sigma * normal(rng)); }
  std::normal_distribution<double> normal{0, 1};
  std::int64_t n = 0;

  std::int64_t created_at() {
    for (;;) {  // rejection sampling of a daily and weekly profile
      const auto t = kYearStart + static_cast<std::int64_t>(unit(rng) * kDays * kDay);
      const auto hour = (t % kDay) / kHour;
      const auto weekday = (t / kDay + 3) % 7;  // Monday = 0
      const double weight = (hour >= 8 && hour < 19 ? 1.0 : 0.15) * (weekday < 5 ? 1.0 : 0.4);
      if (chance(weight)) return t;
    }
  }

  std::pair<calls::CallSession, std::optional<calls::QualitySummary>> next() {
    calls::CallSession s;
    s.session_id = "bench-" + std::to_string(n++);
    const double kind = unit(rng);
    s.session_type = kind < 0.6    ? calls::SessionType::one_to_one
                     : kind < 0.85 ? calls::SessionType::group
                                   : calls::SessionType::therapy;
    const int members = s.session_type == calls::SessionType::group ? 3 + static_cast<int>(rng() % 4) : 2;
    s.initiator_id = "user-" + std::to_string(rng() % 50'000);
    for (int i = 1; i < members; ++i) s.invitees.push_back("user-" + std::to_string(rng() % 50'000));
    s.max_participants = std::max(members, 2);
    s.created_at = from_epoch_ms(created_at());
    s.status = calls::Status::ended;
    for (int i = 0; i < members; ++i) {
      calls::Participant p;
      p.user_id = i == 0 ? s.initiator_id : s.invitees[static_cast<std::size_t>(i - 1)];
      p.name = "Member " + std::to_string(i);
      s.participants.push_back(p);
    }
    const auto join = s.created_at + Millis(2'000 + static_cast<std::int64_t>(rng() % 30'000));
    std::optional<calls::QualitySummary> quality;
    if (chance(0.2)) {  // missed or declined: only the initiator joined
      s.end_reason = chance(0.7) ? calls::EndReason::missed : calls::EndReason::declined;
      s.participants[0].joined_at = s.created_at;
      s.end_time = join;
    } else {
      const double median = s.session_type == calls::SessionType::therapy ? 3000 : 420;
      const auto duration = std::clamp<std::int64_t>(static_cast<std::int64_t>(lognormal(median, 0.8)), 1, 4 * 3600);
      for (auto& p : s.participants) p.joined_at = join;
      s.start_time = join;
      s.duration_seconds = duration;
      s.end_time = join + Millis(duration * 1000);
      s.end_reason = chance(0.8)   ? calls::EndReason::ended_by_user
                     : chance(0.7) ? calls::EndReason::all_left
                                   : calls::EndReason::timeout;
      s.usage = {chance(0.15), chance(0.3)};
      s.call_settings.is_video_enabled = !chance(0.1);
      if (chance(0.85)) {
        quality.emplace();
        for (const auto& member : s.participants) {
          calls::ParticipantQuality q;
          q.user_id = member.user_id;
          q.samples = 1 + static_cast<int>(duration / 10);
          q.mos_mean = std::clamp(4.1 + 0.35 * normal(rng), 1.0, 4.5);
          q.mos_min = std::max(1.0, q.mos_mean - std::abs(0.5 * normal(rng)));
          q.worst_loss_pct = std::abs(2 * normal(rng));
          q.establishment_client_ms = static_cast<std::int64_t>(lognormal(900, 0.6));
          q.establishment_server_ms = static_cast<std::int64_t>(lognormal(350, 0.5));
          q.relayed = chance(0.08);
          q.candidate_types = q.relayed ? std::vector<std::string>{"host", "relay", "srflx"}
                                        : std::vector<std::string>{"host", "srflx"};
          quality->participants.push_back(std::move(q));
        }
      }
    }
    s.deadline = *s.end_time;
    return {std::move(s), std::move(quality)};
  }
};

void seed(store::SqliteRepository& repo, const std::string& path, std::int64_t sessions) {
  Seeder seeder;
  auto t = Steady::now();
  constexpr std::int64_t batch = 10'000;
  for (std::int64_t done = 0; done < sessions;) {
    repo.begin();
    for (std::int64_t i = 0; i < batch && done < sessions; ++i, ++done) {
      auto [session, quality] = seeder.next();
      repo.insert(session);
      if (quality) repo.save_quality(session.session_id, *quality);
    }
    repo.commit();
  }
  std::printf("inserted %lld ended sessions in %.1f s\n", static_cast<long long>(sessions), seconds_since(t));
  t = Steady::now();
  std::int64_t recorded = 0;
  while (const int n = repo.record_ended(from_epoch_ms(kYearStart + (kDays + 1) * kDay), batch)) recorded += n;
  std::printf("recorded %lld in %.1f s\n", static_cast<long long>(recorded), seconds_since(t));

  t = Steady::now();
  repo.begin();
  for (std::int64_t h = 0; h < kDays * 24; ++h) {
    const auto hour = from_epoch_ms(kYearStart + h * kHour);
    repo.sample_concurrency(hour);
    metrics::UsageCounts counts;
    counts.hour = hour;
    counts.rest_requests = static_cast<std::int64_t>(seeder.rng() % 5'000);
    counts.signaling_events = static_cast<std::int64_t>(seeder.rng() % 50'000);
    counts.rest_errors = {{"400", 1 + static_cast<std::int64_t>(seeder.rng() % 20)}, {"429", 3}};
    if (seeder.chance(0.3)) counts.rest_errors["500"] = 1;
    counts.signaling_errors = {{"forbidden", static_cast<std::int64_t>(seeder.rng() % 5)}, {"session_full", 1}};
    repo.add_usage_counts(counts);
  }
  repo.commit();
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "UPDATE concurrency_peaks SET calls = abs(random()) % 60, participants = abs(random()) % 200",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  // A few calls not recorded yet: live, and ended after the last recording.
  for (int i = 0; i < 300; ++i) {
    auto [session, quality] = seeder.next();
    session.created_at = from_epoch_ms(kYearStart + kDays * kDay - 1 - i * 60'000);
    if (i % 2 == 0) {
      session.status = calls::Status::active;
      session.end_reason = calls::EndReason::none;
      session.end_time.reset();
    }
    repo.insert(session);
  }
  std::printf("sampled, counted and added live calls in %.1f s\n", seconds_since(t));
}

struct Range {
  const char* name;
  std::int64_t from, to;
  store::Granularity granularity;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hearth-analytics-bench: analytics() over a seeded year of calls"};
  std::int64_t sessions = 1'000'000;
  int runs = 7;
  std::string path;
  app.add_option("--sessions", sessions, "ended sessions to seed over the year")->check(CLI::PositiveNumber);
  app.add_option("--runs", runs, "timed runs per range (the median is reported)")->check(CLI::PositiveNumber);
  app.add_option("--db", path,
                 "database file: reused if it holds --sessions sessions, else seeded (default: a "
                 "temporary file, removed at exit)");
  CLI11_PARSE(app, argc, argv);

  const bool temporary = path.empty();
  if (temporary)
    path =
        (std::filesystem::temp_directory_path() / ("hearth-analytics-" + std::to_string(::getpid()) + ".db")).string();
  int status = 0;
  try {
    bool seeded = false;
    {
      store::SqliteRepository repo(path);
      repo.migrate();
      const auto have = repo.analytics(
          {from_epoch_ms(kYearStart - kDay), from_epoch_ms(kYearStart + (kDays + 1) * kDay), store::Granularity::day});
      seeded = have.calls_total - have.calls_ongoing == sessions;
      if (!seeded) {
        if (have.calls_total != 0) throw std::runtime_error(path + " holds a different seeding: remove it first");
        seed(repo, path, sessions);
      }
    }
    std::printf("database %s: %.0f MB%s\n", path.c_str(), static_cast<double>(std::filesystem::file_size(path)) / 1e6,
                seeded ? " (reused)" : "");

    store::SqliteRepository repo(path);                // a fresh connection: its page cache starts empty
    const std::int64_t mid = kYearStart + 180 * kDay;  // a Sunday; +1 day is a Monday
    const std::vector<Range> ranges = {
        {"year, by day", kYearStart, kYearStart + kDays * kDay, store::Granularity::day},
        {"year at odd ms, by day", kYearStart + 5 * kDay + 7 * kHour + 1'234, kYearStart + 362 * kDay + 3 * kHour + 77,
         store::Granularity::day},
        {"month, by day", mid + kDay, mid + 31 * kDay, store::Granularity::day},
        {"month, by hour", mid + kDay, mid + 31 * kDay, store::Granularity::hour},
        {"week, by hour", mid + kDay, mid + 8 * kDay, store::Granularity::hour},
        {"week at odd ms, by hour", mid + kDay + 10 * kHour + 1'017, mid + 8 * kDay + 15 * kHour + 42'000,
         store::Granularity::hour},
        {"day, by hour", mid + kDay, mid + 2 * kDay, store::Granularity::hour},
        {"day at odd ms, by hour", mid + kDay + 9 * kHour + 30'001, mid + 2 * kDay + 9 * kHour + 30'001,
         store::Granularity::hour},
    };
    std::printf("\n%-26s %10s %12s %12s %12s\n", "range", "calls", "first (ms)", "median (ms)", "max (ms)");
    for (const auto& r : ranges) {
      std::vector<double> ms;
      store::AnalyticsReport report;
      for (int i = 0; i < runs; ++i) {
        const auto t = Steady::now();
        report = repo.analytics({from_epoch_ms(r.from), from_epoch_ms(r.to), r.granularity});
        ms.push_back(seconds_since(t) * 1000);
      }
      const double first = ms.front();
      std::sort(ms.begin(), ms.end());
      std::printf("%-26s %10lld %12.1f %12.1f %12.1f\n", r.name, static_cast<long long>(report.calls_total), first,
                  ms[ms.size() / 2], ms.back());
      if (report.calls_total <= 0) status = 1;  // the smoke run's check: the seeding reached the report
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth-analytics-bench: %s\n", e.what());
    status = 1;
  }
  if (temporary) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  }
  return status;
}

// What only the SQLite repository does (its session cache and CommittedSessions, checkpoints, upgrades of old files,
// query plans, URLs); the behaviour both backends share is repository_test.cpp's.
#include "store/sqlite/sqlite_repository.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include <boost/json/parse.hpp>

#include "store/migrations/sqlite_migrations.hpp"
#include "store/session_json.hpp"
#include "unit/store/analytics_fixtures.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using calls::Status;
using test::at;
using test::code_of;
using test::make_full_session;
using test::make_session;

// The sessions of a page, parsed back from their documents.
std::vector<calls::CallSession> sessions(const HistoryPage& page) {
  std::vector<calls::CallSession> out;
  for (const auto& d : page.documents) {
    auto s = session_from_json(boost::json::parse(d));
    EXPECT_TRUE(s) << d;
    if (s) out.push_back(*s);
  }
  return out;
}

std::vector<std::string> ids(const HistoryPage& page) {
  std::vector<std::string> out;
  for (const auto& s : sessions(page)) out.push_back(s.session_id);
  return out;
}

// Runs `sql` on a second, independent connection (as the sqlite3 CLI would).
std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string out;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* o, int, char** values, char**) {
        *static_cast<std::string*>(o) = values[0] ? values[0] : "NULL";
        return 0;
      },
      &out, nullptr);
  sqlite3_close(db);
  return out;
}

class SqliteRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("hearth.db");
    repo_ = std::make_unique<SqliteRepository>(path_);
    repo_->migrate();
  }

  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteRepository> repo_;
};

TEST(SqliteRepositoryOpen, UpgradesAVersion1DatabaseKeepingItsSessions) {
  test::TempDir dir;
  const auto path = dir.file("v1.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string v1 =
        "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL);" +
        std::string(sqlite_migrations()[0].sql) +
        "INSERT INTO schema_migrations VALUES (1, 'call_sessions', '2026-01-01T00:00:00.000Z');";
    ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  // Written as version 1 did (the current insert writes columns of later versions).
  test::insert_before_v3(path, make_session("old1", "alice", {"bob"}, 1000));
  test::insert_before_v3(path, make_session("old2", "bob", {"alice", "alice"}, 2000));
  SqliteRepository repo(path);
  ASSERT_EQ(repo.schema_version(), 1);
  EXPECT_EQ(repo.migrate(), static_cast<int>(sqlite_migrations().size()) - 1);
  EXPECT_EQ(repo.schema_version(), sqlite_migrations().back().version);
  const auto page = repo.history({"alice", std::nullopt, 1, 20});
  EXPECT_EQ(page.total, 2);
  EXPECT_EQ(ids(page), (std::vector<std::string>{"old2", "old1"}));
  EXPECT_EQ(repo.due(at(1'000'000), 10), (std::vector<std::string>{"old1", "old2"}));
  repo.insert(make_session("new", "alice", {}, 3000));
  EXPECT_EQ(ids(repo.history({"alice", std::nullopt, 1, 20})), (std::vector<std::string>{"new", "old2", "old1"}));
  EXPECT_EQ(raw_query(path, "SELECT role FROM call_members WHERE user_id = 'alice' AND session_id = 'old2'"),
            "invitee");
}

TEST(SqliteRepositoryOpen, HistoryAndSweepReadTheirIndexesInOrder) {
  test::TempDir dir;
  const auto path = dir.file("plan.db");
  SqliteRepository repo(path);
  repo.migrate();
  // No temporary sort: the rows come in index order and LIMIT stops the scan early.
  const auto history =
      test::query_plan(path,
                       "SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = "
                       "m.session_id WHERE m.user_id = 'a' ORDER BY m.created_at DESC, m.session_id DESC "
                       "LIMIT 20");
  EXPECT_NE(history.find("SEARCH m USING PRIMARY KEY (user_id=?)"), std::string::npos) << history;
  EXPECT_EQ(history.find("TEMP B-TREE"), std::string::npos) << history;
  const auto due = test::query_plan(path,
                                    "SELECT session_id FROM call_sessions WHERE status IN ('waiting', 'active') AND "
                                    "deadline_at <= 5 ORDER BY deadline_at, session_id LIMIT 10");
  EXPECT_NE(due.find("call_sessions_live_deadline"), std::string::npos) << due;
  EXPECT_EQ(due.find("TEMP B-TREE"), std::string::npos) << due;
}

TEST(SqliteRepositoryOpen, CreatesParentDirectoryAndUsesWal) {
  test::TempDir dir;
  const auto path = dir.file("a/b/c.db");
  SqliteRepository repo(path);
  repo.migrate();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(raw_query(path, "PRAGMA journal_mode"), "wal");
}

TEST(SqliteRepositoryOpen, InMemoryWorks) {
  SqliteRepository repo(":memory:");
  repo.migrate();
  repo.insert(make_session("m1", "alice"));
  EXPECT_TRUE(repo.find("m1", false));
  EXPECT_NO_THROW(repo.ping());
}

TEST(SqliteRepositoryOpen, UnopenableFileThrowsUnavailable) {
  test::TempDir dir;
  const auto path = dir.file("dir.db");
  std::filesystem::create_directories(path);
  EXPECT_EQ(code_of([&] { SqliteRepository repo(path); }), errc::unavailable);
}

TEST_F(SqliteRepositoryTest, PublishesOnlyWhatACommitWrote) {
  auto s = make_session("s1", "alice");
  repo_->begin();
  repo_->savepoint();
  repo_->insert(s);
  repo_->release_savepoint();
  EXPECT_FALSE(repo_->committed("s1"));  // not committed yet
  repo_->commit();
  ASSERT_TRUE(repo_->committed("s1"));
  EXPECT_EQ(*repo_->committed("s1"), s);

  auto changed = s;
  changed.metadata.title = "undone";
  repo_->begin();
  repo_->savepoint();
  repo_->update(changed);
  repo_->rollback_to_savepoint();  // an operation that failed after writing
  repo_->savepoint();
  repo_->insert(make_session("s2", "bob"));
  repo_->release_savepoint();
  repo_->commit();
  EXPECT_EQ(repo_->committed("s1")->metadata.title, "");
  EXPECT_TRUE(repo_->committed("s2"));

  repo_->begin();
  repo_->update(changed);
  EXPECT_EQ(repo_->committed("s1")->metadata.title, "");  // the batch is still open
  repo_->rollback();
  EXPECT_EQ(repo_->committed("s1")->metadata.title, "");

  changed.status = calls::Status::ended;
  repo_->begin();
  repo_->update(changed);
  repo_->commit();
  EXPECT_FALSE(repo_->committed("s1"));  // ended sessions are not kept
}

std::string stored_title(const std::string& path, const std::string& id) {
  return raw_query(
      path, "SELECT json_extract(document, '$.metadata.title') FROM call_sessions WHERE session_id = '" + id + "'");
}

TEST_F(SqliteRepositoryTest, ABatchWritesEachUpdatedSessionOnceBeforeItCommits) {
  repo_->insert(make_session("s1", "alice"));
  repo_->insert(make_session("s2", "bob"));
  raw_query(path_,
            "CREATE TABLE writes (n INTEGER); INSERT INTO writes VALUES (0); "
            "CREATE TRIGGER count_writes AFTER UPDATE ON call_sessions BEGIN UPDATE writes SET n = n + 1; END");
  repo_->begin();
  auto s1 = *repo_->find("s1", true);
  auto s2 = *repo_->find("s2", true);
  for (const char* title : {"one", "two", "three"}) {
    repo_->savepoint();
    s1.metadata.title = title;
    repo_->update(s1);
    EXPECT_EQ(repo_->find("s1", true)->metadata.title, title);  // the batch sees its own updates
    repo_->release_savepoint();
  }
  repo_->savepoint();
  s2.metadata.title = "bob's";
  repo_->update(s2);
  repo_->release_savepoint();
  EXPECT_EQ(raw_query(path_, "SELECT n FROM writes"), "0");
  repo_->commit();
  EXPECT_EQ(raw_query(path_, "SELECT n FROM writes"), "2");  // once per session, not once per update
  EXPECT_EQ(stored_title(path_, "s1"), "three");
  EXPECT_EQ(stored_title(path_, "s2"), "bob's");
  EXPECT_EQ(repo_->committed("s1")->metadata.title, "three");
}

// A repository without a session cache.
class SqliteRepositoryCache : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_.migrate();
    repo_.insert(make_session("s1", "alice"));
  }

  test::TempDir dir_;
  std::string path_ = dir_.file("nocache.db");
  SqliteRepository repo_{path_, SqliteOptions{.checkpoints = {}, .cached_sessions = 0}};
};

TEST_F(SqliteRepositoryCache, AnUpdateWrittenAtOnceIsRolledBackWithItsOperation) {
  auto s = make_session("s1", "alice");
  s.metadata.title = "undone";
  repo_.begin();
  repo_.savepoint();
  repo_.update(s);  // not known to this transaction: written at once
  repo_.rollback_to_savepoint();
  repo_.commit();
  EXPECT_EQ(stored_title(path_, "s1"), "");
}

TEST_F(SqliteRepositoryTest, ForgetsCommittedStateWhenAnotherConnectionWrites) {
  repo_->insert(make_session("s1", "alice"));  // outside an explicit transaction: SQLite commits it at once
  repo_->begin();
  repo_->update(make_session("s1", "alice"));
  repo_->commit();
  ASSERT_TRUE(repo_->committed("s1"));
  raw_query(path_, "DELETE FROM call_sessions WHERE session_id = 's1'");
  repo_->begin();  // the store notices here
  EXPECT_FALSE(repo_->committed("s1"));
  EXPECT_FALSE(repo_->find("s1", true));
  repo_->commit();
}

// The history's total is kept per user (MemberTotals): it follows commits and rollbacks, and another
// connection's writes.
TEST_F(SqliteRepositoryTest, TheHistoryTotalFollowsCommitsRollbacksAndOtherWriters) {
  const auto total = [&](const char* user) { return repo_->history({user, std::nullopt, 1, 20}).total; };
  repo_->insert(make_session("s1", "alice", {"bob"}));
  EXPECT_EQ(total("alice"), 1);  // counted, then kept
  EXPECT_EQ(total("bob"), 1);

  repo_->begin();
  repo_->savepoint();
  repo_->insert(make_session("s2", "alice", {"bob"}, 1'700'000'000'001));
  repo_->release_savepoint();
  EXPECT_EQ(total("alice"), 2);  // the batch sees its own insert
  repo_->savepoint();
  repo_->insert(make_session("s3", "bob", {"alice"}, 1'700'000'000'002));
  repo_->rollback_to_savepoint();
  EXPECT_EQ(total("bob"), 2);
  repo_->commit();
  EXPECT_EQ(total("alice"), 2);
  EXPECT_EQ(total("bob"), 2);

  repo_->begin();
  repo_->insert(make_session("s4", "alice", {"carol"}, 1'700'000'000'003));
  EXPECT_EQ(total("carol"), 1);  // counted inside the batch, its own row included
  repo_->rollback();
  EXPECT_EQ(total("alice"), 2);
  EXPECT_EQ(total("carol"), 0);

  raw_query(path_, "DELETE FROM call_members WHERE session_id = 's1'");  // another writer (a tool, an operator)
  EXPECT_EQ(total("alice"), 1);
  EXPECT_EQ(total("bob"), 1);
  EXPECT_EQ(repo_->history({"alice", std::nullopt, 1, 20}).documents.size(), 1u);
}

TEST_F(SqliteRepositoryCache, WithoutACacheEveryReadGoesToTheDatabase) {
  ASSERT_TRUE(repo_.find("s1", false));
  raw_query(path_, "DELETE FROM call_sessions WHERE session_id = 's1'");
  EXPECT_FALSE(repo_.find("s1", false));
}

// Commits `count` transactions of one session each (a few WAL frames apiece); returns the WAL file's size.
std::uintmax_t write_transactions(SqliteRepository& repo, const std::string& path, int count) {
  for (int i = 0; i < count; ++i) {
    repo.begin();
    repo.insert(make_session("wal-" + std::to_string(i), "alice", {"bob", "carol"}, 1'700'000'000'000 + i));
    repo.commit();
  }
  return std::filesystem::file_size(path + "-wal");
}

// Without checkpoints 300 of these transactions leave about 2,500 frames (10 MB) in the WAL.
constexpr int kWalTransactions = 300;
constexpr std::uintmax_t kBoundedWal = 4 * 1024 * 1024;

TEST(SqliteCheckpoints, TheBackgroundThreadKeepsTheWalSmall) {
  test::TempDir dir;
  const auto path = dir.file("c.db");
  SqliteRepository repo(path, SqliteOptions{.checkpoints = {.background_frames = 16, .inline_frames = 1'000'000'000}});
  repo.migrate();
  const auto wal = write_transactions(repo, path, kWalTransactions);
  EXPECT_GT(repo.background_checkpoints(), 0U);
  EXPECT_LT(wal, kBoundedWal);
  for (int i = 0; i < kWalTransactions; i += 37) EXPECT_TRUE(repo.find("wal-" + std::to_string(i), false)) << i;
  // What was checkpointed is in the database file itself: another connection reads it all.
  EXPECT_EQ(raw_query(path, "SELECT COUNT(*) FROM call_sessions"), std::to_string(kWalTransactions));
}

TEST(SqliteCheckpoints, TheWriterCheckpointsInlineWhenTheThreadFallsBehind) {
  test::TempDir dir;
  const auto path = dir.file("c.db");
  // The thread is never asked; only the writer's inline fallback can keep the WAL bounded.
  SqliteRepository repo(path, SqliteOptions{.checkpoints = {.background_frames = 1'000'000'000, .inline_frames = 64}});
  repo.migrate();
  const auto wal = write_transactions(repo, path, kWalTransactions);
  EXPECT_EQ(repo.background_checkpoints(), 0U);
  EXPECT_LT(wal, kBoundedWal);
  EXPECT_EQ(raw_query(path, "SELECT COUNT(*) FROM call_sessions"), std::to_string(kWalTransactions));
}

TEST(SqliteCheckpoints, WithoutCheckpointsTheWalGrows) {
  // The control for the two tests above: the same writes with both checkpoints off exceed the bound.
  test::TempDir dir;
  const auto path = dir.file("c.db");
  const CheckpointLimits never{.background_frames = 1'000'000'000, .inline_frames = 1'000'000'000};
  SqliteRepository repo(path, SqliteOptions{.checkpoints = never});
  repo.migrate();
  EXPECT_GT(write_transactions(repo, path, kWalTransactions), kBoundedWal);
}

TEST(SqlitePathFromUrl, AcceptsTheThreeForms) {
  EXPECT_EQ(sqlite_path_from_url("sqlite://./data/x.db"), "./data/x.db");
  EXPECT_EQ(sqlite_path_from_url("sqlite://../x.db"), "../x.db");
  EXPECT_EQ(sqlite_path_from_url("sqlite:///abs/path.db"), "/abs/path.db");
  EXPECT_EQ(sqlite_path_from_url("sqlite::memory:"), ":memory:");
}

TEST(SqlitePathFromUrl, RejectsOthersClearly) {
  for (const char* url : {"", "sqlite:", "sqlite://", "sqlite://data/x.db", "sqlite:///", "sqlite://./data/",
                          "sqlite://./x.db?mode=ro", "file:///x.db", "sqlite:memory:", "SQLITE:///x.db"}) {
    EXPECT_THROW(sqlite_path_from_url(url), std::invalid_argument) << url;
  }
  try {
    sqlite_path_from_url("postgres://user:secret@db/hearth");
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("postgres"), std::string::npos) << what;
    EXPECT_EQ(what.find("secret"), std::string::npos) << what;
    EXPECT_NE(what.find("sqlite:///"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace hearth::store

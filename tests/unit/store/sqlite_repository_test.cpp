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

TEST(SqliteRepositoryOpen, MigrateIsIdempotent) {
  test::TempDir dir;
  SqliteRepository repo(dir.file("m.db"));
  EXPECT_EQ(repo.schema_version(), 0);
  EXPECT_EQ(repo.migrate(), static_cast<int>(sqlite_migrations().size()));
  EXPECT_EQ(repo.schema_version(), sqlite_migrations().back().version);
  EXPECT_EQ(repo.migrate(), 0);
  SqliteRepository again(dir.file("m.db"));
  EXPECT_EQ(again.migrate(), 0);
  EXPECT_EQ(raw_query(dir.file("m.db"), "SELECT name FROM schema_migrations WHERE version = 1"), "call_sessions");
}

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

TEST(SqliteRepositoryOpen, MigrationsAreOrderedWithoutGaps) {
  int expected = 1;
  for (const auto& m : sqlite_migrations()) EXPECT_EQ(m.version, expected++);
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

TEST_F(SqliteRepositoryTest, InsertFindUpdateRoundTrip) {
  auto s = make_full_session();
  s.deadline = at(1'700'000'999'000);
  repo_->insert(s);
  auto found = repo_->find(s.session_id, true);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, s);

  s.status = Status::active;
  s.end_reason = calls::EndReason::none;
  s.participants[1].is_active = true;
  s.metadata.tags.push_back("more");
  s.deadline = at(1'700'003'600'000);
  repo_->update(s);
  found = repo_->find(s.session_id, false);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, s);
  EXPECT_EQ(raw_query(path_,
                      "SELECT status || '/' || deadline_at || '/' || COALESCE(end_reason, 'NULL') "
                      "FROM call_sessions"),
            "active/1700003600000/NULL");
}

TEST_F(SqliteRepositoryTest, MissingSessions) {
  EXPECT_FALSE(repo_->find("nope", false));
  EXPECT_EQ(code_of([&] { repo_->update(make_session("nope", "alice")); }), errc::not_found);
}

TEST_F(SqliteRepositoryTest, DuplicateInsertIsConflict) {
  repo_->insert(make_session("s1", "alice"));
  EXPECT_EQ(code_of([&] { repo_->insert(make_session("s1", "bob")); }), errc::conflict);
  EXPECT_EQ(repo_->find("s1", false)->initiator_id, "alice");
}

TEST_F(SqliteRepositoryTest, InitiatorAlsoInvitedIsStoredOnce) {
  repo_->insert(make_session("s1", "alice", {"alice", "bob", "bob"}));
  EXPECT_EQ(repo_->history({"alice", std::nullopt, 1, 20}).total, 1);
  EXPECT_EQ(repo_->history({"bob", std::nullopt, 1, 20}).total, 1);
  EXPECT_EQ(raw_query(path_, "SELECT role FROM call_members WHERE user_id = 'alice'"), "initiator");
}

TEST_F(SqliteRepositoryTest, CorruptDocumentIsInternal) {
  repo_->insert(make_session("s1", "alice"));
  raw_query(path_, "UPDATE call_sessions SET document = '{\"sessionId\":' WHERE session_id = 's1'");
  EXPECT_EQ(code_of([&] { repo_->find("s1", false); }), errc::internal);
  raw_query(path_, "UPDATE call_sessions SET document = '{\"sessionId\":\"s1\"}' WHERE session_id = 's1'");
  EXPECT_EQ(code_of([&] { repo_->find("s1", false); }), errc::internal);
}

TEST_F(SqliteRepositoryTest, HistoryRefusesADocumentThatIsNotJson) {
  repo_->insert(make_session("s1", "alice", {}, 1000));
  repo_->insert(make_session("s2", "alice", {}, 2000));
  ASSERT_EQ(repo_->history({"alice", std::nullopt, 1, 20}).documents.size(), 2u);
  // Copied into answers as they are: a damaged one must fail the read, not reach a client's JSON parser.
  raw_query(path_, "UPDATE call_sessions SET document = '{\"sessionId\":' WHERE session_id = 's1'");
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 1, 20}); }), errc::internal);
  // A page that does not include it is still served.
  EXPECT_EQ(ids(repo_->history({"alice", std::nullopt, 1, 1})), (std::vector<std::string>{"s2"}));
}

TEST_F(SqliteRepositoryTest, HistoryPagesNewestFirstWithTotal) {
  // s3 and s4 share created_at: session_id DESC breaks the tie.
  repo_->insert(make_session("s1", "alice", {"bob"}, 1000));
  repo_->insert(make_session("s2", "bob", {"alice", "carol"}, 2000));
  repo_->insert(make_session("s3", "alice", {}, 3000));
  repo_->insert(make_session("s4", "carol", {"alice"}, 3000));
  repo_->insert(make_session("s5", "alice", {"bob"}, 5000));
  repo_->insert(make_session("x1", "zed", {"yan"}, 9000));

  auto p1 = repo_->history({"alice", std::nullopt, 1, 2});
  EXPECT_EQ(ids(p1), (std::vector<std::string>{"s5", "s4"}));
  EXPECT_EQ(p1.total, 5);
  EXPECT_EQ(ids(repo_->history({"alice", std::nullopt, 2, 2})), (std::vector<std::string>{"s3", "s2"}));
  EXPECT_EQ(ids(repo_->history({"alice", std::nullopt, 3, 2})), (std::vector<std::string>{"s1"}));
  auto beyond = repo_->history({"alice", std::nullopt, 4, 2});
  EXPECT_TRUE(beyond.documents.empty());
  EXPECT_EQ(beyond.total, 5);

  // Members see it whether they initiated or were invited; others don't.
  EXPECT_EQ(ids(repo_->history({"bob", std::nullopt, 1, 20})), (std::vector<std::string>{"s5", "s2", "s1"}));
  EXPECT_EQ(ids(repo_->history({"carol", std::nullopt, 1, 20})), (std::vector<std::string>{"s4", "s2"}));
  auto none = repo_->history({"mallory", std::nullopt, 1, 20});
  EXPECT_TRUE(none.documents.empty());
  EXPECT_EQ(none.total, 0);

  // Each session's whole document comes back, as the answers write it (the deadline is not part of it).
  EXPECT_EQ(repo_->history({"alice", std::nullopt, 1, 1}).documents.at(0),
            to_json_text(make_session("s5", "alice", {"bob"}, 5000)));
}

TEST_F(SqliteRepositoryTest, HistoryFiltersByStatus) {
  for (int i = 1; i <= 4; ++i) repo_->insert(make_session(test::numbered("s", i), "alice", {"bob"}, i * 1000));
  auto s2 = *repo_->find("s2", false);
  s2.status = Status::ended;
  s2.end_reason = calls::EndReason::missed;
  repo_->update(s2);
  auto s4 = *repo_->find("s4", false);
  s4.status = Status::active;
  repo_->update(s4);

  auto ended = repo_->history({"bob", Status::ended, 1, 20});
  EXPECT_EQ(ids(ended), (std::vector<std::string>{"s2"}));
  EXPECT_EQ(ended.total, 1);
  EXPECT_EQ(sessions(ended).at(0).end_reason, calls::EndReason::missed);
  auto waiting = repo_->history({"alice", Status::waiting, 1, 1});
  EXPECT_EQ(ids(waiting), (std::vector<std::string>{"s3"}));
  EXPECT_EQ(waiting.total, 2);
  EXPECT_EQ(repo_->history({"carol", Status::active, 1, 20}).total, 0);
}

TEST_F(SqliteRepositoryTest, HistoryRejectsBadPaging) {
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 0, 20}); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 1, 0}); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 1, 101}); }), errc::invalid_argument);
  EXPECT_NO_THROW(repo_->history({"alice", std::nullopt, 2'000'000'000, 100}));
}

TEST_F(SqliteRepositoryTest, DueListsUnendedSessionsByDeadline) {
  const auto add = [&](const std::string& id, std::int64_t deadline, Status status) {
    auto s = make_session(id, "alice");
    s.deadline = at(deadline);
    s.status = status;
    repo_->insert(s);
  };
  add("late", 5000, Status::active);
  add("early", 1000, Status::waiting);
  add("ended", 500, Status::ended);
  add("future", 9000, Status::waiting);
  add("exact", 6000, Status::active);

  EXPECT_EQ(repo_->due(at(6000), 10), (std::vector<std::string>{"early", "late", "exact"}));
  EXPECT_EQ(repo_->due(at(6000), 2), (std::vector<std::string>{"early", "late"}));
  EXPECT_TRUE(repo_->due(at(999), 10).empty());
  EXPECT_TRUE(repo_->due(at(6000), 0).empty());
}

TEST_F(SqliteRepositoryTest, SavepointRollbackKeepsTheRestOfTheTransaction) {
  repo_->begin();
  repo_->savepoint();
  repo_->insert(make_session("kept1", "alice"));
  repo_->release_savepoint();
  repo_->savepoint();
  repo_->insert(make_session("undone", "alice"));
  repo_->rollback_to_savepoint();
  repo_->savepoint();
  repo_->insert(make_session("kept2", "alice"));
  repo_->release_savepoint();
  repo_->commit();
  EXPECT_TRUE(repo_->find("kept1", false));
  EXPECT_TRUE(repo_->find("kept2", false));
  EXPECT_FALSE(repo_->find("undone", false));
  EXPECT_EQ(raw_query(path_, "SELECT COUNT(*) FROM call_members WHERE session_id = 'undone'"), "0");
}

TEST_F(SqliteRepositoryTest, RollbackDiscardsAndIsSafeOutsideATransaction) {
  repo_->begin();
  repo_->insert(make_session("gone", "alice"));
  repo_->rollback();
  EXPECT_FALSE(repo_->find("gone", false));
  EXPECT_NO_THROW(repo_->rollback());
  EXPECT_EQ(code_of([&] { repo_->commit(); }), errc::unavailable);  // no transaction
}

TEST_F(SqliteRepositoryTest, RolledBackUpdatesDoNotLingerInTheCache) {
  auto s = make_session("s1", "alice");
  s.metadata.title = "committed";
  repo_->insert(s);
  ASSERT_EQ(repo_->find("s1", false)->metadata.title, "committed");  // cached now
  s.metadata.title = "undone";
  repo_->begin();
  repo_->savepoint();
  repo_->update(s);
  EXPECT_EQ(repo_->find("s1", true)->metadata.title, "undone");  // the transaction sees its own write
  repo_->rollback_to_savepoint();
  EXPECT_EQ(repo_->find("s1", true)->metadata.title, "committed");
  repo_->update(s);
  repo_->rollback();
  EXPECT_EQ(repo_->find("s1", false)->metadata.title, "committed");
}

TEST_F(SqliteRepositoryTest, AnotherConnectionsCommitEmptiesTheCache) {
  repo_->insert(make_session("s1", "alice"));
  ASSERT_TRUE(repo_->find("s1", false));  // cached now
  // Another process (the sqlite3 CLI, a second server by mistake) changes the database.
  raw_query(path_, "DELETE FROM call_sessions WHERE session_id = 's1'");
  repo_->begin();
  EXPECT_FALSE(repo_->find("s1", true));
  repo_->commit();
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

TEST_F(SqliteRepositoryTest, QueriesSeeTheBatchsOwnUpdates) {
  repo_->insert(make_session("s1", "alice"));
  repo_->begin();
  auto s = *repo_->find("s1", true);
  repo_->savepoint();
  s.status = Status::ended;
  s.end_reason = calls::EndReason::ended_by_user;
  repo_->update(s);
  repo_->release_savepoint();
  repo_->savepoint();
  EXPECT_TRUE(repo_->due(at(2'000'000'000'000), 10).empty());
  EXPECT_EQ(ids(repo_->history({"alice", Status::ended, 1, 20})), (std::vector<std::string>{"s1"}));
  repo_->release_savepoint();
  repo_->commit();
  EXPECT_EQ(raw_query(path_, "SELECT status FROM call_sessions"), "ended");
}

TEST_F(SqliteRepositoryTest, ARolledBackOperationKeepsTheEarlierUpdatesOfItsBatch) {
  repo_->insert(make_session("s1", "alice"));
  repo_->begin();
  auto s = *repo_->find("s1", true);
  repo_->savepoint();
  s.metadata.title = "one";
  repo_->update(s);
  repo_->release_savepoint();
  repo_->savepoint();
  repo_->history({"alice", std::nullopt, 1, 20});  // writes the batch's updates, inside this savepoint
  repo_->rollback_to_savepoint();                  // which takes that write back
  repo_->savepoint();
  s.metadata.title = "two";
  repo_->update(s);
  repo_->history({"alice", std::nullopt, 1, 20});
  repo_->rollback_to_savepoint();
  EXPECT_EQ(repo_->find("s1", true)->metadata.title, "one");
  repo_->commit();
  EXPECT_EQ(stored_title(path_, "s1"), "one");
  EXPECT_EQ(repo_->committed("s1")->metadata.title, "one");
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

TEST_F(SqliteRepositoryCache, WithoutACacheEveryReadGoesToTheDatabase) {
  ASSERT_TRUE(repo_.find("s1", false));
  raw_query(path_, "DELETE FROM call_sessions WHERE session_id = 's1'");
  EXPECT_FALSE(repo_.find("s1", false));
}

TEST_F(SqliteRepositoryTest, CommittedDataSurvivesReopen) {
  repo_->begin();
  repo_->insert(make_full_session());
  repo_->commit();
  repo_.reset();
  SqliteRepository reopened(path_);
  EXPECT_EQ(reopened.migrate(), 0);
  auto found = reopened.find("sess-full", false);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, make_full_session());
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

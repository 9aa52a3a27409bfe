// The Repository's behaviour, the same on SQLite and PostgreSQL (one suite, instantiated for both backends:
// backends.hpp). What only one of them does is tested beside it: sqlite_repository_test.cpp (its session cache,
// checkpoints, upgrades of old files), pg_repository_test.cpp (several connections at once, reconnecting).
#include "store/repository.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "store/migrations/migrations.hpp"
#include "store/session_json.hpp"
#include "unit/store/backends.hpp"
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

// Alice's session `id`, with this deadline (epoch ms) and status.
void insert_with_deadline(Repository& repo, const std::string& id, std::int64_t deadline, Status status) {
  auto s = make_session(id, "alice");
  s.deadline = at(deadline);
  s.status = status;
  repo.insert(s);
}

std::vector<std::string> ids(const HistoryPage& page) {
  std::vector<std::string> out;
  for (const auto& s : sessions(page)) out.push_back(s.session_id);
  return out;
}

using RepositoryTest = test::BackendTest;

TEST_P(RepositoryTest, MigrateIsIdempotentAndRecordsEachVersion) {
  const auto fresh = test::TestDatabase(GetParam());
  const auto repo = fresh.open({}, false);
  EXPECT_EQ(repo->schema_version(), 0);
  const auto all = migrations(Dialect::sqlite);
  EXPECT_EQ(repo->migrate(), static_cast<int>(all.size()));
  EXPECT_EQ(repo->schema_version(), all.back().version);
  EXPECT_EQ(repo->migrate(), 0);
  EXPECT_EQ(fresh.open({}, false)->migrate(), 0);
  EXPECT_EQ(fresh.raw("SELECT name FROM schema_migrations WHERE version = 1"), "call_sessions");
  EXPECT_EQ(fresh.raw("SELECT COUNT(*) FROM schema_migrations"), std::to_string(all.size()));
}

TEST(Migrations, BothDialectsHaveTheSameVersionsInOrderWithoutGaps) {
  const auto sqlite = migrations(Dialect::sqlite);
  const auto postgres = migrations(Dialect::postgres);
  ASSERT_EQ(sqlite.size(), postgres.size());
  int expected = 1;
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, expected);
    EXPECT_EQ(postgres[i].version, expected++);
    EXPECT_EQ(sqlite[i].name, postgres[i].name);
  }
  EXPECT_NE(sqlite[1].sql.find("WITHOUT ROWID"), std::string::npos);
  EXPECT_EQ(postgres[1].sql.find("WITHOUT ROWID"), std::string::npos);
  EXPECT_NE(postgres[2].sql.find("jsonb_array_elements"), std::string::npos);
}

TEST_P(RepositoryTest, InsertFindUpdateRoundTrip) {
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
  EXPECT_EQ(db_->raw("SELECT status || '/' || deadline_at || '/' || COALESCE(end_reason, 'NULL') "
                     "FROM call_sessions"),
            "active/1700003600000/NULL");
}

TEST_P(RepositoryTest, MissingSessions) {
  EXPECT_FALSE(repo_->find("nope", false));
  EXPECT_EQ(code_of([&] { repo_->update(make_session("nope", "alice")); }), errc::not_found);
}

TEST_P(RepositoryTest, DuplicateInsertIsConflict) {
  repo_->insert(make_session("s1", "alice"));
  EXPECT_EQ(code_of([&] { repo_->insert(make_session("s1", "bob")); }), errc::conflict);
  EXPECT_EQ(repo_->find("s1", false)->initiator_id, "alice");
}

TEST_P(RepositoryTest, InitiatorAlsoInvitedIsStoredOnce) {
  repo_->insert(make_session("s1", "alice", {"alice", "bob", "bob"}));
  EXPECT_EQ(repo_->history({"alice", std::nullopt, 1, 20}).total, 1);
  EXPECT_EQ(repo_->history({"bob", std::nullopt, 1, 20}).total, 1);
  EXPECT_EQ(db_->raw("SELECT role FROM call_members WHERE user_id = 'alice'"), "initiator");
}

TEST_P(RepositoryTest, CorruptDocumentIsInternal) {
  repo_->insert(make_session("s1", "alice"));
  db_->raw("UPDATE call_sessions SET document = '{\"sessionId\":' WHERE session_id = 's1'");
  EXPECT_EQ(code_of([&] { repo_->find("s1", false); }), errc::internal);
  db_->raw("UPDATE call_sessions SET document = '{\"sessionId\":\"s1\"}' WHERE session_id = 's1'");
  EXPECT_EQ(code_of([&] { repo_->find("s1", false); }), errc::internal);
}

TEST_P(RepositoryTest, HistoryRefusesADocumentThatIsNotJson) {
  repo_->insert(make_session("s1", "alice", {}, 1000));
  repo_->insert(make_session("s2", "alice", {}, 2000));
  ASSERT_EQ(repo_->history({"alice", std::nullopt, 1, 20}).documents.size(), 2u);
  // Copied into answers as they are: a damaged one must fail the read, not reach a client's JSON parser.
  db_->raw("UPDATE call_sessions SET document = '{\"sessionId\":' WHERE session_id = 's1'");
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 1, 20}); }), errc::internal);
  // A page that does not include it is still served.
  EXPECT_EQ(ids(repo_->history({"alice", std::nullopt, 1, 1})), (std::vector<std::string>{"s2"}));
}

TEST_P(RepositoryTest, HistoryPagesNewestFirstWithTotal) {
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

TEST_P(RepositoryTest, HistoryFiltersByStatus) {
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

TEST_P(RepositoryTest, HistoryRejectsBadPaging) {
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 0, 20}); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 1, 0}); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { repo_->history({"alice", std::nullopt, 1, 101}); }), errc::invalid_argument);
  EXPECT_NO_THROW(repo_->history({"alice", std::nullopt, 2'000'000'000, 100}));
}

TEST_P(RepositoryTest, DueListsUnendedSessionsByDeadline) {
  insert_with_deadline(*repo_, "late", 5000, Status::active);
  insert_with_deadline(*repo_, "early", 1000, Status::waiting);
  insert_with_deadline(*repo_, "ended", 500, Status::ended);
  insert_with_deadline(*repo_, "future", 9000, Status::waiting);
  insert_with_deadline(*repo_, "exact", 6000, Status::active);

  EXPECT_EQ(repo_->due(at(6000), 10), (std::vector<std::string>{"early", "late", "exact"}));
  EXPECT_EQ(repo_->due(at(6000), 2), (std::vector<std::string>{"early", "late"}));
  EXPECT_TRUE(repo_->due(at(999), 10).empty());
  EXPECT_TRUE(repo_->due(at(6000), 0).empty());
}

TEST_P(RepositoryTest, LiveAfterPagesThroughUnendedSessionsByDeadlineThenId) {
  insert_with_deadline(*repo_, "b", 5000, Status::active);
  insert_with_deadline(*repo_, "late", 9000, Status::active);
  insert_with_deadline(*repo_, "ended", 500, Status::ended);
  insert_with_deadline(*repo_, "a", 5000, Status::waiting);
  insert_with_deadline(*repo_, "early", 1000, Status::waiting);
  const auto ms = [](std::int64_t t) { return to_epoch_ms(at(t)); };

  const auto first = repo_->live_after({}, 2);
  EXPECT_EQ(first, (std::vector<LiveCursor>{{ms(1000), "early"}, {ms(5000), "a"}}));
  const auto second = repo_->live_after(first.back(), 2);  // "b" has the same deadline as the cursor, a later id
  EXPECT_EQ(second, (std::vector<LiveCursor>{{ms(5000), "b"}, {ms(9000), "late"}}));
  EXPECT_TRUE(repo_->live_after(second.back(), 2).empty());
  EXPECT_TRUE(repo_->live_after({}, 0).empty());
}

TEST_P(RepositoryTest, SavepointRollbackKeepsTheRestOfTheTransaction) {
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
  EXPECT_EQ(db_->raw("SELECT COUNT(*) FROM call_members WHERE session_id = 'undone'"), "0");
}

// An optimistic savepoint (the Store's first attempt at a batch): an operation that failed before writing a row
// (a duplicate id: the failed INSERT changed nothing) rolls back in memory; one that had written rows cannot be
// undone alone and asks for the batch to run again (RerunBatch) on SQLite, or is undone by the real savepoint
// behind the default (PostgreSQL).
TEST_P(RepositoryTest, OptimisticSavepointRollsBackWhatItCanOrAsksForARerun) {
  repo_->begin();
  repo_->optimistic_savepoint();
  repo_->insert(make_session("kept", "alice"));
  repo_->release_savepoint();
  repo_->optimistic_savepoint();
  EXPECT_EQ(code_of([&] { repo_->insert(make_session("kept", "bob")); }), errc::conflict);
  repo_->rollback_to_savepoint();  // wrote nothing
  repo_->optimistic_savepoint();
  repo_->insert(make_session("written", "alice"));
  bool rerun = false;
  try {
    repo_->rollback_to_savepoint();
  } catch (const RerunBatch&) {
    rerun = true;
  }
  if (rerun) {
    EXPECT_EQ(GetParam(), test::Backend::sqlite);
    repo_->rollback();
    EXPECT_FALSE(repo_->find("kept", false));
    EXPECT_FALSE(repo_->find("written", false));
    return;
  }
  repo_->commit();
  EXPECT_TRUE(repo_->find("kept", false));
  EXPECT_FALSE(repo_->find("written", false));
}

// An operation undone while its writes still wait to be sent (PostgreSQL defers them: pg_connection.hpp) leaves
// nothing, and the operation before it in the batch keeps its own.
TEST_P(RepositoryTest, AnOperationUndoneBeforeItsWritesWereSentLeavesNothing) {
  for (const char* id : {"s1", "s2"}) {
    repo_->begin();
    repo_->insert(make_session(id, "alice"));  // written by this repository: PostgreSQL's keeps them in memory
    repo_->commit();
  }
  repo_->begin();
  repo_->savepoint();
  auto a = *repo_->find("s1", true);
  a.metadata.title = "kept";
  repo_->update(a);
  repo_->release_savepoint();
  repo_->savepoint();
  auto b = *repo_->find("s2", true);
  b.metadata.title = "undone";
  repo_->update(b);
  auto again = *repo_->find("s1", true);
  EXPECT_EQ(again.metadata.title, "kept");
  again.metadata.title = "undone too";
  repo_->update(again);
  repo_->rollback_to_savepoint();
  EXPECT_EQ(repo_->find("s1", true)->metadata.title, "kept");
  EXPECT_NE(repo_->find("s2", true)->metadata.title, "undone");
  repo_->commit();
  EXPECT_EQ(db_->stored("s1", "metadata.title"), "kept");
  EXPECT_NE(db_->stored("s2", "metadata.title"), "undone");
  b = *repo_->find("s2", false);
  EXPECT_NE(b.metadata.title, "undone");
  repo_->begin();  // and the next transaction writes on from what was committed
  auto c = *repo_->find("s2", true);
  c.metadata.title = "later";
  repo_->update(c);
  repo_->commit();
  EXPECT_EQ(db_->stored("s2", "metadata.title"), "later");
}

TEST_P(RepositoryTest, RollbackDiscardsAndIsSafeOutsideATransaction) {
  repo_->begin();
  repo_->insert(make_session("gone", "alice"));
  repo_->rollback();
  EXPECT_FALSE(repo_->find("gone", false));
  EXPECT_NO_THROW(repo_->rollback());
  EXPECT_EQ(code_of([&] { repo_->commit(); }), errc::unavailable);  // no transaction
}

TEST_P(RepositoryTest, RolledBackUpdatesDoNotLingerInTheCache) {
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

TEST_P(RepositoryTest, AnotherConnectionsWriteIsSeen) {
  repo_->insert(make_session("s1", "alice"));
  ASSERT_TRUE(repo_->find("s1", false));  // SQLite: cached now
  // Another client (another node, the sqlite3 CLI) changes the database.
  db_->raw("DELETE FROM call_members WHERE session_id = 's1'; DELETE FROM call_sessions WHERE session_id = 's1'");
  repo_->begin();
  EXPECT_FALSE(repo_->find("s1", true));
  repo_->commit();
}

TEST_P(RepositoryTest, QueriesSeeTheBatchsOwnUpdates) {
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
  EXPECT_EQ(db_->raw("SELECT status FROM call_sessions"), "ended");
}

TEST_P(RepositoryTest, ARolledBackOperationKeepsTheEarlierUpdatesOfItsBatch) {
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
  EXPECT_EQ(db_->stored("s1", "metadata.title"), "one");
  if (GetParam() == test::Backend::sqlite) {
    EXPECT_EQ(repo_->committed("s1")->metadata.title, "one");
  }
}

TEST_P(RepositoryTest, CommittedDataSurvivesReopen) {
  repo_->begin();
  repo_->insert(make_full_session());
  repo_->commit();
  repo_.reset();
  const auto reopened = db_->open({}, false);
  EXPECT_EQ(reopened->migrate(), 0);
  auto found = reopened->find("sess-full", false);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, make_full_session());
}

INSTANTIATE_TEST_SUITE_P(Backends, RepositoryTest, ::testing::ValuesIn(test::kBackends), test::backend_name);

}  // namespace
}  // namespace hearth::store

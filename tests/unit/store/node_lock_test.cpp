// The node lock on both databases: the first node on a database is alone, one started beside it is not, and the lock
// goes with the node (store/node_lock.hpp). PostgreSQL's is a real advisory lock on a real server.
#include "store/node_lock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/postgres/pg_node_lock.hpp"
#include "unit/store/pg_server.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

// Two nodes, one after the other and side by side, then alone again once both have gone.
void expect_company_is_seen(const std::string& url) {
  auto first = open_node_lock(url);
  EXPECT_TRUE(first->alone_at_start());
  auto second = open_node_lock(url);
  EXPECT_FALSE(second->alone_at_start()) << "started beside a running node";
  first.reset();
  EXPECT_FALSE(open_node_lock(url)->alone_at_start()) << "the second still runs";
  second.reset();
  EXPECT_TRUE(open_node_lock(url)->alone_at_start()) << "both have gone";
}

TEST(NodeLockTest, OnASqliteFileTheFirstNodeIsAloneAndTheNextIsNot) {
  const test::TempDir dir;
  expect_company_is_seen("sqlite://" + dir.file("calls.db"));
  // Another file is another database.
  const auto here = open_node_lock("sqlite://" + dir.file("calls.db"));
  EXPECT_TRUE(open_node_lock("sqlite://" + dir.file("other.db"))->alone_at_start());
}

// The first start of a node: the database's directory does not exist yet (the store, opened after the lock, makes it).
TEST(NodeLockTest, OnASqliteFileInADirectoryNotYetMadeTheFirstNodeIsAlone) {
  const test::TempDir dir;
  expect_company_is_seen("sqlite://" + dir.file("data/calls.db"));
}

TEST(NodeLockTest, AnInMemoryDatabaseIsNeverAlone) {
  EXPECT_FALSE(open_node_lock("sqlite::memory:")->alone_at_start());
}

TEST(NodeLockTest, OnPostgresTheFirstNodeIsAloneAndTheNextIsNot) {
  std::string url, other;
  try {
    url = test::pg_server().create_database();
    other = test::pg_server().create_database();
  } catch (const std::exception& e) {
    GTEST_FAIL() << "cannot set PostgreSQL up: " << e.what();
  }
  expect_company_is_seen(url);
  // Advisory locks belong to their database: a node on another database of the same server is alone.
  const auto here = open_node_lock(url);
  EXPECT_TRUE(open_node_lock(other)->alone_at_start());
  // While it runs, the node holds the shared lock and nothing else.
  EXPECT_EQ(test::pg_query(url,
                           "SELECT string_agg(mode, ',') FROM pg_locks WHERE locktype = 'advisory' AND "
                           "granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            "ShareLock");
}

// A PostgreSQL restart ends the lock's session: the keeper takes the lock again, and a node started later is not alone.
TEST(NodeLockTest, OnPostgresALostSessionIsTakenAgain) {
  std::string url;
  try {
    url = test::pg_server().create_database();
  } catch (const std::exception& e) {
    GTEST_FAIL() << "cannot set PostgreSQL up: " << e.what();
  }
  const std::string holders =
      "SELECT coalesce(string_agg(pid::text, ','), '') FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
      "mode = 'ShareLock' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  const PgNodeLock lock(url, std::chrono::milliseconds(100));
  EXPECT_TRUE(lock.alone_at_start());
  const std::string first = test::pg_query(url, holders);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(test::pg_query(url, "SELECT pg_terminate_backend(" + first + ")"), "t");
  std::string now;
  for (int i = 0; i < 100; ++i) {  // 10 s at most
    now = test::pg_query(url, holders);
    if (!now.empty() && now != first) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(now.empty()) << "the lock was not taken again";
  EXPECT_NE(now, first);
  EXPECT_FALSE(open_node_lock(url)->alone_at_start());
}

TEST(NodeLockTest, APostgresThatCannotBeReachedLeavesTheNodeNotAlone) {
  EXPECT_FALSE(open_node_lock("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2")->alone_at_start());
}

}  // namespace
}  // namespace hearth::store

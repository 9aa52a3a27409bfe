// The node lock on both databases: the first node on a database is alone, one started beside it is not, and the lock
// goes with the node (store/node_lock.hpp). PostgreSQL's is a real advisory lock on a real server.
#include "store/node_lock.hpp"

#include <gtest/gtest.h>

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

TEST(NodeLockTest, APostgresThatCannotBeReachedLeavesTheNodeNotAlone) {
  EXPECT_FALSE(open_node_lock("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2")->alone_at_start());
}

}  // namespace
}  // namespace hearth::store

#include "store/session_cache.hpp"

#include <gtest/gtest.h>

#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::make_session;

calls::CallSession with_title(calls::CallSession s, std::string title) {
  s.metadata.title = std::move(title);
  return s;
}

std::string title_of(SessionCache& cache, std::string_view id) {
  const auto* s = cache.find(id);
  return s ? s->metadata.title : "<none>";
}

TEST(SessionCache, FindsWhatWasWrittenOrRead) {
  SessionCache cache(8);
  EXPECT_EQ(cache.find("a"), nullptr);
  cache.put(with_title(make_session("a", "alice"), "one"));
  cache.remember(with_title(make_session("b", "bob"), "two"));
  EXPECT_EQ(title_of(cache, "a"), "one");
  EXPECT_EQ(title_of(cache, "b"), "two");
  cache.put(with_title(make_session("a", "alice"), "three"));  // replaces
  EXPECT_EQ(title_of(cache, "a"), "three");
  EXPECT_EQ(cache.size(), 2U);
}

TEST(SessionCache, EvictsTheLeastRecentlyUsed) {
  SessionCache cache(2);
  cache.put(make_session("a", "alice"));
  cache.put(make_session("b", "bob"));
  ASSERT_NE(cache.find("a"), nullptr);  // now b is the least recently used
  cache.put(make_session("c", "carol"));
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_NE(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_NE(cache.find("c"), nullptr);
}

TEST(SessionCache, DropsEndedSessions) {
  SessionCache cache(8);
  auto s = make_session("a", "alice");
  cache.put(s);
  s.status = calls::Status::ended;
  cache.put(s);
  EXPECT_EQ(cache.find("a"), nullptr);
  cache.remember(s);
  EXPECT_EQ(cache.find("a"), nullptr);
}

TEST(SessionCache, ForgetsWhatARolledBackSavepointWrote) {
  SessionCache cache(8);
  cache.remember(with_title(make_session("read", "alice"), "committed"));
  cache.savepoint();
  cache.put(with_title(make_session("kept", "alice"), "kept"));
  cache.release_savepoint();
  cache.savepoint();
  cache.put(with_title(make_session("read", "alice"), "uncommitted"));
  cache.put(with_title(make_session("new", "alice"), "uncommitted"));
  cache.rollback_to_savepoint();
  // What the savepoint wrote is gone (the next read goes to the database); the rest stays.
  EXPECT_EQ(title_of(cache, "read"), "<none>");
  EXPECT_EQ(title_of(cache, "new"), "<none>");
  EXPECT_EQ(title_of(cache, "kept"), "kept");
  cache.commit();
  EXPECT_EQ(title_of(cache, "kept"), "kept");
}

TEST(SessionCache, ForgetsWhatARolledBackTransactionWrote) {
  SessionCache cache(8);
  cache.remember(with_title(make_session("read", "alice"), "committed"));
  cache.savepoint();
  cache.put(make_session("a", "alice"));
  cache.release_savepoint();
  cache.savepoint();
  cache.put(make_session("b", "alice"));
  cache.release_savepoint();
  cache.rollback();
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_EQ(title_of(cache, "read"), "committed");  // only read, never written: still the committed state
  // The next transaction starts clean: its rollback does not touch the earlier one's ids.
  cache.savepoint();
  cache.put(make_session("a", "alice"));
  cache.release_savepoint();
  cache.commit();
  cache.rollback();
  EXPECT_NE(cache.find("a"), nullptr);
}

TEST(SessionCache, CapacityZeroCachesNothing) {
  SessionCache cache(0);
  cache.put(make_session("a", "alice"));
  cache.remember(make_session("b", "bob"));
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(cache.find("a"), nullptr);
}

}  // namespace
}  // namespace hearth::store

#include "store/committed_sessions.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::make_session;

TEST(CommittedSessions, KeepsPublishedLiveSessions) {
  CommittedSessions committed(8);
  EXPECT_FALSE(committed.find("a"));
  auto s = make_session("a", "alice");
  committed.publish(s);
  ASSERT_TRUE(committed.find("a"));
  EXPECT_EQ(*committed.find("a"), s);
  s.status = calls::Status::active;
  committed.publish(s);
  EXPECT_EQ(committed.find("a")->status, calls::Status::active);
  committed.forget("a");
  EXPECT_FALSE(committed.find("a"));
}

TEST(CommittedSessions, DropsEndedSessionsAndIsBounded) {
  CommittedSessions committed(2);
  auto s = make_session("a", "alice");
  committed.publish(s);
  s.status = calls::Status::ended;
  committed.publish(s);
  EXPECT_FALSE(committed.find("a"));
  committed.publish(make_session("b", "bob"));
  committed.publish(make_session("c", "carol"));
  committed.publish(make_session("d", "dave"));
  EXPECT_FALSE(committed.find("b"));
  EXPECT_TRUE(committed.find("d"));
  committed.clear();
  EXPECT_FALSE(committed.find("d"));
  CommittedSessions off(0);
  off.publish(make_session("a", "alice"));
  EXPECT_FALSE(off.find("a"));
}

TEST(CommittedSessions, ReadersAndAWriterAtOnce) {  // meaningful under TSan
  CommittedSessions committed(16);
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) committed.publish(make_session(test::numbered("s", i % 32), "alice"));
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        const auto id = test::numbered("s", i % 32);
        if (const auto s = committed.find(id)) {
          EXPECT_EQ(s->session_id, id);
        }
      }
    });
  writer.join();
  for (auto& t : readers) t.join();
}

}  // namespace
}  // namespace hearth::store

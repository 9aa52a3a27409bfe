// WrittenSessions (store/postgres/written_sessions.hpp): versions only go up, an ended session and a forgotten one
// leave a marker that keeps their older copies out, and the lanes of a node share it from several threads.
#include "store/postgres/written_sessions.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::make_session;

calls::CallSession titled(const std::string& id, const std::string& title) {
  auto s = make_session(id, "ann");
  s.metadata.title = title;
  return s;
}

TEST(WrittenSessions, KeepsTheLatestVersionOnly) {
  WrittenSessions w;
  EXPECT_FALSE(w.find("s1"));
  w.publish(titled("s1", "v3"), 3);
  w.publish(titled("s1", "v2"), 2);  // a lane that published late
  w.publish(titled("s1", "v3 again"), 3);
  ASSERT_TRUE(w.find("s1"));
  EXPECT_EQ(w.find("s1")->session.metadata.title, "v3");
  EXPECT_EQ(w.find("s1")->version, 3);
  w.publish(titled("s1", "v4"), 4);
  EXPECT_EQ(w.find("s1")->session.metadata.title, "v4");
}

TEST(WrittenSessions, AnEndedOrForgottenSessionKeepsItsOlderCopiesOut) {
  WrittenSessions w;
  auto ended = titled("s1", "ended");
  ended.status = calls::Status::ended;
  w.publish(ended, 5);
  EXPECT_FALSE(w.find("s1"));
  w.publish(titled("s1", "older"), 4);
  EXPECT_FALSE(w.find("s1"));

  w.publish(titled("s2", "v1"), 1);
  w.forget("s2");
  EXPECT_FALSE(w.find("s2"));
  w.publish(titled("s2", "v1 late"), 1);
  EXPECT_FALSE(w.find("s2"));
  w.publish(titled("s2", "v2"), 2);
  EXPECT_EQ(w.find("s2")->session.metadata.title, "v2");
}

TEST(WrittenSessions, BoundedByItsCapacity) {
  WrittenSessions w(2);
  w.publish(titled("a", "a"), 1);
  w.publish(titled("b", "b"), 1);
  ASSERT_TRUE(w.find("a"));  // used: b is now the least recently used
  w.publish(titled("c", "c"), 1);
  EXPECT_TRUE(w.find("a"));
  EXPECT_FALSE(w.find("b"));
  EXPECT_TRUE(w.find("c"));
}

TEST(WrittenSessions, SharedByThreads) {
  WrittenSessions w;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&w, t] {
      for (int v = 1; v <= 500; ++v) {
        w.publish(titled("s", std::to_string(v)), v * 4 + t);
        if (auto found = w.find("s")) {
          EXPECT_GE(found->version, v * 4 + t);
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(w.find("s")->version, 500 * 4 + 3);
}

}  // namespace
}  // namespace hearth::store

#include "store/pending_writes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::make_session;

calls::CallSession titled(const std::string& id, const std::string& title) {
  auto s = make_session(id, "alice");
  s.metadata.title = title;
  return s;
}

// "id:title" of each unwritten session, in order.
std::vector<std::string> unwritten(const PendingWrites& p) {
  std::vector<std::string> out;
  for (const auto* s : p.unwritten()) out.push_back(s->session_id + ":" + s->metadata.title);
  return out;
}

TEST(PendingWrites, KeepsTheNewestStateInTheOrderFirstUpdated) {
  PendingWrites p;
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.find("a"), nullptr);
  p.savepoint();
  p.put(titled("a", "1"));
  p.put(titled("b", "1"));
  p.put(titled("a", "2"));
  p.release_savepoint();
  ASSERT_NE(p.find("a"), nullptr);
  EXPECT_EQ(p.find("a")->metadata.title, "2");
  EXPECT_EQ(unwritten(p), (std::vector<std::string>{"a:2", "b:1"}));
  p.clear();
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.find("a"), nullptr);
}

TEST(PendingWrites, RollingBackASavepointRestoresWhatItReplaced) {
  PendingWrites p;
  p.savepoint();
  p.put(titled("a", "kept"));
  p.release_savepoint();
  p.savepoint();
  p.put(titled("a", "undone"));
  p.put(titled("b", "undone"));
  p.put(titled("a", "undone again"));
  p.rollback_to_savepoint();
  EXPECT_EQ(p.find("a")->metadata.title, "kept");
  EXPECT_EQ(p.find("b"), nullptr);
  EXPECT_EQ(unwritten(p), (std::vector<std::string>{"a:kept"}));
  // The next savepoint starts clean: rolling it back keeps what the released one did.
  p.savepoint();
  p.rollback_to_savepoint();
  EXPECT_EQ(unwritten(p), (std::vector<std::string>{"a:kept"}));
}

TEST(PendingWrites, WrittenSessionsAreLeftOutUntilUpdatedAgain) {
  PendingWrites p;
  p.savepoint();
  p.put(titled("a", "1"));
  p.put(titled("b", "1"));
  p.mark_written("a");
  EXPECT_EQ(unwritten(p), (std::vector<std::string>{"b:1"}));
  EXPECT_EQ(p.find("a")->metadata.title, "1");  // still what the transaction sees
  p.put(titled("a", "2"));
  EXPECT_EQ(unwritten(p), (std::vector<std::string>{"a:2", "b:1"}));
}

TEST(PendingWrites, AWriteInsideARolledBackSavepointIsPendingAgain) {
  PendingWrites p;
  p.savepoint();
  p.put(titled("a", "1"));
  p.release_savepoint();
  p.savepoint();
  p.mark_written("a");  // the database rolls this write back with the savepoint
  EXPECT_TRUE(unwritten(p).empty());
  p.rollback_to_savepoint();
  EXPECT_EQ(unwritten(p), (std::vector<std::string>{"a:1"}));
}

}  // namespace
}  // namespace hearth::store

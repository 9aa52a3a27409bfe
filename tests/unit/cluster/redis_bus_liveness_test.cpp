// The bus when Redis or a node goes away: restarts, a stopped server, nodes that leave or die.
#include "cluster/redis_bus.hpp"

#include "bus_fixture.hpp"

namespace hearth::cluster::test {
namespace {

TEST_F(RedisBusTest, RedisRestartedOnTheSamePort) {
  auto& a = add_bus("node-a");
  auto& b = add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  const auto sa = inbox(0).state_count(), sb = inbox(1).state_count();
  server_->kill();
  ASSERT_TRUE(inbox(0).wait_state(false, sa, 3s));
  ASSERT_TRUE(inbox(1).wait_state(false, sb, 3s));
  EXPECT_FALSE(a.up());
  EXPECT_FALSE(a.send("node-b", "while down"));
  server_->restart();
  ASSERT_TRUE(inbox(0).wait_state(true, sa, 5s));
  ASSERT_TRUE(inbox(1).wait_state(true, sb, 5s));
  ASSERT_TRUE(all_see_each_other());  // the heartbeats are back in the new (empty) server
  EXPECT_TRUE(a.send("node-b", "after"));
  EXPECT_TRUE(b.send("node-a", "after too"));
  ASSERT_TRUE(inbox(1).wait_messages(1));
  ASSERT_TRUE(inbox(0).wait_messages(1));
  EXPECT_EQ(inbox(1).messages().back().second, "after");
}

TEST_F(RedisBusTest, StoppedServerIsDetectedByTheCommandTimeout) {
  auto& a = add_bus("node-a");
  add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  const auto sa = inbox(0).state_count(), sb = inbox(1).state_count();
  server_->pause();  // the sockets stay open; nothing answers
  // Within command timeout (1 s) + keepalive (0.3 s) + a tick, plus slack.
  EXPECT_TRUE(inbox(0).wait_state(false, sa, 4s));
  EXPECT_TRUE(inbox(1).wait_state(false, sb, 4s));
  EXPECT_FALSE(a.up());
  server_->resume();
  ASSERT_TRUE(inbox(0).wait_state(true, sa, 5s));
  ASSERT_TRUE(inbox(1).wait_state(true, sb, 5s));
  EXPECT_TRUE(eventually([&] { return a.send("node-b", "back"); }));
  ASSERT_TRUE(inbox(1).wait_messages(1));
}

TEST_F(RedisBusTest, PublishesLostWithTheConnectionAreCountedAsDropped) {
  auto& a = add_bus("node-a");
  add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  const auto sa = inbox(0).state_count();
  server_->pause();  // what is published now is written, never answered: lost when the command timeout closes
  constexpr std::uint64_t total = 300;
  for (std::uint64_t i = 0; i < total; ++i) ASSERT_TRUE(a.send("node-b", std::string(1000, 'x')));
  ASSERT_TRUE(inbox(0).wait_state(false, sa, 4s));
  EXPECT_TRUE(eventually([&] { return a.stats().messages_dropped == total; }, 2s)) << a.stats().messages_dropped;
  EXPECT_EQ(a.stats().messages_sent, 0u);
  server_->resume();
  ASSERT_TRUE(inbox(0).wait_state(true, sa, 5s));
}

TEST_F(RedisBusTest, StoppedNodeLeavesAtOnceKilledNodeExpiresAfterTheTtl) {
  auto& a = add_bus("node-a");
  add_bus("node-b");
  add_bus("node-c");
  ASSERT_TRUE(all_see_each_other());
  // b stops cleanly: gone from a's view at a's next heartbeat, far sooner than the 2 s ttl.
  buses_[1]->stop();
  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return !sees(a, "node-b"); }, 1500ms));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 1500ms);
  // c dies (destroyed without stop(): its connections close, its heartbeat stays): a sees it until the ttl.
  buses_[2].reset();
  const auto died_at = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(sees(a, "node-c"));
  ASSERT_TRUE(eventually([&] { return !sees(a, "node-c"); }, 4s));
  EXPECT_GE(std::chrono::steady_clock::now() - died_at, 1500ms);  // expired, not removed
  buses_.erase(buses_.begin() + 1, buses_.end());
}

}  // namespace
}  // namespace hearth::cluster::test

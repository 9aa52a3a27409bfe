#include "cluster/redis_bus.hpp"

#include <boost/asio/post.hpp>

#include "bus_fixture.hpp"
#include "cluster/bus_frame.hpp"

namespace hearth::cluster::test {
namespace {

TEST_F(RedisBusTest, TwoBusesExchangeMessagesBothWays) {
  auto& a = add_bus("node-a");
  auto& b = add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  EXPECT_EQ(a.alive_nodes(), std::vector<std::string>{"node-b"});
  EXPECT_TRUE(a.send("node-b", "hello b"));
  EXPECT_TRUE(b.send("node-a", std::string("bin\0ary", 7)));
  ASSERT_TRUE(inbox(1).wait_messages(1));
  ASSERT_TRUE(inbox(0).wait_messages(1));
  EXPECT_EQ(inbox(1).messages()[0], (std::pair<std::string, std::string>{"node-a", "hello b"}));
  EXPECT_EQ(inbox(0).messages()[0], (std::pair<std::string, std::string>{"node-b", std::string("bin\0ary", 7)}));
}

TEST_F(RedisBusOneThreadTest, TenThousandMessagesArriveInOrderOnceInFewPublishes) {
  auto& a = add_bus("node-a");
  add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  const long long publishes_before = server_->command_calls("publish");
  constexpr int total = 10'000, per_turn = 1'000;
  std::atomic<int> refused{0};
  // Ten turns of the event loop, one after the other, a thousand sends each (as a busy room would): several
  // frames, whose order must hold too.
  std::function<void(int)> turn = [&](int t) {
    for (int i = t * per_turn; i < (t + 1) * per_turn; ++i)
      if (!a.send("node-b", "message " + std::to_string(i))) ++refused;
    if (t + 1 < total / per_turn) boost::asio::post(ioc_, [&turn, t] { turn(t + 1); });
  };
  boost::asio::post(ioc_, [&turn] { turn(0); });
  ASSERT_TRUE(inbox(1).wait_messages(total, 10s)) << inbox(1).messages().size();
  EXPECT_EQ(refused.load(), 0);
  std::this_thread::sleep_for(100ms);  // anything extra (a duplicate) would arrive now
  const auto got = inbox(1).messages();
  ASSERT_EQ(got.size(), std::size_t{total});
  for (int i = 0; i < total; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)].second, "message " + std::to_string(i));
  const long long publishes = server_->command_calls("publish") - publishes_before;
  std::cout << total << " messages in " << publishes << " PUBLISH\n";
  EXPECT_GE(publishes, 1);
  EXPECT_LE(publishes, 2 * total / per_turn);  // one per turn (a turn's tail may straddle two)
  EXPECT_EQ(a.stats().messages_sent, std::uint64_t{total});
}

TEST_F(RedisBusTest, SendsFromAnotherThreadKeepTheirOrder) {
  auto& a = add_bus("node-a");
  add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  constexpr int total = 5'000;
  for (int i = 0; i < total; ++i) ASSERT_TRUE(a.send("node-b", std::to_string(i)));  // while two threads flush
  ASSERT_TRUE(inbox(1).wait_messages(total, 10s));
  const auto got = inbox(1).messages();
  for (int i = 0; i < total; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)].second, std::to_string(i));
  std::cout << total << " messages in " << a.stats().frames_sent << " PUBLISH\n";
}

TEST_F(RedisBusTest, OwnFramesDuplicatesAndBadFramesAreDropped) {
  auto& b = add_bus("node-b");
  ASSERT_TRUE(eventually([&] { return b.up(); }));
  auto frame = [](const std::string& origin, std::uint64_t incarnation, std::uint64_t seq, const std::string& m) {
    FrameWriter w(origin, incarnation);
    w.add(m);
    return w.finish(seq);
  };
  const std::string channel = RedisBus::channel_of("node-b");
  for (const auto& f : {frame("node-x", 7, 1, "x1"), frame("node-x", 7, 2, "x2"), frame("node-x", 7, 2, "dup"),
                        frame("node-x", 7, 1, "old"), frame("node-b", b.incarnation(), 9, "own"),
                        std::string("garbage"), frame("node-x", 8, 1, "restarted"), frame("node-y", 1, 1, "end")})
    ASSERT_EQ(server_->run({"PUBLISH", channel, f}).integer, 1);
  ASSERT_TRUE(inbox(0).wait_messages(4));
  std::this_thread::sleep_for(100ms);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"node-x", "x1"}, {"node-x", "x2"}, {"node-x", "restarted"}, {"node-y", "end"}};
  EXPECT_EQ(inbox(0).messages(), expected);
  const auto s = b.stats();
  EXPECT_EQ(s.duplicate_frames, 2u);
  EXPECT_EQ(s.own_frames, 1u);
  EXPECT_EQ(s.bad_frames, 1u);
  // A bus never sends to itself.
  EXPECT_FALSE(b.send("node-b", "self"));
}

TEST_F(RedisBusTest, BroadcastReachesEveryOtherNode) {
  auto& a = add_bus("node-a");
  add_bus("node-b");
  add_bus("node-c");
  ASSERT_TRUE(all_see_each_other());
  EXPECT_TRUE(a.broadcast("to all"));
  ASSERT_TRUE(inbox(1).wait_messages(1));
  ASSERT_TRUE(inbox(2).wait_messages(1));
  EXPECT_EQ(inbox(2).messages()[0], (std::pair<std::string, std::string>{"node-a", "to all"}));
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(inbox(0).messages().empty());
}

TEST_F(RedisBusOneThreadTest, FullQueueRefusesAndCounts) {
  auto options = fast_options();
  options.max_queue_bytes = 1000;
  auto& a = add_bus("node-a", options);
  add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  std::promise<int> accepted;
  boost::asio::post(ioc_, [&] {  // one turn: nothing leaves the queue meanwhile
    int n = 0;
    for (int i = 0; i < 50; ++i) n += a.send("node-b", std::string(96, 'm')) ? 1 : 0;
    accepted.set_value(n);
  });
  const int n = accepted.get_future().get();
  EXPECT_GT(n, 0);
  EXPECT_LT(n, 50);
  EXPECT_EQ(a.stats().messages_dropped, std::uint64_t(50 - n));
  ASSERT_TRUE(inbox(1).wait_messages(static_cast<std::size_t>(n)));
  EXPECT_TRUE(a.send("node-b", "after"));  // the queue drained
}

TEST_F(RedisBusTest, CommandPassthroughForLocks) {
  auto& a = add_bus("node-a");
  ASSERT_TRUE(eventually([&] { return a.up(); }));
  auto run = [&](std::vector<std::string> args) {
    std::promise<Result<RedisReply>> done;
    a.command(std::move(args), [&](Result<RedisReply> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  auto first = run({"SET", "lock:x", "node-a", "NX", "PX", "5000"});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->str, "OK");
  auto second = run({"SET", "lock:x", "node-b", "NX", "PX", "5000"});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->type, RedisReply::Type::nil);
  auto refused = run({"SUBSCRIBE", "x"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::invalid_argument);
}

TEST_F(RedisBusTest, BadUrlOrNodeIdIsRefusedClearly) {
  for (const char* url : {"http://127.0.0.1:6379", "redis://", "redis://h:70000", "rediss://h"}) {
    try {
      RedisBus bus(ioc_.get_executor(), "node-a", url);
      ADD_FAILURE() << url << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("REDIS_URL"), std::string::npos) << e.what();
    }
  }
  for (const char* id : {"", "Node-A", "node_a", "a.b", "012345678901234567890123456789012"}) {
    try {
      RedisBus bus(ioc_.get_executor(), id, server_->url());
      ADD_FAILURE() << "'" << id << "' accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("[a-z0-9-]"), std::string::npos) << e.what();
    }
  }
}

TEST_F(RedisBusTest, DownBeforeConnectedRefusesSends) {
  RedisBus bus(ioc_.get_executor(), "node-a", server_->url(), fast_options());
  EXPECT_FALSE(bus.up());
  EXPECT_FALSE(bus.send("node-b", "x"));
  EXPECT_FALSE(bus.broadcast("x"));
  EXPECT_EQ(bus.stats().messages_dropped, 2u);
}

}  // namespace
}  // namespace hearth::cluster::test

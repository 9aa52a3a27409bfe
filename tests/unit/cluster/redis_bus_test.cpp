#include "cluster/redis_bus.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

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

// What arrives on a node's channel, frame by frame: a subscriber of its own, behind the bus's back.
class FrameSpy {
 public:
  FrameSpy(boost::asio::io_context& ioc, const std::string& url, const std::string& node)
      : strand_(boost::asio::make_strand(ioc)) {
    auto u = parse_redis_url(url);
    if (!u) throw std::invalid_argument(u.error().message);
    conn_ = RedisConnection::create(strand_, *u, {}, "frame spy");
    conn_->subscribe(RedisBus::channel_of(node));
    conn_->on_state([this](bool up) { up_ = up; });
    conn_->on_message([this](std::string_view, std::string_view payload) {
      auto f = parse_frame(payload);
      std::lock_guard lock(mu_);
      sizes_.push_back(payload.size());
      counts_.push_back(f ? f->messages.size() : 0);
    });
    boost::asio::post(strand_, [c = conn_] { c->start(); });
  }
  ~FrameSpy() {
    std::promise<void> stopped;
    boost::asio::post(strand_, [&] {
      conn_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
  }
  bool up() const { return up_; }
  // Sizes and message counts of the frames heard so far.
  std::vector<std::size_t> sizes() const {
    std::lock_guard lock(mu_);
    return sizes_;
  }
  std::vector<std::size_t> counts() const {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::shared_ptr<RedisConnection> conn_;
  std::atomic<bool> up_{false};
  mutable std::mutex mu_;
  std::vector<std::size_t> sizes_, counts_;
};

// Sends `messages` to node-b in one turn of the (one-thread) event loop.
void send_in_one_turn(boost::asio::io_context& ioc, RedisBus& a, const std::vector<std::string>& messages) {
  std::promise<int> refused;
  boost::asio::post(ioc, [&] {
    int n = 0;
    for (const auto& m : messages) n += a.send("node-b", m) ? 0 : 1;
    refused.set_value(n);
  });
  EXPECT_EQ(refused.get_future().get(), 0);
}

TEST_F(RedisBusOneThreadTest, ABusyTurnLeavesInFramesUpToTheCapInOrder) {
  auto options = fast_options();
  options.max_frame_bytes = 4096;
  auto& a = add_bus("node-a", options);
  add_bus("node-b");
  FrameSpy spy(ioc_, server_->url(), "node-b");
  ASSERT_TRUE(all_see_each_other());
  ASSERT_TRUE(eventually([&] { return spy.up(); }));
  std::vector<std::string> messages;
  std::size_t bytes = 0;
  for (int i = 0; i < 1000; ++i) {
    messages.push_back("message " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i % 200), 'x'));
    bytes += frame_message_overhead + messages.back().size();
  }
  send_in_one_turn(ioc_, a, messages);
  ASSERT_TRUE(inbox(1).wait_messages(messages.size()));
  const auto got = inbox(1).messages();
  ASSERT_EQ(got.size(), messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) ASSERT_EQ(got[i].second, messages[i]) << i;
  ASSERT_TRUE(eventually([&] { return spy.sizes().size() == a.stats().frames_sent; }));
  const auto sizes = spy.sizes();
  for (auto size : sizes) EXPECT_LE(size, options.max_frame_bytes);
  // Full frames: fewer than one more than the bytes need (each frame is at least cap - largest message long).
  EXPECT_GE(sizes.size(), bytes / options.max_frame_bytes + 1);
  EXPECT_LE(sizes.size(), bytes / (options.max_frame_bytes - 300) + 2);
  std::cout << messages.size() << " messages (" << bytes << " bytes) in " << sizes.size() << " frames\n";
  EXPECT_EQ(a.stats().messages_sent, messages.size());
}

TEST_F(RedisBusOneThreadTest, AMessageLargerThanTheCapGoesAloneInItsPlace) {
  auto options = fast_options();
  options.max_frame_bytes = 4096;
  auto& a = add_bus("node-a", options);
  add_bus("node-b");
  FrameSpy spy(ioc_, server_->url(), "node-b");
  ASSERT_TRUE(all_see_each_other());
  ASSERT_TRUE(eventually([&] { return spy.up(); }));
  const std::string big(1 << 20, 'B');
  for (int round = 0; round < 3; ++round) {  // and again, in writers a large message grew and that shrank back
    const auto before = inbox(1).messages().size();
    send_in_one_turn(ioc_, a, {"before", big, "after", "and more"});
    ASSERT_TRUE(inbox(1).wait_messages(before + 4));
    const auto got = inbox(1).messages();
    EXPECT_EQ(got[before].second, "before");
    EXPECT_TRUE(got[before + 1].second == big);
    EXPECT_EQ(got[before + 2].second, "after");
    EXPECT_EQ(got[before + 3].second, "and more");
  }
  ASSERT_TRUE(eventually([&] { return spy.counts().size() == 9; }));
  EXPECT_EQ(spy.counts(), (std::vector<std::size_t>{1, 1, 2, 1, 1, 2, 1, 1, 2}));
  EXPECT_GT(spy.sizes()[1], big.size());
}

// Frames wait in their queue while the publishing connection has too many PUBLISHes unanswered, and leave in order.
TEST_F(RedisBusTest, ManySmallFramesWaitingForAnswersKeepTheirOrder) {
  auto options = fast_options();
  options.max_frame_bytes = 512;
  options.connection.max_pending = 3;  // the heartbeat's commands share them
  auto& a = add_bus("node-a", options);
  add_bus("node-b");
  ASSERT_TRUE(all_see_each_other());
  constexpr int total = 5'000;
  for (int i = 0; i < total; ++i) ASSERT_TRUE(a.send("node-b", "message " + std::to_string(i)));
  ASSERT_TRUE(inbox(1).wait_messages(total, 20s)) << inbox(1).messages().size();
  const auto got = inbox(1).messages();
  for (int i = 0; i < total; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)].second, "message " + std::to_string(i));
  EXPECT_EQ(a.stats().messages_dropped, 0u);
  std::cout << total << " messages in " << a.stats().frames_sent << " PUBLISH\n";
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
    return std::string(w.finish(seq));
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

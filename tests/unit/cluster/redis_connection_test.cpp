#include "cluster/redis_connection.hpp"

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "bus_fixture.hpp"

namespace hearth::cluster::test {
namespace {

namespace asio = boost::asio;

// A RedisConnection on a strand of a one-thread io_context; reads and calls go through the strand.
class RedisConnectionTest : public ::testing::Test {
 protected:
  template <class F>
  auto on_strand(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(strand_, [&task] { task(); });
    return result.get();
  }

  void TearDown() override {
    if (conn_) on_strand([&] { conn_->stop(); });
    guard_.reset();
    thread_.join();
  }

  void connect(const std::string& url, RedisConnectionOptions options = {}) {
    auto u = parse_redis_url(url);
    ASSERT_TRUE(u) << u.error().message;
    conn_ = RedisConnection::create(strand_, *u, options, "test");
    conn_->on_state([this](bool up) { up_ = up; });
    on_strand([&] { conn_->start(); });
  }

  Result<RedisReply> run(std::vector<std::string> args) {
    std::promise<Result<RedisReply>> done;
    auto sent = on_strand([&] {
      std::vector<std::string_view> views(args.begin(), args.end());
      return conn_->command(views, [&done](Result<RedisReply> r) { done.set_value(std::move(r)); });
    });
    if (!sent) return sent.error();
    return done.get_future().get();
  }

  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> strand_{asio::make_strand(ioc_)};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_{asio::make_work_guard(ioc_)};
  std::thread thread_{[this] { ioc_.run(); }};
  std::shared_ptr<RedisConnection> conn_;
  std::atomic<bool> up_{false};
};

TEST_F(RedisConnectionTest, AuthSelectAndCommands) {
  RedisServer server({"--requirepass", "pw"});
  connect("redis://:pw@127.0.0.1:" + std::to_string(server.port()) + "/2");
  ASSERT_TRUE(eventually([&] { return up_.load(); }));
  auto set = run({"SET", "k", std::string("v\0w", 3)});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->type, RedisReply::Type::status);
  // SELECT 2 took effect: the key is in database 2, not 0.
  EXPECT_EQ(server.run({"SELECT", "2"}, "pw").type, RedisReply::Type::status);
  auto get = run({"GET", "k"});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->str, std::string("v\0w", 3));
  auto arr = run({"MGET", "k", "missing"});
  ASSERT_TRUE(arr);
  ASSERT_EQ(arr->elements.size(), 2u);
  EXPECT_EQ(arr->elements[1].type, RedisReply::Type::nil);
  auto err = run({"INCR", "k"});
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->is_error());
}

TEST_F(RedisConnectionTest, WrongPasswordIsAClearErrorAndNeverUp) {
  RedisServer server({"--requirepass", "right"});
  connect("redis://:wrong@127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(eventually([&] { return !on_strand([&] { return conn_->last_error(); }).empty(); }));
  const std::string error = on_strand([&] { return conn_->last_error(); });
  EXPECT_NE(error.find("AUTH refused"), std::string::npos) << error;
  EXPECT_FALSE(up_.load());
}

TEST_F(RedisConnectionTest, NothingListeningRetriesAndSaysWhy) {
  int port = 0;
  {
    RedisServer gone;
    port = gone.port();
  }
  connect("redis://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(eventually([&] { return !on_strand([&] { return conn_->last_error(); }).empty(); }));
  EXPECT_NE(on_strand([&] { return conn_->last_error(); }).find("refused"), std::string::npos);
  auto refused = run({"PING"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::unavailable);
}

TEST_F(RedisConnectionTest, UnansweredCommandClosesTheConnectionThenItReconnects) {
  RedisServer server;
  RedisConnectionOptions options;
  options.command_timeout = std::chrono::milliseconds(300);
  options.backoff_max = std::chrono::milliseconds(200);
  connect(server.url(), options);
  ASSERT_TRUE(eventually([&] { return up_.load(); }));
  server.pause();
  const auto sent_at = std::chrono::steady_clock::now();
  auto r = run({"GET", "k"});  // answered by the timeout, not by Redis
  const auto waited = std::chrono::steady_clock::now() - sent_at;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_NE(r.error().message.find("no answer within 300 ms"), std::string::npos) << r.error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_TRUE(eventually([&] { return !up_.load(); }));  // reported right after the failed replies
  server.resume();
  ASSERT_TRUE(eventually([&] { return up_.load(); }));
  EXPECT_TRUE(run({"PING"}));
}

TEST_F(RedisConnectionTest, ModeChangingCommandsAreRefused) {
  RedisServer server;
  connect(server.url());
  ASSERT_TRUE(eventually([&] { return up_.load(); }));
  for (const char* c : {"SUBSCRIBE", "monitor", "PSUBSCRIBE"}) {
    auto r = run({c, "x"});
    ASSERT_FALSE(r) << c;
    EXPECT_EQ(r.error().code, errc::invalid_argument);
  }
  EXPECT_TRUE(run({"PING"}));
}

TEST_F(RedisConnectionTest, PendingBoundFailsFast) {
  RedisServer server;
  RedisConnectionOptions options;
  options.max_pending = 4;
  connect(server.url(), options);
  ASSERT_TRUE(eventually([&] { return up_.load(); }));
  std::atomic<int> answered{0};
  const int accepted = on_strand([&] {
    int n = 0;
    for (int i = 0; i < 10; ++i)
      if (conn_->command({"PING"}, [&](Result<RedisReply>) { ++answered; })) ++n;
    return n;
  });
  EXPECT_EQ(accepted, 4);
  EXPECT_TRUE(eventually([&] { return answered.load() == 4; }));
}

// A connection subscribed to `channel` on the test's strand; what it hears goes to `heard` (copied: the views die with
// the call).
struct Subscriber {
  std::shared_ptr<RedisConnection> conn;
  std::mutex mu;
  std::vector<std::string> heard;
  std::atomic<bool> up{false};

  std::vector<std::string> got() {
    std::lock_guard lock(mu);
    return heard;
  }
};

TEST_F(RedisConnectionTest, FormattedCommandsGoOutAsTheyAreAndMessagesArriveInPlace) {
  RedisServer server;
  connect(server.url());
  auto u = parse_redis_url(server.url());
  ASSERT_TRUE(u);
  Subscriber sub;
  sub.conn = RedisConnection::create(strand_, *u, {}, "test sub");
  sub.conn->subscribe("ch");
  sub.conn->on_state([&sub](bool up) { sub.up = up; });
  sub.conn->on_message([&sub](std::string_view channel, std::string_view payload) {
    std::lock_guard lock(sub.mu);
    sub.heard.push_back(std::string(channel) + "=" + std::string(payload));
  });
  on_strand([&] { sub.conn->start(); });
  ASSERT_TRUE(eventually([&] { return up_.load() && sub.up.load(); }));

  auto formatted = [&](std::string command) {
    std::promise<Result<RedisReply>> done;
    auto sent = on_strand([&] {
      auto r =
          conn_->formatted_command(command, [&done](Result<RedisReply> reply) { done.set_value(std::move(reply)); });
      if (r && command.size() < 1000) {
        EXPECT_EQ(conn_->unsent_bytes(), 0u);  // written at once (a small command, an idle loopback socket)
      }
      return r;
    });
    if (!sent) return Result<RedisReply>(sent.error());
    return done.get_future().get();
  };
  const std::string binary("a\0b\r\n$*3", 9);
  auto published = formatted("*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$9\r\n" + binary + "\r\n");
  ASSERT_TRUE(published) << published.error().message;
  EXPECT_EQ(published->integer, 1);  // one subscriber
  ASSERT_TRUE(eventually([&] { return sub.got().size() == 1; }));
  EXPECT_EQ(sub.got()[0], "ch=" + binary);

  // Larger than the socket takes at once: the rest is written when it is writable, the answer comes after.
  const std::string big(8 << 20, 'b');
  auto set = formatted("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(big.size()) + "\r\n" + big + "\r\n");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->str, "OK");
  auto get = run({"GET", "big"});
  ASSERT_TRUE(get);
  EXPECT_TRUE(get->str == big);
  EXPECT_EQ(on_strand([&] { return conn_->unsent_bytes(); }), 0u);
  on_strand([&] { sub.conn->stop(); });
}

TEST_F(RedisConnectionTest, FormattedCommandsAreCheckedLikeTheOthers) {
  RedisServer server;
  RedisConnectionOptions options;
  options.max_pending = 2;
  connect(server.url(), options);
  ASSERT_TRUE(eventually([&] { return up_.load(); }));
  auto send = [&](std::string_view command) {
    return on_strand([&] { return conn_->formatted_command(command, [](Result<RedisReply>) {}); });
  };
  for (std::string_view bad :
       {"", "PING\r\n", "*1\r\n", "*0\r\n", "*1\r\n$4\r\nPIN", "*1\r\n$9\r\nPING\r\n", "*x\r\n$4\r\nPING\r\n",
        "*1\r\n$-1\r\nPING\r\n", "*1\r\n$18446744073709551615\r\nPING\r\n"}) {
    auto r = send(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_argument) << bad;
  }
  auto subscribe = send("*2\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n");
  ASSERT_FALSE(subscribe);
  EXPECT_NE(subscribe.error().message.find("not allowed"), std::string::npos);
  // The pending bound counts them: two in flight at most (sent in one strand turn, before any answer).
  const int accepted = on_strand([&] {
    int n = 0;
    for (int i = 0; i < 5; ++i)
      n += conn_->formatted_command("*1\r\n$4\r\nPING\r\n", [](Result<RedisReply>) {}) ? 1 : 0;
    return n;
  });
  EXPECT_EQ(accepted, 2);
  EXPECT_TRUE(eventually([&] { return on_strand([&] { return conn_->pending(); }) == 0; }));
}

}  // namespace
}  // namespace hearth::cluster::test

// engineio::Session::move_to over a real loopback WebSocket and three running shards: a session made on shard 0 moves
// to shard 1 while each shard keeps sending it numbered messages (shard 1 half of them through the direct path a
// call's room uses, send_text_packet). The client must get every message of every sender once and in the order it
// was sent — across the hand-over of the connection, the forwarding from the mailbox and the fence — and the session
// then reads and answers on shard 1. The client side is a blocking socket speaking RFC 6455 by hand.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>

#include "../../net/client_frames.hpp"
#include "../../net/server_reader.hpp"
#include "net/shards.hpp"
#include "realtime/engineio/session.hpp"

namespace hearth::realtime::engineio {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr int kSenders = 3;        // one per shard
constexpr int kPerSender = 3'000;  // messages each
constexpr int kPerTurn = 7;        // messages a sender sends per turn of its shard's loop

// Records the messages the session hands up, and the shard they were handled on.
struct Handler : SessionHandler {
  std::promise<std::pair<std::string, int>> got;
  bool fulfilled = false;
  void on_message(std::string_view data, bool) override {
    if (fulfilled) return;
    fulfilled = true;
    const auto* shard = net::Shards::current();
    got.set_value({std::string(data), shard ? static_cast<int>(shard->index()) : -1});
  }
  void on_close(std::string_view) override {}
  bool may_move() const override { return true; }
};

// Sends `kPerSender` numbered messages from its shard, kPerTurn per turn of the loop.
struct Sender : std::enable_shared_from_this<Sender> {
  std::shared_ptr<Session> session;
  asio::any_io_executor shard;
  int id = 0;
  int next = 0;
  bool direct = false;  // every other message through send_text_packet, as a call's room sends relays
  std::function<void(int)> on_sent;

  void pump() {
    for (int i = 0; i < kPerTurn && next < kPerSender; ++i, ++next) {
      std::string m = "s" + std::to_string(id) + ":" + std::to_string(next);
      if (direct && next % 2 == 0)
        session->send_text_packet("4" + m);
      else
        session->send_message(std::move(m));
      if (on_sent) on_sent(next);
    }
    if (next < kPerSender) asio::post(shard, [self = shared_from_this()] { self->pump(); });
  }
};

// Server frames (not masked) after the upgrade's 101.
class FrameReader {
 public:
  explicit FrameReader(tcp::socket& s) : reader_(s) { reader_.head(); }
  std::string next() { return reader_.frame().payload; }

 private:
  net::ws::test_frames::ServerReader reader_;
};

class SessionMoveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runner_ = std::thread([this] { shards_.run_all(); });
  }
  void TearDown() override {
    shards_.stop();
    runner_.join();
  }

  // Runs `fn` on shard `i` and waits for it.
  template <class Fn>
  void on_shard(unsigned i, Fn fn) {
    std::promise<void> done;
    asio::post(shards_[i].executor(), [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  // A WebSocket accepted outside the shards, homed on shard 0 as the listener would, and a session on it there.
  std::shared_ptr<Session> open(const std::string& sid, std::unique_ptr<SessionHandler> handler) {
    tcp::acceptor acceptor(plain_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_ = tcp::socket(plain_);
    client_.connect(acceptor.local_endpoint());
    tcp::socket accepted = acceptor.accept();
    const auto fd = accepted.release();
    tcp::socket homed(shards_[0].executor(), tcp::v4(), fd);
    auto ws = std::make_shared<net::WebSocketConnection>(std::move(homed), net::WebSocketLimits{});
    auto session = std::make_shared<Session>(shards_[0].executor(), sid, options_, nullptr);
    session->set_handler(std::move(handler));
    on_shard(0, [&] {
      net::Request req{boost::beast::http::verb::get, "/socket.io/?EIO=4&transport=websocket", 11};
      req.set(boost::beast::http::field::upgrade, "websocket");
      req.set(boost::beast::http::field::connection, "Upgrade");
      req.set(boost::beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
      req.set(boost::beast::http::field::sec_websocket_version, "13");
      ASSERT_TRUE(ws->accept(req));
      session->open_websocket(ws);
    });
    return session;
  }

  Options options_;  // outlives the sessions, which the shards' handlers may hold until they go
  net::Shards shards_{3};
  std::thread runner_;
  asio::io_context plain_;
  tcp::socket client_{plain_};
};

TEST_F(SessionMoveTest, EverySendersMessagesArriveOnceAndInOrderAcrossTheMove) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto handler = std::make_unique<Handler>();
    auto got = handler->got.get_future();
    auto session = open("0-move" + std::to_string(round), std::move(handler));
    FrameReader reader(client_);

    // Every shard sends; shard 0's sender asks for the move a third of the way through its messages.
    std::vector<std::shared_ptr<Sender>> senders;
    for (int i = 0; i < kSenders; ++i) {
      auto s = std::make_shared<Sender>();
      s->session = session;
      s->shard = shards_[static_cast<unsigned>(i)].executor();
      s->id = i;
      s->direct = i == 1;
      if (i == 0)
        s->on_sent = [session, to = shards_[1].executor()](int n) {
          if (n == kPerSender / 3) session->move_to(to);
        };
      senders.push_back(s);
    }
    for (auto& s : senders) asio::post(s->shard, [s] { s->pump(); });

    std::array<int, kSenders> expected{};
    int total = 0;
    bool opened = false;
    while (total < kSenders * kPerSender) {
      const std::string p = reader.next();
      if (p.starts_with("0{")) {  // the open packet comes first
        ASSERT_FALSE(opened);
        opened = true;
        continue;
      }
      ASSERT_TRUE(opened) << p;
      if (p == "2") continue;  // a ping
      ASSERT_TRUE(p.starts_with("4s")) << p;
      const auto colon = p.find(':');
      const int id = std::stoi(p.substr(2, colon - 2));
      const int n = std::stoi(p.substr(colon + 1));
      ASSERT_TRUE(id >= 0 && id < kSenders) << p;
      ASSERT_EQ(n, expected[static_cast<std::size_t>(id)]) << "sender " << id << ": out of order or lost";
      ++expected[static_cast<std::size_t>(id)];
      ++total;
    }
    EXPECT_EQ(net::Shards::current(), nullptr);
    EXPECT_EQ(shards_.find(session->home()), &shards_[1]) << "moved to shard 1";
    EXPECT_EQ(shards_.find(session->executor()), &shards_[0]) << "shard 0 stays its mailbox";

    // The session reads on its new shard: a message from the client reaches the handler there.
    const std::string hello = net::ws::test_frames::frame(net::ws::Opcode::text, "4hello");
    asio::write(client_, asio::buffer(hello));
    ASSERT_EQ(got.wait_for(5s), std::future_status::ready);
    const auto [text, shard] = got.get();
    EXPECT_EQ(text, "hello");
    EXPECT_EQ(shard, 1);
    session->close("done");
    session.reset();
  }
}

// A session that cannot move (its handler says so, as the Socket.IO client does while no namespace is connected)
// stays where it is and keeps working.
TEST_F(SessionMoveTest, AHandlerThatRefusesKeepsTheSessionWhereItIs) {
  struct Refusing : Handler {
    bool may_move() const override { return false; }
  };
  auto handler = std::make_unique<Refusing>();
  auto got = handler->got.get_future();
  auto session = open("0-stay", std::move(handler));
  session->move_to(shards_[1].executor());
  FrameReader reader(client_);
  EXPECT_TRUE(reader.next().starts_with("0{"));
  const std::string hello = net::ws::test_frames::frame(net::ws::Opcode::text, "4hello");
  asio::write(client_, asio::buffer(hello));
  ASSERT_EQ(got.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(got.get().second, 0);
  EXPECT_EQ(shards_.find(session->home()), &shards_[0]);
  session->close("done");
}

}  // namespace
}  // namespace hearth::realtime::engineio

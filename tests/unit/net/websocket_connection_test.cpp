// WebSocketConnection over a real loopback TCP connection: the handshake answer, messages in order, the send
// buffer when the kernel's buffers are full (partial sends, waiting for writability), the slow-reader bound and
// the closing handshake; each with a connection that flushes itself and with one whose sends go through the
// SendBatcher (one thread runs the io_context). The client side is a plain blocking socket speaking RFC 6455 by hand
// (client_frames.hpp).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "client_frames.hpp"
#include "net/send_batcher.hpp"
#include "net/websocket_connection.hpp"
#include "server_reader.hpp"

namespace hearth::net {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using ws::test_frames::frame;
using ws::test_frames::ServerFrame;
using ws::test_frames::ServerReader;

// Records what the connection reports; optionally echoes every message.
struct Recorder : WebSocketHandler {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> messages;
  std::vector<CloseReason> closes;
  std::weak_ptr<WebSocketConnection> conn;
  bool echo = false;

  void on_message(std::string_view data, bool) override {
    if (echo)
      if (auto c = conn.lock()) c->send_text(std::string(data));
    std::lock_guard lock(mutex);
    messages.emplace_back(data);
    cv.notify_all();
  }
  void on_close(CloseReason reason) override {
    std::lock_guard lock(mutex);
    closes.push_back(reason);
    cv.notify_all();
  }
  bool wait_closed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return !closes.empty(); });
  }
};

// The connection runs on the io_context's own executor, as on a shard (net/shards.hpp): its sends go through the
// io_context's SendBatcher (io_uring where available). (A parameterised suite: it also ran without the batcher
// while a server could run one io_context on several threads.)
class WebSocketConnectionTest : public ::testing::TestWithParam<bool> {
 protected:
  // Connects a client, upgrades it, and starts a connection with `limits`. `small_buffers` shrinks both kernel
  // buffers so that a few hundred KiB fill them.
  void open(WebSocketLimits limits, bool small_buffers = false) {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    if (small_buffers) {
      client_.open(tcp::v4());
      client_.set_option(asio::socket_base::receive_buffer_size(8 * 1024));
    }
    client_.connect(acceptor.local_endpoint());
    tcp::socket server_side(ioc_);
    acceptor.accept(server_side);
    if (small_buffers) server_side.set_option(asio::socket_base::send_buffer_size(8 * 1024));
    conn_ = std::make_shared<WebSocketConnection>(std::move(server_side), limits);
    recorder_->conn = conn_;

    Request req{boost::beast::http::verb::get, "/ws", 11};
    req.set(boost::beast::http::field::host, "localhost");
    req.set(boost::beast::http::field::upgrade, "websocket");
    req.set(boost::beast::http::field::connection, "Upgrade");
    req.set(boost::beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(boost::beast::http::field::sec_websocket_version, "13");
    std::promise<bool> accepted;
    asio::post(ioc_, [&] {
      const bool ok = conn_->accept(req);
      if (ok) conn_->start(recorder_);
      accepted.set_value(ok);
    });
    runner_ = std::thread([this] { ioc_.run(); });
    ASSERT_TRUE(accepted.get_future().get());

    const std::string response = reader_.head();
    ASSERT_TRUE(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << response;
    // RFC 6455 §1.3's example key and its answer.
    EXPECT_NE(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
  }

  void TearDown() override {
    boost::system::error_code ignored;
    client_.close(ignored);
    if (conn_) asio::post(ioc_, [c = conn_] { c->close(1001, ""); });
    conn_.reset();
    guard_.reset();
    if (runner_.joinable()) runner_.join();
  }

  void client_send(const std::string& bytes) { asio::write(client_, asio::buffer(bytes)); }

  ServerFrame read_frame() {
    auto f = reader_.frame();
    EXPECT_FALSE(f.masked) << "server frames are not masked";
    return f;
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(ioc_);
  tcp::socket client_{ioc_};
  std::shared_ptr<Recorder> recorder_ = std::make_shared<Recorder>();
  std::shared_ptr<WebSocketConnection> conn_;
  std::thread runner_;
  ServerReader reader_{client_};
};

TEST_P(WebSocketConnectionTest, DeliversMessagesAndAnswersInOrder) {
  recorder_->echo = true;
  open({});
  client_send(frame(ws::Opcode::text, "one") + frame(ws::Opcode::text, "two") + frame(ws::Opcode::text, "three"));
  for (const char* expected : {"one", "two", "three"}) {
    const auto f = read_frame();
    EXPECT_EQ(f.first, 0x81);  // FIN + text
    EXPECT_EQ(f.payload, expected);
  }
  std::lock_guard lock(recorder_->mutex);
  EXPECT_EQ(recorder_->messages, (std::vector<std::string>{"one", "two", "three"}));
}

TEST_P(WebSocketConnectionTest, TrySendHereSendsOnlyFromTheConnectionsExecutor) {
  open({});
  // From this (test) thread the connection's executor is not running here: nothing is sent.
  EXPECT_FALSE(conn_->try_send_here("from outside", false));
  std::promise<bool> inside;
  asio::post(ioc_, [&] { inside.set_value(conn_->try_send_here("from inside", false)); });
  EXPECT_TRUE(inside.get_future().get());
  const auto f = read_frame();
  EXPECT_EQ(f.first, 0x81);
  EXPECT_EQ(f.payload, "from inside");  // the refused one never went out
}

TEST_P(WebSocketConnectionTest, AnswersPingWithPong) {
  open({});
  client_send(frame(ws::Opcode::ping, "are you there"));
  const auto f = read_frame();
  EXPECT_EQ(f.first, 0x8A);  // FIN + pong
  EXPECT_EQ(f.payload, "are you there");
}

TEST_P(WebSocketConnectionTest, KeepsWhatTheKernelCannotTakeYetAndSendsItWhenWritable) {
  // 600 KiB into 8 KiB kernel buffers while the client reads nothing: most of it waits in the send buffer.
  open({.max_message = 1'000'000, .max_queued_bytes = 1024 * 1024}, true);
  constexpr int kMessages = 150;
  asio::post(ioc_, [c = conn_] {
    for (int i = 0; i < kMessages; ++i) c->send_text(std::to_string(i) + ":" + std::string(4096, 'a' + i % 26));
  });
  std::this_thread::sleep_for(200ms);  // the sends run into a full socket
  for (int i = 0; i < kMessages; ++i) {
    const auto f = read_frame();
    ASSERT_EQ(f.first, 0x81);
    ASSERT_EQ(f.payload, std::to_string(i) + ":" + std::string(4096, 'a' + i % 26)) << "message " << i;
  }
  std::lock_guard lock(recorder_->mutex);
  EXPECT_TRUE(recorder_->closes.empty());
}

TEST_P(WebSocketConnectionTest, DisconnectsAClientThatStopsReading) {
  open({.max_message = 1'000'000, .max_queued_bytes = 64 * 1024}, true);
  asio::post(ioc_, [c = conn_] {
    for (int i = 0; i < 100; ++i) c->send_text(std::string(4096, 'x'));
  });
  ASSERT_TRUE(recorder_->wait_closed(5s));
  std::lock_guard lock(recorder_->mutex);
  EXPECT_EQ(recorder_->closes, std::vector<CloseReason>{CloseReason::slow_reader});
}

TEST_P(WebSocketConnectionTest, CloseSendsTheCloseFrameThenEndsTheConnection) {
  open({});
  asio::post(ioc_, [c = conn_] {
    c->send_text("last words");
    c->close(1000, "bye");
  });
  const auto message = read_frame();
  EXPECT_EQ(message.payload, "last words");
  const auto close = read_frame();
  EXPECT_EQ(close.first, 0x88);  // FIN + close
  EXPECT_EQ(close.payload, std::string("\x03\xe8", 2) + "bye");
  char byte = 0;
  boost::system::error_code ec;
  client_.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  ASSERT_TRUE(recorder_->wait_closed(5s));
  std::lock_guard lock(recorder_->mutex);
  EXPECT_EQ(recorder_->closes, std::vector<CloseReason>{CloseReason::server_closed});
}

TEST_P(WebSocketConnectionTest, ClientCloseIsAnsweredAndReported) {
  open({});
  client_send(frame(ws::Opcode::close, std::string("\x03\xe8", 2)));
  const auto answer = read_frame();
  EXPECT_EQ(answer.first, 0x88);
  EXPECT_EQ(answer.payload, std::string("\x03\xe8", 2));
  ASSERT_TRUE(recorder_->wait_closed(5s));
  std::lock_guard lock(recorder_->mutex);
  EXPECT_EQ(recorder_->closes, std::vector<CloseReason>{CloseReason::client_closed});
}

INSTANTIATE_TEST_SUITE_P(SendPaths, WebSocketConnectionTest, ::testing::Values(true),
                         [](const auto&) { return "Batched"; });

// More connections than one io_uring submission takes, each sent a message in the same turn of the event loop.
TEST(SendBatcher, SendsATurnOfManyConnectionsInOrder) {
  constexpr int kConnections = 600;  // SendBatcher submits 256 at a time
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<tcp::socket> clients;
  std::vector<std::shared_ptr<WebSocketConnection>> conns;
  for (int i = 0; i < kConnections; ++i) {
    clients.emplace_back(ioc).connect(acceptor.local_endpoint());
    tcp::socket server_side(ioc);
    acceptor.accept(server_side);
    server_side.non_blocking(true);
    conns.push_back(std::make_shared<WebSocketConnection>(std::move(server_side), WebSocketLimits{}));
  }
  ASSERT_NE(SendBatcher::of(ioc), nullptr);
  asio::post(ioc, [&] {
    for (int round = 0; round < 2; ++round)
      for (int i = 0; i < kConnections; ++i)
        ASSERT_TRUE(conns[i]->try_send_here(std::to_string(round) + "/" + std::to_string(i), false));
  });
  ioc.poll();  // the turn that queues, then the one that flushes
  ioc.poll();
  for (int i = 0; i < kConnections; ++i) {
    std::string expected;
    for (int round = 0; round < 2; ++round) {
      const std::string payload = std::to_string(round) + "/" + std::to_string(i);
      expected += std::string{'\x81', static_cast<char>(payload.size())} + payload;
    }
    std::string got(expected.size(), '\0');
    asio::read(clients[i], asio::buffer(got));
    ASSERT_EQ(got, expected) << "connection " << i;
  }
}

}  // namespace
}  // namespace hearth::net

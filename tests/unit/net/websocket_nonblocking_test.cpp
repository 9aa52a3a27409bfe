// WebSocketConnection never blocks its I/O thread and never lets one connection starve the others: the handshake
// answers (101 or a refusal) leave through the non-blocking send even when the socket is full; a closing connection
// whose peer does not read is closed after close_timeout; a connection reads one chunk per turn of the event loop.
// Real loopback TCP connections; the client side is a plain blocking socket (client_frames.hpp).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>

#include "client_frames.hpp"
#include "net/websocket_connection.hpp"

namespace hearth::net {
namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using ws::test_frames::frame;

Request upgrade_request() {
  Request req{bhttp::verb::get, "/ws", 11};
  req.set(bhttp::field::host, "localhost");
  req.set(bhttp::field::upgrade, "websocket");
  req.set(bhttp::field::connection, "Upgrade");
  req.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(bhttp::field::sec_websocket_version, "13");
  return req;
}

// A connected pair: `client` (blocking, test thread) and the server side on `ioc`.
struct Pair {
  tcp::socket client;
  tcp::socket server;
};

Pair connect_pair(asio::io_context& ioc, bool small_buffers) {
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(ioc);
  client.open(tcp::v4());
  if (small_buffers) client.set_option(asio::socket_base::receive_buffer_size(4 * 1024));
  client.connect(acceptor.local_endpoint());
  tcp::socket server(ioc);
  acceptor.accept(server);
  if (small_buffers) server.set_option(asio::socket_base::send_buffer_size(4 * 1024));
  return Pair{std::move(client), std::move(server)};
}

// Fills the server -> client direction until the kernel takes no more (the client reads nothing); returns the bytes.
std::size_t fill(tcp::socket& server) {
  server.non_blocking(true);
  const std::string chunk(4096, 'f');
  std::size_t total = 0;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = server.write_some(asio::buffer(chunk), ec);
    if (ec) break;
    total += n;
  }
  return total;
}

struct Collector : WebSocketHandler {
  std::mutex mutex;
  std::vector<std::string> messages;
  void on_message(std::string_view data, bool) override {
    std::lock_guard lock(mutex);
    messages.emplace_back(data);
  }
  void on_close(CloseReason) override {}
};

TEST(WebSocketNonBlocking, TheHandshakeAnswerNeverBlocksOnAFullSocket) {
  asio::io_context ioc;
  auto [client, server] = connect_pair(ioc, true);
  const std::size_t filler = fill(server);
  ASSERT_GT(filler, 0U);
  auto conn = std::make_shared<WebSocketConnection>(std::move(server), WebSocketLimits{});
  std::promise<bool> accepted;
  std::thread runner([&] {
    asio::post(ioc, [&] { accepted.set_value(conn->accept(upgrade_request())); });
    ioc.run_for(3s);
  });
  auto future = accepted.get_future();
  const bool returned = future.wait_for(2s) == std::future_status::ready;
  if (!returned) client.close();  // unblock a blocking write, so the test fails instead of hanging
  ASSERT_TRUE(returned) << "accept() blocked on a socket whose peer does not read";
  EXPECT_TRUE(future.get());
  // Once the client reads, the 101 follows the bytes that filled the socket.
  std::string got(filler, '\0');
  asio::read(client, asio::buffer(got));
  asio::streambuf head;
  asio::read_until(client, head, "\r\n\r\n");
  const std::string answer(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << answer;
  ioc.stop();
  runner.join();
}

TEST(WebSocketNonBlocking, ARefusalIsAnsweredAndTheConnectionCloses) {
  asio::io_context ioc;
  auto [client, server] = connect_pair(ioc, false);
  auto conn = std::make_shared<WebSocketConnection>(std::move(server), WebSocketLimits{});
  Response res{bhttp::status::too_many_requests, 11};
  res.set(bhttp::field::retry_after, "7");
  res.body() = R"({"success":false,"message":"slow down"})";
  res.prepare_payload();
  asio::post(ioc, [&] { conn->refuse(res); });
  std::thread runner([&] { ioc.run_for(3s); });
  std::string all;
  boost::system::error_code ec;
  for (char buf[512];;) {
    const std::size_t n = client.read_some(asio::buffer(buf), ec);
    if (ec) break;
    all.append(buf, n);
  }
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_TRUE(all.starts_with("HTTP/1.1 429 Too Many Requests\r\n")) << all;
  EXPECT_NE(all.find("Retry-After: 7\r\n"), std::string::npos);
  EXPECT_TRUE(all.ends_with(R"({"success":false,"message":"slow down"})"));
  ioc.stop();
  runner.join();
}

TEST(WebSocketNonBlocking, AClosingConnectionWhosePeerDoesNotReadIsClosedAfterTheTimeout) {
  asio::io_context ioc;
  auto [client, server] = connect_pair(ioc, true);
  WebSocketLimits limits;
  limits.close_timeout = 1s;
  auto conn = std::make_shared<WebSocketConnection>(std::move(server), limits);
  auto handler = std::make_shared<Collector>();
  std::weak_ptr<WebSocketConnection> weak = conn;
  asio::post(ioc, [c = conn, handler] {
    ASSERT_TRUE(c->accept(upgrade_request()));
    c->start(handler);
    for (int i = 0; i < 50; ++i) c->send_text(std::string(4096, 'x'));  // far more than the kernel takes
    c->close(1000, "bye");
  });
  conn.reset();
  std::thread runner([&] { ioc.run_for(4s); });
  // The connection's last bytes cannot leave (the client reads nothing): it must not wait for ever.
  const auto deadline = std::chrono::steady_clock::now() + 3500ms;
  while (!weak.expired() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(weak.expired()) << "a connection whose peer never reads outlived its close timeout";
  ioc.stop();
  runner.join();
}

TEST(WebSocketNonBlocking, AConnectionReadsOneChunkPerTurnSoOthersAreServedMeanwhile) {
  asio::io_context ioc;
  // The flooding client on a UNIX stream socket with room for megabytes, so that every read of the connection finds
  // a full chunk while the writer keeps up (loopback TCP sometimes returns short reads, which would hide the
  // difference); the connection code does not care what kind of stream its socket is.
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  const int big = 8 * 1024 * 1024;
  ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
  ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  tcp::socket flood_client(ioc, tcp::v4(), fds[0]);
  tcp::socket flood_server(ioc, tcp::v4(), fds[1]);
  auto [quiet_client, quiet_server] = connect_pair(ioc, false);
  auto flood = std::make_shared<WebSocketConnection>(std::move(flood_server), WebSocketLimits{});
  auto quiet = std::make_shared<WebSocketConnection>(std::move(quiet_server), WebSocketLimits{});
  // Handling takes a few microseconds per message, as a Socket.IO event does, so the writer keeps ahead of the reader.
  struct Timing : WebSocketHandler {
    std::atomic<bool> quiet{false};
    std::atomic<std::size_t> flood_messages{0};
    void on_message(std::string_view data, bool) override {
      if (data == "quiet") {
        quiet = true;
        return;
      }
      const auto until = std::chrono::steady_clock::now() + 3us;
      while (std::chrono::steady_clock::now() < until) {
      }
      ++flood_messages;
    }
    void on_close(CloseReason) override {}
  };
  auto timing = std::make_shared<Timing>();
  asio::post(ioc, [&] {
    ASSERT_TRUE(flood->accept(upgrade_request()));
    ASSERT_TRUE(quiet->accept(upgrade_request()));
    flood->start(timing);
    quiet->start(timing);
  });
  // A client that keeps its socket full (a thread writing as fast as the kernel takes; megabytes queued before the
  // server thread starts) ...
  const std::string burst = [] {
    std::string b;
    for (int i = 0; i < 1000; ++i) b += frame(ws::Opcode::text, "flood-message-of-some-length");
    return b;
  }();
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> written{0};
  std::thread writer([&] {
    const auto until = std::chrono::steady_clock::now() + 4s;
    boost::system::error_code ec;
    while (!stop && !ec && std::chrono::steady_clock::now() < until)
      written += asio::write(flood_client, asio::buffer(burst), ec);
  });
  while (written < 4 * 1024 * 1024) std::this_thread::sleep_for(1ms);
  std::thread runner([&] { ioc.run_for(6s); });
  // ... and, once the thread is busy with it, one message on the quiet connection.
  while (timing->flood_messages < 1000) std::this_thread::sleep_for(1ms);
  asio::write(quiet_client, asio::buffer(frame(ws::Opcode::text, "quiet")));
  const auto start = std::chrono::steady_clock::now();
  while (!timing->quiet && std::chrono::steady_clock::now() - start < 5s) std::this_thread::sleep_for(1ms);
  const auto waited = std::chrono::steady_clock::now() - start;
  stop = true;
  boost::system::error_code ignored;
  flood_client.shutdown(tcp::socket::shutdown_both, ignored);
  writer.join();
  ioc.stop();
  runner.join();
  ASSERT_TRUE(timing->quiet) << "the quiet message never came";
  // Served while the flood goes on (the writer runs for 4 s), not after it.
  EXPECT_LT(waited, 1s) << "the quiet connection waited "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms";
}

}  // namespace
}  // namespace hearth::net

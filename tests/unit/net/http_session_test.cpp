// HttpSession over a real loopback connection, with a handler that keeps the request unanswered like an Engine.IO
// long-poll and watches for the client going away (Responder::on_abort): the late answer arrives, a client that
// hangs up is reported, and the connection stays usable for the next request.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "net/http_session.hpp"

namespace hearth::net {
namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Holds every request's Responder (a long-poll) and records aborts.
struct LongPollHandler : HttpHandler {
  std::mutex mutex;
  std::promise<Responder> held;
  bool held_set = false;
  std::promise<void> aborted;
  std::atomic<int> aborts{0};

  void handle(Request, const ConnectionInfo&, Responder respond) override {
    respond.on_abort([this] {
      if (aborts.fetch_add(1) == 0) aborted.set_value();
    });
    std::lock_guard lock(mutex);
    if (!held_set) {
      held_set = true;
      held.set_value(respond);
    } else {
      respond(answer("second"));
    }
  }
  std::size_t body_limit(const Request&) override { return 1024; }
  std::size_t max_body_limit() const override { return 1024; }
  Response transport_error(errc, const Request*, std::string_view) override {
    return Response{bhttp::status::bad_request, 11};
  }
  std::optional<Response> upgrade_refusal(const Request&, const ConnectionInfo&) override {
    return Response{bhttp::status::not_found, 11};
  }
  void upgrade(boost::beast::tcp_stream, Request, const ConnectionInfo&, ConnectionSlot) override {}

  static Response answer(std::string body) {
    Response res{bhttp::status::ok, 11};
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }
};

class HttpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    tcp::socket server_side(ioc_);
    acceptor.accept(server_side);
    ConnectionCounter::Refusal why{};
    std::make_shared<HttpSession>(std::move(server_side), handler_, limits_, ConnectionInfo{},
                                  std::move(*connections_->acquire("client", why)))
        ->run();
    runner_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    boost::system::error_code ignored;
    client_.close(ignored);
    guard_.reset();
    ioc_.stop();
    runner_.join();
  }

  void send_request(const std::string& target) {
    asio::write(client_, asio::buffer("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  }

  std::string read_response() {
    asio::read_until(client_, buffer_, "\r\n\r\n");
    std::string head(asio::buffers_begin(buffer_.data()), asio::buffers_end(buffer_.data()));
    head = head.substr(0, head.find("\r\n\r\n") + 4);
    buffer_.consume(head.size());
    const auto at = head.find("Content-Length: ");
    const std::size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
    if (buffer_.size() < length) asio::read(client_, buffer_, asio::transfer_exactly(length - buffer_.size()));
    std::string body(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + length);
    buffer_.consume(length);
    return body;
  }

  Responder held_responder() {
    auto future = handler_.held.get_future();
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
    return future.get();
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(ioc_);
  LongPollHandler handler_;
  HttpLimits limits_;
  std::shared_ptr<ConnectionCounter> connections_ = std::make_shared<ConnectionCounter>(10, 10);
  tcp::socket client_{ioc_};
  asio::streambuf buffer_;
  std::thread runner_;
};

TEST_F(HttpSessionTest, ALateAnswerArrivesAndTheConnectionServesTheNextRequest) {
  send_request("/poll");
  Responder respond = held_responder();
  std::this_thread::sleep_for(100ms);  // the abort watch is armed and the client is quiet
  respond(LongPollHandler::answer("late answer"));
  EXPECT_EQ(read_response(), "late answer");
  send_request("/poll");
  EXPECT_EQ(read_response(), "second");
  EXPECT_EQ(handler_.aborts.load(), 0);
}

// What a handler answers to HEAD: the Content-Length of the GET representation and no body. The transport keeps
// that length (it does not recompute it from the empty body) and sends no body bytes.
TEST_F(HttpSessionTest, AHeadAnswerKeepsItsContentLengthAndSendsNoBody) {
  send_request("/poll");
  Response head{bhttp::status::ok, 11};
  head.content_length(42);
  held_responder()(std::move(head));
  asio::read_until(client_, buffer_, "\r\n\r\n");
  std::string text(asio::buffers_begin(buffer_.data()), asio::buffers_end(buffer_.data()));
  const auto end = text.find("\r\n\r\n") + 4;
  EXPECT_NE(text.substr(0, end).find("Content-Length: 42\r\n"), std::string::npos) << text;
  buffer_.consume(end);
  send_request("/poll");
  EXPECT_EQ(read_response(), "second");  // the next answer starts right after the header: no body was sent
}

// An answer larger than the kernel takes at once while the client is not reading: the rest is written when the
// client reads, byte for byte, and the connection then serves the next request.
TEST_F(HttpSessionTest, AnAnswerTheKernelCannotTakeAtOnceArrivesWhole) {
  send_request("/poll");
  std::string big(8 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  held_responder()(LongPollHandler::answer(big));
  std::this_thread::sleep_for(100ms);  // the server's direct send has filled the socket buffers by now
  EXPECT_EQ(read_response(), big);
  send_request("/poll");
  EXPECT_EQ(read_response(), "second");
}

TEST_F(HttpSessionTest, AClientThatHangsUpWhileWaitingIsReported) {
  send_request("/poll");
  Responder respond = held_responder();
  std::this_thread::sleep_for(200ms);  // the abort watch is armed before the hang-up
  client_.shutdown(tcp::socket::shutdown_send);
  EXPECT_EQ(handler_.aborted.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(handler_.aborts.load(), 1);
  respond(LongPollHandler::answer("too late"));  // harmless after the abort
}

TEST_F(HttpSessionTest, PipelinedDataIsNotAnAbort) {
  send_request("/poll");
  Responder respond = held_responder();
  send_request("/next");  // a client that pipelines: readable, but not gone
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(handler_.aborts.load(), 0);
  respond(LongPollHandler::answer("first"));
  EXPECT_EQ(read_response(), "first");
  EXPECT_EQ(read_response(), "second");
}

}  // namespace
}  // namespace hearth::net

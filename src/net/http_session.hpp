#pragma once
// One HTTP/1.1 connection: reads a request (bounded size and time), hands it to the HttpHandler, writes the
// answer, repeats while keep-alive. WebSocket upgrade requests are handed over with the stream.
// Ownership: kept alive by its pending operation and by the Responder it gave out; nobody else holds it.
// Thread safety: everything runs on the stream's executor (net/serial_executor: a strand, or the io_context's own
// executor when one thread runs it).
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "net/http_handler.hpp"
#include "net/limits.hpp"

namespace hearth::net {

// Counts open connections for the listener's limit; decremented when the session is destroyed.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::shared_ptr<std::atomic<std::size_t>> count) : count_(std::move(count)) { ++*count_; }
  ConnectionSlot(ConnectionSlot&& o) noexcept = default;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (count_) --*count_;
  }

 private:
  // Shared with the Listener: at shutdown the io_context may destroy a pending connection after the Listener.
  std::shared_ptr<std::atomic<std::size_t>> count_;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, HttpHandler& handler, const HttpLimits& limits, ConnectionInfo conn,
              ConnectionSlot slot);
  void run();

 private:
  void do_read();
  void on_header(boost::beast::error_code ec);
  void on_read(boost::beast::error_code ec);
  void dispatch();
  void send(Response res);
  void on_write(bool close, boost::beast::error_code ec);
  void fail_with(errc code, const Request* req);
  void watch_for_abort(std::function<void()> callback);
  void arm_abort_watch();
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::string wire_;          // the answer being written, as bytes
  HttpHandler& handler_;      // owned by the server, outlives all sessions
  const HttpLimits& limits_;  // owned by the server config
  ConnectionInfo conn_;
  ConnectionSlot slot_;
  bool keep_alive_ = false;
  bool awaiting_answer_ = false;          // a request is with the handler
  std::function<void()> abort_callback_;  // run if the peer hangs up while awaiting_answer_
};

}  // namespace hearth::net

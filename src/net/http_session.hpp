#pragma once
// One HTTP/1.1 connection: reads a request (bounded size and time), hands it to the HttpHandler, writes the
// answer, repeats while keep-alive. WebSocket upgrade requests are handed over with the stream and the connection's
// slot. A session created with a refusal (the listener's connection limits) reads one request and answers it 503.
// Ownership: kept alive by its pending operation and by the Responder it gave out; nobody else holds it.
// Thread safety: everything runs on the stream's executor (its shard, net/shards.hpp); the Responder may be called
// from any thread.
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "net/http_handler.hpp"
#include "net/limits.hpp"

namespace hearth::net {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, HttpHandler& handler, const HttpLimits& limits, ConnectionInfo conn,
              ConnectionSlot slot, std::string refusal = {});
  void run();

 private:
  void do_read();
  void on_header(boost::beast::error_code ec);
  void on_read(boost::beast::error_code ec);
  void dispatch();
  void send(Response res);
  void on_write(bool close, boost::beast::error_code ec);
  void fail_with(errc code, const Request* req, std::string_view message = {});
  Responder responder();  // answers on this session's shard, from any thread
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
  std::string refusal_;  // not empty: answer the request 503 with this message, then close
  bool keep_alive_ = false;
  bool awaiting_answer_ = false;          // a request is with the handler
  std::function<void()> abort_callback_;  // run if the peer hangs up while awaiting_answer_
};

}  // namespace hearth::net

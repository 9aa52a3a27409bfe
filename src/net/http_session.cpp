#include "net/http_session.hpp"

#include <optional>

#include "net/forwarded.hpp"
#include "net/http_wire.hpp"
#include "net/shards.hpp"
#include "net/socket_peek.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cerrno>

namespace hearth::net {
namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {
constexpr std::size_t kKeptWireCapacity = 16 * 1024;  // a keep-alive connection keeps a buffer this large
}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, HttpHandler& handler, const HttpLimits& limits,
                         ConnectionInfo conn, ConnectionSlot slot, std::string refusal)
    : stream_(std::move(socket)),
      handler_(handler),
      limits_(limits),
      conn_(std::move(conn)),
      slot_(std::move(slot)),
      refusal_(std::move(refusal)) {}

void HttpSession::run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void HttpSession::do_read() {
  parser_.emplace();
  // The largest body any endpoint takes until the header says which one it is for: a limit in force while the
  // header is read would refuse a Content-Length that the endpoint allows (Engine.IO polling takes maxPayload).
  parser_->body_limit(handler_.max_body_limit());
  parser_->header_limit(static_cast<std::uint32_t>(limits_.header_limit));
  // Waiting for the next request of a keep-alive connection: the idle timeout.
  stream_.expires_after(limits_.idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void HttpSession::on_header(beast::error_code ec) {
  if (ec) return on_read(ec);
  if (!refusal_.empty()) return fail_with(errc::unavailable, &parser_->get(), refusal_);  // the body is not read
  // The endpoint's own limit, the same whatever the framing: a declared length over it is refused now, and a
  // chunked body is refused when it grows past it.
  const std::size_t limit = handler_.body_limit(parser_->get());
  if (const auto length = parser_->content_length(); length && *length > limit) return on_read(http::error::body_limit);
  parser_->body_limit(limit);
  // The rest of the request must arrive within the request timeout.
  stream_.expires_after(limits_.request_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
}

void HttpSession::on_read(beast::error_code ec) {
  try {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof)
      return close();
    // A body over its limit is known once the header is whole (Beast reports a Content-Length over it before it
    // calls the header done); a header over its limit is not whole.
    if (ec == http::error::body_limit) return fail_with(errc::payload_too_large, &parser_->get());
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return fail_with(errc::payload_too_large, parser_->is_header_done() ? &parser_->get() : nullptr);
    if (ec) return fail_with(errc::invalid_argument, nullptr);
    dispatch();
  } catch (const std::exception& e) {
    spdlog::error("connection {}: {}", conn_.id, e.what());
    close();
  }
}

void HttpSession::dispatch() {
  Request req = parser_->release();
  keep_alive_ = req.keep_alive();
  // Behind a trusted proxy, the request's client is the one it forwarded for (this request's only).
  std::optional<ConnectionInfo> forwarded;
  if (!limits_.trusted_proxies.empty())
    if (auto client = forwarded_client(conn_.remote.address(), req["X-Forwarded-For"], limits_.trusted_proxies))
      forwarded.emplace(ConnectionInfo{conn_.remote, std::move(*client), conn_.id});
  const ConnectionInfo& conn = forwarded ? *forwarded : conn_;
  if (beast::websocket::is_upgrade(req)) {
    if (auto refusal = handler_.upgrade_refusal(req, conn)) {
      keep_alive_ = false;
      return send(std::move(*refusal));
    }
    stream_.expires_never();
    handler_.upgrade(std::move(stream_), std::move(req), conn, std::move(slot_));
    return;  // the stream belongs to the WebSocket session now; this session ends here
  }
  // No timer while the handler works: the store answers every operation (or fails it) on its own, and a
  // long-poll is answered by the Engine.IO heartbeat at the latest.
  stream_.expires_never();
  awaiting_answer_ = true;
  handler_.handle(std::move(req), conn, responder());
}

Responder HttpSession::responder() {
  auto self = shared_from_this();
  return Responder(
      [self](Response res) {
        net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
      },
      [self](std::function<void()> callback) {
        net::post(self->stream_.get_executor(),
                  [self, callback = std::move(callback)]() mutable { self->watch_for_abort(std::move(callback)); });
      });
}

void HttpSession::watch_for_abort(std::function<void()> callback) {
  if (!awaiting_answer_) return;
  abort_callback_ = std::move(callback);
  arm_abort_watch();
}

void HttpSession::arm_abort_watch() {
  stream_.socket().async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->awaiting_answer_ || !self->abort_callback_) return;
    // Readable while we owe an answer: the peer closed (EOF / reset) or pipelined another request — or nothing
    // at all: a readiness event for bytes the request read already consumed. The peek must not block (a blocking
    // one would hold this I/O thread, and the answer queued behind it on the shard, until the client sends more).
    switch (peek_socket(self->stream_.socket().native_handle())) {
      case Peek::data:
        return;  // pipelined data: not an abort; stop watching
      case Peek::nothing:
        return self->arm_abort_watch();
      case Peek::closed:
        break;
    }
    auto run = std::move(self->abort_callback_);
    self->abort_callback_ = nullptr;
    run();
  });
}

void HttpSession::send(Response res) {
  awaiting_answer_ = false;
  if (abort_callback_) {
    abort_callback_ = nullptr;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);  // ends the abort watch; nothing else is pending on the socket now
  }
  res.keep_alive(keep_alive_ && res.keep_alive());
  // An answer to HEAD carries the Content-Length of what GET would send, with no body: keep it.
  if (!(res.body().empty() && res.has_content_length())) res.prepare_payload();
  const bool close_after = res.need_eof();
  // The answer as it goes on the wire, in one buffer, handed to the kernel at once: it usually takes all of it,
  // and then no write operation, timer or serializer is involved. What it does not take is written
  // asynchronously, with the request timeout (a client that does not read its answer is dropped).
  wire_.clear();
  append_wire(wire_, res);
  std::size_t sent = 0;
  const int fd = stream_.socket().native_handle();
  while (sent < wire_.size()) {
    const ssize_t n = ::send(fd, wire_.data() + sent, wire_.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      return close();
    }
  }
  if (sent == wire_.size()) return on_write(close_after, {});
  stream_.expires_after(limits_.request_timeout);
  asio::async_write(
      stream_, asio::buffer(wire_.data() + sent, wire_.size() - sent),
      [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) { self->on_write(close_after, ec); });
}

void HttpSession::on_write(bool close_after, beast::error_code ec) {
  if (wire_.capacity() > kKeptWireCapacity) std::string().swap(wire_);  // a large answer: do not keep its buffer
  if (ec || close_after) return close();
  do_read();
}

void HttpSession::fail_with(errc code, const Request* req, std::string_view message) {
  keep_alive_ = false;  // the rest of the stream cannot be trusted after a transport error
  stream_.expires_never();
  // A body over its limit may concern what the request was for (an Engine.IO session is closed): the handler
  // answers once that is done, so a client that hears the 413 finds the session closed.
  if (code == errc::payload_too_large && req) return handler_.refuse(code, req, message, responder());
  send(handler_.transport_error(code, req, message));
}

void HttpSession::close() {
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  stream_.close();
}

}  // namespace hearth::net
